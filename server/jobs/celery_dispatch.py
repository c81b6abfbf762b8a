"""The scale-out dispatcher: send each job's id to its Celery queue (cpu or gpu)."""

from __future__ import annotations

import logging

import redis

from gradelab.settings import Settings
from server.jobs.celery_app import BROKER_TIMEOUT_S, TASK_NAME, make_celery, queue_name

log = logging.getLogger("gradelab.dispatch")


class CeleryDispatcher:
    name = "celery"
    #: Messages can be lost (a broker restart): the reaper re-sends jobs left queued.
    redelivers = True

    def __init__(self, settings: Settings):
        self.settings = settings
        self.app = make_celery(settings)
        self._client = redis.Redis.from_url(settings.broker_url, socket_timeout=BROKER_TIMEOUT_S,
                                            socket_connect_timeout=BROKER_TIMEOUT_S)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        self.app.close()
        self._client.close()

    def dispatch(self, job_id: int, queue: str) -> None:
        """Send the job; raises when the broker cannot take it (the row stays queued and
        the reaper sends it again)."""
        self.app.send_task(TASK_NAME, args=[job_id], queue=queue_name(self.settings, queue), retry=False)

    def check(self) -> None:
        self._client.ping()

    def pending(self, queue: str) -> int:
        """Messages waiting in the broker for a job queue (``cpu`` or ``gpu``)."""
        return self._client.llen(queue_name(self.settings, queue))

    def queue_depth(self) -> int | None:
        """Messages waiting in the broker's cpu and gpu queues."""
        return sum(self._client.llen(name) for name in (self.settings.cpu_queue, self.settings.gpu_queue))
