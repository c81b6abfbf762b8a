"""Grade one job: claim it, grade the upload with the engine, store the result.

Both dispatchers end here: a local pool thread and a Celery task call :func:`run_job`
with a job id. While grading, a heartbeat renews the lease and records progress
("running 12/48"); the result is stored only if the lease is still ours. A run that failed
on our side stores nothing: the job is given back (see :mod:`server.jobs.lease`).
"""

from __future__ import annotations

import logging
import os
import socket
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select

from gradelab.settings import Settings
from grader.results import GradeResult
from server.core.db import Database
from server.core.logging import submission_context
from server.core.private_files import private_directory
from server.crud.assignments import master_path
from server.jobs import lease as leases
from server.jobs.priority import lower_priority
from server.models import Assignment, Submission, Upload

log = logging.getLogger("gradelab.worker")


@dataclass(frozen=True)
class WorkerContext:
    database: Database
    settings: Settings
    name: str = "worker"

    def owner(self) -> str:
        """``host:pid:thread``: lets the reaper on this host tell a dead worker at once."""
        return f"{socket.gethostname()}:{os.getpid()}:{self.name}-{threading.get_native_id()}"


def run_job(ctx: WorkerContext, job_id: int) -> str:
    """Grade job ``job_id`` if it is still queued. Returns what happened: ``skipped`` (not
    queued: another worker has it or it is finished), ``done``, ``lost`` (the lease was
    taken back meanwhile; the result was discarded), ``queued``/``failed`` (an error)."""
    settings = ctx.settings
    lease = leases.claim(ctx.database, job_id, ctx.owner(), settings.job_lease_s)
    if lease is None:
        return "skipped"
    with submission_context(lease.submission_id):
        lower_priority(settings.worker_nice)
        log.info("grading started", extra={"job_id": job_id, "attempt": lease.attempt})
        heartbeat = Heartbeat(ctx.database, lease, settings.job_lease_s)
        heartbeat.start()
        started = time.monotonic()
        try:
            result = _grade(ctx, lease)
        except Exception as exc:  # an error of ours, not of the submission: try again elsewhere
            heartbeat.stop()
            log.exception("grading raised", extra={"job_id": job_id, "submission_id": lease.submission_id,
                                                   "attempt": lease.attempt})
            return _give_back(ctx, lease, f"{type(exc).__name__}: {exc}")
        heartbeat.stop()
        if result.infrastructure_failed:  # ours: no result is stored; the job goes back
            log.error("grading could not run (our failure, not the submission's)",
                      extra={"job_id": job_id, "submission_id": lease.submission_id, "attempt": lease.attempt,
                             "detail": result.staff_detail})
            return _give_back(ctx, lease, result.staff_detail or result.reason or "unknown failure")
        elapsed = time.monotonic() - started
        stored = leases.complete(ctx.database, lease, result, elapsed)
        log.info("grading finished" if stored else "grading finished after the lease was lost; result discarded",
                 extra={"job_id": job_id, "score": result.score, "max_score": result.max_score,
                        "gradable": result.gradable, "grading_s": round(elapsed, 3)})
        _tell_staff(lease, result)
        return "done" if stored else "lost"


def _give_back(ctx: WorkerContext, lease: leases.Lease, error: str) -> str:
    """Requeue the job for another try (any worker may take it), or, its attempts spent,
    fail it for staff: the submission then reads "not graded: our failure"."""
    status = leases.give_back(ctx.database, lease, error, ctx.settings.job_max_attempts)
    if status == "failed":
        log.error("job failed for staff after its last attempt; an instructor can regrade it",
                  extra={"job_id": lease.job_id, "submission_id": lease.submission_id, "attempts": lease.attempt,
                         "error": error[-2000:]})
    return status


def _tell_staff(lease: leases.Lease, result: GradeResult) -> None:
    """Checks our side failed on (grader_error) and forged protocol traffic: in the log, for staff."""
    ids = {"job_id": lease.job_id, "submission_id": lease.submission_id}
    ours = [check.id for check in result.tests if check.outcome == "grader_error"]
    if ours:
        log.error("grader error on checks (our failure)", extra={**ids, "checks": ours})
    forged = [check.id for check in result.tests if check.outcome == "protocol"]
    if forged:
        log.warning("the submission broke the grader's protocol (its failure)", extra={**ids, "checks": forged})


def _grade(ctx: WorkerContext, lease: leases.Lease):
    from grader.grade import grade

    settings = ctx.settings
    with ctx.database.session() as session:
        submission = session.get(Submission, lease.submission_id)
        assignment = session.get(Assignment, submission.assignment_id)
        data = session.scalar(select(Upload.data).where(Upload.submission_id == submission.id))
        filename, master, profile = submission.filename, assignment.master, assignment.profile
    scratch = private_directory(Path(settings.var_dir) / "tmp")  # uploads wait here: the service's alone
    with tempfile.TemporaryDirectory(prefix=f"job-{lease.job_id}-", dir=scratch) as work:
        upload = Path(work) / filename  # the name matters: a lone notebook is graded by its name
        upload.write_bytes(data)
        return grade(upload, assignment=master_path(settings, master), profile=profile,
                     settings=settings, on_progress=progress_recorder(ctx, lease))


def progress_recorder(ctx: WorkerContext, lease: leases.Lease):
    """The engine's progress events, kept on the job row: {done, total, checks[]}.

    Best effort, like the heartbeat: a failed write is logged and the next event tries
    again (an exception would end the engine's progress reader, and with it every later
    update of this job's progress).
    """
    progress: dict[str, Any] = {"done": 0, "total": 0, "checks": []}

    def on_progress(event: dict[str, Any]) -> None:
        if event.get("event") == "plan":
            progress["total"] = int(event.get("total", 0))
        elif event.get("event") == "check":
            progress["done"] = int(event.get("index", progress["done"] + 1))
            progress["total"] = int(event.get("total", progress["total"]))
            progress["checks"].append({key: event.get(key) for key in
                                       ("index", "total", "id", "name", "outcome", "score", "max_score", "duration_s")})
        else:
            return
        try:
            leases.renew(ctx.database, lease, ctx.settings.job_lease_s, progress=dict(progress))
        except Exception:  # a database hiccup
            log.exception("progress not recorded", extra={"job_id": lease.job_id})

    return on_progress


class Heartbeat:
    """Renews a lease every third of its length until stopped, so a long grading run
    (minutes for Assignment 2) keeps its job while a dead worker's lease runs out."""

    def __init__(self, database: Database, lease: leases.Lease, lease_s: float):
        self._database, self._lease, self._lease_s = database, lease, lease_s
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{lease.job_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(max(0.5, self._lease_s / 3)):
            try:
                if not leases.renew(self._database, self._lease, self._lease_s):
                    log.warning("lease lost while grading", extra={"job_id": self._lease.job_id})
                    return
            except Exception:  # a database hiccup: the next beat tries again
                log.exception("lease renewal failed", extra={"job_id": self._lease.job_id})
