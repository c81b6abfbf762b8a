"""Bubblewrap launcher (the default): namespaces, read-only binds, a seccomp filter.

Inside: a read-only view of the system and of the Python that runs the grader, the staged
submission read-only at /submission, the runtime read-only at /runtime, the run's shared
inputs read-only at /inputs, private size-capped tmpfs mounts at /tmp, /dev/shm and the
home (/home/sandbox) as the only writable places, the sandbox's own /etc/passwd, /etc/group, /etc/hosts, fresh /proc and
/dev, no network (own network namespace with only a down loopback), own PID, IPC, UTS and
cgroup namespaces, no capabilities, no further user namespaces. Nothing else of the machine
is there: not the solutions, the data labels, the database or other submissions, and no
/sys. In the fresh /proc, the host-global parts are read-only (/proc/sys, sysrq-trigger,
bus, fs, irq) or masked (kcore, kallsyms, keys, timer_list, ...). The seccomp filter of
:mod:`grader.sandbox.seccomp` is applied before the Python starts.

Whoever runs the grader, the sandbox is not root on the host: a root grader drops to the
``gradelab-sandbox`` user before it starts bwrap (:mod:`grader.sandbox.sandbox_user`), so
bwrap runs unprivileged and its user namespace maps that user only. Limits come from a
cgroup joined before the drop, and rlimits.
"""

from __future__ import annotations

import functools
import glob
import os
import shutil
import subprocess
import sys
from pathlib import Path

from grader.errors import SandboxUnavailable
from grader.sandbox.base import (
    INPUTS_MOUNT,
    Launcher,
    SandboxSpec,
    child_environment,
    serve_arguments,
)
from grader.sandbox.cgroups import LimitGroup
from grader.sandbox.child_setup import ChildSetup
from grader.sandbox.sandbox_files import stage_dir
from grader.sandbox.sandbox_user import HOME, HOSTNAME, SandboxUser

#: Top-level system directories the interpreter and its libraries need.
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: Single files of the host's /etc that the dynamic linker and libraries read.
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/localtime")

#: Parts of /proc that reach the whole machine, not the sandbox's own processes: read-only...
PROC_READ_ONLY = ("sys", "sysrq-trigger", "bus", "fs", "irq")
#: ... or hidden (files get /dev/null on a nodev mount: opening them fails; dirs an empty
#: read-only tmpfs). Only those this kernel has: bwrap cannot create files in /proc.
PROC_MASKED_FILES = ("kcore", "kallsyms", "keys", "key-users", "kmsg", "timer_list", "timer_stats",
                     "sched_debug", "latency_stats", "kpagecount", "kpageflags", "kpagecgroup")
PROC_MASKED_DIRS = ("acpi", "asound", "scsi")


def python_roots(executable: str = sys.executable) -> list[Path]:
    """Directories that make up the running Python: its installation and its venv."""
    roots = {Path(sys.base_prefix).resolve(), Path(sys.prefix).resolve()}
    real = Path(executable).resolve()
    if not any(real.is_relative_to(root) for root in roots):
        roots.add(real.parent.parent)
    # Drop roots nested in another root and anything under the system dirs (bound anyway).
    kept = sorted(roots, key=lambda p: (len(p.parts), str(p)))
    result: list[Path] = []
    for root in kept:
        if any(root.is_relative_to(Path(d)) for d in SYSTEM_DIRS):
            continue
        if not any(root.is_relative_to(other) for other in result):
            result.append(root)
    return result


def proc_guards(proc: Path = Path("/proc")) -> list[str]:
    """bwrap options that make the host-global parts of the new /proc read-only or hidden."""
    argv: list[str] = []
    for name in PROC_READ_ONLY:
        if (proc / name).exists():
            argv += ["--ro-bind", f"/proc/{name}", f"/proc/{name}"]
    for name in PROC_MASKED_FILES:
        if (proc / name).is_file():
            argv += ["--ro-bind", "/dev/null", f"/proc/{name}"]
    for name in PROC_MASKED_DIRS:
        if (proc / name).is_dir():
            argv += ["--tmpfs", f"/proc/{name}", "--remount-ro", f"/proc/{name}"]
    return argv


@functools.cache
def _userns_refusal(binary: str, uid: int, gid: int, switch: bool) -> str | None:
    """Why bwrap cannot make a user namespace as ``uid`` here (None: it can). Cached."""
    argv = [binary, "--unshare-user", "--unshare-net", "--uid", str(uid), "--gid", str(gid),
            "--ro-bind", "/", "/", "--", "true"]
    user = SandboxUser(uid, gid, dedicated=switch)
    setup = ChildSetup(user=user) if switch else None
    try:
        completed = subprocess.run(argv, preexec_fn=setup, capture_output=True, text=True, timeout=30,
                                   check=False)
    except (OSError, subprocess.SubprocessError) as exc:
        return str(exc)
    return completed.stderr.strip() or f"exit status {completed.returncode}" if completed.returncode else None


