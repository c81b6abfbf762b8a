"""A submission's score: automatic points, manual points, late days and the penalty."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from server.feedback import manual_items
from server.late_policy import days_late, late_penalty
from server.models import ManualGrade, Result, Submission


@dataclass(frozen=True)
class Score:
    automatic: float
    automatic_max: float
    manual: float
    manual_max: float
    late_days: int
    late_penalty: float          # fraction of the total taken off

    @property
    def total(self) -> float:
        return round(self.automatic + self.manual, 6)

    @property
    def max_total(self) -> float:
        return round(self.automatic_max + self.manual_max, 6)

    @property
    def final(self) -> float:
        """The total after the late penalty: what the gradebook records."""
        return round(self.total * (1.0 - self.late_penalty), 6)


def score_of(result_data: Mapping[str, Any], manual_scores: Mapping[str, float], *, submitted_at: datetime,
             due_at: datetime | None, penalty_per_day: float) -> Score:
    """``manual_scores``: item id -> points an instructor gave (items not graded yet count 0)."""
    items = manual_items(dict(result_data))
    late = days_late(submitted_at, due_at)
    return Score(
        automatic=float(result_data.get("score", 0.0)),
        automatic_max=float(result_data.get("max_score", 0.0)),
        manual=round(sum(manual_scores.get(item["id"], 0.0) for item in items), 6),
        manual_max=round(sum(item["max_score"] for item in items), 6),
        late_days=late,
        late_penalty=late_penalty(late, penalty_per_day),
    )


def submission_score(submission: Submission, result: Result | None,
                     grades: Mapping[str, ManualGrade]) -> Score | None:
    """The score of ``submission`` from its current result and manual ``grades`` (item id
    -> grade), with its assignment's late policy; None without a gradable result."""
    if result is None or not result.gradable:
        return None
    assignment = submission.assignment
    return score_of(result.data, {item: grade.score for item, grade in grades.items()},
                    submitted_at=submission.created_at, due_at=assignment.due_at,
                    penalty_per_day=assignment.late_penalty_per_day)
