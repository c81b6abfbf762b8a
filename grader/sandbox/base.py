"""The launcher contract and the running student process.

Every launcher does three things (the shape of httpx's transports): build the command
that starts the student process confined its way, start it with the limits of a
:class:`~grader.sandbox.limits.Limits`, and kill it. What runs inside is always the
same: ``grader/student_side`` serving requests over its stdin/stdout.

A :class:`StudentProcess` is one started process. It reads protocol frames on a thread
(so a wait can time out), keeps what the student code prints (bounded), and can say how
the process ended ("killed by signal 11 (SIGSEGV)", "killed for memory").
"""

from __future__ import annotations

import os
import queue
import signal
import subprocess
import sys
import threading
import uuid
from abc import ABC, abstractmethod
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from grader.sandbox.cgroups import LimitGroup
from grader.sandbox.child_setup import ChildSetup
from grader.sandbox.limits import Limits, released_trusted_cap
from grader.sandbox.sandbox_files import SandboxFiles
from grader.sandbox.sandbox_user import SandboxUser
from grader.student_side import wire

#: Runs first in the student process (grader/sandbox/bootstrap.py, passed as ``-c``).
BOOTSTRAP = (Path(__file__).parent / "bootstrap.py").read_text()


@dataclass(frozen=True)
class SandboxSpec:
    """What to start: where the runtime and the staged submission are on this machine."""

    runtime_dir: Path      # student_side/ and scenarios/ (copied; no other grader code)
    submission_dir: Path   # the staged submission: student files + pristine provided files
    package: str           # e.g. "cs231n"
    inputs_dir: Path | None = None   # large inputs the trusted side shares (wire.FileSpill), read-only
    limits: Limits = field(default_factory=Limits)
    device: str = "cpu"
    python: str = sys.executable


