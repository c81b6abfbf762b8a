"""Points a person gives free-text answers, and how a grade follows the student.

A grade is given to an answer *text* (its SHA-256 is stored with it). Each answer of a
submission then reads as one of:

- ``graded``: graded on this submission;
- ``carried``: graded on another submission of the same student and assignment whose
  answer text is the same: that grade counts here too;
- ``changed``: graded before, but the text has changed since: it needs grading again
  (counts 0 until then; the earlier points are shown);
- ``ungraded``: waits for a person (counts 0 until then);
- ``blank``: nothing written (missing, or the release's untouched placeholder): 0, and
  nobody needs to grade it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.answers import written_answer
from grader.results import GradeResult, ManualAnswer
from server.errors import InvalidInput, NotFound
from server.models import ManualGrade, Submission, User

NEEDS_GRADING = ("ungraded", "changed")


def answer_sha256(text: str | None) -> str:
    return hashlib.sha256((text or "").strip().encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class AnswerGrade:
    answer: ManualAnswer
    text: str | None            # what the student wrote; None: blank or missing
    state: str                  # graded, carried, changed, ungraded, blank
    score: float | None = None  # the points that count; None: not graded yet
    comment: str = ""
    graded_on: str | None = None     # the submission the grade was given on
    previous: float | None = None    # state "changed": the points the earlier text had

    @property
    def needs_grading(self) -> bool:
        return self.state in NEEDS_GRADING

    @property
    def points(self) -> float:
        """What counts in the total now."""
        return self.score or 0.0


def answer_grades(session: Session, submissions: Iterable[Submission],
                  results: Mapping[str, GradeResult]) -> dict[str, dict[str, AnswerGrade]]:
    """submission id -> item id -> its answer's grade, for the submissions with a result."""
    submissions = [s for s in submissions if s.id in results]
    if not submissions:
        return {}
    students = {s.student_id for s in submissions}
    assignments = {s.assignment_id for s in submissions}
    rows = session.execute(
        select(ManualGrade, Submission.student_id, Submission.assignment_id)
        .join(Submission, Submission.id == ManualGrade.submission_id)
        .where(Submission.student_id.in_(students), Submission.assignment_id.in_(assignments))
        .order_by(ManualGrade.updated_at, ManualGrade.id)).all()
    own: dict[tuple[str, str], ManualGrade] = {}
    by_text: dict[tuple[int, str, str, str], ManualGrade] = {}   # newest wins (rows run oldest first)
    latest: dict[tuple[int, str, str], ManualGrade] = {}
    for grade, student_id, assignment_id in rows:
        own[(grade.submission_id, grade.item_id)] = grade
        if grade.answer_sha256:
            by_text[(student_id, assignment_id, grade.item_id, grade.answer_sha256)] = grade
        latest[(student_id, assignment_id, grade.item_id)] = grade
    graded: dict[str, dict[str, AnswerGrade]] = {}
    for submission in submissions:
        items = graded.setdefault(submission.id, {})
        for answer in results[submission.id].manual_answers:
            text = written_answer(answer.answer)
            mine = own.get((submission.id, answer.id))
            student_item = (submission.student_id, submission.assignment_id, answer.id)
            carried = by_text.get((*student_item, answer_sha256(text))) if text else None
            if mine is not None:
                items[answer.id] = AnswerGrade(answer, text, "graded", mine.score, mine.comment, submission.id)
            elif text is None:
                items[answer.id] = AnswerGrade(answer, None, "blank", 0.0)
            elif carried is not None:
                items[answer.id] = AnswerGrade(answer, text, "carried", carried.score, carried.comment,
                                               carried.submission_id)
            elif student_item in latest:
                earlier = latest[student_item]
                items[answer.id] = AnswerGrade(answer, text, "changed", None, "", earlier.submission_id,
                                               previous=earlier.score)
            else:
                items[answer.id] = AnswerGrade(answer, text, "ungraded")
    return graded


def set_manual_grade(session: Session, submission: Submission, result: GradeResult | None, item_id: str, *,
                     score: float, comment: str, grader: User) -> tuple[ManualGrade, ManualAnswer]:
    """Points and a comment for the free-text answer ``item_id`` of ``result`` (the
    submission's current one); returns the grade and the answer (its ``max_score``).
    Raises NotFound for an item the result does not have, InvalidInput for a score out of
    the item's range; both name the item as people read it."""
    answers = {answer.id: answer for answer in result.manual_answers} if result else {}
    if item_id not in answers:
        names = ", ".join(f"{a.name} ({a.id})" for a in answers.values())
        raise NotFound(f"this submission has no free-text answer {item_id!r}; its answers are: "
                       f"{names or 'none (it has not been graded yet)'}")
    answer = answers[item_id]
    if not 0 <= score <= answer.max_score:
        raise InvalidInput(f"“{answer.name}” is worth 0 to {answer.max_score:g} points; {score:g} is out of that range")
    grade = session.scalar(select(ManualGrade).where(ManualGrade.submission_id == submission.id,
                                                     ManualGrade.item_id == item_id))
    digest = answer_sha256(written_answer(answer.answer))
    if grade is None:
        grade = ManualGrade(submission_id=submission.id, item_id=item_id, score=score, comment=comment,
                            grader_id=grader.id, answer_sha256=digest)
        session.add(grade)
    else:
        grade.score, grade.comment, grade.grader_id, grade.answer_sha256 = score, comment, grader.id, digest
    session.flush()
    return grade, answer
