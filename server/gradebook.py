"""Which submission counts, and the gradebook as CSV.

One submission counts per student and assignment, by the assignment's policy: ``best``
(the highest final score, manual points and late penalty included; the earliest of equal
ones) or ``latest`` (the newest graded one). The gradebook has one row per student with
the counted submission, a column per check and free-text answer, and the totals: the
shape LMS imports take (a header row, then one student per row).
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session

from grader.results import GradeResult
from server.crud.manual_grades import AnswerGrade, answer_grades
from server.crud.submissions import current_results, graded_results
from server.models import Assignment, Submission, User
from server.scoring import Score, submission_score


@dataclass
class Row:
    student: str
    submission: Submission | None = None
    result: GradeResult | None = None
    score: Score | None = None
    grades: dict[str, AnswerGrade] = field(default_factory=dict)
    #: The newest graded submission and its answers' grades, when it is not the counted one
    #: (under "best" it may count once its answers are graded).
    latest: Submission | None = None
    latest_grades: dict[str, AnswerGrade] = field(default_factory=dict)


def gradebook_rows(session: Session, assignment: Assignment, policy: str,
                   student_ids: list[int] | None = None) -> list[Row]:
    """One row per student (or per student of ``student_ids``) with the submission that counts."""
    students = select(User).where(User.role == "student").order_by(User.name)
    submissions = select(Submission).where(Submission.assignment_id == assignment.id)
    if student_ids is not None:
        students = students.where(User.id.in_(student_ids))
        submissions = submissions.where(Submission.student_id.in_(student_ids))
    submissions = session.scalars(submissions.order_by(Submission.created_at, Submission.id)).all()
    results = graded_results(current_results(session, [s.id for s in submissions]))
    grades = answer_grades(session, submissions, results)
    rows = {student.id: Row(student.name) for student in session.scalars(students)}
    for submission in submissions:  # oldest first: "latest" is the last one seen
        result, given = results.get(submission.id), grades.get(submission.id, {})
        score = submission_score(submission, result, given)
        if score is None:
            continue
        row = rows.setdefault(submission.student_id, Row(submission.student.name))
        if row.score is None or policy == "latest" or score.final > row.score.final:
            row.submission, row.result, row.score, row.grades = submission, result, score, given
        row.latest, row.latest_grades = submission, given
    for row in rows.values():
        if row.latest is row.submission:
            row.latest, row.latest_grades = None, {}
    return sorted(rows.values(), key=lambda row: row.student)


def counted_submission(session: Session, submission: Submission) -> Submission | None:
    """The submission of the same student and assignment that counts (maybe ``submission``)."""
    rows = gradebook_rows(session, submission.assignment, submission.assignment.score_policy,
                          [submission.student_id])
    return rows[0].submission if rows else None


def counted_ids(session: Session, submissions: list[Submission]) -> set[str]:
    """Ids of the submissions that count for the students and assignments of ``submissions``."""
    by_assignment: dict[str, set[int]] = {}
    assignments = {}
    for submission in submissions:
        by_assignment.setdefault(submission.assignment_id, set()).add(submission.student_id)
        assignments[submission.assignment_id] = submission.assignment
    counted = set()
    for assignment_id, students in by_assignment.items():
        assignment = assignments[assignment_id]
        for row in gradebook_rows(session, assignment, assignment.score_policy, sorted(students)):
            if row.submission is not None:
                counted.add(row.submission.id)
    return counted


def gradebook_csv(rows: list[Row]) -> str:
    columns = list(dict.fromkeys(check.id for row in rows if row.result for check in row.result.tests))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "submission_id", "submitted_at", *columns, "automatic", "manual",
                     "ungraded_answers", "total", "max_total", "late_days", "late_penalty", "final"])
    for row in rows:
        if row.score is None:
            writer.writerow([row.student, "", "", *([""] * len(columns)), "", "", "", "", "", "", "", ""])
            continue
        points = _points(row)
        writer.writerow([row.student, row.submission.id, row.submission.created_at.isoformat(),
                         *(_num(points.get(column)) for column in columns),
                         _num(row.score.automatic), _num(row.score.manual), row.score.ungraded,
                         _num(row.score.total), _num(row.score.max_total), row.score.late_days,
                         _num(row.score.late_penalty), _num(row.score.final)])
    return out.getvalue()


def _points(row: Row) -> dict[str, float | None]:
    points: dict[str, float | None] = {}
    for check in row.result.tests:
        if check.manual:
            grade = row.grades.get(check.id)
            points[check.id] = grade.score if grade else None
        else:
            points[check.id] = check.score
    return points


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
