"""The container launcher's sandbox image, assembled on this machine from its own Python.

No registry is needed: the image holds this machine's Python installation and the
project's virtual environment, at the same paths as here (so the interpreter finds its
libraries and packages exactly as the bwrap sandbox does), the system libraries they link
against (``ldd``'s closure), ``/bin/sh``, the dynamic linker's cache and a minimal /etc.
Left out: GradeLab itself (its editable install), the solutions, the secret key, var/,
and what a sandbox never runs (the standard library's tests, the base installation's own
site-packages when the virtual environment does not use them, headers, man pages).

It is imported as one layer from a tar stream (``podman import`` / ``docker import``),
tagged ``gradelab-sandbox-<python>:<content hash>`` and reused for as long as the content is
the same: the hash covers every included file's path, size and modification time and the
system's package database, so a build is a stat walk when nothing changed. Older tags of
the same Python are removed after a new build.

    python -m grader.sandbox.image [--binary podman] [--runtime runc]    # prints the tag
    GRADELAB_SANDBOX=docker GRADELAB_SANDBOX_IMAGE=<tag> GRADELAB_DOCKER_BINARY=podman ...

(docker/grader.Dockerfile's ``sandbox`` target is the image to build where a registry is
reachable; this one needs nothing but the machine.)
"""

from __future__ import annotations

import argparse
import fcntl
import hashlib
import io
import json
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from grader.errors import SandboxUnavailable
from grader.sandbox.bwrap import SYSTEM_DIRS, python_roots
from grader.sandbox.sandbox_files import state_dir
from grader.sandbox.sandbox_user import HOME

#: Bumped when what goes into the image changes in a way file stats cannot show.
RECIPE_VERSION = 1
#: System files every image gets besides the libraries the Python links against.
SYSTEM_FILES = ("/bin/sh", "/etc/ld.so.cache")
#: Libraries loaded with dlopen (no ldd line names them): glibc's unwinder for thread exit.
DLOPENED_LIBRARIES = ("libgcc_s.so.1",)
#: Files of the package database: when they change, system libraries may have.
PACKAGE_DATABASES = ("/var/lib/dpkg/status", "/var/lib/rpm/rpmdb.sqlite", "/lib/apk/db/installed")
#: Empty mount points and their modes.
IMAGE_DIRS = {"/tmp": 0o1777, HOME: 0o755, "/submission": 0o755, "/runtime": 0o755,
              "/inputs": 0o755, "/etc/gradelab": 0o755, "/proc": 0o555, "/sys": 0o555, "/dev": 0o755}
IMAGE_ETC = {
    "passwd": "root:x:0:0:root:/root:/usr/sbin/nologin\n",
    "group": "root:x:0:\n",
    "nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files\n",
    "hosts": "127.0.0.1\tlocalhost\n",
}


def under_mount_points(trees: list[Path]) -> list[Path]:
    """Those of ``trees`` that lie under a mount point of the sandbox (a checkout in /tmp):
    each container mounts a fresh tmpfs or the run's files there, over the image's copy, so
    the container launcher binds them again, read-only, from the host."""
    mounts = [Path(point) for point in IMAGE_DIRS]
    return [tree for tree in trees if any(tree.is_relative_to(point) for point in mounts)]


@dataclass
class ImageContent:
    """What goes into the image: whole directory trees, single files, and the PATH."""

    python: Path                                    # the interpreter the image runs as `python`
    trees: list[Path] = field(default_factory=list)
    excluded: set[Path] = field(default_factory=set)
    files: list[Path] = field(default_factory=list)

    @classmethod
    def of_this_python(cls, python: str = sys.executable) -> ImageContent:
        content = cls(Path(os.path.abspath(python)))   # normalised: "bench/../.venv" is the same Python
        base = Path(sys.base_prefix).resolve()
        venv = Path(sys.prefix).resolve()
        stdlib = Path(sysconfig.get_path("stdlib"))
        if any(base.is_relative_to(d) for d in SYSTEM_DIRS):
            # A system Python: only its standard library and interpreter, not all of /usr.
            content.trees = [stdlib, *python_roots(python)]
            content.files.append(Path(sys._base_executable).resolve())
        else:
            content.trees = python_roots(python)
            content.excluded |= {base / "include", base / "share", stdlib / "test", stdlib / "idlelib",
                                 *stdlib.glob("config-*")}
            if venv != base and not _venv_uses_base_packages(venv):
                content.excluded.add(Path(sysconfig.get_path("purelib", vars={"base": str(base)})))
        content.excluded |= _editable_installs(venv)
        return content

    # --- the files ----------------------------------------------------------------------
    def walk(self) -> Iterator[Path]:
        """Every directory, file and link of the trees, excluded paths left out."""
        for tree in self.trees:
            for directory, subdirectories, files in os.walk(tree):
                here = Path(directory)
                kept = sorted(d for d in subdirectories if here / d not in self.excluded)
                subdirectories[:] = [d for d in kept if not (here / d).is_symlink()]
                yield here
                for name in sorted(files) + [d for d in kept if (here / d).is_symlink()]:
                    if here / name not in self.excluded:
                        yield here / name

    def digest(self) -> str:
        """A hash of everything the image would hold, from file stats (no file is read)."""
        digest = hashlib.sha256(f"{RECIPE_VERSION}\0{self.python}\0{sorted(IMAGE_ETC.items())}\0".encode())
        for path in [*self.walk(), *self.files, *map(Path, SYSTEM_FILES), *map(Path, PACKAGE_DATABASES)]:
            try:
                status = os.lstat(path)
            except OSError:
                continue
            digest.update(f"{path}\0{status.st_mode}\0{status.st_size}\0{status.st_mtime_ns}\n".encode())
        return digest.hexdigest()[:16]

    def system_libraries(self) -> list[Path]:
        """The libraries outside the trees that the trees' programs and libraries need."""
        objects = [p for p in self.walk() if p.is_file() and not p.is_symlink() and _is_elf(p)]
        objects += [p for p in self.files if _is_elf(p)] + [Path(os.path.realpath("/bin/sh"))]
        found: set[Path] = set()
        for start in range(0, len(objects), 200):
            completed = subprocess.run(["ldd", *map(str, objects[start:start + 200])],
                                       capture_output=True, text=True, check=False)
            for match in re.finditer(r"(?:=>\s*)?(/\S+)\s+\(0x", completed.stdout):
                path = Path(match.group(1))
                if not any(path.is_relative_to(tree) for tree in self.trees):
                    found.add(path)
        return sorted(found | set(_cached_libraries(DLOPENED_LIBRARIES)))


