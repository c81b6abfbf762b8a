"""/api/v1/assignments/{id}/gradebook.csv: grades for an LMS import (instructors)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response
from sqlalchemy.orm import Session

from server.api.content_disposition import attachment
from server.api.deps import InstructorUser, SessionDep
from server.crud.assignments import get_assignment
from server.gradebook import gradebook_csv, gradebook_rows
from server.models import User

router = APIRouter(prefix="/assignments", tags=["gradebook"])


@router.get("/{assignment_id}/gradebook.csv", response_class=Response,
            responses={200: {"content": {"text/csv": {}}, "description": "One row per student."}})
def gradebook(assignment_id: str, user: InstructorUser, session: SessionDep,
              policy: Literal["best", "latest"] | None = None) -> Response:
    """One row per student: the counted submission (``policy``, default the assignment's:
    best final score or latest), a column per check and manual item, totals and late penalty."""
    return gradebook_response(session, assignment_id, user, policy)


def gradebook_response(session: Session, assignment_id: str, user: User, policy: str | None = None) -> Response:
    """The gradebook of ``assignment_id`` as a CSV download (the web pages' link too)."""
    assignment = get_assignment(session, assignment_id, user)
    rows = gradebook_rows(session, assignment, policy or assignment.score_policy)
    return Response(gradebook_csv(rows), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": attachment(f"{assignment_id}-gradebook.csv")})
