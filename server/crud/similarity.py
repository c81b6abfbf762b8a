"""Similarity reports: asking for one, the rows' states, and what a report compares (each
student's counted submission)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session, undefer

from server.errors import Conflict, NotFound
from server.gradebook import gradebook_rows
from server.models import Assignment, SimilarityReport, Submission, User, utcnow

ACTIVE = ("queued", "running")
#: A report whose process has not written for this long is taken for dead.
STALE_AFTER = timedelta(minutes=2)


def this_host_owner() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def latest_report(session: Session, assignment_id: str) -> SimilarityReport | None:
    return session.scalar(select(SimilarityReport).where(SimilarityReport.assignment_id == assignment_id)
                          .order_by(SimilarityReport.id.desc()).limit(1))


def latest_finished(session: Session, assignment_id: str) -> SimilarityReport | None:
    """The newest report that is done, with its data."""
    return session.scalar(select(SimilarityReport).options(undefer(SimilarityReport.data))
                          .where(SimilarityReport.assignment_id == assignment_id, SimilarityReport.status == "done")
                          .order_by(SimilarityReport.id.desc()).limit(1))


def get_report(session: Session, assignment_id: str, report_id: int) -> SimilarityReport:
    report = session.get(SimilarityReport, report_id, options=[undefer(SimilarityReport.data)])
    if report is None or report.assignment_id != assignment_id:
        raise NotFound(f"no similarity report {report_id} of {assignment_id!r}")
    return report


def request_report(session: Session, assignment: Assignment, requester: User) -> SimilarityReport:
    """A new queued report; refused while another one of the assignment is being made."""
    settle_stale(session, assignment.id)
    active = session.scalar(select(SimilarityReport).where(SimilarityReport.assignment_id == assignment.id,
                                                           SimilarityReport.status.in_(ACTIVE)))
    if active is not None:
        raise Conflict(f"a similarity report of {assignment.id} is already being made (report {active.id}, "
                       f"asked for at {active.created_at:%H:%M} UTC); wait for it to finish")
    report = SimilarityReport(assignment_id=assignment.id, requested_by_id=requester.id, status="queued",
                              created_at=utcnow())
    session.add(report)
    session.flush()
    return report


def settle_stale(session: Session, assignment_id: str | None = None, now: datetime | None = None) -> int:
    """Mark failed the active reports nobody is making any more: their process on this host
    is gone, or nothing was written for STALE_AFTER. Returns how many."""
    now = now or utcnow()
    statement = select(SimilarityReport).where(SimilarityReport.status.in_(ACTIVE))
    if assignment_id:
        statement = statement.where(SimilarityReport.assignment_id == assignment_id)
    settled = 0
    for report in session.scalars(statement):
        last = report.heartbeat_at or report.created_at
        if now - last > STALE_AFTER or _dead_here(report.owner):
            session.execute(update(SimilarityReport).where(SimilarityReport.id == report.id,
                                                           SimilarityReport.status.in_(ACTIVE))
                            .values(status="failed", finished_at=now,
                                    error="the process making this report stopped before it finished "
                                          "(the server restarted?); make a new report")
                            .execution_options(synchronize_session=False))
            settled += 1
    if settled:
        session.commit()
    return settled


def _dead_here(owner: str | None) -> bool:
    host, _, pid = (owner or "").rpartition(":")
    if host != socket.gethostname() or not pid.isdigit():
        return False
    try:
        os.kill(int(pid), 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


@dataclass(frozen=True)
class Counted:
    """The submission a report compares for one student."""

    submission_id: str
    student: str
    filename: str
    sha256: str


def counted_submissions(session: Session, assignment: Assignment) -> list[Counted]:
    """Per student, the submission the gradebook counts (the assignment's policy: best or
    latest graded), or their latest one when none was graded."""
    latest = {submission.student.name: submission for submission in session.scalars(
        select(Submission).where(Submission.assignment_id == assignment.id)
        .order_by(Submission.created_at, Submission.id))}
    counted = {row.student: row.submission for row in gradebook_rows(session, assignment, assignment.score_policy)
               if row.submission is not None}
    chosen = {**latest, **counted}
    return [Counted(s.id, name, s.filename, s.sha256) for name, s in sorted(chosen.items())]
