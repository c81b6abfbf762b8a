"""/api/v1/submissions: upload, read, list, regrade, manual grades, result history."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from server.api.conditional import NOT_MODIFIED, not_modified
from server.api.content_disposition import attachment
from server.api.deps import CurrentUser, InstructorUser, RuntimeDep, SessionDep, SettingsDep
from server.api.intake import accept_upload
from server.api.views import (
    look_at,
    page_url,
    submission_public,
    submission_report_text,
    submission_status,
    submission_summaries,
    view_version,
)
from server.crud import submissions as crud
from server.crud.manual_grades import set_manual_grade
from server.gradebook import counted_ids
from server.models import Upload
from server.schemas.submissions import (
    ManualGradePublic,
    ManualGradeUpdate,
    RegradeAccepted,
    ResultPublic,
    ResultsPublic,
    SubmissionAccepted,
    SubmissionPublic,
    SubmissionsPublic,
    SubmissionStatus,
)

router = APIRouter(prefix="/submissions", tags=["submissions"])

UPLOAD_BODY = {"requestBody": {"required": True, "content": {"multipart/form-data": {"schema": {
    "type": "object", "required": ["file"],
    "properties": {"file": {"type": "string", "format": "binary",
                            "description": "The collect_submission zip, or one notebook (.ipynb)."}}}}}}}


@router.post("", status_code=status.HTTP_202_ACCEPTED, response_model=SubmissionAccepted,
             openapi_extra=UPLOAD_BODY,
             responses={403: {"description": "Past the hard cutoff, or another student's name"},
                        404: {"description": "Unknown assignment or student"},
                        409: {"description": "Idempotency-Key reused for a different upload"},
                        413: {"description": "Upload over the size cap"},
                        415: {"description": "Neither a zip nor a notebook"},
                        422: {"description": "Not a gradable submission (unsafe zip, invalid notebook ...)"},
                        429: {"description": "Over the daily cap; see Retry-After"}})
async def submit(request: Request, response: Response, user: CurrentUser, session: SessionDep,
                 settings: SettingsDep, runtime: RuntimeDep,
                 assignment: Annotated[str, Query(description="Assignment id, e.g. a2.")],
                 student: Annotated[str | None, Query(description="CI and instructors: whose work this is.")] = None,
                 idempotency_key: Annotated[str | None, Header(max_length=200)] = None) -> SubmissionAccepted:
    """Upload a submission (multipart, part ``file``): 202 with its id and status URL.

    Everything is checked before anything is stored: the caller, the assignment, the
    cutoff and the daily cap before the body is read; its size while it streams; then
    its content. A retried upload with the same ``Idempotency-Key`` is the same submission.
    """
    body = await accept_upload(request, session=session, settings=settings, runtime=runtime, user=user,
                               assignment_id=assignment, student=student, idempotency_key=idempotency_key)
    response.headers["Location"] = body.status_url
    return body


@router.get("", response_model=SubmissionsPublic)
def list_submissions(user: CurrentUser, session: SessionDep,
                     assignment: str | None = None,
                     student: Annotated[str | None, Query(description="Instructors: one student's.")] = None,
                     status: Literal["queued", "running", "done", "failed"] | None = None,
                     limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                     offset: Annotated[int, Query(ge=0)] = 0) -> SubmissionsPublic:
    """Your submissions (students, CI), or everyone's with filters (instructors), newest first."""
    rows, count = crud.list_submissions(session, user, assignment_id=assignment, student=student,
                                        status=status, limit=limit, offset=offset)
    return SubmissionsPublic(data=submission_summaries(session, rows, counted_ids(session, rows), viewer=user),
                             count=count)


@router.get("/{submission_id}", response_model=SubmissionPublic, responses=NOT_MODIFIED)
def read_submission(submission_id: str, request: Request, response: Response, user: CurrentUser,
                    session: SessionDep) -> SubmissionPublic | Response:
    """Status (queued, running, done, failed), progress, score with the late penalty, and
    the checks as you may see them. Send the ETag back in If-None-Match: 304 when unchanged."""
    submission = crud.get_submission(session, submission_id, user)
    unchanged = not_modified(request, response, view_version(session, submission, user))
    return unchanged or submission_public(session, submission, user)


