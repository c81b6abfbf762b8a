"""The Celery application of the scale-out deployment (Redis broker, no result backend:
results go to the database, which is also where the job's state lives).

Messages are acknowledged on receipt and a worker takes one at a time: a lost message
or a dead worker is the reaper's business (it re-dispatches from the job rows), so the
broker never redelivers a job behind our back.
"""

from __future__ import annotations

from celery import Celery

from gradelab.settings import Settings

TASK_NAME = "gradelab.grade_job"
#: Seconds to wait for the broker before a dispatch counts as failed (the reaper retries).
BROKER_TIMEOUT_S = 3.0


def queue_name(settings: Settings, queue: str) -> str:
    """The broker's queue for a job's queue kind (``cpu`` or ``gpu``)."""
    if queue not in ("cpu", "gpu"):
        raise ValueError(f"unknown queue {queue!r}; use cpu or gpu")
    return settings.gpu_queue if queue == "gpu" else settings.cpu_queue


def make_celery(settings: Settings) -> Celery:
    if not settings.broker_url:
        raise ValueError("GRADELAB_BROKER_URL is not set: Celery needs a Redis URL, e.g. redis://127.0.0.1:6379/0")
    app = Celery("gradelab", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_acks_late=False,
        worker_prefetch_multiplier=1,
        task_default_queue=settings.cpu_queue,
        task_ignore_result=True,
        broker_connection_timeout=BROKER_TIMEOUT_S,
        broker_connection_retry_on_startup=True,
        broker_connection_max_retries=None,  # workers wait out a broker restart
        broker_transport_options={"socket_connect_timeout": BROKER_TIMEOUT_S, "socket_timeout": 30},
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        worker_send_task_events=False,
        worker_enable_remote_control=False,  # no pidbox: jobs are managed through the database
        enable_utc=True,
    )
    return app
