"""Test data for the service tests: users with tokens, toy submissions, graded results."""

from __future__ import annotations

import io
import shutil
import zipfile
from pathlib import Path

from gradelab.settings import Settings
from server.core.db import Database
from server.crud.assignments import upsert_assignment
from server.crud.users import create_token, create_user
from server.schemas.assignments import AssignmentUpsert

TOY = Path(__file__).resolve().parents[1] / "fixtures" / "toy"


def add_user(database: Database, name: str, role: str = "student") -> str:
    """Make a user; returns a fresh token of theirs."""
    with database.session() as session:
        return create_token(session, create_user(session, name, role))


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def register_toy(database: Database, settings: Settings, **policy) -> None:
    with database.session() as session:
        upsert_assignment(session, settings, "toy", AssignmentUpsert(master=str(TOY), **policy))


def toy_files(mutate: str | None = None) -> dict[str, bytes]:
    """The toy master's student files (a full-score submission), optionally broken:
    ``wrong_relu`` (relu checks fail), ``stub_ops`` (ops.py raises NotImplementedError)."""
    files = {path.relative_to(TOY).as_posix(): path.read_bytes() for path in sorted(TOY.rglob("*"))
             if path.is_file() and path.relative_to(TOY).parts[0] not in ("grading", "assignment.toml")
             and "__pycache__" not in path.parts}
    if mutate == "wrong_relu":
        files["toy/ops.py"] = files["toy/ops.py"].replace(b"np.maximum(x, 0)", b"np.abs(x)")
    elif mutate == "stub_ops":
        files["toy/ops.py"] = b"def affine(x, w, b):\n    raise NotImplementedError\n\n\ndef relu(x):\n    raise NotImplementedError\n"
    elif mutate is not None:
        raise ValueError(mutate)
    return files


def toy_zip(mutate: str | None = None) -> bytes:
    """The same bytes on every call: fixed member timestamps (writestr with a bare name
    stamps the current time, so two calls across a 2-second tick made different zips and
    an idempotent retry looked like a different upload)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in toy_files(mutate).items():
            archive.writestr(zipfile.ZipInfo(path, date_time=(2026, 1, 1, 0, 0, 0)), data,
                             compress_type=zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def toy_directory(destination: Path, mutate: str | None = None) -> Path:
    shutil.rmtree(destination, ignore_errors=True)
    for path, data in toy_files(mutate).items():
        (destination / path).parent.mkdir(parents=True, exist_ok=True)
        (destination / path).write_bytes(data)
    return destination


def finish_queued_jobs(database: Database, result, grading_s: float = 1.0) -> list[int]:
    """Act as a worker that graded every queued job with ``result`` (a real GradeResult)."""
    from server.jobs import lease

    finished = []
    for job_id in lease.queued_jobs(database, limit=1000):
        claimed = lease.claim(database, job_id, "tests:0:factory", 60)
        assert claimed is not None
        assert lease.complete(database, claimed, result, grading_s)
        finished.append(job_id)
    return finished


def stored_rows(database: Database) -> dict[str, int]:
    """How many submissions, uploads, jobs and results the database holds."""
    from sqlalchemy import func, select

    from server.models import Job, Result, Submission, Upload

    with database.session() as session:
        return {model.__tablename__: session.scalar(select(func.count()).select_from(model))
                for model in (Submission, Upload, Job, Result)}


def upload(client, token: str, data: bytes, filename: str = "toy_submission.zip", *, assignment: str = "toy",
           **params):
    headers = auth(token)
    if "idempotency_key" in params:
        headers["Idempotency-Key"] = params.pop("idempotency_key")
    return client.post("/api/v1/submissions", params={"assignment": assignment, **params}, headers=headers,
                       files={"file": (filename, data, "application/octet-stream")})


def add_submission(database: Database, data: bytes, *, student: str = "alice", filename: str = "toy.zip",
                   assignment: str = "toy") -> tuple[str, int]:
    """Store a submission as the upload route does (after validation); returns (id, job id)."""
    import hashlib

    from server.crud.submissions import create_submission
    from server.crud.users import get_user
    from server.models import Assignment

    with database.session() as session:
        user = get_user(session, student) or create_user(session, student, "student")
        accepted = create_submission(session, assignment=session.get(Assignment, assignment), student=user,
                                     submitter=user, filename=filename, data=data,
                                     sha256=hashlib.sha256(data).hexdigest(), idempotency_key=None)
        return accepted.submission.id, accepted.job.id


def register_a2_class(database: Database, settings: Settings, work: Path) -> None:
    """Assignment 2 with three students' work, for the similarity report: alice wrote hers,
    bob disguised a copy of it, carol wrote her own, which is also in the archive (as the
    public repository ``leaked-solutions``)."""
    from tests.similarity.builders import (
        DISGUISED_LAYERS,
        LAYERS,
        LOOPS_LAYERS,
        MASTER,
        REFERENCE_LAYERS,
        submission,
        zip_bytes,
    )

    with database.session() as session:
        upsert_assignment(session, settings, "a2", AssignmentUpsert(master=str(MASTER)))
    for student, layers in (("alice", REFERENCE_LAYERS), ("bob", DISGUISED_LAYERS), ("carol", LOOPS_LAYERS)):
        add_submission(database, zip_bytes(submission(work / student, {LAYERS: layers})), student=student,
                       filename=f"{student}.zip", assignment="a2")
    submission(settings.similarity_archive_dir / "a2" / "leaked-solutions" / "assignment2", {LAYERS: LOOPS_LAYERS})
