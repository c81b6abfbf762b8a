"""A grading run's conversation with the student process, restarts included.

:meth:`StudentSession.run` sends one scenario request and returns its outputs, or raises
the :mod:`grader.errors` exception that says why there are none. Whatever happens to the
process (a hang, a crash, an exit, the memory cap, a flood of output), the session kills
what is left, and the next request starts a fresh process: one bad check costs that
check alone. The run's wall-clock budget is shared by all checks.
"""

from __future__ import annotations

import logging
import queue
import time
from dataclasses import dataclass, field
from typing import Any

from grader import errors
from grader.sandbox.base import Launcher, SandboxSpec, StudentProcess, describe_exit
from grader.student_side import wire

log = logging.getLogger(__name__)
#: How long the student process may take to start (import numpy and torch) before we
#: call the sandbox broken. Student code does not run before "ready".
STARTUP_TIMEOUT_S = 120.0
OUTPUT_TAIL_CHARS = 4000

_FAILURE_KINDS: dict[str, type[errors.StudentCodeFailed]] = {
    "not_implemented": errors.NotImplementedInSubmission,
    "missing": errors.NotSubmitted,
    "not_defined": errors.NotSubmitted,
    "import_error": errors.LoadError,
    "exception": errors.StudentException,
    "bad_output": errors.StudentException,
}


@dataclass
class SessionLog:
    starts: int = 0
    crashes: list[str] = field(default_factory=list)
    ready: dict[str, Any] = field(default_factory=dict)
    without_cgroup: bool = False   # limits fell back to rlimits (see grader.sandbox.cgroups)
    containment: dict[str, str] = field(default_factory=dict)   # how the last start was confined

    @property
    def notes(self) -> list[str]:
        """What the results must say about the sandbox of this run."""
        if not self.without_cgroup:
            return []
        return [f"No cgroup could be made for the sandbox: memory cap: "
                f"{self.containment.get('memory_cap', 'unknown')}; processes were capped by "
                "RLIMIT_NPROC of the sandbox's user."]


