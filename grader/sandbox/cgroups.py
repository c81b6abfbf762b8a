"""Control groups that cap the process count and memory of one sandboxed process tree.

``rlimit``s cannot do this job when the grader runs as root: RLIMIT_NPROC does not apply
to root (a fork bomb ran to 32k processes in a probe here), and RLIMIT_AS counts address
space, not memory. A cgroup counts every process and page of the tree, whatever its uid.

Both hierarchies are handled: cgroup v2 (one unified mount) and v1 (separate ``pids`` and
``memory`` mounts). A group is made under the grader's own cgroup, or, when that cannot
have children and the grader is root, under ``gradelab-sandboxes`` at the top of the
hierarchy (made, with its controllers enabled, on first use). The group is joined by the
forked child while it is still root, before it drops to the sandbox user, so that user
needs no rights on it. When no writable hierarchy with the needed controllers exists,
:meth:`LimitGroup.create` returns None and the launcher falls back to rlimits (never an
address-space limit under CUDA), saying so in the run's notes.
"""

from __future__ import annotations

import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

from grader.sandbox.limits import Limits

#: GradeLab's group at the top of a hierarchy, for when the grader's own group cannot be used.
TOP_GROUP = "gradelab-sandboxes"


def _mounts() -> list[tuple[str, str, str]]:
    """(mount point, fstype, options) of every cgroup mount."""
    found = []
    try:
        lines = Path("/proc/self/mounts").read_text().splitlines()
    except OSError:
        return found
    for line in lines:
        parts = line.split()
        if len(parts) >= 4 and parts[2] in ("cgroup", "cgroup2"):
            found.append((parts[1], parts[2], parts[3]))
    return found


def _own_paths() -> dict[str, str]:
    """controller (or '' for v2) -> this process's cgroup path."""
    paths: dict[str, str] = {}
    try:
        lines = Path("/proc/self/cgroup").read_text().splitlines()
    except OSError:
        return paths
    for line in lines:
        _, controllers, path = line.split(":", 2)
        for controller in controllers.split(",") if controllers else [""]:
            paths[controller] = path
    return paths


def _parents(mount: Path, own: str) -> Iterator[Path]:
    """Where a sandbox's group may go: under the grader's own group, else (root only) under
    a group of GradeLab's at the top of the hierarchy, made for this purpose. The second
    serves where the own group cannot have children: a cgroup v2 group that holds processes
    cannot hand controllers to children, and a service manager may own the grader's group."""
    yield mount / own.lstrip("/")
    if os.geteuid() == 0:
        top = mount / TOP_GROUP
        try:
            top.mkdir(exist_ok=True)
        except OSError:
            return
        yield top


def _delegate_v2(parent: Path) -> bool:
    """Enable the pids and memory controllers for ``parent``'s children (v2); whether it worked."""
    chain = [parent]
    if parent.name == TOP_GROUP:   # GradeLab's own top group: the root must hand them down first
        chain.insert(0, parent.parent)
    try:
        for group in chain:
            available = (group / "cgroup.controllers").read_text().split()
            if not {"pids", "memory"} <= set(available):
                return False
            if not {"pids", "memory"} <= set((group / "cgroup.subtree_control").read_text().split()):
                (group / "cgroup.subtree_control").write_text("+pids +memory")
    except OSError:
        return False
    return True


def _make_child(parent: Path, name: str) -> Path | None:
    child = parent / name
    try:
        child.mkdir()
    except OSError:
        return None
    return child