def child_environment(limits: Limits, device: str, identity: dict[str, str]) -> dict[str, str]:
    """A clean environment: nothing of the grader's (no secrets, no database URL) gets in.

    ``identity``: who the process is and where its home and caches are
    (:meth:`SandboxUser.environment`)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        **identity,
        **limits.thread_environment,
    }
    if device != "cuda":
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


#: Where the launchers that mount put the run's shared inputs (SandboxSpec.inputs_dir).
INPUTS_MOUNT = "/inputs"


def serve_arguments(runtime: str, submission: str, spec: SandboxSpec, inputs: str | None = None,
                    seccomp: str | None = None, container_init: bool = False) -> list[str]:
    """The student process's arguments; ``inputs``: where it sees ``spec.inputs_dir``;
    ``seccomp``, ``container_init``: see grader/sandbox/bootstrap.py."""
    argv = ["-I", "-B", "-c", BOOTSTRAP]
    if seccomp is not None:
        argv += ["--seccomp", seccomp]
    if container_init:
        argv.append("--container-init")
    argv += [
        "--runtime", runtime, "--submission", submission, "--package", spec.package,
        "--device", spec.device, "--threads", str(spec.limits.effective_threads),
    ]
    if spec.inputs_dir is not None:
        argv += ["--inputs", inputs or str(spec.inputs_dir)]
    return argv


def describe_exit(returncode: int | None) -> str:
    if returncode is None:
        return "is still running"
    if returncode < 0:
        number = -returncode
        try:
            name = signal.Signals(number).name
        except ValueError:
            name = "unknown"
        return f"was killed by signal {number} ({name})"
    if returncode > 128 and returncode - 128 in {s.value for s in signal.Signals}:
        # bwrap and docker report a child killed by signal N as exit status 128 + N.
        number = returncode - 128
        return f"died of signal {number} ({signal.Signals(number).name})"
    return f"exited with status {returncode}"


class ProcessHooks:
    """What a launcher does beyond our child process (the container launcher: the container
    the engine runs). The local launchers need none of it."""

    def kill(self) -> None:
        """Stop what the child started elsewhere."""

    def memory_killed(self, returncode: int | None) -> bool:
        """Whether it was killed for memory (where the launcher, not a cgroup of ours, knows)."""
        return False


class StudentProcess:
    """One started student process and its pipes."""

    def __init__(self, popen: subprocess.Popen, limits: Limits, group: LimitGroup | None = None,
                 hooks: ProcessHooks | None = None, containment: dict[str, str] | None = None):
        self.popen = popen
        self.limits = limits
        self.group = group
        self.hooks = hooks or ProcessHooks()
        self.containment = containment or {}   # how this process is confined, in words
        self._messages: queue.Queue = queue.Queue()
        self._output = bytearray()
        self._output_total = 0
        self._output_lock = threading.Lock()
        self.output_exceeded = False
        threading.Thread(target=self._read_protocol, daemon=True).start()
        threading.Thread(target=self._read_output, daemon=True).start()

    # --- reading ---------------------------------------------------------------------
    def _read_protocol(self) -> None:
        stream = self.popen.stdout
        while True:
            try:
                message = wire.read_message(stream, max_bytes=self.limits.max_message_bytes,
                                            max_header_bytes=wire.MAX_REPLY_HEADER_BYTES)
            except wire.PeerClosed:
                self._messages.put(None)
                return
            except (wire.WireError, OSError, ValueError) as exc:
                self._messages.put(exc)
                return
            self._messages.put(message)

    def _read_output(self) -> None:
        stream = self.popen.stderr
        while True:
            chunk = stream.read1(65536) if hasattr(stream, "read1") else stream.read(65536)
            if not chunk:
                return
            with self._output_lock:
                self._output_total += len(chunk)
                room = self.limits.max_output_bytes - len(self._output)
                if room > 0:
                    self._output += chunk[:room]
                if self._output_total > self.limits.max_output_bytes and not self.output_exceeded:
                    self.output_exceeded = True
                    self.kill()

    def take_output(self) -> str:
        """What the student code printed since the last call (bounded), as text."""
        with self._output_lock:
            text = bytes(self._output).decode("utf-8", "replace")
            self._output.clear()
        return text

    # --- talking ---------------------------------------------------------------------
    def send(self, event: str, payload: Any, spill: wire.FileSpill | None = None) -> None:
        wire.write_message(self.popen.stdin, event, payload, spill=spill)

    def receive(self, timeout: float) -> tuple[str, Any] | None | Exception:
        """The next message; None when the process closed its stream; an exception when
        it wrote garbage; raises ``queue.Empty`` on timeout."""
        return self._messages.get(timeout=max(0.0, timeout))

    # --- ending ----------------------------------------------------------------------
    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill(self) -> None:
        self.hooks.kill()
        try:
            os.killpg(self.popen.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        if self.group is not None:
            self.group.kill_all()

    def wait(self, timeout: float = 5.0) -> int | None:
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def memory_killed(self) -> bool:
        if self.group is not None and self.group.memory_killed():
            return True
        return self.hooks.memory_killed(self.popen.returncode)

    def close(self) -> None:
        """Ask politely, then make sure: nothing of the sandbox outlives this call."""
        if self.alive():
            try:
                self.send("shutdown", None)
            except (OSError, ValueError, wire.WireError):
                pass
            if self.wait(2.0) is None:
                self.kill()
                self.wait(5.0)
        if self.group is not None:
            # Even after a clean exit: a process the student code left behind holds our pipes
            # open, and closing a pipe that a reader thread is blocked on would wait for it.
            self.group.kill_all()
        for stream in (self.popen.stdin, self.popen.stdout, self.popen.stderr):
            try:
                stream.close()
            except OSError:
                pass
        if self.group is not None:
            self.group.remove()


class Launcher(ABC):
    """Starts the student process confined one way. Subclasses set ``name``."""

    name: str = ""
    uses_cgroups = True   # the local launchers put the process tree in a LimitGroup ...
    uses_rlimits = True   # ... and set rlimits; the container launcher leaves both to the engine
    _user: SandboxUser | None = None
    _files: SandboxFiles | None = None

    @property
    def user(self) -> SandboxUser:
        """Who the sandbox runs as (resolved, and for a root grader created, on first use)."""
        if self._user is None:
            self._user = SandboxUser.for_this_grader()
        return self._user

    @property
    def files(self) -> SandboxFiles:
        """The sandbox's /etc files and seccomp program, for :attr:`user`."""
        if self._files is None:
            self._files = SandboxFiles.for_user(self.user)
        return self._files

    @abstractmethod
    def unavailable_reason(self) -> str | None:
        """None when this launcher can run here; otherwise what is missing and what to do."""

    @abstractmethod
    def command(self, spec: SandboxSpec, instance: str = "gradelab-sandbox", *,
                seccomp_fd: int | None = None) -> list[str]:
        """The argv that starts the student process (public so tests can inspect it).

        ``instance`` names this start uniquely (the container launcher names the container
        after it); ``seccomp_fd``: where the launcher that reads the seccomp program from a
        descriptor (bwrap) finds it, opened by :meth:`start`."""

    def child_setup(self, spec: SandboxSpec, group: LimitGroup | None) -> ChildSetup | None:
        """What the forked child does before exec: join the cgroup, set the rlimits."""
        if not self.uses_rlimits:
            # The engine's client must not pass the trusted process's memory cap on to the
            # container (podman's does): the engine sets the sandbox's own.
            return ChildSetup(rlimits=released_trusted_cap(), group=group)
        return ChildSetup(rlimits=spec.limits.rlimits(device=spec.device, memory_cgroup=group is not None),
                          group=group)

    def seccomp_program(self) -> Path | None:
        """The seccomp program to hand the launcher on a descriptor, if it takes one that way."""
        return None

    def containment(self, spec: SandboxSpec, group: LimitGroup | None) -> dict[str, str]:
        """How a process started with ``group`` is confined, in words (results, /healthz)."""
        return {
            "launcher": self.name,
            "memory_cap": spec.limits.memory_cap(device=spec.device,
                                                 cgroup_version=group.version if group else None),
        }

    def start(self, spec: SandboxSpec) -> StudentProcess:
        instance = f"gradelab-sbx-{uuid.uuid4().hex[:12]}"
        group = LimitGroup.create(spec.limits) if self.uses_cgroups else None
        setup = self.child_setup(spec, group)
        program = self.seccomp_program()
        seccomp_fd = os.open(program, os.O_RDONLY) if program is not None else None
        if group is not None:
            group.open_for_child()
        try:
            popen = subprocess.Popen(
                self.command(spec, instance, seccomp_fd=seccomp_fd),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self.environment(spec),
                preexec_fn=setup,
                pass_fds=(seccomp_fd,) if seccomp_fd is not None else (),
                start_new_session=True,
                close_fds=True,
            )
        except (OSError, subprocess.SubprocessError) as exc:
            if group is not None:
                group.remove()
            raise OSError(str(exc)) from exc
        finally:
            if group is not None:
                group.close_for_child()
            if seccomp_fd is not None:
                os.close(seccomp_fd)
        return StudentProcess(popen, spec.limits, group, hooks=self.process_hooks(instance),
                              containment=self.containment(spec, group))

    def environment(self, spec: SandboxSpec) -> dict[str, str]:
        return child_environment(spec.limits, spec.device, {"HOME": "/tmp", "MPLCONFIGDIR": "/tmp/.matplotlib"})

    def process_hooks(self, instance: str) -> ProcessHooks:
        """What stops and inspects an instance beyond our child (a container)."""
        return ProcessHooks()
