"""The reaper: takes back jobs whose worker died and re-sends jobs the broker lost.

Every ``reaper_interval_s`` it

- requeues running jobs whose lease ran out, or whose worker is a process on this host
  that no longer exists (a ``kill -9``, a server restart: no need to wait for the lease),
  and fails those that have used up ``job_max_attempts``;
- when the dispatcher can lose messages (Celery), dispatches queued jobs that were never
  sent (the broker was down), and jobs that no worker claimed within ``job_redispatch_s``
  while their broker queue is empty (a broker restart lost them; a long queue during a
  deadline rush is just a queue). A duplicate message is harmless: only one claim of a
  queued job succeeds.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import or_, select

from gradelab.settings import Settings
from server.core.db import Database
from server.jobs import lease as leases
from server.models import Job, utcnow

log = logging.getLogger("gradelab.reaper")


@dataclass
class ReapReport:
    requeued: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)
    dispatched: list[int] = field(default_factory=list)


def owner_is_dead(owner: str | None, hostname: str | None = None) -> bool:
    """True when ``owner`` (``host:pid:...``) names a process of this host that is gone."""
    if not owner:
        return False
    host, _, rest = owner.partition(":")
    pid_text = rest.partition(":")[0]
    if host != (hostname or socket.gethostname()) or not pid_text.isdigit():
        return False
    pid = int(pid_text)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    try:  # a killed process its parent has not reaped yet is a zombie: dead all the same
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return False


class Reaper:
    def __init__(self, database: Database, settings: Settings, dispatch, pending=None):
        """``dispatch(job_id, queue)`` sends a job (None: nothing is ever re-sent);
        ``pending(queue)`` counts the messages waiting in the broker for a queue (None:
        unknown, so stale jobs are always re-sent)."""
        self.database, self.settings, self._dispatch, self._pending = database, settings, dispatch, pending
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="reaper", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self.tick()
            except Exception:  # the database or broker is away: try again next round
                log.exception("reaper round failed")
            self._stopping.wait(self.settings.reaper_interval_s)

    def tick(self, now: datetime | None = None) -> ReapReport:
        now = now or utcnow()
        report = ReapReport()
        with self.database.session() as session:
            running = session.scalars(select(Job).where(Job.status == "running")).all()
            for job in running:
                expired = job.lease_expires_at is not None and job.lease_expires_at < now
                dead = owner_is_dead(job.lease_owner)
                if not (expired or dead):
                    continue
                why = "its worker died" if dead else "its worker stopped renewing the lease"
                status = leases.take_back(session, job, f"taken back: {why} (attempt {job.attempts})",
                                          self.settings.job_max_attempts)
                if status is not None:
                    (report.failed if status == "failed" else report.requeued).append(job.id)
                    # A job failed for staff is an infrastructure failure someone must look at.
                    report_at = log.error if status == "failed" else log.warning
                    report_at("job taken back", extra={"job_id": job.id, "submission_id": job.submission_id,
                                                       "status": status, "reason": why})
        if self._dispatch is not None:
            report.dispatched = self._redispatch(now)
        return report

    def _redispatch(self, now: datetime) -> list[int]:
        stale = now - timedelta(seconds=self.settings.job_redispatch_s)
        with self.database.session() as session:
            jobs = session.execute(
                select(Job.id, Job.queue, Job.dispatched_at).where(
                    Job.status == "queued", or_(Job.dispatched_at.is_(None), Job.dispatched_at < stale))
                .order_by(Job.id)
            ).all()
        sent, waiting = [], {}
        for job_id, queue, dispatched_at in jobs:
            if dispatched_at is not None and self._broker_holds_messages(queue, waiting):
                continue
            try:
                self._dispatch(job_id, queue)
            except Exception as exc:
                log.warning("re-dispatch failed; will retry", extra={"job_id": job_id, "error": str(exc)})
                break  # the broker is down: the next round tries again
            sent.append(job_id)
        return sent

    def _broker_holds_messages(self, queue: str, cache: dict[str, int]) -> bool:
        if self._pending is None:
            return False
        if queue not in cache:
            try:
                cache[queue] = self._pending(queue)
            except Exception:  # cannot tell: send again, a duplicate is harmless
                cache[queue] = 0
        return cache[queue] > 0
