"""Make one similarity report: the process the server starts for it
(``python -m server.jobs.similarity_job REPORT_ID``, the settings as JSON on stdin).

It claims the report's row, compares each student's counted submission (uploads are
loaded from the database only when their fingerprints are not cached) and the archive
of known solutions under ``<similarity_archive_dir>/<assignment id>/``, with the
release students downloaded as the template, records progress and a heartbeat on the
row, and stores the report there. The server process itself never imports this module.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from sqlalchemy import select, update
from sqlalchemy.orm import undefer

from gradelab.manifest import load_manifest
from gradelab.settings import Settings
from server.core.db import Database
from server.crud.assignments import master_path
from server.crud.similarity import counted_submissions, this_host_owner
from server.errors import NotFound
from server.models import Assignment, SimilarityReport, Upload, utcnow
from server.releases import zip_from_master
from similarity.engine import Inputs, Options, Setup, compare
from similarity.layout import layout_of
from similarity.report import ARCHIVE, SUBMISSION, Report
from similarity.sources import Source, UploadedSubmission, archive_sources, template_files

log = logging.getLogger("gradelab.similarity")

#: Seconds between heartbeats, and at least between two progress writes.
BEAT_S = 5.0
PROGRESS_S = 0.5


def run_report(database: Database, settings: Settings, report_id: int) -> str:
    """Make report ``report_id`` if it is still queued: ``skipped``, ``done`` or ``failed``."""
    now = utcnow()
    with database.session() as session:
        claimed = session.execute(update(SimilarityReport)
                                  .where(SimilarityReport.id == report_id, SimilarityReport.status == "queued")
                                  .values(status="running", owner=this_host_owner(), started_at=now, heartbeat_at=now)
                                  .execution_options(synchronize_session=False)).rowcount
    if not claimed:
        return "skipped"
    recorder = ProgressRecorder(database, report_id)
    recorder.start()
    try:
        report = _make(database, settings, report_id, recorder)
    except Exception as exc:  # anything: the row says what, the instructor can try again
        log.exception("similarity report failed", extra={"report_id": report_id})
        recorder.stop()
        _finish(database, report_id, status="failed", error=f"{type(exc).__name__}: {exc}")
        return "failed"
    recorder.stop()
    _finish(database, report_id, status="done", data=report.to_dict())
    log.info("similarity report done", extra={"report_id": report_id, "entries": len(report.entries),
                                               "pairs": len(report.code)})
    return "done"


def _make(database: Database, settings: Settings, report_id: int, recorder: ProgressRecorder) -> Report:
    with database.session() as session:
        assignment_id = session.get(SimilarityReport, report_id).assignment_id
    options = Options(threshold=settings.similarity_threshold, workers=settings.similarity_workers)
    return compare(service_inputs(database, settings, assignment_id), options, recorder)


def service_inputs(database: Database, settings: Settings, assignment_id: str, *,
                   archive_dir: Path | None = None, template: dict[str, bytes] | None = None) -> Inputs:
    """Each student's counted submission of ``assignment_id`` (uploads loaded only when
    their fingerprints are not cached), the archive (default
    ``<similarity_archive_dir>/<id>``) and the template (default the release students
    downloaded). Raises NotFound, or SourceUnreadable for a bad archive or template."""
    with database.session() as session:
        assignment = session.get(Assignment, assignment_id, options=[undefer(Assignment.release_zip)])
        if assignment is None:
            raise NotFound(f"the service has no assignment {assignment_id!r}")
        counted = counted_submissions(session, assignment)
        master, release = master_path(settings, assignment.master), assignment.release_zip
    manifest = load_manifest(master)
    layout = layout_of(manifest)
    if template is None:
        with tempfile.TemporaryDirectory(prefix="similarity-template-") as work:
            zipped = Path(work) / "release.zip"
            zipped.write_bytes(release or zip_from_master(master))
            template = template_files(zipped, layout)

    def load(source: Source) -> Source:
        if not isinstance(source, UploadedSubmission):  # the archive's entries are read from disk
            return source
        with database.session() as session:
            data = session.scalar(select(Upload.data).where(Upload.submission_id == source.ref))
        return replace(source, data=data or b"")

    archive_dir = archive_dir or Path(settings.similarity_archive_dir) / assignment_id
    archive, refused = archive_sources(archive_dir) if archive_dir.is_dir() else ([], [])
    return Inputs(setup=Setup(manifest, layout, template, settings.similarity_cache_dir),
                  submissions=[UploadedSubmission(c.student, SUBMISSION, digest=c.sha256, ref=c.submission_id,
                                                  filename=c.filename) for c in counted],
                  archive=archive, refused=[(name, ARCHIVE, reason) for name, reason in refused], load=load)


def _finish(database: Database, report_id: int, **values) -> None:
    with database.session() as session:
        session.execute(update(SimilarityReport).where(SimilarityReport.id == report_id)
                        .values(finished_at=utcnow(), heartbeat_at=utcnow(), **values)
                        .execution_options(synchronize_session=False))


class ProgressRecorder:
    """The engine's progress on the row ({stage, done, total}), at most every PROGRESS_S,
    and a heartbeat every BEAT_S meanwhile, so a dead process is told from a slow one."""

    def __init__(self, database: Database, report_id: int):
        self.database, self.report_id = database, report_id
        self._last = 0.0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._beat, name=f"similarity-{report_id}", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def __call__(self, stage: str, done: int, total: int) -> None:
        now = time.monotonic()
        if now - self._last < PROGRESS_S and done < total:
            return
        self._last = now
        self._write(progress={"stage": stage, "done": done, "total": total})

    def _beat(self) -> None:
        while not self._stop.wait(BEAT_S):
            self._write()

    def _write(self, **values) -> None:
        try:
            with self.database.session() as session:
                session.execute(update(SimilarityReport).where(SimilarityReport.id == self.report_id)
                                .values(heartbeat_at=utcnow(), **values)
                                .execution_options(synchronize_session=False))
        except Exception:  # a database hiccup: the next write tries again
            log.exception("similarity progress not recorded", extra={"report_id": self.report_id})


def main(argv: list[str] | None = None) -> int:
    from server.core.logging import configure_logging

    argv = sys.argv[1:] if argv is None else argv
    settings = Settings.model_validate_json(sys.stdin.read())
    configure_logging(settings.log_level)
    try:
        os.nice(max(0, settings.worker_nice))
    except OSError:
        pass
    database = Database.from_settings(settings)
    try:
        outcome = run_report(database, settings, int(argv[0]))
    finally:
        database.dispose()
    return 0 if outcome in ("done", "skipped") else 1


if __name__ == "__main__":
    sys.exit(main())
