"""The gradebook as CSV: one row per student, the counted submission per the assignment's
policy (``best`` final score, or ``latest``), a column per check and manual item, and the
totals. The shape LMS imports take: a header row, then one student per row."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from server.crud.submissions import current_results, manual_grades
from server.feedback import check_id
from server.models import Assignment, ManualGrade, Result, Submission, User
from server.scoring import Score, submission_score


@dataclass
class Row:
    student: str
    submission: Submission | None = None
    result: Result | None = None
    score: Score | None = None
    grades: dict[str, ManualGrade] | None = None


def gradebook_rows(session: Session, assignment: Assignment, policy: str) -> list[Row]:
    students = session.scalars(select(User).where(User.role == "student").order_by(User.name)).all()
    submissions = session.scalars(select(Submission).where(Submission.assignment_id == assignment.id)
                                  .order_by(Submission.created_at)).all()
    ids = [s.id for s in submissions]
    results, grades = current_results(session, ids), manual_grades(session, ids)
    rows = {student.id: Row(student.name) for student in students}
    for submission in submissions:  # oldest first: "latest" is the last one seen
        result, given = results.get(submission.id), grades.get(submission.id, {})
        score = submission_score(submission, result, given)
        if score is None:
            continue
        row = rows.setdefault(submission.student_id, Row(submission.student.name))
        if row.score is None or policy == "latest" or score.final > row.score.final:
            row.submission, row.result, row.score, row.grades = submission, result, score, given
    return sorted(rows.values(), key=lambda row: row.student)


def gradebook_csv(rows: list[Row]) -> str:
    columns = _columns(row.result.data for row in rows if row.result is not None)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["student", "submission_id", "submitted_at", *columns,
                     "automatic", "manual", "total", "max_total", "late_days", "late_penalty", "final"])
    for row in rows:
        if row.score is None:
            writer.writerow([row.student, "", "", *([""] * len(columns)), "", "", "", "", "", "", ""])
            continue
        points = _points(row)
        writer.writerow([row.student, row.submission.id, row.submission.created_at.isoformat(),
                         *(_num(points.get(column)) for column in columns),
                         _num(row.score.automatic), _num(row.score.manual), _num(row.score.total),
                         _num(row.score.max_total), row.score.late_days, _num(row.score.late_penalty),
                         _num(row.score.final)])
    return out.getvalue()


def _columns(results: Iterable[dict[str, Any]]) -> list[str]:
    """The id of every check and manual item in ``results``, in rubric order, once each."""
    return list(dict.fromkeys(check_id(test) for data in results for test in data.get("tests", [])))


def _points(row: Row) -> dict[str, float | None]:
    points: dict[str, float | None] = {}
    for test in row.result.data.get("tests", []):
        column = check_id(test)
        if test.get("extra_data", {}).get("outcome") == "manual":
            grade = (row.grades or {}).get(column)
            points[column] = grade.score if grade else None
        else:
            points[column] = test.get("score", 0.0)
    return points


def _num(value: float | None) -> str:
    return "" if value is None else f"{value:g}"
