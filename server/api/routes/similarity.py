"""/api/v1/assignments/{id}/similarity: ask for a similarity report and read the newest
(instructors only; see :mod:`server.jobs.similarity_runner` for how it is made)."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from server.api.deps import InstructorUser, SessionDep, SimilarityDep
from server.crud import similarity as crud
from server.crud.assignments import get_assignment
from server.errors import NotFound
from server.models import SimilarityReport, User
from server.schemas.similarity import SimilarityReportPublic

router = APIRouter(prefix="/assignments", tags=["similarity"])


def report_public(report: SimilarityReport, *, with_data: bool) -> SimilarityReportPublic:
    body = SimilarityReportPublic.model_validate(report)
    body.page_url = f"/assignments/{report.assignment_id}/similarity"
    body.report = report.data if with_data and report.status == "done" else None
    return body


def start_report(session: Session, runner, assignment_id: str, user: User) -> SimilarityReport:
    """Queue a report of ``assignment_id`` and start making it (the web page's form too)."""
    assignment = get_assignment(session, assignment_id, user)
    report = crud.request_report(session, assignment, user)
    session.commit()
    runner.launch(report.id)
    return report


@router.post("/{assignment_id}/similarity", status_code=status.HTTP_202_ACCEPTED,
             response_model=SimilarityReportPublic)
def request_similarity(assignment_id: str, user: InstructorUser, session: SessionDep,
                       runner: SimilarityDep) -> SimilarityReportPublic:
    """Compare each student's counted submission with every other and with the archive of
    known solutions. Answers 409 while a report of the assignment is being made."""
    return report_public(start_report(session, runner, assignment_id, user), with_data=False)


@router.get("/{assignment_id}/similarity", response_model=SimilarityReportPublic)
def read_similarity(assignment_id: str, user: InstructorUser, session: SessionDep) -> SimilarityReportPublic:
    """The newest report: its progress while it is made, then the report itself."""
    get_assignment(session, assignment_id, user)
    crud.settle_stale(session, assignment_id)
    latest = crud.latest_report(session, assignment_id)
    if latest is None:
        raise NotFound(f"no similarity report of {assignment_id!r} yet; ask for one with "
                       f"POST /api/v1/assignments/{assignment_id}/similarity")
    return report_public(crud.get_report(session, assignment_id, latest.id), with_data=True)
