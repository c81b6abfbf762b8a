"""Celery tasks: thin wrappers that take a job id and call :func:`server.jobs.runner.run_job`.

The worker's database connection is made once per worker process, the first time a task
runs, and lives with the task's registration (no module-level state).
"""

from __future__ import annotations

import threading

from celery import Celery

from gradelab.settings import Settings
from server.core.db import Database
from server.jobs.celery_app import TASK_NAME
from server.jobs.runner import WorkerContext, run_job


class _LazyContext:
    def __init__(self, settings: Settings):
        self._settings = settings
        self._lock = threading.Lock()
        self._context: WorkerContext | None = None

    def get(self) -> WorkerContext:
        with self._lock:
            if self._context is None:
                database = Database.from_settings(self._settings)
                self._context = WorkerContext(database, self._settings, name="celery")
            return self._context


def register_tasks(app: Celery, settings: Settings) -> None:
    """Bind the grading task to ``app`` for a worker running with ``settings``."""
    context = _LazyContext(settings)

    @app.task(name=TASK_NAME)
    def grade_job(job_id: int) -> str:
        return run_job(context.get(), int(job_id))
