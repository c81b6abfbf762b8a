"""Response bodies built from rows, as the viewer may see them, and their validators (ETags).

A submission's views change only when one of a few small things does: its status, its
newest job's progress, its newest result, the manual grades of its student on its
assignment, and (for students) whether the due date has passed. :func:`view_version`
reads just those, so a poll that has nothing new is answered 304 without building a body.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from grader.results import GradeResult
from grader.results.model import INFRASTRUCTURE_REASON
from grader.results.outcomes import outcome_label
from server.api import API_PREFIX
from server.crud import submissions as crud
from server.crud.manual_grades import AnswerGrade, answer_grades
from server.feedback import ViewedResult, failed_on_our_side, result_for_viewer, sees_everything
from server.gradebook import counted_submission
from server.models import Job, ManualGrade, Result, Submission, User, utcnow
from server.schemas.submissions import (
    CheckPublic,
    ManualItemPublic,
    Progress,
    ScorePublic,
    SubmissionPublic,
    SubmissionStatus,
    SubmissionSummary,
)
from server.scoring import Score, submission_score


def status_url(submission_id: str) -> str:
    return f"{API_PREFIX}/submissions/{submission_id}"


def page_url(submission_id: str) -> str:
    return f"/submissions/{submission_id}"


def score_public(score: Score) -> ScorePublic:
    return ScorePublic(automatic=score.automatic, automatic_max=score.automatic_max, manual=score.manual,
                       manual_max=score.manual_max, total=score.total, max_total=score.max_total,
                       late_days=score.late_days, late_penalty=score.late_penalty, final=score.final,
                       ungraded=score.ungraded, ungraded_points=score.ungraded_points)


def submission_summaries(session: Session, submissions: list[Submission],
                         counted: set[str] | None = None, *, viewer: User | None = None) -> list[SubmissionSummary]:
    """``counted``: ids of the submissions that count, when the caller knows them. ``viewer``
    decides how much of a failure's reason shows (without one, what a student sees)."""
    stored = crud.current_results(session, [s.id for s in submissions])
    results = crud.graded_results(stored)
    grades = answer_grades(session, submissions, results)
    failed_jobs = crud.latest_jobs(session, [s.id for s in submissions
                                             if s.status == "failed" and s.id not in stored])
    staff = viewer is not None and viewer.role == "instructor"
    summaries = []
    for submission in submissions:
        given = grades.get(submission.id, {})
        score = submission_score(submission, results.get(submission.id), given)
        failure, reason = _failure(stored.get(submission.id), failed_jobs.get(submission.id), staff=staff)
        summaries.append(SubmissionSummary(
            id=submission.id, assignment_id=submission.assignment_id, student=submission.student.name,
            filename=submission.filename, status=submission.status, submitted_at=submission.created_at,
            status_url=status_url(submission.id), score=score_public(score) if score else None,
            counts=None if counted is None else submission.id in counted,
            to_grade=sum(1 for grade in given.values() if grade.needs_grading), failure=failure, reason=reason))
    return summaries


def _failure(stored: Result | None, failed_job: Job | None, *, staff: bool) -> tuple[str | None, str | None]:
    """(whose failure, the reason) of a submission without a score; (None, None) otherwise."""
    if failed_job is not None:
        return "infrastructure", _failure_reason(failed_job, staff=staff, short=True)
    if stored is None or stored.gradable:
        return None, None
    result = GradeResult.from_gradescope(stored.data)
    if failed_on_our_side(result):
        return "infrastructure", result.reason if staff else INFRASTRUCTURE_REASON
    return result.failure or "submission", result.reason


def view_version(session: Session, submission: Submission, viewer: User, now: datetime | None = None) -> str:
    """A strong ETag of what ``viewer`` sees of ``submission`` now, from a few small reads."""
    job = session.execute(select(Job.id, Job.status, Job.progress).where(Job.submission_id == submission.id)
                          .order_by(Job.id.desc()).limit(1)).first()
    result_id = session.scalar(select(func.max(Result.id)).where(Result.submission_id == submission.id))
    grades = session.execute(
        select(func.count(ManualGrade.id), func.max(ManualGrade.updated_at))
        .join(Submission, Submission.id == ManualGrade.submission_id)
        .where(Submission.student_id == submission.student_id,
               Submission.assignment_id == submission.assignment_id)).first()
    _, after_due = sees_everything(viewer.role, submission.assignment.due_at, now or utcnow())
    done = (job.progress or {}).get("done", 0) if job else 0
    key = (f"{submission.status}|{job.id if job else 0}|{job.status if job else ''}|{done}|{result_id}|"
           f"{grades[0]}|{grades[1]}|{viewer.role}|{after_due}|{submission.assignment.updated_at}")
    return '"' + hashlib.sha256(key.encode()).hexdigest()[:32] + '"'


