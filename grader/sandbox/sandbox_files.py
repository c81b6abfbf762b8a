"""Files every sandbox is given, written once per content into a directory of the grader's.

A :class:`SandboxFiles` holds the sandbox's ``/etc`` (``passwd``, ``group``, ``hosts``,
``nsswitch.conf``: see :mod:`grader.sandbox.sandbox_user`) and the seccomp program
(``seccomp.bpf``, see :mod:`grader.sandbox.seccomp`). bwrap binds the ``/etc`` files and
reads the program from a descriptor; the container launcher mounts them all read-only.

Where: ``/run/gradelab-sandbox`` when the grader is root (root's, mode 0755, so bwrap,
running as the sandbox user, can read what it binds), else a directory of the grader's own
in the temp directory (0700). Each set lives in a subdirectory named after its content
hash, made complete under a temporary name and renamed into place, so concurrent graders
share it and never see half of it. The same directory holds ``stage/``, the empty mount
point where a root grader puts the sandbox's sources before dropping to the sandbox user
(see :mod:`grader.sandbox.child_setup`).
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from grader.errors import SandboxUnavailable
from grader.sandbox.sandbox_user import SandboxUser
from grader.sandbox.seccomp import syscall_filter

ROOT_STATE_DIR = Path("/run/gradelab-sandbox")
SECCOMP_NAME = "seccomp.bpf"
#: Where the container launcher mounts the seccomp program (the student side installs it).
SECCOMP_MOUNT = "/etc/gradelab/seccomp.bpf"


def state_dir() -> Path:
    """The grader's directory for sandbox files; created, and checked to be its own."""
    if os.geteuid() == 0:
        directory, mode = ROOT_STATE_DIR, 0o755
    else:
        directory, mode = Path(tempfile.gettempdir()) / f"gradelab-sandbox-{os.geteuid()}", 0o700
    try:
        directory.mkdir(mode=mode, parents=True, exist_ok=True)
        status = os.lstat(directory)
    except OSError as exc:
        raise SandboxUnavailable(f"cannot make the sandbox's state directory {directory}: {exc}") from exc
    if not os.path.isdir(directory) or os.path.islink(directory) or status.st_uid != os.geteuid() \
            or status.st_mode & 0o022:
        raise SandboxUnavailable(
            f"{directory} is not a directory only this user can change (owner uid {status.st_uid}, "
            f"mode {status.st_mode & 0o7777:o}): remove it and grade again")
    return directory


def stage_dir() -> Path:
    """The empty mount point a root grader stages the sandbox's sources on."""
    directory = state_dir() / "stage"
    directory.mkdir(mode=0o755, exist_ok=True)
    return directory


@dataclass(frozen=True)
class SandboxFiles:
    directory: Path

    @property
    def seccomp(self) -> Path:
        return self.directory / SECCOMP_NAME

    def etc(self, name: str) -> Path:
        return self.directory / "etc" / name

    @property
    def etc_names(self) -> list[str]:
        return sorted(p.name for p in (self.directory / "etc").iterdir())

    def placed_in(self, directory: Path) -> SandboxFiles:
        """The same files in ``directory`` (the container launcher's: the engine mounts host
        paths, and a run's directory is the one path a grader in a container shares with
        the host). Made, complete, on the first call."""
        if not (directory / SECCOMP_NAME).exists():
            draft = Path(tempfile.mkdtemp(prefix=".files-", dir=directory.parent))
            shutil.copytree(self.directory, draft, dirs_exist_ok=True)
            draft.chmod(0o755)
            try:
                draft.rename(directory)
            except OSError:   # placed by another start in between
                shutil.rmtree(draft, ignore_errors=True)
        return SandboxFiles(directory)

    @classmethod
    def for_user(cls, user: SandboxUser) -> SandboxFiles:
        contents = {f"etc/{name}": text.encode() for name, text in user.etc_files().items()}
        contents[SECCOMP_NAME] = syscall_filter()
        digest = hashlib.sha256()
        for name in sorted(contents):
            digest.update(name.encode() + b"\0" + contents[name] + b"\0")
        parent = state_dir()
        final = parent / f"files-{digest.hexdigest()[:16]}"
        if not final.is_dir():
            draft = Path(tempfile.mkdtemp(prefix=".files-", dir=parent))
            for name, data in contents.items():
                path = draft / name
                path.parent.mkdir(mode=0o755, exist_ok=True)
                path.write_bytes(data)
                path.chmod(0o644)
            draft.chmod(0o755)
            try:
                draft.rename(final)
            except OSError:   # another grader put the same set in place first
                shutil.rmtree(draft, ignore_errors=True)
        return cls(final)