def _venv_uses_base_packages(venv: Path) -> bool:
    config = venv / "pyvenv.cfg"
    return config.exists() and "include-system-site-packages = true" in config.read_text()


def _editable_installs(venv: Path) -> set[Path]:
    """Files of packages installed in editable mode (GradeLab's own): never in the image."""
    left_out: set[Path] = set()
    site = Path(sysconfig.get_path("purelib", vars={"base": str(venv)}))
    for direct_url in site.glob("*.dist-info/direct_url.json"):
        try:
            editable = json.loads(direct_url.read_text()).get("dir_info", {}).get("editable", False)
        except (OSError, ValueError):
            continue
        if not editable:
            continue
        info = direct_url.parent
        left_out.add(info)
        record = info / "RECORD"
        for line in record.read_text().splitlines() if record.exists() else []:
            path = (site / line.split(",")[0]).resolve()
            left_out.add(path)
    return left_out


def _is_elf(path: Path) -> bool:
    try:
        with open(path, "rb") as handle:
            return handle.read(4) == b"\x7fELF"
    except OSError:
        return False


def _cached_libraries(names: tuple[str, ...]) -> list[Path]:
    """Where the dynamic linker's cache finds ``names`` (this machine's architecture)."""
    completed = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=False)
    found = []
    for name in names:
        for line in completed.stdout.splitlines():
            if line.strip().startswith(name + " ") and "=>" in line:
                found.append(Path(line.split("=>")[1].strip()))
                break
    return found


# --- the tar stream ---------------------------------------------------------------------
class _Archive:
    """A tar stream of host paths at the same paths, links kept, owned by root."""

    def __init__(self, stream):
        self.tar = tarfile.open(fileobj=stream, mode="w|", format=tarfile.PAX_FORMAT)
        self.added: set[str] = set()

    def _info(self, tarinfo: tarfile.TarInfo) -> tarfile.TarInfo:
        tarinfo.uid = tarinfo.gid = 0
        tarinfo.uname = tarinfo.gname = "root"
        tarinfo.mode &= 0o755   # no set-id bits, no group or other write
        return tarinfo

    def add_parents(self, path: Path) -> Path:
        """Add ``path``'s ancestors (links among them as links); returns its real parent."""
        real = Path("/")
        for part in path.parent.parts[1:]:
            candidate = real / part
            if candidate.is_symlink():
                self.add_link(candidate)
                real = Path(os.path.realpath(candidate))
            else:
                self.add_dir(candidate)
                real = candidate
        return real

    def add_dir(self, path: Path, mode: int | None = None) -> None:
        name = str(path).lstrip("/")
        if name in self.added:
            return
        self.added.add(name)
        info = tarfile.TarInfo(name)
        info.type, info.mode, info.mtime = tarfile.DIRTYPE, mode if mode is not None else 0o755, 0
        self.tar.addfile(info)

    def add_link(self, path: Path) -> None:
        """A symlink as it is, and what it points to."""
        name = str(path).lstrip("/")
        if name in self.added:
            return
        self.add_parents(path)
        self.added.add(name)
        self.tar.add(str(path), arcname=name, recursive=False, filter=self._info)
        self.add_path(Path(os.path.normpath(path.parent / os.readlink(path))))

    def add_path(self, path: Path) -> None:
        """A file, directory or link from the host, with whatever its path goes through."""
        if not os.path.lexists(path):
            return
        real_parent = self.add_parents(path)
        path = real_parent / path.name
        name = str(path).lstrip("/")
        if name in self.added:
            return
        if path.is_symlink():
            self.add_link(path)
            return
        self.added.add(name)
        self.tar.add(str(path), arcname=name, recursive=False, filter=self._info)

    def add_text(self, path: str, text: str, mode: int = 0o644) -> None:
        self.add_parents(Path(path))
        data = text.encode()
        info = tarfile.TarInfo(path.lstrip("/"))
        info.size, info.mode, info.mtime = len(data), mode, 0
        self.added.add(info.name)
        self.tar.addfile(info, io.BytesIO(data))

    def close(self) -> None:
        self.tar.close()


