"""A submission's score: automatic points, manual points, late days and the penalty.

Free-text answers nobody has graded yet count 0 until they are graded; the score says how
many there are and how many points wait on them, so a page never shows "0 / 16" as if a
person had given 0.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from grader.results import GradeResult
from server.crud.manual_grades import AnswerGrade
from server.late_policy import days_late, late_penalty
from server.models import Submission


@dataclass(frozen=True)
class Score:
    automatic: float
    automatic_max: float
    manual: float
    manual_max: float
    late_days: int
    late_penalty: float          # fraction of the total taken off
    ungraded: int = 0            # answers waiting for a person
    ungraded_points: float = 0.0  # the points they are worth

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


def score_of(result: GradeResult, grades: Mapping[str, AnswerGrade], *, submitted_at: datetime,
             due_at: datetime | None, penalty_per_day: float) -> Score:
    """``grades``: item id -> its answer's grade (answers not graded yet count 0)."""
    late = days_late(submitted_at, due_at)
    waiting = [grade for grade in grades.values() if grade.needs_grading]
    return Score(
        automatic=result.score,
        automatic_max=result.max_score,
        manual=round(sum(grades[a.id].points for a in result.manual_answers if a.id in grades), 6),
        manual_max=round(sum(answer.max_score for answer in result.manual_answers), 6),
        late_days=late,
        late_penalty=late_penalty(late, penalty_per_day),
        ungraded=len(waiting),
        ungraded_points=round(sum(grade.answer.max_score for grade in waiting), 6),
    )


def submission_score(submission: Submission, result: GradeResult | None,
                     grades: Mapping[str, AnswerGrade]) -> Score | None:
    """The score of ``submission`` from its current (gradable) result and its answers'
    grades, with its assignment's late policy; None without a gradable result."""
    if result is None or not result.gradable:
        return None
    assignment = submission.assignment
    return score_of(result, grades, submitted_at=submission.created_at, due_at=assignment.due_at,
                    penalty_per_day=assignment.late_penalty_per_day)
