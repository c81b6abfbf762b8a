"""Leases on job rows: how a job is claimed, kept, finished or given back.

The job row is the truth. A worker owns a job while it holds the job's ``lease_token``
and renews it before ``lease_expires_at``; every write a worker makes is conditional on
that token, so when the reaper has taken a job back (its worker died or stalled) the old
worker's late result is discarded and the job counts once.

::

    queued --claim--> running --complete--> done      (a result row; the submission is
      ^                  |                              done, or failed if not gradable)
      +-----requeue------+--give_up (attempts spent)--> failed

A result is stored only when the run was the submission's to win or lose (graded, or not
gradable because of the upload). A run that failed on our side (an exception in the
worker, the sandbox or the data unavailable, the trusted session ending without results)
is given back instead: requeued for any worker, and failed for staff once its attempts are
spent. A submission that is failed with no result at all therefore failed on our side.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from grader.results import GradeResult
from server.core.db import Database
from server.models import Job, Result, Submission, utcnow


@dataclass(frozen=True)
class Lease:
    job_id: int
    token: str
    submission_id: str
    owner: str
    attempt: int


def claim(db: Database, job_id: int, owner: str, lease_s: float) -> Lease | None:
    """Take the queued job ``job_id``; None when it is not queued (someone else has it)."""
    token = secrets.token_hex(16)
    with db.session() as session:
        now = utcnow()
        claimed = session.execute(
            update(Job)
            .where(Job.id == job_id, Job.status == "queued")
            .values(status="running", lease_token=token, lease_owner=owner,
                    lease_expires_at=now + timedelta(seconds=lease_s), attempts=Job.attempts + 1,
                    started_at=now, progress=None, error=None)
            .execution_options(synchronize_session=False)
        ).rowcount
        if claimed != 1:
            return None
        job = session.execute(select(Job.submission_id, Job.attempts).where(Job.id == job_id)).one()
        settle_submission(session, job.submission_id)
        return Lease(job_id, token, job.submission_id, owner, job.attempts)


def queued_jobs(db: Database, queues: list[str] | None = None, limit: int = 8, *,
                retry_delay_s: float = 0.0, now: datetime | None = None) -> list[int]:
    """Ids of queued jobs, oldest first (optionally only those of ``queues``: cpu, gpu).
    ``retry_delay_s``: leave out jobs given back less than this long after their last claim,
    so a failure of ours (a sandbox that would not start) is not retried at once."""
    with db.session() as session:
        statement = select(Job.id).where(Job.status == "queued").order_by(Job.id).limit(limit)
        if queues is not None:
            statement = statement.where(Job.queue.in_(queues))
        if retry_delay_s > 0:
            ready = (now or utcnow()) - timedelta(seconds=retry_delay_s)
            statement = statement.where(or_(Job.attempts == 0, Job.started_at.is_(None), Job.started_at <= ready))
        return list(session.scalars(statement))


def renew(db: Database, lease: Lease, lease_s: float, progress: dict[str, Any] | None = None) -> bool:
    """Extend the lease (and record progress); False when the lease was lost."""
    values: dict[str, Any] = {"lease_expires_at": utcnow() + timedelta(seconds=lease_s)}
    if progress is not None:
        values["progress"] = progress
    with db.session() as session:
        return session.execute(
            update(Job).where(Job.id == lease.job_id, Job.lease_token == lease.token, Job.status == "running")
            .values(**values).execution_options(synchronize_session=False)
        ).rowcount == 1


def complete(db: Database, lease: Lease, result: GradeResult, grading_s: float) -> bool:
    """Store ``result`` as the job's outcome, if the lease is still ours; else discard it."""
    with db.session() as session:
        now = utcnow()
        finished = session.execute(
            update(Job).where(Job.id == lease.job_id, Job.lease_token == lease.token, Job.status == "running")
            .values(status="done", finished_at=now, lease_expires_at=None, grading_s=grading_s)
            .execution_options(synchronize_session=False)
        ).rowcount
        if finished != 1:
            return False
        session.add(Result(submission_id=lease.submission_id, job_id=lease.job_id, gradable=result.gradable,
                           score=result.score, max_score=result.max_score,
                           data=result.to_strict_json(), created_at=now))
        session.flush()
        settle_submission(session, lease.submission_id)
        return True


def give_back(db: Database, lease: Lease, error: str, max_attempts: int) -> str:
    """The worker could not finish: requeue the job, or fail it once its attempts are spent.
    Returns the job's new status (or "lost" when the lease was no longer ours)."""
    with db.session() as session:
        return _release(session, lease.job_id, lease.token, lease.submission_id, lease.attempt,
                        error, max_attempts) or "lost"


def take_back(session: Session, job: Job, error: str, max_attempts: int) -> str | None:
    """The reaper's half of :func:`give_back`, for a job whose worker is gone."""
    return _release(session, job.id, job.lease_token, job.submission_id, job.attempts, error, max_attempts)


def _release(session: Session, job_id: int, token: str | None, submission_id: str, attempts: int,
             error: str, max_attempts: int) -> str | None:
    """End the lease ``token`` on a running job: requeue it, or fail it once ``attempts``
    reach ``max_attempts``. Returns the new status; None when the lease was no longer held."""
    status = "failed" if attempts >= max_attempts else "queued"
    values: dict[str, Any] = {"status": status, "lease_token": None, "lease_expires_at": None,
                              "lease_owner": None, "dispatched_at": None, "error": error}
    if status == "failed":
        values["finished_at"] = utcnow()
    changed = session.execute(
        update(Job).where(Job.id == job_id, Job.lease_token == token, Job.status == "running")
        .values(**values).execution_options(synchronize_session=False)
    ).rowcount
    if changed != 1:
        return None
    settle_submission(session, submission_id)
    return status


def settle_submission(session: Session, submission_id: str) -> None:
    """Set the submission's status from its newest job and newest result.

    A job in flight (queued, running) shows; otherwise the newest result decides (done when
    it was gradable, failed when not), and with no result at all the submission failed.
    """
    job_status = session.scalar(
        select(Job.status).where(Job.submission_id == submission_id).order_by(Job.id.desc()).limit(1))
    if job_status in ("queued", "running"):
        status = job_status
    else:
        gradable = session.scalar(
            select(Result.gradable).where(Result.submission_id == submission_id).order_by(Result.id.desc()).limit(1))
        status = "done" if gradable else "failed"
    session.execute(update(Submission).where(Submission.id == submission_id).values(status=status)
                    .execution_options(synchronize_session=False))


