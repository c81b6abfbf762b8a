"""Assignments: registration from a master directory, updates of their policy, reads."""

from __future__ import annotations

import hashlib
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, undefer

from gradelab.settings import Settings
from grader.assignment import load_assignment
from grader.errors import AssignmentNotFound
from server import releases
from server.errors import InvalidInput, NotFound
from server.models import Assignment, User
from server.schemas.assignments import AssignmentUpsert


def list_assignments(session: Session, viewer: User) -> list[Assignment]:
    statement = select(Assignment).order_by(Assignment.id)
    if viewer.role != "instructor":
        statement = statement.where(Assignment.released.is_(True))
    return list(session.scalars(statement))


def get_assignment(session: Session, assignment_id: str, viewer: User | None = None,
                   *, with_zip: bool = False) -> Assignment:
    """The assignment, if ``viewer`` may see it (students and CI: released ones only)."""
    options = [undefer(Assignment.release_zip)] if with_zip else []
    assignment = session.get(Assignment, assignment_id, options=options)
    if assignment is None or (viewer is not None and viewer.role != "instructor" and not assignment.released):
        raise NotFound(f"no assignment {assignment_id!r}; list them with GET /api/v1/assignments")
    return assignment


def stored_master(settings: Settings, master: Path) -> str:
    """How a master path is stored: relative to the checkout when inside it."""
    master = Path(master).resolve()
    try:
        return master.relative_to(settings.root).as_posix()
    except ValueError:
        return str(master)


def upsert_assignment(session: Session, settings: Settings, assignment_id: str,
                      changes: AssignmentUpsert) -> tuple[Assignment, bool]:
    """Create or update ``assignment_id``; returns (row, created). A new row joins the
    session only once it is whole (checked, its release zipped): a refused one leaves nothing."""
    assignment = session.get(Assignment, assignment_id)
    created = assignment is None
    fields = changes.model_dump(exclude_unset=True)
    master_text = fields.pop("master", None)
    release_dir = fields.pop("release_dir", None)

    if created or master_text is not None:
        master = master_path(settings, master_text or f"solutions/{assignment_id}")
        manifest = _manifest(master, assignment_id)
        if created:
            assignment = Assignment(id=assignment_id, title=manifest.title, notebooks=list(manifest.notebooks),
                                    master=stored_master(settings, master), profile=settings.profile,
                                    released=True, late_penalty_per_day=0.0,
                                    daily_cap=settings.default_daily_cap, score_policy="best")
        else:
            assignment.master = stored_master(settings, master)
            assignment.notebooks = list(manifest.notebooks)
    for name, value in fields.items():
        if value is None and name in ("title", "profile", "released", "late_penalty_per_day", "score_policy"):
            continue  # these cannot be cleared, only changed
        setattr(assignment, name, value)
    if assignment.hard_cutoff_at and assignment.due_at and assignment.hard_cutoff_at < assignment.due_at:
        raise InvalidInput("hard_cutoff_at is before due_at; the cutoff must be at or after the due date")

    if release_dir is not None:
        set_release_zip(assignment, releases.zip_release_dir(master_path(settings, release_dir), assignment_id))
    elif created:
        set_release_zip(assignment, default_release_zip(settings, assignment_id, master))
    if created:
        session.add(assignment)
    session.flush()
    return assignment, created


def default_release_zip(settings: Settings, assignment_id: str, master: Path) -> bytes:
    """assignments/<id> when it is a release directory, else the master released in memory."""
    release_dir = settings.assignments_dir / assignment_id
    if (release_dir / releases.RECORD_NAME).is_file():
        return releases.zip_release_dir(release_dir, assignment_id)
    return releases.zip_from_master(master)


def set_release_zip(assignment: Assignment, data: bytes) -> None:
    assignment.release_zip = data
    assignment.release_sha256 = hashlib.sha256(data).hexdigest()


def master_path(settings: Settings, text: str) -> Path:
    """A stored master (or release) path on this machine: relative ones are in the checkout."""
    path = Path(text)
    return path if path.is_absolute() else settings.root / path


def _manifest(master: Path, assignment_id: str):
    try:
        manifest = load_assignment(master)
    except AssignmentNotFound as exc:
        raise InvalidInput(f"cannot register {assignment_id!r}: {exc}") from None
    if manifest.id != assignment_id:
        raise InvalidInput(f"{master} is the master of {manifest.id!r}, not {assignment_id!r}")
    if not manifest.grading_dir.is_dir():
        raise InvalidInput(f"{master} has no grading/ rubric; the service cannot grade {assignment_id!r} yet")
    return manifest
