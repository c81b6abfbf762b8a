"""What the forked child does before it execs the sandbox (runs between fork and exec).

Everything is decided in the parent; the child only makes system calls, in this order:

1. join the run's cgroup (while it is still root and may write ``cgroup.procs``);
2. set the rlimits;
3. stage (root grader, bwrap only): in a private mount namespace, bind the sandbox's
   sources (the Python, the runtime, the submission, the inputs) under one directory the
   sandbox user can reach. bwrap resolves its bind sources as the user it runs as, and the
   sources' host parents are not that user's to enter (``/root`` is 0700, the run's work
   directory is 0700). Nothing of this is seen outside the child's mount namespace;
4. drop to the sandbox user: supplementary groups cleared, then gid, then uid (real,
   effective and saved), so no way back to root remains.
"""

from __future__ import annotations

import ctypes
import os
import resource
from dataclasses import dataclass, field
from pathlib import Path

from grader.sandbox.cgroups import LimitGroup
from grader.sandbox.sandbox_user import SandboxUser

#: Exit status of a child whose set-up failed (it says why on stderr; exec never happened).
SETUP_FAILED = 126
CLONE_NEWNS = 0x00020000
MS_NOSUID, MS_NODEV, MS_BIND, MS_REC, MS_PRIVATE = 0x2, 0x4, 0x1000, 0x4000, 0x40000

# Loaded in the parent: a forked child of a threaded process must not dlopen.
_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong, ctypes.c_char_p]
_libc.unshare.argtypes = [ctypes.c_int]


def _check(result: int, what: str) -> None:
    if result != 0:
        number = ctypes.get_errno()
        raise OSError(number, f"{what}: {os.strerror(number)}")


@dataclass
class ChildSetup:
    """The steps above for one start; call it in the child (``preexec_fn``)."""

    rlimits: dict[int, tuple[int, int]] = field(default_factory=dict)
    group: LimitGroup | None = None
    stage: Path | None = None                           # mount point of the staged sources
    sources: list[Path] = field(default_factory=list)   # staged as stage/0, stage/1, ...
    user: SandboxUser | None = None                     # switch to it (only from root)

    def staged(self, source: Path) -> Path:
        """Where ``source`` is seen by the exec'd program (itself when nothing is staged)."""
        if self.stage is None:
            return source
        return self.stage / str(self.sources.index(source))

    def __call__(self) -> None:
        try:
            self._run()
        except BaseException as exc:  # noqa: BLE001 - say why on stderr, never exec half set up
            os.write(2, f"the sandbox could not be set up: {exc}\n".encode(errors="replace"))
            os._exit(SETUP_FAILED)

    def _run(self) -> None:
        if self.group is not None:
            self.group.join_from_child()
        for limit, values in self.rlimits.items():
            resource.setrlimit(limit, values)
        if self.stage is not None:
            self._stage()
        if self.user is not None:
            os.setgroups([])
            os.setresgid(self.user.gid, self.user.gid, self.user.gid)
            os.setresuid(self.user.uid, self.user.uid, self.user.uid)

    def _stage(self) -> None:
        stage = bytes(self.stage)
        _check(_libc.unshare(CLONE_NEWNS), "unshare(CLONE_NEWNS)")
        _check(_libc.mount(None, b"/", None, MS_REC | MS_PRIVATE, None), "making / private")
        _check(_libc.mount(b"gradelab-stage", stage, b"tmpfs", MS_NOSUID | MS_NODEV, b"mode=0755,size=64k"),
               f"mounting a tmpfs on {self.stage}")
        for index, source in enumerate(self.sources):
            point = self.stage / str(index)
            if source.is_dir():
                point.mkdir(mode=0o755)
            else:
                point.touch(mode=0o644)
            _check(_libc.mount(bytes(source), bytes(point), None, MS_BIND | MS_REC, None),
                   f"binding {source} on {point}")
