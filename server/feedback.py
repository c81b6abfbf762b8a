"""What a viewer may see of a result: the visibility rules, in one place, on the typed model.

Checks carry Gradescope's ``visibility``: ``visible`` checks are shown in full; checks
marked ``after_due_date`` (hidden cases) are shown to students, before the due date, as
pass/fail with points only: no message, no inputs, no reference values, no details.
``hidden`` checks stay that way for students even after the due date. Instructors see
everything. CI tokens see what a student would (they report to students).

One exception says nothing about hidden inputs and is shown: a hidden case of a function
that still raises NotImplementedError reads "not implemented" (with the place in the
student's own file), like the function's notebook case, not a bare "failed".

What failed on our side is for staff alone: anyone but an instructor never sees a result's
``staff_detail``, reads an infrastructure failure as one plain sentence, and reads a
``grader_error`` check as its label's sentence, not the trusted traceback (server paths).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from grader.results import CheckResult, GradeResult
from grader.results.feedback import unimplemented_place
from grader.results.model import INFRASTRUCTURE_REASON
from grader.results.outcomes import outcome_label

#: Outcomes a concealed check may still show: they describe the student's code, not the case.
REVEALED_OUTCOMES = {"not_implemented", "not_submitted"}


@dataclass(frozen=True)
class ViewedResult:
    """A result as one viewer may see it, and the ids of the checks whose details it hides."""

    result: GradeResult
    concealed: frozenset[str]


def sees_everything(role: str, due_at: datetime | None, now: datetime) -> tuple[bool, bool]:
    """(full view of every check, full view of after_due_date checks) for ``role``."""
    if role == "instructor":
        return True, True
    return False, due_at is not None and now >= due_at


def _concealed(check: CheckResult) -> CheckResult:
    if check.outcome in REVEALED_OUTCOMES:
        place = unimplemented_place(check)
        message = f"{place} still raises NotImplementedError" if place else "not submitted"
        return replace(check, message=message, student_output="", details={})
    outcome = "passed" if check.passed else "failed"
    return replace(check, outcome=outcome, message="", student_output="", details={})


def failed_on_our_side(result: GradeResult) -> bool:
    """An infrastructure failure, including those stored before results said whose failure
    they were: those read "internal grader error: ..." followed by the session's log."""
    legacy = (not result.gradable and result.failure is None
              and (result.reason or "").startswith("internal grader error"))
    return result.failure == "infrastructure" or legacy


def result_for_viewer(data: dict[str, Any], *, role: str, due_at: datetime | None,
                      now: datetime) -> ViewedResult:
    """The stored results.json ``data`` as the viewer may see it."""
    result = GradeResult.from_gradescope(data)
    everything, after_due = sees_everything(role, due_at, now)
    concealed = set()
    tests = []
    for check in result.tests:
        full = (everything or check.visibility == "visible"
                or (check.visibility == "after_due_date" and after_due))
        if not full and not check.manual:
            concealed.add(check.id)
            check = _concealed(check)
        elif check.outcome == "grader_error" and role != "instructor":
            check = replace(check, message=outcome_label("grader_error").explain, student_output="", details={})
        tests.append(check)
    if role != "instructor":
        reason = INFRASTRUCTURE_REASON if failed_on_our_side(result) else result.reason
        result = replace(result, reason=reason, staff_detail="")
    return ViewedResult(replace(result, tests=tests), frozenset(concealed))
