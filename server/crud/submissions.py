"""Submissions: accepting one (with its upload and first job), reading them as a viewer may,
regrades, and the newest result of each."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import exists, func, select, update
from sqlalchemy.orm import Session

from grader.results import GradeResult
from server.errors import Conflict, NotFound
from server.jobs.lease import settle_submission
from server.late_policy import DAY, check_cutoff, check_daily_cap
from server.models import Assignment, Job, Result, Submission, Upload, User, utcnow


@dataclass(frozen=True)
class Accepted:
    submission: Submission
    job: Job | None          # None when an Idempotency-Key replayed an earlier submission
    replayed: bool


def queue_for(assignment: Assignment) -> str:
    """Jobs of the full profile train on the real data sets: they go to the GPU workers."""
    return "gpu" if assignment.profile == "full" else "cpu"


def check_can_submit(session: Session, assignment: Assignment, student: User, submitter: User) -> None:
    """The checks that need no upload (cutoff, cap): run before reading the body."""
    now = utcnow()
    check_cutoff(assignment.id, assignment.hard_cutoff_at, now)
    if submitter.role != "instructor":
        check_daily_cap(assignment.id, assignment.daily_cap, _recent(session, assignment, student, now), now)


def find_replay(session: Session, submitter: User, idempotency_key: str | None) -> Submission | None:
    if not idempotency_key:
        return None
    return session.scalar(select(Submission).where(Submission.submitted_by_id == submitter.id,
                                                   Submission.idempotency_key == idempotency_key))


def check_replay(earlier: Submission, assignment: Assignment, student: User, sha256: str) -> None:
    """A replayed Idempotency-Key must come with the same upload for the same assignment and student."""
    if earlier.sha256 != sha256 or earlier.assignment_id != assignment.id or earlier.student_id != student.id:
        raise Conflict("this Idempotency-Key was used for a different upload; use a new key for new work")


def create_submission(session: Session, *, assignment: Assignment, student: User, submitter: User,
                      filename: str, data: bytes, sha256: str, idempotency_key: str | None) -> Accepted:
    """Store an upload that passed validation: the submission, its bytes and a queued job.

    Taking the student's row lock first serialises one student's uploads, so the cap and the
    Idempotency-Key are checked against every earlier upload, even concurrent ones.
    """
    now = utcnow()
    session.execute(update(User).where(User.id == student.id).values(last_submission_at=now)
                    .execution_options(synchronize_session=False))
    earlier = find_replay(session, submitter, idempotency_key)
    if earlier is not None:
        check_replay(earlier, assignment, student, sha256)
        return Accepted(earlier, None, True)
    check_can_submit(session, assignment, student, submitter)
    submission = Submission(id=secrets.token_hex(8), assignment_id=assignment.id, student_id=student.id,
                            submitted_by_id=submitter.id, filename=filename, size=len(data), sha256=sha256,
                            idempotency_key=idempotency_key or None, status="queued", created_at=now)
    session.add(submission)
    session.flush()
    session.add(Upload(submission_id=submission.id, data=data))
    job = Job(submission_id=submission.id, kind="submit", queue=queue_for(assignment), status="queued",
              created_at=now)
    session.add(job)
    session.flush()
    return Accepted(submission, job, False)


def failed_with_no_result():
    """SQL condition: the submission failed with no result at all, so its grading job failed
    for staff (an infrastructure failure: the submission's own failures store a result)."""
    return (Submission.status == "failed") & ~exists().where(Result.submission_id == Submission.id)


def _recent(session: Session, assignment: Assignment, student: User, now: datetime) -> list[datetime]:
    """When the student's submissions of the last day were made, for the daily cap; those
    that failed on our side are left out (our failure must not use up the student's cap)."""
    return list(session.scalars(select(Submission.created_at).where(
        Submission.assignment_id == assignment.id, Submission.student_id == student.id,
        Submission.created_at > now - DAY, ~failed_with_no_result())))


def get_submission(session: Session, submission_id: str, viewer: User) -> Submission:
    """The submission if ``viewer`` may see it; another student's answers 404, like a missing one."""
    submission = session.get(Submission, submission_id)
    if submission is None or not may_see(viewer, submission):
        raise NotFound(f"there is no submission {submission_id!r} of yours")
    return submission


def may_see(viewer: User, submission: Submission) -> bool:
    if viewer.role == "instructor":
        return True
    if viewer.role == "ci":
        return submission.submitted_by_id == viewer.id
    return submission.student_id == viewer.id


def list_submissions(session: Session, viewer: User, *, assignment_id: str | None = None,
                     student: str | None = None, status: str | None = None,
                     limit: int = 100, offset: int = 0) -> tuple[list[Submission], int]:
    statement = select(Submission)
    if viewer.role == "student":
        statement = statement.where(Submission.student_id == viewer.id)
    elif viewer.role == "ci":
        statement = statement.where(Submission.submitted_by_id == viewer.id)
    if assignment_id:
        statement = statement.where(Submission.assignment_id == assignment_id)
    if student:
        statement = statement.join(User, User.id == Submission.student_id).where(User.name == student)
    if status:
        statement = statement.where(Submission.status == status)
    count = session.scalar(select(func.count()).select_from(statement.subquery()))
    rows = session.scalars(statement.order_by(Submission.created_at.desc(), Submission.id)
                           .limit(limit).offset(offset))
    return list(rows), count


def graded_results(results: dict[str, Result]) -> dict[str, GradeResult]:
    """The gradable ones of ``results`` as the engine's typed results."""
    return {sid: GradeResult.from_gradescope(r.data) for sid, r in results.items() if r.gradable}


def current_results(session: Session, submission_ids: list[str]) -> dict[str, Result]:
    """The newest result of each submission (those without one are left out)."""
    if not submission_ids:
        return {}
    newest = (select(func.max(Result.id)).where(Result.submission_id.in_(submission_ids))
              .group_by(Result.submission_id))
    return {r.submission_id: r for r in session.scalars(select(Result).where(Result.id.in_(newest)))}


def result_history(session: Session, submission_id: str) -> list[tuple[Result, Job]]:
    rows = session.execute(select(Result, Job).join(Job, Job.id == Result.job_id)
                           .where(Result.submission_id == submission_id).order_by(Result.id))
    return [(result, job) for result, job in rows]


def latest_job(session: Session, submission_id: str) -> Job | None:
    return session.scalar(select(Job).where(Job.submission_id == submission_id).order_by(Job.id.desc()).limit(1))


def latest_jobs(session: Session, submission_ids: list[str]) -> dict[str, Job]:
    """The newest job of each submission (those without one are left out)."""
    if not submission_ids:
        return {}
    newest = (select(func.max(Job.id)).where(Job.submission_id.in_(submission_ids)).group_by(Job.submission_id))
    return {job.submission_id: job for job in session.scalars(select(Job).where(Job.id.in_(newest)))}


def request_regrade(session: Session, submission: Submission) -> Job | None:
    """A new job for ``submission``; None when one is already queued or running."""
    active = session.scalar(select(Job.id).where(Job.submission_id == submission.id,
                                                 Job.status.in_(("queued", "running"))))
    if active is not None:
        return None
    job = Job(submission_id=submission.id, kind="regrade", queue=queue_for(submission.assignment),
              status="queued", created_at=utcnow())
    session.add(job)
    session.flush()
    settle_submission(session, submission.id)
    return job


def regrade_assignment(session: Session, assignment: Assignment) -> tuple[list[Job], int]:
    """Regrade every submission of ``assignment``; returns (new jobs, submissions skipped
    because a job of theirs is already in flight)."""
    jobs, skipped = [], 0
    for submission in session.scalars(select(Submission).where(Submission.assignment_id == assignment.id)
                                      .order_by(Submission.created_at)):
        job = request_regrade(session, submission)
        if job is None:
            skipped += 1
        else:
            jobs.append(job)
    return jobs, skipped
