"""The embedded dispatcher: a few grading threads inside the server process.

Each thread claims the oldest queued job (any queue: one machine does it all), grades it
and looks again; a new submission wakes them, and they poll meanwhile so jobs requeued
by the reaper are found too. The grading itself runs in child processes, niced.
"""

from __future__ import annotations

import logging
import threading

from gradelab.settings import Settings
from server.core.db import Database
from server.jobs import lease as leases
from server.jobs.runner import WorkerContext, run_job

log = logging.getLogger("gradelab.local_pool")

#: Seconds an idle thread waits before looking for queued jobs again.
POLL_S = 1.0


class LocalPool:
    name = "local"
    #: The threads read the job table itself, so nothing needs re-sending.
    redelivers = False

    def __init__(self, database: Database, settings: Settings, size: int | None = None):
        self.database, self.settings = database, settings
        self.size = settings.local_workers if size is None else size
        self._stopping = threading.Event()
        self._wake = threading.Condition()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for index in range(self.size):
            thread = threading.Thread(target=self._loop, args=(index,), name=f"grader-{index}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self, timeout: float = 5.0) -> None:
        self._stopping.set()
        with self._wake:
            self._wake.notify_all()
        for thread in self._threads:
            thread.join(timeout=timeout)

    def dispatch(self, job_id: int, queue: str) -> None:
        with self._wake:
            self._wake.notify_all()

    def check(self) -> None:
        alive = sum(thread.is_alive() for thread in self._threads)
        if self.size and alive < self.size:
            raise RuntimeError(f"{self.size - alive} of {self.size} local grading threads died")

    def queue_depth(self) -> int | None:
        return None  # the database's count of queued jobs is the depth

    def _loop(self, index: int) -> None:
        context = WorkerContext(self.database, self.settings, name=f"local{index}")
        while not self._stopping.is_set():
            try:
                ran = self._run_one(context)
            except Exception:  # the database went away for a moment: wait and retry
                log.exception("local grading thread failed to take a job")
                ran = False
            if not ran:
                with self._wake:
                    self._wake.wait(POLL_S)

    def _run_one(self, context: WorkerContext) -> bool:
        for job_id in leases.queued_jobs(self.database, retry_delay_s=self.settings.job_retry_delay_s):
            if self._stopping.is_set():
                return False
            if run_job(context, job_id) != "skipped":
                return True
        return False