class StudentSession:
    def __init__(self, launcher: Launcher, spec: SandboxSpec, *, run_deadline: float | None = None):
        self.launcher = launcher
        self.spec = spec
        self.run_deadline = run_deadline or (time.monotonic() + spec.limits.run_timeout_s)
        self.process: StudentProcess | None = None
        self.log = SessionLog()
        self.last_output = ""
        self._next_id = 0
        self._spill = wire.FileSpill(spec.inputs_dir) if spec.inputs_dir is not None else None

    # --- lifecycle -------------------------------------------------------------------
    def _start(self) -> StudentProcess:
        try:
            process = self.launcher.start(self.spec)
        except OSError as exc:
            raise errors.SandboxUnavailable(f"the {self.launcher.name} sandbox could not be started: {exc}") from exc
        self.log.starts += 1
        self.log.containment = dict(process.containment)
        if self.launcher.uses_cgroups and process.group is None:
            self.log.without_cgroup = True
        try:
            message = process.receive(STARTUP_TIMEOUT_S)
        except queue.Empty:
            message = TimeoutError(f"no 'ready' within {STARTUP_TIMEOUT_S:.0f}s")
        if not (isinstance(message, tuple) and message[0] == "ready"):
            process.kill()
            rc = process.wait()
            output = process.take_output().strip()
            process.close()
            raise errors.SandboxUnavailable(
                f"the {self.launcher.name} sandbox did not start (the process {describe_exit(rc)}; "
                f"{message!r}). Its output: {output[-2000:] or '(none)'}"
            )
        self.log.ready = message[1] if isinstance(message[1], dict) else {}
        return process

    def close(self) -> None:
        if self.process is not None:
            self.process.close()
            self.process = None

    def __enter__(self) -> StudentSession:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.close()

    # --- requests --------------------------------------------------------------------
    def time_left(self) -> float:
        return self.run_deadline - time.monotonic()

    def run(self, scenario: str, inputs: dict[str, Any] | None = None, *, timeout: float | None = None) -> Any:
        """Run ``scenario`` ("module.function") on the student's code and return its outputs."""
        left = self.time_left()
        if left <= 0:
            raise errors.RunTimeExhausted(
                f"the run's {self.spec.limits.run_timeout_s:.0f}s time budget was used up before this check"
            )
        if self.process is None or not self.process.alive():
            if self.process is not None:
                self.process.close()
            self.process = self._start()
        process = self.process
        own_limit = timeout or self.spec.limits.check_timeout_s
        limit = min(own_limit, left)
        self._next_id += 1
        request_id = self._next_id
        process.take_output()
        try:
            process.send("run", {"id": request_id, "scenario": scenario, "inputs": inputs or {}}, spill=self._spill)
        except (OSError, ValueError, wire.WireError):
            pass  # the process is gone; the receive below says how it ended
        started = time.monotonic()
        while True:
            try:
                message = process.receive(limit - (time.monotonic() - started))
            except queue.Empty:
                self._discard(process)
                self.last_output = self._tail(process)
                budget = "the run's remaining time" if limit < own_limit else "its time limit"
                raise errors.CheckTimedOut(
                    f"no answer within {limit:.0f}s ({budget}); the sandbox was restarted",
                    output=self.last_output,
                ) from None
            if isinstance(message, tuple) and isinstance(message[1], dict) \
                    and message[1].get("id") not in (request_id, None):
                continue  # a stale reply; cannot happen with one request at a time, but be safe
            break
        self.last_output = self._tail(process)
        if message is None or isinstance(message, Exception):
            return self._ended(process, message)
        event, payload = message
        if event == "result":
            return payload.get("outputs")
        if event == "failed":
            kind = payload.get("kind", "exception")
            if kind == "bad_request":
                self._forged_reply(process, payload)
            exc_type = _FAILURE_KINDS.get(kind, errors.StudentException)
            message_text = payload.get("message", "")
            if exc_type is errors.StudentException and payload.get("type"):
                message_text = f"{payload['type']}: {message_text}"
            raise exc_type(message_text, output=self.last_output, traceback=payload.get("traceback", ""))
        self._discard(process)
        raise errors.ProtocolViolation(f"unexpected event {event!r} from the student process", output=self.last_output)

    def _forged_reply(self, process: StudentProcess, payload: dict[str, Any]) -> None:
        """A ``bad_request`` reply. The trusted side sends only well-formed requests, and the
        student's code shares its process with the serve loop (it can write frames): the
        reply is the submission's doing, a protocol failure, and staff hear of it."""
        self._discard(process)
        self.log.crashes.append("sent a forged 'bad_request' reply")
        detail = str(payload.get("message", ""))[:200]
        log.warning("the student process answered a well-formed request with bad_request (%r): "
                    "counted as the submission's protocol violation", detail)
        raise errors.ProtocolViolation(
            "your code wrote a 'bad_request' reply to the grader's channel: the grader's requests are "
            "well formed, so this reply came from the submission, not from the grader. Do not write to "
            "file descriptors you did not open; the sandbox was restarted", output=self.last_output)

    def _ended(self, process: StudentProcess, reason: Exception | None) -> Any:
        """The process closed its stream or wrote garbage: find out why and report it."""
        garbage = isinstance(reason, Exception)
        rc = process.wait(0.5 if garbage else 5.0)
        if rc is None:
            process.kill()
            process.wait(5.0)
        memory, flood = process.memory_killed(), process.output_exceeded
        self._discard(process)
        if garbage and not (memory or flood):
            self.log.crashes.append("broke the protocol")
            raise errors.ProtocolViolation(
                f"the student process wrote something that is not the protocol ({reason}); "
                "the sandbox was restarted", output=self.last_output)
        if memory:
            description = f"was killed for using more than {self.spec.limits.memory_mb} MiB of memory"
        elif flood:
            description = f"printed more than {self.spec.limits.max_output_bytes} bytes and was stopped"
        else:
            description = describe_exit(rc)
        self.log.crashes.append(description)
        message = f"the student process {description} during this check; the sandbox was restarted"
        if memory:
            raise errors.MemoryLimitExceeded(message, output=self.last_output)
        if flood:
            raise errors.OutputLimitExceeded(message, output=self.last_output)
        raise errors.SandboxCrashed(message, output=self.last_output)

    def _discard(self, process: StudentProcess) -> None:
        process.kill()
        process.wait(5.0)
        process.close()
        if self.process is process:
            self.process = None

    @staticmethod
    def _tail(process: StudentProcess) -> str:
        text = process.take_output()
        return text[-OUTPUT_TAIL_CHARS:]
