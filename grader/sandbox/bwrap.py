"""Bubblewrap launcher (the default): namespaces and read-only binds, no root needed.

Inside: a read-only view of the system and of the Python that runs the grader, the staged
submission read-only at /submission, the runtime read-only at /runtime, a private
size-capped tmpfs at /tmp, fresh /proc and /dev, no network (own network namespace with
only a down loopback), own PID namespace (the student cannot see or signal the grader),
no capabilities. Nothing else of the machine is there: not the solutions, the data
labels, the database or other submissions. Limits come from a cgroup and rlimits.
"""

from __future__ import annotations

import glob
import os
import shutil
import sys
from pathlib import Path

from grader.sandbox.base import INPUTS_MOUNT, Launcher, SandboxSpec, serve_arguments

#: Top-level system directories the interpreter and its libraries need.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: Single files of /etc that the dynamic linker and libraries read.
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime", "/etc/nsswitch.conf")

PASSWD = "root:x:0:0:root:/tmp:/bin/false\nnobody:x:65534:65534:nobody:/tmp:/bin/false\n"


def python_roots(executable: str = sys.executable) -> list[Path]:
    """Directories that make up the running Python: its installation and its venv."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    real = Path(executable).resolve()
    if not any(real.is_relative_to(root) for root in roots):
        roots.add(real.parent.parent)
    # Drop roots nested in another root and anything under the system dirs (bound anyway).
    kept = sorted(roots, key=lambda p: len(p.parts))
    result: list[Path] = []
    for root in kept:
        if any(root.is_relative_to(Path(d)) for d in SYSTEM_DIRS):
            continue
        if not any(root.is_relative_to(other) for other in result):
            result.append(root)
    return result


class BwrapLauncher(Launcher):
    name = "bwrap"

    def __init__(self, binary: str = "bwrap"):
        self.binary = binary

    def unavailable_reason(self) -> str | None:
        if shutil.which(self.binary) is None:
            return ("bubblewrap (bwrap) is not installed: run `make install` as root, or "
                    "`apt-get install -y bubblewrap`, or grade with --sandbox docker")
        return None

    def command(self, spec: SandboxSpec, instance: str = "gradelab-sandbox") -> list[str]:
        argv = [
            self.binary,
            "--die-with-parent", "--new-session",
            "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try",
            "--uid", "65534", "--gid", "65534",
            "--disable-userns",
            "--cap-drop", "ALL",
            "--hostname", "sandbox",
        ]
        # Fresh /proc, /dev and the /tmp tmpfs first: bwrap mounts in argument order, so a
        # bind placed earlier under /tmp (a checkout or venv living there) would be hidden
        # by the tmpfs, and the GPU nodes must go on top of the fresh /dev.
        argv += [
            "--proc", "/proc",
            "--dev", "/dev",
            "--size", str(spec.limits.tmpfs_mb << 20), "--tmpfs", "/tmp",
        ]
        for directory in SYSTEM_DIRS:
            if os.path.islink(directory):
                argv += ["--symlink", os.readlink(directory), directory]
            elif os.path.isdir(directory):
                argv += ["--ro-bind", directory, directory]
        for path in ETC_FILES:
            if os.path.exists(path):
                argv += ["--ro-bind", path, path]
        for root in python_roots(spec.python):
            argv += ["--ro-bind", str(root), str(root)]
        if spec.device == "cuda":
            for node in sorted(glob.glob("/dev/nvidia*")):
                argv += ["--dev-bind", node, node]
        argv += [
            "--ro-bind", str(spec.runtime_dir), "/runtime",
            "--ro-bind", str(spec.submission_dir), "/submission",
        ]
        if spec.inputs_dir is not None:
            argv += ["--ro-bind", str(spec.inputs_dir), INPUTS_MOUNT]
        argv += ["--chdir", "/tmp", "--", spec.python]
        return argv + serve_arguments("/runtime", "/submission", spec, INPUTS_MOUNT)
