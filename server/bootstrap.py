"""First-start set-up of ``gradelab serve``: register the assignments found under
solutions/, and make the demo users and the tokens it prints.

Tokens are stored hashed, so a token printed at one start cannot be shown again at the
next: each start issues a fresh one (labelled :data:`STARTUP_LABEL`). Earlier ones keep
working (a CI secret made from one survives restarts) until revoked with
``gradelab admin token revoke NAME``.
"""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from gradelab.settings import Settings
from server.crud.assignments import upsert_assignment
from server.crud.users import create_token, create_user, get_user
from server.errors import ServiceError
from server.models import Assignment
from server.schemas.assignments import AssignmentUpsert

log = logging.getLogger("gradelab.bootstrap")

INSTRUCTOR = "instructor"
DEMO_STUDENT = "demo"
STARTUP_LABEL = "printed by gradelab serve"


def register_assignments(session: Session, settings: Settings) -> list[str]:
    """Register every master under solutions/ with a rubric that is not registered yet."""
    registered = []
    for manifest in sorted(settings.solutions_dir.glob("*/assignment.toml")):
        assignment_id = manifest.parent.name
        if session.get(Assignment, assignment_id) is not None or not (manifest.parent / "grading").is_dir():
            continue
        try:
            upsert_assignment(session, settings, assignment_id, AssignmentUpsert())
        except ServiceError as exc:
            log.warning("assignment not registered", extra={"assignment": assignment_id, "error": exc.message})
            continue
        registered.append(assignment_id)
    return registered


def startup_tokens(session: Session, *, demo_student: bool = True) -> dict[str, str]:
    """Fresh tokens for the instructor (and the demo student), made if missing: name -> token."""
    wanted = [(INSTRUCTOR, "instructor")] + ([(DEMO_STUDENT, "student")] if demo_student else [])
    tokens = {}
    for name, role in wanted:
        user = get_user(session, name) or create_user(session, name, role)
        tokens[name] = create_token(session, user, label=STARTUP_LABEL)
    return tokens
