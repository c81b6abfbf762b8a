"""The web pages' routes (listed in :mod:`server.web`): thin views over the API's pieces."""

from __future__ import annotations

import secrets
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from server.api.deps import RuntimeDep, SessionDep, SettingsDep
from server.api.intake import accept_upload
from server.api.routes.assignments import release_zip_response
from server.api.routes.gradebook import gradebook_response
from server.api.views import submission_public, submission_summaries
from server.crud import submissions as crud
from server.crud.assignments import list_assignments
from server.errors import InvalidInput, NotAuthenticated, NotFound, ServiceError
from server.feedback import checks_for_viewer
from server.models import utcnow
from server.web.session import (
    COOKIE,
    WebInstructor,
    WebUser,
    forget_token,
    keep_token,
    mark_web_page,
    same_origin,
    user_of_token,
)

router = APIRouter(tags=["web pages"], include_in_schema=False, dependencies=[Depends(mark_web_page)])

#: Seconds between reloads of a submission page while it is queued or being graded.
REFRESH_S = 3
#: Submissions listed on the home page, newest first.
HOME_SUBMISSIONS = 50

_templates = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                         autoescape=select_autoescape(["html"]))


def render(template: str, *, status_code: int = 200, headers: dict[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    html = _templates.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=headers)


def error_page(request: Request, exc: ServiceError) -> Response:
    """A refused web request: to the sign-in page when not signed in, else the reason."""
    if isinstance(exc, NotAuthenticated):
        response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
        if request.cookies.get(COOKIE):
            forget_token(response)  # revoked or unknown: drop it so the sign-in page shows
        return response
    return render("error.html", status_code=exc.status_code, headers=exc.headers(),
                  title=_REASONS.get(exc.status_code, "Refused"), message=exc.message, user=None)


_REASONS = {403: "Not allowed", 404: "Not found", 409: "Conflict", 413: "Upload too large",
            415: "Not a submission", 422: "Not accepted", 429: "Too many submissions"}


@router.get("/", response_class=HTMLResponse)
def home(user: WebUser, session: SessionDep) -> HTMLResponse:
    assignments = list_assignments(session, user)
    rows, count = crud.list_submissions(session, user, limit=HOME_SUBMISSIONS)
    return render("home.html", title="Assignments", user=user, assignments=assignments,
                  submissions=submission_summaries(session, rows), submission_count=count,
                  # One key per page view: a double-clicked or re-sent form is one submission.
                  upload_key=secrets.token_urlsafe(16))


@router.get("/login", response_class=HTMLResponse, response_model=None)
def login_page(request: Request, session: SessionDep) -> Response:
    if user_of_token(session, request.cookies.get(COOKIE)) is not None:
        return RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    return render("login.html", title="Sign in", user=None, error=None)


@router.post("/login", response_model=None, dependencies=[Depends(same_origin)])
def login(request: Request, session: SessionDep, token: Annotated[str, Form()] = "") -> Response:
    user = user_of_token(session, token.strip())
    if user is None:
        return render("login.html", status_code=status.HTTP_401_UNAUTHORIZED, title="Sign in", user=None,
                      error="This token is unknown or revoked. Ask an instructor for a new one.")
    response = RedirectResponse("/", status_code=status.HTTP_303_SEE_OTHER)
    keep_token(request, response, token.strip())
    return response


@router.post("/logout", dependencies=[Depends(same_origin)])
def logout() -> RedirectResponse:
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    forget_token(response)
    return response


@router.get("/assignments/{assignment_id}/download")
def download(assignment_id: str, user: WebUser, session: SessionDep) -> Response:
    return release_zip_response(session, assignment_id, user)


@router.post("/assignments/{assignment_id}/submit", dependencies=[Depends(same_origin)])
async def submit(assignment_id: str, request: Request, user: WebUser, session: SessionDep,
                 settings: SettingsDep, runtime: RuntimeDep, key: str | None = None) -> RedirectResponse:
    """The upload form's target: the API's upload path, then the new submission's page."""
    accepted = await accept_upload(request, session=session, settings=settings, runtime=runtime, user=user,
                                   assignment_id=assignment_id, idempotency_key=key[:200] if key else None)
    return RedirectResponse(f"/submissions/{accepted.id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/assignments/{assignment_id}/gradebook.csv")
def gradebook(assignment_id: str, user: WebInstructor, session: SessionDep) -> Response:
    return gradebook_response(session, assignment_id, user)


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(submission_id: str, user: WebUser, session: SessionDep) -> HTMLResponse:
    submission = crud.get_submission(session, submission_id, user)
    view = submission_public(session, submission, user)
    in_flight = view.status in ("queued", "running")
    return render("submission.html", title=f"Submission {view.id}", user=user, submission=view,
                  due_at=submission.assignment.due_at, refresh=REFRESH_S if in_flight else None)


@router.post("/submissions/{submission_id}/manual/{item_id}", dependencies=[Depends(same_origin)])
def grade_manually(submission_id: str, item_id: str, user: WebInstructor, session: SessionDep,
                   score: Annotated[str, Form()], comment: Annotated[str, Form(max_length=20000)] = "") -> Response:
    """An instructor's points and comment for a free-text answer, from the submission page."""
    try:
        points = float(score)
    except ValueError:
        raise InvalidInput(f"the points must be a number, like 1.5; got {score!r}") from None
    submission = crud.get_submission(session, submission_id, user)
    crud.set_manual_grade(session, submission, item_id, score=points, comment=comment, grader=user)
    session.commit()
    return RedirectResponse(f"/submissions/{submission_id}#{item_id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/submissions/{submission_id}/plots/{check_id}.png")
async def check_plot(submission_id: str, check_id: str, user: WebUser, session: SessionDep) -> Response:
    """The curves a training check recorded, when the viewer may see the check's details."""
    def series() -> tuple[str, dict]:
        submission = crud.get_submission(session, submission_id, user)
        result = crud.current_results(session, [submission.id]).get(submission.id)
        checks = checks_for_viewer(result.data, role=user.role, due_at=submission.assignment.due_at,
                                   now=utcnow()) if result else []
        for check in checks:
            if check["id"] == check_id and check["details"] and check["details"].get("series"):
                return check["name"], check["details"]["series"]
        raise NotFound(f"submission {submission_id} has no curves for {check_id!r} that you may see")

    def png(name: str, data: dict) -> bytes:
        from grader.results.plots import series_png  # matplotlib: only when a plot is asked for

        return series_png(name, data)

    name, data = await run_in_threadpool(series)
    return Response(await run_in_threadpool(png, name, data), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=300"})