class BwrapLauncher(Launcher):
    name = "bwrap"

    def __init__(self, binary: str = "bwrap"):
        self.binary = binary


    def unavailable_reason(self) -> str | None:
        if shutil.which(self.binary) is None:
            return ("bubblewrap (bwrap) is not installed: run `make install` as root, or "
                    "`apt-get install -y bubblewrap`, or grade with --sandbox docker")
        try:
            user = self.user
            self.files  # noqa: B018 - written now, so a broken state directory is reported here
        except SandboxUnavailable as exc:
            return str(exc)
        refusal = _userns_refusal(self.binary, user.uid, user.gid, user.switches_user)
        if refusal:
            return (f"bubblewrap cannot create a user namespace as {user.describe()} ({refusal}). "
                    "Unprivileged user namespaces must be allowed: `sysctl -w kernel.unprivileged_userns_clone=1` "
                    "(Debian), `sysctl -w user.max_user_namespaces=15000`, or on Ubuntu 24.04 "
                    "`sysctl -w kernel.apparmor_restrict_unprivileged_userns=0`; or grade with --sandbox docker")
        return None

    # --- what the child does, and what it runs -------------------------------------------
    def staged_sources(self, spec: SandboxSpec) -> list[Path]:
        """The binds a root grader stages for bwrap (see grader.sandbox.child_setup)."""
        sources = [*python_roots(spec.python), spec.runtime_dir, spec.submission_dir]
        return sources + ([spec.inputs_dir] if spec.inputs_dir is not None else [])

    def child_setup(self, spec: SandboxSpec, group: LimitGroup | None) -> ChildSetup:
        setup = ChildSetup(rlimits=spec.limits.rlimits(device=spec.device, memory_cgroup=group is not None),
                           group=group)
        if self.user.switches_user:
            setup.stage, setup.sources, setup.user = stage_dir(), self.staged_sources(spec), self.user
        return setup

    def seccomp_program(self) -> Path:
        return self.files.seccomp

    def command(self, spec: SandboxSpec, instance: str = "gradelab-sandbox", *,
                seccomp_fd: int | None = None) -> list[str]:
        user, files = self.user, self.files
        staged = ChildSetup()
        if user.switches_user:
            staged = ChildSetup(stage=stage_dir(), sources=self.staged_sources(spec))
        argv = [
            self.binary,
            "--die-with-parent", "--new-session",
            "--unshare-user", "--unshare-pid", "--unshare-net", "--unshare-ipc",
            "--unshare-uts", "--unshare-cgroup-try",
            "--uid", str(user.uid), "--gid", str(user.gid),
            "--disable-userns",
            "--cap-drop", "ALL",
            "--hostname", HOSTNAME,
        ]
        if seccomp_fd is not None:
            argv += ["--seccomp", str(seccomp_fd)]
        # Fresh /proc, /dev and the tmpfs mounts first: bwrap mounts in argument order, so a
        # bind placed earlier under /tmp (a checkout or venv living there) would be hidden
        # by the tmpfs, and the GPU nodes must go on top of the fresh /dev.
        tmpfs_bytes = str(spec.limits.tmpfs_mb << 20)
        argv += [
            "--proc", "/proc", *proc_guards(),
            "--dev", "/dev", "--size", tmpfs_bytes, "--tmpfs", "/dev/shm",
            "--size", tmpfs_bytes, "--tmpfs", "/tmp",
            "--perms", "0700", "--size", tmpfs_bytes, "--tmpfs", HOME,
        ]
        for directory in SYSTEM_DIRS:
            if os.path.islink(directory):
                argv += ["--symlink", os.readlink(directory), directory]
            elif os.path.isdir(directory):
                argv += ["--ro-bind", directory, directory]
        for path in ETC_FILES:
            if os.path.exists(path):
                argv += ["--ro-bind", path, path]
        for name in files.etc_names:
            argv += ["--ro-bind", str(files.etc(name)), f"/etc/{name}"]
        for root in python_roots(spec.python):
            argv += ["--ro-bind", str(staged.staged(root)), str(root)]
        if spec.device == "cuda":
            for node in sorted(glob.glob("/dev/nvidia*")):
                argv += ["--dev-bind", node, node]
        argv += [
            "--ro-bind", str(staged.staged(spec.runtime_dir)), "/runtime",
            "--ro-bind", str(staged.staged(spec.submission_dir)), "/submission",
        ]
        if spec.inputs_dir is not None:
            argv += ["--ro-bind", str(staged.staged(spec.inputs_dir)), INPUTS_MOUNT]
        # Last: the sandbox's root and /dev (bwrap's own tmpfs mounts, where it made the mount
        # points and device nodes, with no size cap) read-only; /tmp, the home and /dev/shm
        # stay the only writable places, each size-capped. The interpreter by a normalised
        # path: "bench/../.venv/bin/python" goes through a directory the sandbox lacks.
        argv += ["--remount-ro", "/dev", "--remount-ro", "/", "--chdir", "/tmp", "--", os.path.abspath(spec.python)]
        return argv + serve_arguments("/runtime", "/submission", spec, INPUTS_MOUNT)

    def environment(self, spec: SandboxSpec) -> dict[str, str]:
        return child_environment(spec.limits, spec.device, self.user.environment())

    def containment(self, spec: SandboxSpec, group: LimitGroup | None) -> dict[str, str]:
        return {**super().containment(spec, group), "user": self.user.describe(),
                "seccomp": "bwrap applies the sandbox's filter before the Python starts"}
