"""The outcome of grading one submission, and its Gradescope-compatible JSON.

results.json follows Gradescope's autograder format (``score``, ``execution_time``,
``output``, ``visibility``, ``tests[]`` with ``name``, ``score``, ``max_score``,
``status``, ``output``, ``visibility``, ``tags``, ``extra_data``) and adds ``max_score``,
``gradable`` (false when the submission could not be graded at all, with ``reason``),
``failure`` (whose failure a not-gradable result is: ``submission`` or ``infrastructure``) and
``manual_answers`` (the free-text answers a person grades).

A not-gradable result is either the submission's failure (not a zip, no notebook: the
``reason`` says what to upload instead) or ours, ``infrastructure`` (the sandbox could not
start, the data sets are missing, the trusted session ended without results). An
infrastructure failure's ``reason`` is one plain sentence for the student; what staff need
(the exception, the tail of the session's log) is in ``staff_detail``, which the service
keeps for staff and never shows a student.

Each check has an ``outcome``: ``passed``, ``wrong`` (a result was compared and found
wrong), ``not_implemented``, ``not_submitted``, ``load_error``, ``exception``, ``timeout``,
``memory``, ``output_limit``, ``crashed``, ``protocol``, ``run_timeout``, ``grader_error``
(our fault, flagged for staff), ``manual`` (waits for a person), ``provisional`` (the
profile could not decide it honestly: the points stand until the full profile decides) or
``withheld`` (it matches the notebook's own case, whose outputs the notebook prints, but
an item it counts with failed: no points).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Literal, get_args

#: Whose failure a not-gradable result is: the submission's own (it says what to upload
#: instead), or ours (retried, then shown to staff; never the student's score).
Failure = Literal["submission", "infrastructure"]
FAILURES: tuple[str, ...] = get_args(Failure)
#: What a student reads about a run that failed on our side: no exception, path or log.
INFRASTRUCTURE_REASON = ("grading could not run because of a failure on our side, not because of your "
                         "submission; staff have been told")

#: Between a check's message and what the student's code printed, in Gradescope's "output".
PRINTED_HEADING = "\n\nWhat your code printed (last lines):\n"

#: Outcomes that earn a check its points.
EARNING_OUTCOMES = frozenset({"passed", "provisional"})


@dataclass
class CheckResult:
    id: str
    name: str
    score: float
    max_score: float
    outcome: str
    message: str = ""
    notebook: str = ""
    visibility: str = "visible"
    tags: list[str] = field(default_factory=list)
    duration_s: float = 0.0
    student_output: str = ""
    details: dict[str, Any] = field(default_factory=dict)   # metrics and series (plots)

    @property
    def manual(self) -> bool:
        return self.outcome == "manual"

    @property
    def passed(self) -> bool:
        return self.outcome == "passed"

    def to_gradescope(self) -> dict[str, Any]:
        output = self.message
        if self.student_output and not self.passed:
            output += f"{PRINTED_HEADING}{self.student_output.rstrip()}"
        test: dict[str, Any] = {
            "name": self.name,
            "score": self.score,
            "max_score": self.max_score,
            "output": output,
            "visibility": self.visibility,
            "tags": list(self.tags),
            "extra_data": {
                "id": self.id,
                "outcome": self.outcome,
                "notebook": self.notebook,
                "duration_s": round(self.duration_s, 3),
                "details": self.details,
                # Where the message ends in "output": a student's message may itself contain
                # the heading of the printed part.
                "message_length": len(self.message),
            },
        }
        if not self.manual:
            test["status"] = "passed" if self.passed else "failed"
        return test

    @classmethod
    def from_gradescope(cls, test: dict[str, Any]) -> CheckResult:
        extra = test.get("extra_data", {})
        output = test.get("output", "")
        end = extra.get("message_length")
        if isinstance(end, int) and 0 <= end <= len(output):
            message, printed = output[:end], output[end:].removeprefix(PRINTED_HEADING)
        else:  # results written before message_length
            message, _, printed = output.partition(PRINTED_HEADING)
        return cls(
            id=extra.get("id", test.get("name", "")),
            name=test.get("name", ""),
            score=float(test.get("score", 0.0)),
            max_score=float(test.get("max_score", 0.0)),
            outcome=extra.get("outcome", "passed" if test.get("status") == "passed" else "wrong"),
            message=message,
            notebook=extra.get("notebook", ""),
            visibility=test.get("visibility", "visible"),
            tags=list(test.get("tags", [])),
            duration_s=float(extra.get("duration_s", 0.0)),
            student_output=printed,
            details=extra.get("details", {}),
        )


@dataclass
class ManualAnswer:
    id: str
    name: str
    notebook: str
    max_score: float
    answer: str | None           # None: the notebook or the answer cell is missing


@dataclass
class GradeResult:
    assignment: str
    gradable: bool
    tests: list[CheckResult] = field(default_factory=list)
    manual_answers: list[ManualAnswer] = field(default_factory=list)
    execution_time: float = 0.0
    reason: str | None = None
    profile: str = "smoke"
    sandbox: str = "bwrap"
    environment: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    failure: Failure | None = None   # whose failure a not-gradable result is; None when gradable
    staff_detail: str = ""           # staff only: the exception or log tail behind an infrastructure failure

    def __post_init__(self) -> None:
        if self.failure is not None and self.failure not in FAILURES:
            raise ValueError(f"failure must be one of {', '.join(FAILURES)} or None, not {self.failure!r}")

    @property
    def infrastructure_failed(self) -> bool:
        """The run failed on our side: no score, not the student's doing."""
        return not self.gradable and self.failure == "infrastructure"

    @property
    def score(self) -> float:
        return round(sum(t.score for t in self.tests if not t.manual), 6)

    @property
    def max_score(self) -> float:
        return round(sum(t.max_score for t in self.tests if not t.manual), 6)

    def summary(self) -> str:
        if not self.gradable:
            return f"Not graded: {self.reason}"
        counts: dict[str, int] = {}
        for test in self.tests:
            counts[test.outcome] = counts.get(test.outcome, 0) + 1
        parts = ", ".join(f"{n} {outcome.replace('_', ' ')}" for outcome, n in sorted(counts.items()))
        return f"Score {self.score:g} / {self.max_score:g} ({parts})."

    def to_gradescope(self) -> dict[str, Any]:
        return {
            "score": self.score,
            "max_score": self.max_score,
            "execution_time": round(self.execution_time, 3),
            "output": self.summary(),
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "gradable": self.gradable,
            "reason": self.reason,
            "failure": self.failure,
            "tests": [test.to_gradescope() for test in self.tests],
            "manual_answers": [asdict(answer) for answer in self.manual_answers],
            "extra_data": {
                "assignment": self.assignment,
                "profile": self.profile,
                "sandbox": self.sandbox,
                "environment": self.environment,
                "notes": self.notes,
                "staff_detail": self.staff_detail,
            },
        }

    @classmethod
    def from_gradescope(cls, data: dict[str, Any]) -> GradeResult:
        extra = data.get("extra_data", {})
        return cls(
            assignment=extra.get("assignment", ""),
            gradable=bool(data.get("gradable", True)),
            tests=[CheckResult.from_gradescope(t) for t in data.get("tests", [])],
            manual_answers=[ManualAnswer(**a) for a in data.get("manual_answers", [])],
            execution_time=float(data.get("execution_time", 0.0)),
            reason=data.get("reason"),
            profile=extra.get("profile", ""),
            sandbox=extra.get("sandbox", ""),
            environment=extra.get("environment", {}),
            notes=list(extra.get("notes", [])),
            failure=data.get("failure") if data.get("failure") in FAILURES else None,
            staff_detail=str(extra.get("staff_detail") or ""),
        )

    def to_strict_json(self) -> dict[str, Any]:
        """results.json as plain, strict JSON data: arrays become lists and NaN or infinities
        (a diverged loss) become null, so any JSON store (PostgreSQL's json type) accepts it."""
        return _finite(json.loads(json.dumps(self.to_gradescope(), default=_jsonable)))

    def write_json(self, path: Path) -> None:
        """Write results.json atomically (a reader never sees half a file)."""
        path = Path(path)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_strict_json(), indent=2, allow_nan=False))
        tmp.replace(path)

    @classmethod
    def read_json(cls, path: Path) -> GradeResult:
        return cls.from_gradescope(json.loads(Path(path).read_text()))

    @classmethod
    def not_gradable(cls, assignment: str, reason: str, **kw: Any) -> GradeResult:
        """The submission's own failure: ``reason`` says what is wrong and what to upload."""
        return cls(assignment=assignment, gradable=False, reason=reason, failure="submission", **kw)

    @classmethod
    def infrastructure_failure(cls, assignment: str, staff_detail: str, **kw: Any) -> GradeResult:
        """Our failure: the student reads a plain sentence; ``staff_detail`` (an exception, a
        log tail) is for staff only."""
        return cls(assignment=assignment, gradable=False, reason=INFRASTRUCTURE_REASON,
                   failure="infrastructure", staff_detail=staff_detail, **kw)


def _finite(value: Any) -> Any:
    """NaN and infinities (a diverged loss curve) become null: results.json is strict JSON."""
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(item) for item in value]
    if hasattr(value, "tolist"):
        return _finite(value.tolist())
    return value


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    return str(value)
