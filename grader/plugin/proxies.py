"""The two sides a rubric test compares: the student's code (in the sandbox) and the
reference (in this trusted process). Both run the same scenario with the same inputs and
return the same kind of plain data, so tests compare like with like.
"""

from __future__ import annotations

import importlib
import io
import sys
from typing import Any

from grader import errors
from grader.sandbox.session import StudentSession
from grader.student_side import wire
from grader.student_side.loader import Implementation


def _roundtrip(value: Any) -> Any:
    """What the other side of the wire would see: fresh arrays, lists for tuples. (The
    reference is trusted: no size cap, as the student side puts none on requests.)"""
    _, payload = wire.read_message(io.BytesIO(wire.encode("value", value)), max_bytes=sys.maxsize)
    return payload


class Reply(dict):
    """A scenario's outputs as they came back from the sandbox. The scenario runs in the
    student's process, which can change it, so an output it lacks is the submission's
    failure (``got["params"]`` fails the check saying so), not an error of the grader."""

    def __missing__(self, key: str) -> Any:
        raise errors.ProtocolViolation(
            f"the reply from the sandbox lacks {key!r}, which this check's scenario returns: the submission "
            "changed what the grader's code returns")


class StudentProxy:
    """``student.run("layers.batchnorm_forward_train", x=..., ...)`` for one check.

    ``unreadable``: notebooks dropped while reading the submission (stem -> why); a check
    that misses one says why it was dropped rather than "not in the submission".
    """

    def __init__(self, session: StudentSession, timeout: float, unreadable: dict[str, str] | None = None):
        self.session = session
        self.timeout = timeout
        self.unreadable = unreadable or {}

    def run(self, scenario: str, **inputs: Any) -> Any:
        try:
            outputs = self.session.run(scenario, inputs, timeout=self.timeout)
        except errors.NotSubmitted as exc:
            for stem, why in self.unreadable.items():
                if f"{stem}.ipynb is not in the submission" in exc.message:
                    raise errors.NotSubmitted(f"{stem}.ipynb could not be read: {why}") from None
            raise
        if not isinstance(outputs, dict):
            raise errors.ProtocolViolation(
                f"the reply from the sandbox is a {type(outputs).__name__}, not the dict of outputs this check's "
                "scenario returns: the submission changed what the grader's code returns")
        return Reply(outputs)

    @property
    def printed(self) -> str:
        """What the student code printed during the last request (tail)."""
        return self.session.last_output


class ReferenceProxy:
    """Runs scenarios on the reference implementation, in process."""

    def __init__(self, impl: Implementation):
        self.impl = impl

    def run(self, scenario: str, **inputs: Any) -> Any:
        module_name, _, function_name = scenario.rpartition(".")
        function = getattr(importlib.import_module(f"scenarios.{module_name}"), function_name)
        return _roundtrip(function(self.impl, **_roundtrip(inputs)))