class LimitGroup:
    """One cgroup (v2) or a pair of cgroups (v1 pids + memory) for one sandbox process."""

    def __init__(self, version: int, dirs: dict[str, Path]):
        self.version = version
        self.dirs = dirs  # v2: {"": dir}; v1: {"pids": dir, "memory": dir}
        self._proc_fds: list[int] = []

    # --- creation --------------------------------------------------------------------
    @classmethod
    def create(cls, limits: Limits) -> LimitGroup | None:
        name = f"gradelab-{uuid.uuid4().hex[:12]}"
        return cls._create_v2(name, limits) or cls._create_v1(name, limits)

    @classmethod
    def _create_v2(cls, name: str, limits: Limits) -> LimitGroup | None:
        own = _own_paths().get("")
        for mount, fstype, _ in _mounts():
            if fstype != "cgroup2" or own is None:
                continue
            for parent in _parents(Path(mount), own):
                if not _delegate_v2(parent):
                    continue
                child = _make_child(parent, name)
                if child is None:
                    continue
                group = cls(2, {"": child})
                try:
                    (child / "pids.max").write_text(str(limits.max_processes))
                    (child / "memory.max").write_text(str(limits.memory_mb << 20))
                    if (child / "memory.swap.max").exists():
                        (child / "memory.swap.max").write_text("0")
                except OSError:
                    group.remove()
                    continue
                return group
        return None

    @classmethod
    def _create_v1(cls, name: str, limits: Limits) -> LimitGroup | None:
        own = _own_paths()
        dirs: dict[str, Path] = {}
        for mount, fstype, options in _mounts():
            if fstype != "cgroup":
                continue
            for controller in ("pids", "memory"):
                if controller in options.split(",") and controller not in dirs and controller in own:
                    for parent in _parents(Path(mount), own[controller]):
                        child = _make_child(parent, name)
                        if child is not None:
                            dirs[controller] = child
                            break
        group = cls(1, dirs)
        if set(dirs) != {"pids", "memory"}:
            group.remove()
            return None
        try:
            (dirs["pids"] / "pids.max").write_text(str(limits.max_processes))
            (dirs["memory"] / "memory.limit_in_bytes").write_text(str(limits.memory_mb << 20))
        except OSError:
            group.remove()
            return None
        try:  # without swap accounting this file is absent; the limit above still holds
            (dirs["memory"] / "memory.memsw.limit_in_bytes").write_text(str(limits.memory_mb << 20))
        except OSError:
            pass
        return group

    # --- use -------------------------------------------------------------------------
    def open_for_child(self) -> None:
        """Open the ``cgroup.procs`` files now, so the forked child only has to write."""
        self._proc_fds = [os.open(d / "cgroup.procs", os.O_WRONLY) for d in self.dirs.values()]

    def join_from_child(self) -> None:
        """Runs in the forked child before exec: move it (and all it starts) into the group."""
        for fd in self._proc_fds:
            os.write(fd, b"0")

    def close_for_child(self) -> None:
        for fd in self._proc_fds:
            os.close(fd)
        self._proc_fds = []

    def memory_killed(self) -> bool:
        """Whether the kernel killed a process of the group for exceeding the memory cap."""
        path = self.dirs[""] / "memory.events" if self.version == 2 else self.dirs["memory"] / "memory.oom_control"
        try:
            for line in path.read_text().splitlines():
                key, _, value = line.partition(" ")
                if key == "oom_kill" and int(value) > 0:
                    return True
        except (OSError, ValueError, KeyError):
            pass
        return False

    def pids(self) -> list[int]:
        directory = self.dirs.get("") or self.dirs.get("pids")
        try:
            return [int(p) for p in (directory / "cgroup.procs").read_text().split()]
        except (OSError, ValueError, AttributeError):
            return []

    def kill_all(self) -> None:
        if self.version == 2 and (self.dirs[""] / "cgroup.kill").exists():
            try:
                (self.dirs[""] / "cgroup.kill").write_text("1")
            except OSError:
                pass
        for _ in range(50):
            pids = self.pids()
            if not pids:
                return
            for pid in pids:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            time.sleep(0.02)

    def remove(self) -> None:
        self.close_for_child()
        for directory in self.dirs.values():
            for _ in range(50):
                try:
                    directory.rmdir()
                    break
                except FileNotFoundError:
                    break
                except OSError:
                    time.sleep(0.02)
