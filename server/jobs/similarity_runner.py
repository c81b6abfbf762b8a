"""Similarity reports run apart from grading: each in a child process of the server.

Why not the grading dispatch: a report is asked for rarely, by an instructor, and keeps
two cores busy for a minute or two. On the local pool it would take a grading thread (and,
being CPU-bound Python in the server's process, slow the API); on Celery it would sit
in a grading queue behind a deadline rush, or hold a GPU worker. A child process leaves
both alone and is niced like grading. The report's row is its truth, as a job's is: the
child claims it, writes progress and a heartbeat, then the report; a row whose process
died is marked failed (here when the child exits early, or by
:func:`server.crud.similarity.settle_stale` after a restart) and a new one can be asked for.
"""

from __future__ import annotations

import logging
import subprocess
import sys
import threading

from sqlalchemy import update

from gradelab.settings import Settings
from server.core.db import Database
from server.crud.similarity import ACTIVE, settle_stale
from server.models import SimilarityReport, utcnow

log = logging.getLogger("gradelab.similarity")


class SimilarityRunner:
    def __init__(self, database: Database, settings: Settings):
        self.database, self.settings = database, settings
        self._lock = threading.Lock()
        self._running: dict[int, tuple[subprocess.Popen, threading.Thread]] = {}
        self._stopping = False

    def start(self) -> None:
        """Settle the reports a previous server left running (their process is gone)."""
        with self.database.session() as session:
            settle_stale(session)

    def launch(self, report_id: int) -> None:
        """Start making report ``report_id`` (queued and committed) in a child process."""
        with self._lock:
            if self._stopping:
                return
            process = subprocess.Popen([sys.executable, "-m", "server.jobs.similarity_job", str(report_id)],
                                       stdin=subprocess.PIPE, stdout=subprocess.DEVNULL)
            try:
                process.stdin.write(self.settings.model_dump_json().encode())
                process.stdin.close()
            except OSError:  # it died at once; the watcher says so
                pass
            watcher = threading.Thread(target=self._watch, args=(report_id, process),
                                       name=f"similarity-watch-{report_id}", daemon=True)
            self._running[report_id] = (process, watcher)
            watcher.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Stop the children (their reports are marked failed) and wait for them."""
        with self._lock:
            self._stopping = True
            running = list(self._running.values())
        for process, _ in running:
            process.terminate()
        for process, watcher in running:
            try:
                process.wait(timeout)
            except subprocess.TimeoutExpired:
                process.kill()
            watcher.join(timeout)

    def _watch(self, report_id: int, process: subprocess.Popen) -> None:
        code = process.wait()
        with self._lock:
            self._running.pop(report_id, None)
        why = "stopped with the server" if self._stopping else f"its process exited with status {code}"
        try:
            with self.database.session() as session:
                session.execute(update(SimilarityReport)
                                .where(SimilarityReport.id == report_id, SimilarityReport.status.in_(ACTIVE))
                                .values(status="failed", finished_at=utcnow(),
                                        error=f"the report was not finished: {why}; make a new report")
                                .execution_options(synchronize_session=False))
        except Exception:
            log.exception("could not record the end of a similarity report", extra={"report_id": report_id})
