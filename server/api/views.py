"""Response bodies built from rows, as the viewer may see them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from server.api import API_PREFIX
from server.crud import submissions as crud
from server.feedback import checks_for_viewer, manual_items
from server.models import Job, Result, Submission, User, utcnow
from server.schemas.submissions import (
    CheckPublic,
    ManualItemPublic,
    Progress,
    ScorePublic,
    SubmissionPublic,
    SubmissionSummary,
)
from server.scoring import Score, submission_score


def status_url(submission_id: str) -> str:
    return f"{API_PREFIX}/submissions/{submission_id}"


def score_public(score: Score) -> ScorePublic:
    return ScorePublic(automatic=score.automatic, automatic_max=score.automatic_max, manual=score.manual,
                       manual_max=score.manual_max, total=score.total, max_total=score.max_total,
                       late_days=score.late_days, late_penalty=score.late_penalty, final=score.final)


def submission_summaries(session: Session, submissions: list[Submission]) -> list[SubmissionSummary]:
    ids = [s.id for s in submissions]
    results, grades = crud.current_results(session, ids), crud.manual_grades(session, ids)
    summaries = []
    for submission in submissions:
        score = submission_score(submission, results.get(submission.id), grades.get(submission.id, {}))
        summaries.append(SubmissionSummary(
            id=submission.id, assignment_id=submission.assignment_id, student=submission.student.name,
            filename=submission.filename, status=submission.status, submitted_at=submission.created_at,
            status_url=status_url(submission.id), score=score_public(score) if score else None))
    return summaries


def submission_public(session: Session, submission: Submission, viewer: User,
                      now: datetime | None = None) -> SubmissionPublic:
    now = now or utcnow()
    result = crud.current_results(session, [submission.id]).get(submission.id)
    grades = crud.manual_grades(session, [submission.id]).get(submission.id, {})
    job = crud.latest_job(session, submission.id)
    submitter = session.get(User, submission.submitted_by_id)
    result_count = session.scalar(select(func.count(Result.id)).where(Result.submission_id == submission.id))
    score = submission_score(submission, result, grades)

    progress = None
    if job is not None and job.status in ("queued", "running"):
        raw = job.progress or {}
        checks_so_far = raw.get("checks", [])
        if viewer.role != "instructor":  # which checks are hidden is known only from the result
            checks_so_far = [{**c, "outcome": "passed" if c.get("outcome") == "passed" else "failed"}
                             for c in checks_so_far]
        progress = Progress(done=raw.get("done", 0), total=raw.get("total", 0), checks=checks_so_far)

    checks, items, reason, gradable, graded_at = [], [], None, None, None
    if result is not None:
        gradable, graded_at = result.gradable, result.created_at
        reason = result.data.get("reason")
        checks = [CheckPublic(**check) for check in checks_for_viewer(
            result.data, role=viewer.role, due_at=submission.assignment.due_at, now=now)]
        for item in manual_items(result.data):
            grade = grades.get(item["id"])
            items.append(ManualItemPublic(**item, score=grade.score if grade else None,
                                          comment=grade.comment if grade else ""))
    if submission.status == "failed" and result is None and job is not None:
        reason = _failure_reason(job, show_error=viewer.role == "instructor")
    return SubmissionPublic(
        id=submission.id, assignment_id=submission.assignment_id, student=submission.student.name,
        filename=submission.filename, status=submission.status, submitted_at=submission.created_at,
        status_url=status_url(submission.id), score=score_public(score) if score else None,
        size=submission.size, submitted_by=submitter.name if submitter else "", progress=progress,
        gradable=gradable, reason=reason, graded_at=graded_at, checks=checks, manual_items=items,
        result_count=result_count or 0)


def _failure_reason(job: Job, *, show_error: bool) -> str:
    """Why a job failed. The error text is the service's own (paths, tracebacks): only
    instructors see it; students learn that it is not their fault and what happens next."""
    detail = f": {job.error or 'unknown error'}" if show_error else ""
    return (f"grading failed after {job.attempts} attempt(s){detail}. "
            "This is the service's fault, not yours; an instructor can regrade it.")