@router.get("/{submission_id}/status", response_model=SubmissionStatus, responses=NOT_MODIFIED)
def read_status(submission_id: str, request: Request, response: Response, user: CurrentUser,
                session: SessionDep) -> SubmissionStatus | Response:
    """The compact view for polling: status, checks done of how many, the final score once
    graded. Send the ETag back in If-None-Match: 304 when nothing changed."""
    submission = crud.get_submission(session, submission_id, user)
    unchanged = not_modified(request, response, view_version(session, submission, user))
    return unchanged or submission_status(session, submission)


@router.get("/{submission_id}/report.txt", response_class=PlainTextResponse)
def read_report(submission_id: str, request: Request, user: CurrentUser, session: SessionDep,
                width: Annotated[int, Query(ge=40, le=400)] = 100) -> PlainTextResponse:
    """The results as a terminal table (what `gradelab submit` prints): checks grouped by
    notebook, the training checks' figures against their thresholds, the totals, the page."""
    submission = crud.get_submission(session, submission_id, user)
    page = str(request.base_url).rstrip("/") + page_url(submission.id)
    return PlainTextResponse(submission_report_text(look_at(session, submission, user), width=width, page=page))


@router.get("/{submission_id}/file")
def download_upload(submission_id: str, user: InstructorUser, session: SessionDep) -> Response:
    """The uploaded file, as it was received."""
    submission = crud.get_submission(session, submission_id, user)
    data = session.get(Upload, submission.id).data
    return Response(data, media_type="application/octet-stream",
                    headers={"Content-Disposition": attachment(submission.filename)})


@router.post("/{submission_id}/regrade", status_code=status.HTTP_202_ACCEPTED, response_model=RegradeAccepted)
def regrade(submission_id: str, user: InstructorUser, session: SessionDep, runtime: RuntimeDep) -> RegradeAccepted:
    """Grade the submission again; the earlier results stay in its history."""
    submission = crud.get_submission(session, submission_id, user)
    job = crud.request_regrade(session, submission)
    session.commit()
    if job is None:
        return RegradeAccepted(queued=[], skipped=1)
    runtime.submit(job.id, job.queue)
    return RegradeAccepted(queued=[submission.id], skipped=0)


@router.get("/{submission_id}/results", response_model=ResultsPublic)
def result_history(submission_id: str, user: InstructorUser, session: SessionDep) -> ResultsPublic:
    """Every result the submission has had, oldest first (the last one counts)."""
    submission = crud.get_submission(session, submission_id, user)
    rows = crud.result_history(session, submission.id)
    data = [ResultPublic(id=r.id, job_id=r.job_id, kind=j.kind, created_at=r.created_at, gradable=r.gradable,
                         score=r.score, max_score=r.max_score, grading_s=j.grading_s, data=r.data) for r, j in rows]
    return ResultsPublic(data=data, count=len(data))


@router.put("/{submission_id}/manual/{item_id}", response_model=ManualGradePublic)
def grade_manually(submission_id: str, item_id: str, body: ManualGradeUpdate, user: InstructorUser,
                   session: SessionDep) -> ManualGradePublic:
    """Points and a comment for a free-text answer; they are added to the total."""
    submission = crud.get_submission(session, submission_id, user)
    result = crud.graded_results(crud.current_results(session, [submission.id])).get(submission.id)
    grade, answer = set_manual_grade(session, submission, result, item_id, score=body.score,
                                     comment=body.comment, grader=user)
    session.commit()
    return ManualGradePublic(submission_id=submission.id, item_id=item_id, score=grade.score,
                             max_score=answer.max_score, comment=grade.comment, grader=user.name,
                             updated_at=grade.updated_at)
