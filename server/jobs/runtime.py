"""What a server process runs for its jobs: the dispatcher of its mode, and the reaper.

Mode: with ``GRADELAB_BROKER_URL`` set, jobs go to Celery workers (``gradelab worker``);
without it, ``local_workers`` threads in this process grade them.
"""

from __future__ import annotations

import logging

from sqlalchemy import update

from gradelab.settings import Settings
from server.core.db import Database
from server.jobs.reaper import Reaper
from server.models import Job, utcnow

log = logging.getLogger("gradelab.dispatch")


class JobRuntime:
    def __init__(self, database: Database, settings: Settings):
        self.database, self.settings = database, settings
        if settings.broker_url:
            from server.jobs.celery_dispatch import CeleryDispatcher

            self.dispatcher = CeleryDispatcher(settings)
        else:
            from server.jobs.local_pool import LocalPool

            self.dispatcher = LocalPool(database, settings)
        self.reaper = Reaper(database, settings, self._send if self.dispatcher.redelivers else None,
                             getattr(self.dispatcher, "pending", None))

    @property
    def mode(self) -> str:
        return self.dispatcher.name

    def start(self) -> None:
        # The reaper's first round runs now: jobs a crashed predecessor held go back to the queue.
        self.reaper.tick()
        self.dispatcher.start()
        self.reaper.start()

    def stop(self) -> None:
        self.reaper.stop()
        self.dispatcher.stop()

    def submit(self, job_id: int, queue: str) -> None:
        """Hand a freshly committed job to the workers. Never raises: a job the broker did not
        take stays queued and undispatched, and the reaper sends it later."""
        try:
            self._send(job_id, queue)
        except Exception as exc:
            log.warning("dispatch failed; the reaper will retry", extra={"job_id": job_id, "error": str(exc)})

    def check(self) -> None:
        self.dispatcher.check()

    def _send(self, job_id: int, queue: str) -> None:
        self.dispatcher.dispatch(job_id, queue)
        if self.dispatcher.redelivers:
            with self.database.session() as session:
                session.execute(update(Job).where(Job.id == job_id, Job.status == "queued")
                                .values(dispatched_at=utcnow()).execution_options(synchronize_session=False))