def write_image_tar(content: ImageContent, stream) -> None:
    archive = _Archive(stream)
    for path, mode in IMAGE_DIRS.items():
        archive.add_dir(Path(path), mode)
    for name, text in IMAGE_ETC.items():
        archive.add_text(f"/etc/{name}", text)
    for path in content.walk():
        archive.add_path(path)
    for path in [*content.files, *map(Path, SYSTEM_FILES), *content.system_libraries()]:
        archive.add_path(path)
    archive.close()


# --- the engine -------------------------------------------------------------------------
def image_name(python: Path) -> str:
    """The repository of this Python's images: one per interpreter path on the machine."""
    return f"localhost/gradelab-sandbox-{hashlib.sha256(str(python).encode()).hexdigest()[:8]}"


def ensure_image(binary: str = "podman", runtime: str | None = None, python: str = sys.executable,
                 log=None) -> str:
    """The tag of this Python's sandbox image, built first if its content changed.

    Raises SandboxUnavailable when the engine is missing or the build fails."""
    if shutil.which(binary) is None:
        raise SandboxUnavailable(f"the container engine's client `{binary}` is not installed: "
                                 "`apt-get install -y podman runc` as root (make system-deps does)")
    content = ImageContent.of_this_python(python)
    tag = f"{image_name(content.python)}:{content.digest()}"
    engine = [binary, *(["--runtime", runtime] if runtime and "podman" in Path(binary).name else [])]
    with open(state_dir() / "image.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)   # one build at a time on this machine; the others reuse it
        if _exists(engine, tag):
            return tag
        started = time.monotonic()
        _build(engine, content, tag)
        _check(engine, tag, runtime if "podman" not in Path(binary).name else None)
        _remove_older(engine, tag)
        if log:
            log(f"built the sandbox image {tag} in {time.monotonic() - started:.0f}s")
    return tag


def _exists(engine: list[str], tag: str) -> bool:
    return subprocess.run([*engine, "image", "inspect", tag], capture_output=True, check=False).returncode == 0


def _build(engine: list[str], content: ImageContent, tag: str) -> None:
    path = os.pathsep.join([str(content.python.parent), "/usr/local/bin", "/usr/bin", "/bin"])
    command = [*engine, "import", "--change", f"ENV PATH={path}", "--change", "WORKDIR /tmp",
               "--change", "USER 65534:65534", "--message", "GradeLab sandbox, from this machine's Python",
               "-", tag]
    with tempfile.TemporaryFile() as errors:   # a file, not a pipe: we are busy writing stdin
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=errors)
        try:
            write_image_tar(content, process.stdin)
        except BrokenPipeError:
            pass   # the engine stopped reading: its status and message say why
        finally:
            try:
                process.stdin.close()
            except BrokenPipeError:
                pass
        if process.wait() != 0:
            errors.seek(0)
            raise SandboxUnavailable(f"`{' '.join(command[:-2])}` failed: "
                                     f"{errors.read().decode(errors='replace')[-2000:]}")


def _check(engine: list[str], tag: str, docker_runtime: str | None) -> None:
    """Start the image once: a broken image is reported at build time, not as a crashed check."""
    run = [*engine, "run", *(["--runtime", docker_runtime] if docker_runtime else []), "--rm",
           "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024", tag,
           "python", "-I", "-c", "import numpy, torch; print('ok')"]
    completed = subprocess.run(run, capture_output=True, text=True, check=False, timeout=300)
    if completed.stdout.strip() != "ok":
        subprocess.run([*engine, "rmi", "--force", tag], capture_output=True, check=False)
        raise SandboxUnavailable(f"the sandbox image {tag} cannot import numpy and torch: "
                                 f"{(completed.stderr or completed.stdout)[-2000:]}")


def _remove_older(engine: list[str], tag: str) -> None:
    repository, _, current = tag.rpartition(":")
    listed = subprocess.run([*engine, "images", "--format", "{{.Repository}}:{{.Tag}}"],
                            capture_output=True, text=True, check=False).stdout.split()
    for image in listed:
        name, _, version = image.rpartition(":")
        if name == repository and version != current:
            subprocess.run([*engine, "rmi", image], capture_output=True, check=False)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m grader.sandbox.image", description=__doc__.split("\n\n")[0])
    parser.add_argument("--binary", default="podman", help="docker or podman (default: podman)")
    parser.add_argument("--runtime", default=None, help="OCI runtime for the engine (e.g. runc)")
    args = parser.parse_args(argv)
    try:
        print(ensure_image(args.binary, args.runtime, log=lambda text: print(text, file=sys.stderr)))
    except SandboxUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
