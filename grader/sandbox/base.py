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
import resource
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
from grader.sandbox.limits import Limits
from grader.student_side import wire

#: Runs first in the student process: find the runtime, then hand over to serve.main.
BOOTSTRAP = (
    "import sys; sys.path.insert(0, sys.argv[sys.argv.index('--runtime') + 1]); "
    "from student_side.serve import main; raise SystemExit(main())"
)


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


def child_environment(limits: Limits, device: str) -> dict[str, str]:
    """A clean environment: nothing of the grader's (no secrets, no database URL) gets in."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": "/tmp",
        "TMPDIR": "/tmp",
        "LANG": "C.UTF-8",
        "MPLBACKEND": "Agg",
        "MPLCONFIGDIR": "/tmp/.matplotlib",
        "PYTHONHASHSEED": "0",
        "PYTHONDONTWRITEBYTECODE": "1",
        **limits.thread_environment,
    }
    if device != "cuda":
        env["CUDA_VISIBLE_DEVICES"] = ""
    return env


#: Where the launchers that mount put the run's shared inputs (SandboxSpec.inputs_dir).
INPUTS_MOUNT = "/inputs"


def serve_arguments(runtime: str, submission: str, spec: SandboxSpec, inputs: str | None = None) -> list[str]:
    """The student process's arguments; ``inputs``: where it sees ``spec.inputs_dir``."""
    argv = [
        "-I", "-B", "-c", BOOTSTRAP,
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


class StudentProcess:
    """One started student process and its pipes."""

    def __init__(self, popen: subprocess.Popen, limits: Limits, group: LimitGroup | None = None,
                 on_kill: list[list[str]] | None = None):
        self.popen = popen
        self.limits = limits
        self.group = group
        self._on_kill = on_kill or []
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
                message = wire.read_message(stream, max_bytes=self.limits.max_message_bytes)
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
        for command in self._on_kill:
            subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
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
        return self.group is not None and self.group.memory_killed()

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

    @abstractmethod
    def unavailable_reason(self) -> str | None:
        """None when this launcher can run here; otherwise what is missing and what to do."""

    @abstractmethod
    def command(self, spec: SandboxSpec, instance: str = "gradelab-sandbox") -> list[str]:
        """The argv that starts the student process (public so tests can inspect it).

        ``instance`` names this start uniquely (docker uses it as the container name)."""

    def start(self, spec: SandboxSpec) -> StudentProcess:
        instance = f"gradelab-sbx-{uuid.uuid4().hex[:12]}"
        group = LimitGroup.create(spec.limits) if self.uses_cgroups else None
        limits = spec.limits

        def before_exec() -> None:
            # In the forked child, before exec: join the cgroup, set rlimits that hold
            # whatever the cgroup situation is.
            if group is not None:
                group.join_from_child()
            resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_time_s, limits.cpu_time_s + 5))
            resource.setrlimit(resource.RLIMIT_FSIZE, (limits.tmpfs_mb << 20, limits.tmpfs_mb << 20))
            if group is None:
                # No memory cgroup: cap the address space instead (coarser, but bounded).
                cap = (limits.memory_mb + 1024) << 20
                resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
                if os.getuid() != 0:
                    resource.setrlimit(resource.RLIMIT_NPROC, (limits.max_processes, limits.max_processes))

        if group is not None:
            group.open_for_child()
        try:
            popen = subprocess.Popen(
                self.command(spec, instance),
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                env=self.environment(spec),
                preexec_fn=before_exec if self.uses_rlimits else (group.join_from_child if group else None),
                start_new_session=True,
                close_fds=True,
            )
        except OSError:
            if group is not None:
                group.remove()
            raise
        finally:
            if group is not None:
                group.close_for_child()
        return StudentProcess(popen, limits, group, on_kill=self.kill_commands(instance))

    # Hooks with defaults for the local launchers; docker overrides them.
    uses_cgroups = True
    uses_rlimits = True

    def environment(self, spec: SandboxSpec) -> dict[str, str]:
        return child_environment(spec.limits, spec.device)

    def kill_commands(self, instance: str) -> list[list[str]]:
        """Commands that stop an instance beyond killing our child (docker kill NAME)."""
        return []