def submission_status(session: Session, submission: Submission) -> SubmissionStatus:
    """The compact view: status and progress; the final score once graded."""
    job = crud.latest_job(session, submission.id)
    progress = (job.progress or {}) if job is not None and job.status in ("queued", "running") else {}
    view = SubmissionStatus(id=submission.id, status=submission.status, done=progress.get("done", 0),
                            total=progress.get("total") or None, page_url=page_url(submission.id))
    if submission.status in ("done", "failed"):
        stored = crud.current_results(session, [submission.id])
        view.graded_at = stored[submission.id].created_at if submission.id in stored else None
        results = crud.graded_results(stored)
        result = results.get(submission.id)
        if result is not None:
            view.done = view.total = len([check for check in result.tests if not check.manual])
            score = submission_score(submission, result, answer_grades(session, [submission], results)
                                     .get(submission.id, {}))
            view.score, view.max_score, view.ungraded = score.final, score.max_total, score.ungraded
    return view


@dataclass
class SubmissionLook:
    """Everything a viewer may see of one submission, typed: the API's view and the page
    are both built from this."""

    submission: Submission
    viewer: User
    submitted_by: str
    progress: Progress | None
    viewed: ViewedResult | None          # the current result as the viewer may see it
    graded_at: datetime | None
    grades: dict[str, AnswerGrade]
    score: Score | None
    reason: str | None
    result_count: int
    counted: Submission | None
    failure: str | None = None           # whose failure a submission without a score is
    staff_error: str | None = None       # instructors only: what failed on our side, in full

    @property
    def status_text(self) -> str:
        """The status in words: a failure of ours is not the student's "failed"."""
        if self.failure == "infrastructure":
            return f"{outcome_label('infrastructure').word}; staff are told"
        if self.failure == "submission":
            return "not gradable"
        return self.submission.status

    @property
    def counts(self) -> bool | None:
        return None if self.counted is None else self.counted.id == self.submission.id

    @property
    def to_grade(self) -> int:
        return sum(1 for grade in self.grades.values() if grade.needs_grading)


def look_at(session: Session, submission: Submission, viewer: User, now: datetime | None = None) -> SubmissionLook:
    now = now or utcnow()
    stored = crud.current_results(session, [submission.id]).get(submission.id)
    job = crud.latest_job(session, submission.id)
    submitter = session.get(User, submission.submitted_by_id)
    result_count = session.scalar(select(func.count(Result.id)).where(Result.submission_id == submission.id))

    progress = None
    if job is not None and job.status in ("queued", "running"):
        raw = job.progress or {}
        checks_so_far = raw.get("checks", [])
        if viewer.role != "instructor":  # which checks are hidden is known only from the result
            checks_so_far = [{**c, "outcome": "passed" if c.get("outcome") == "passed" else "failed"}
                             for c in checks_so_far]
        progress = Progress(done=raw.get("done", 0), total=raw.get("total", 0), checks=checks_so_far)

    viewed, grades, score, reason, failure, staff_error = None, {}, None, None, None, None
    if stored is not None:
        viewed = result_for_viewer(stored.data, role=viewer.role, due_at=submission.assignment.due_at, now=now)
        reason = viewed.result.reason
        if stored.gradable:
            grades = answer_grades(session, [submission], {submission.id: viewed.result}).get(submission.id, {})
            score = submission_score(submission, viewed.result, grades)
        else:
            failure = "infrastructure" if failed_on_our_side(viewed.result) else "submission"
            staff_error = viewed.result.staff_detail or None   # emptied for anyone but instructors
    if submission.status == "failed" and stored is None and job is not None:
        staff = viewer.role == "instructor"
        failure, reason = "infrastructure", _failure_reason(job, staff=staff, short=True)
        staff_error = job.error if staff else None
    return SubmissionLook(submission=submission, viewer=viewer, submitted_by=submitter.name if submitter else "",
                          progress=progress, viewed=viewed, graded_at=stored.created_at if stored else None,
                          grades=grades, score=score, reason=reason, result_count=result_count or 0,
                          counted=counted_submission(session, submission), failure=failure,
                          staff_error=staff_error)


