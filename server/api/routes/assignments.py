"""/api/v1/assignments: list, read, download the student release; instructors create,
update, replace the release bundle, and regrade everything."""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from fastapi import APIRouter, Request, Response, status
from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool

from server.api import API_PREFIX
from server.api.content_disposition import attachment
from server.api.deps import CurrentUser, InstructorUser, RuntimeDep, SessionDep, SettingsDep
from server.api.upload import receive_file
from server.core.private_files import private_directory
from server.crud import assignments as crud
from server.crud.submissions import regrade_assignment
from server.errors import NotFound
from server.models import Assignment, User
from server.releases import check_bundle
from server.schemas.assignments import AssignmentPublic, AssignmentsPublic, AssignmentUpsert
from server.schemas.submissions import RegradeAccepted

router = APIRouter(prefix="/assignments", tags=["assignments"])

BUNDLE_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "The release zip: `gradelab release SRC --zip FILE`."}}}}}}}


def public(assignment: Assignment) -> AssignmentPublic:
    body = AssignmentPublic.model_validate(assignment)
    if assignment.release_sha256:
        body.download_url = f"{API_PREFIX}/assignments/{assignment.id}/download"
    return body


@router.get("", response_model=AssignmentsPublic)
def list_assignments(user: CurrentUser, session: SessionDep) -> AssignmentsPublic:
    """Released assignments (instructors: all of them)."""
    rows = crud.list_assignments(session, user)
    return AssignmentsPublic(data=[public(a) for a in rows], count=len(rows))


@router.get("/{assignment_id}", response_model=AssignmentPublic)
def read_assignment(assignment_id: str, user: CurrentUser, session: SessionDep) -> AssignmentPublic:
    return public(crud.get_assignment(session, assignment_id, user))


@router.get("/{assignment_id}/download", response_class=Response,
            responses={200: {"content": {"application/zip": {}}, "description": "The student release zip."}})
def download_release(assignment_id: str, user: CurrentUser, session: SessionDep) -> Response:
    """The student release: notebooks with TODO stubs and the starter package, as one zip."""
    return release_zip_response(session, assignment_id, user)


def release_zip_response(session: Session, assignment_id: str, user: User) -> Response:
    """The release zip of ``assignment_id`` as ``user`` may download it (the web pages' link too)."""
    assignment = crud.get_assignment(session, assignment_id, user, with_zip=True)
    if assignment.release_zip is None:
        raise NotFound(f"{assignment_id} has no release to download yet; an instructor uploads one with "
                       f"PUT /api/v1/assignments/{assignment_id}/release")
    return Response(assignment.release_zip, media_type="application/zip",
                    headers={"Content-Disposition": attachment(f"{assignment_id}.zip"),
                             "ETag": f'"{assignment.release_sha256}"'})


@router.put("/{assignment_id}", response_model=AssignmentPublic,
            responses={201: {"description": "Created", "model": AssignmentPublic}})
def upsert_assignment(assignment_id: str, body: AssignmentUpsert, user: InstructorUser, session: SessionDep,
                      settings: SettingsDep, response: Response) -> AssignmentPublic:
    """Create the assignment (its master must be on the grading machines, default
    ``solutions/<id>``) or change its title, release, due date, late policy and daily cap.
    Fields left out keep their value."""
    assignment, created = crud.upsert_assignment(session, settings, assignment_id, body)
    session.commit()
    if created:
        response.status_code = status.HTTP_201_CREATED
    return public(assignment)


@router.put("/{assignment_id}/release", response_model=AssignmentPublic, openapi_extra=BUNDLE_BODY)
async def upload_release(assignment_id: str, request: Request, user: InstructorUser, session: SessionDep,
                         settings: SettingsDep) -> AssignmentPublic:
    """Replace the student release with an uploaded bundle (the zip of a release directory)."""
    def precheck() -> Assignment:
        assignment = crud.get_assignment(session, assignment_id, user)
        session.commit()  # end the read transaction: the body may take a while to arrive
        return assignment

    assignment = await run_in_threadpool(precheck)
    scratch = private_directory(Path(settings.var_dir) / "tmp")
    directory = Path(tempfile.mkdtemp(prefix="bundle-", dir=scratch))
    try:
        received = await receive_file(request, directory, field_name="file", max_bytes=settings.upload_max_bytes)

        def store() -> AssignmentPublic:
            data = received.path.read_bytes()
            check_bundle(data, assignment_id)
            crud.set_release_zip(assignment, data)
            session.commit()
            return public(assignment)

        return await run_in_threadpool(store)
    finally:
        shutil.rmtree(directory, ignore_errors=True)


@router.post("/{assignment_id}/regrade", status_code=status.HTTP_202_ACCEPTED, response_model=RegradeAccepted)
def regrade_all(assignment_id: str, user: InstructorUser, session: SessionDep, runtime: RuntimeDep) -> RegradeAccepted:
    """Grade every submission of the assignment again (after a rubric fix); history is kept."""
    assignment = crud.get_assignment(session, assignment_id, user)
    jobs, skipped = regrade_assignment(session, assignment)
    session.commit()
    for job in jobs:
        runtime.submit(job.id, job.queue)
    return RegradeAccepted(queued=[job.submission_id for job in jobs], skipped=skipped)
