"""What a viewer may see of a result: the visibility rules of the issue, in one place.

Checks carry Gradescope's ``visibility``: ``visible`` checks are shown in full; checks
marked ``after_due_date`` (hidden cases) are shown to students, before the due date, as
pass/fail with points only: no message, no inputs, no reference values, no details.
``hidden`` checks stay that way for students even after the due date. Instructors see
everything. CI tokens see what a student would (they report to students).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any


def check_id(test: dict[str, Any]) -> str:
    """The id of one of results.json's tests (its name, in a result that has no id)."""
    return test.get("extra_data", {}).get("id", test.get("name", ""))


def sees_everything(role: str, due_at: datetime | None, now: datetime) -> tuple[bool, bool]:
    """(full view of every check, full view of after_due_date checks) for ``role``."""
    if role == "instructor":
        return True, True
    return False, due_at is not None and now >= due_at


def checks_for_viewer(result_data: dict[str, Any], *, role: str, due_at: datetime | None,
                      now: datetime) -> list[dict[str, Any]]:
    """The result's automatic checks as the viewer may see them (manual items apart)."""
    everything, after_due = sees_everything(role, due_at, now)
    checks = []
    for test in result_data.get("tests", []):
        extra = test.get("extra_data", {})
        if extra.get("outcome") == "manual":
            continue
        visibility = test.get("visibility", "visible")
        full = everything or visibility == "visible" or (visibility == "after_due_date" and after_due)
        passed = extra.get("outcome") == "passed"
        check = {
            "id": check_id(test),
            "name": test.get("name", ""),
            "notebook": extra.get("notebook", ""),
            "score": test.get("score", 0.0),
            "max_score": test.get("max_score", 0.0),
            "status": "passed" if passed else "failed",
            "visibility": visibility,
            "outcome": extra.get("outcome") if full else ("passed" if passed else "failed"),
            "output": test.get("output", "") if full else None,
            "details": extra.get("details") if full else None,
        }
        checks.append(check)
    return checks


def manual_items(result_data: dict[str, Any]) -> list[dict[str, Any]]:
    """The items a person grades (``manual_answers`` of results.json): id, name, notebook,
    max_score, and the student's answer (None when it is missing)."""
    return [{"id": answer.get("id", ""), "name": answer.get("name", ""), "notebook": answer.get("notebook", ""),
             "max_score": float(answer.get("max_score", 0.0)), "answer": answer.get("answer")}
            for answer in result_data.get("manual_answers", [])]