def submission_public(session: Session, submission: Submission, viewer: User,
                      now: datetime | None = None) -> SubmissionPublic:
    look = look_at(session, submission, viewer, now)
    checks, items = [], []
    if look.viewed is not None:
        for check in look.viewed.result.tests:
            if check.manual:
                continue
            concealed = check.id in look.viewed.concealed
            checks.append(CheckPublic(
                id=check.id, name=check.name, notebook=check.notebook, score=check.score,
                max_score=check.max_score, status="passed" if check.passed else "failed",
                visibility=check.visibility, outcome=check.outcome, label=outcome_label(check.outcome).word,
                output=None if concealed and not check.message else check.to_gradescope()["output"],
                details=None if concealed else check.details))
        for answer in look.viewed.result.manual_answers:
            grade = look.grades.get(answer.id)
            items.append(ManualItemPublic(
                id=answer.id, name=answer.name, notebook=answer.notebook, max_score=answer.max_score,
                answer=answer.answer, score=grade.score if grade else None, comment=grade.comment if grade else "",
                state=grade.state if grade else "ungraded", graded_on=grade.graded_on if grade else None))
    return SubmissionPublic(
        id=submission.id, assignment_id=submission.assignment_id, student=submission.student.name,
        filename=submission.filename, status=submission.status, submitted_at=submission.created_at,
        status_url=status_url(submission.id), score=score_public(look.score) if look.score else None,
        counts=look.counts, to_grade=look.to_grade, size=submission.size, submitted_by=look.submitted_by,
        progress=look.progress, gradable=look.viewed.result.gradable if look.viewed else None, reason=look.reason,
        failure=look.failure, staff_detail=look.staff_error,
        graded_at=look.graded_at, checks=checks, manual_items=items, result_count=look.result_count,
        score_policy=submission.assignment.score_policy, counted_id=look.counted.id if look.counted else None,
        page_url=page_url(submission.id))


def submission_report_text(look: SubmissionLook, *, width: int, page: str) -> str:
    """The terminal table of what ``look``'s viewer sees (``gradelab submit`` prints it): the
    same grouping and figures as the page, one set of totals, and the page's address."""
    from grader.results.text_table import render_table

    lines = []
    if look.viewed is None or not look.viewed.result.gradable:
        reason = look.reason or "no result yet"
        return f"Not graded: {reason}\nPage: {page}\n"
    score = look.score
    totals = [f"Checks: {score.automatic:g} / {score.automatic_max:g}"]
    if score.manual_max:
        if score.ungraded:
            totals.append(f"Free-text answers: {score.manual:g} / {score.manual_max:g} so far; {score.ungraded} "
                          f"answer(s) ({score.ungraded_points:g} points) not graded yet, counted 0 until graded")
        else:
            totals.append(f"Free-text answers: {score.manual:g} / {score.manual_max:g}")
    if score.late_days:
        totals.append(f"Late: {score.late_days} day(s), -{score.late_penalty:.0%} of the total")
    totals.append(f"Final score: {score.final:g} / {score.max_total:g}")
    counted = "counts" if look.counts else "does not count (another submission of yours does)"
    totals.append(f"This submission {counted}. Page: {page}")
    manual = {item: grade.score for item, grade in look.grades.items()}
    lines.append(render_table(look.viewed.result, width=width, manual_scores=manual, totals=totals))
    return "".join(lines)


def _failure_reason(job: Job, *, staff: bool, short: bool = False) -> str:
    """Why a job failed for staff. Its error is the service's own (exceptions, paths, the
    grading log's tail): only instructors read it, the first line of it in a list
    (``short``). Students read that it is our failure, that it counts neither as a score
    nor toward their cap, and what happens next."""
    if not staff:
        return ("Not graded yet: grading failed on our side, not because of your submission, and staff have "
                "been told. It has no score and does not count toward your daily submission limit; an "
                "instructor will regrade it.")
    error = job.error or "unknown error"
    if short:
        first = error.strip().splitlines()[0] if error.strip() else error
        error = first if len(first) <= 200 else first[:199] + "…"
    return (f"Failed for staff after {job.attempts} attempt(s), our failure, not the submission's: {error}. "
            "Regrade it once the cause is fixed.")
