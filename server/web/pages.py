"""The web pages' routes (listed in :mod:`server.web`): thin views over the API's pieces."""

from __future__ import annotations

import math
import re
import secrets
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Request, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool

from grader.results import CheckResult, GradeResult
from grader.results.feedback import build_feedback, figures, plot_bounds
from grader.results.outcomes import outcome_label
from server.api.conditional import not_modified
from server.api.deps import RuntimeDep, SessionDep, SettingsDep
from server.api.intake import accept_upload
from server.api.routes.assignments import release_zip_response
from server.api.routes.gradebook import gradebook_response
from server.api.views import look_at, submission_status, submission_summaries, view_version
from server.crud import submissions as crud
from server.crud.assignments import get_assignment, list_assignments
from server.crud.manual_grades import AnswerGrade, set_manual_grade
from server.crud.users import user_for_token
from server.errors import Conflict, InvalidInput, NotAuthenticated, NotFound, ServiceError
from server.gradebook import counted_ids, gradebook_rows
from server.models import Submission, User
from server.web.markdown import render_answer
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

#: Submissions per page of the home page's list.
PAGE_SIZE = 25

ANSWER_STATES = {"graded": "graded", "carried": "graded (same answer as before)", "changed": "changed: grade again",
                 "ungraded": "not graded yet", "blank": "blank"}

_templates = Environment(loader=FileSystemLoader(Path(__file__).with_name("templates")),
                         autoescape=select_autoescape(["html"]))


def split_message(message: str) -> tuple[str, str]:
    """(the first paragraph of a check's message, the rest: a traceback, printed lines)."""
    head, _, rest = message.strip().partition("\n\n")
    return head.strip(), rest.strip()


def sentence(text: str) -> str:
    """A service message as a sentence on a page: a leading plain word gets its capital
    ("there is no ..." -> "There is no ..."), a file name or an identifier does not."""
    return text[:1].upper() + text[1:] if re.match(r"[a-z]+ ", text) else text


def _alt(check: CheckResult) -> str:
    from grader.results.plots import series_alt

    return series_alt(check.name, check.details.get("series") or {}, plot_bounds(check))


_templates.globals.update(outcome_label=outcome_label, figures_of=figures, alt_of=_alt, split_message=split_message,
                          first_paragraph=lambda message: split_message(message)[0], render_answer=render_answer,
                          answer_states=ANSWER_STATES)


def render(template: str, *, status_code: int = 200, headers: dict[str, str] | None = None,
           **context: Any) -> HTMLResponse:
    html = _templates.get_template(template).render(**context)
    return HTMLResponse(html, status_code=status_code, headers=headers)


#: What a refusal is called on a page, and what a person can do about it.
_REFUSALS = {
    403: ("Not allowed", None),
    404: ("Not found", "It may have been removed, or it belongs to someone else."),
    409: ("Already sent from this page", "Open your work page again and send the file from there."),
    413: ("File too large", "Send the zip collect_submission.py writes: it holds only what is graded."),
    415: ("Not a submission", "Send the zip collect_submission.py writes, or one .ipynb notebook."),
    422: ("Not accepted", None),
    429: ("Too many submissions", "Your earlier submissions are still on your work page."),
}


def error_page(request: Request, exc: ServiceError) -> Response:
    """A refused web request: to the sign-in page when not signed in, else the reason, under
    the same header (who is signed in) as every other page."""
    if isinstance(exc, NotAuthenticated):
        response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
        if request.cookies.get(COOKIE):
            forget_token(response)  # revoked or unknown: drop it so the sign-in page shows
        return response
    title, advice = _REFUSALS.get(exc.status_code, ("Refused", None))
    message = sentence(exc.message)
    if isinstance(exc, Conflict):
        message = "This page already sent a different file."
    return render("error.html", status_code=exc.status_code, headers={**exc.headers(), "Cache-Control": "no-store"},
                  title=title, message=message, advice=advice, user=_signed_in(request))


def _signed_in(request: Request) -> User | None:
    token = request.cookies.get(COOKIE)
    database = getattr(request.app.state, "database", None)
    if not token or database is None:
        return None
    with database.session() as session:
        user = user_for_token(session, token)
        if user is not None:
            session.expunge(user)
        return user


@dataclass(frozen=True)
class Filters:
    assignment: str | None = None
    student: str | None = None
    status: str | None = None
    to_grade: bool = False

    @property
    def any(self) -> bool:
        return bool(self.assignment or self.student or self.status or self.to_grade)


@router.get("/", response_class=HTMLResponse)
def home(user: WebUser, session: SessionDep, assignment: str | None = None, student: str | None = None,
         status: str | None = None, to_grade: str | None = None, page: int = 1) -> HTMLResponse:
    filters = Filters(assignment or None, (student or "").strip() or None if user.role == "instructor" else None,
                      status if status in ("queued", "running", "done", "failed") else None,
                      bool(to_grade) and user.role == "instructor")
    assignments = list_assignments(session, user)
    page = max(1, page)
    if filters.to_grade:  # which answers wait is known only from the results: read them all
        rows, _ = crud.list_submissions(session, user, assignment_id=filters.assignment, student=filters.student,
                                        status=filters.status, limit=100_000)
        summaries = [row for row in submission_summaries(session, rows, counted_ids(session, rows), viewer=user)
                     if row.to_grade]
        count = len(summaries)
        summaries = summaries[(page - 1) * PAGE_SIZE: page * PAGE_SIZE]
    else:  # one page of rows, paged by the database
        rows, count = crud.list_submissions(session, user, assignment_id=filters.assignment,
                                            student=filters.student, status=filters.status,
                                            limit=PAGE_SIZE, offset=(page - 1) * PAGE_SIZE)
        summaries = submission_summaries(session, rows, counted_ids(session, rows), viewer=user)
    pages = max(1, math.ceil(count / PAGE_SIZE))
    shown = summaries

    def page_link(number: int) -> str:
        query = {"assignment": filters.assignment, "student": filters.student, "status": filters.status,
                 "to_grade": "1" if filters.to_grade else None, "page": number}
        return "/?" + urlencode({k: v for k, v in query.items() if v})

    # One key per page view: a double-clicked or re-sent form is one submission; the page is
    # never cached, so Back shows a fresh one with a new key.
    return render("home.html", title="Assignments", user=user, assignments=assignments, submissions=shown,
                  submission_count=count, filters=filters, page=page, pages=pages, page_link=page_link,
                  upload_key=secrets.token_urlsafe(16), headers={"Cache-Control": "no-store"})


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
                      error="This token is unknown or revoked. Check that you copied all of it, or ask an "
                            "instructor for a new one.")
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


def _submission_page(session, submission: Submission, user: User, *, form_error: dict | None = None,
                     status_code: int = 200) -> HTMLResponse:
    look = look_at(session, submission, user)
    feedback = build_feedback(look.viewed.result) if look.viewed and look.viewed.result.gradable else None
    return render("submission.html", status_code=status_code, title=f"{submission.assignment_id}: {submission.filename}",
                  user=user, look=look, feedback=feedback, concealed=look.viewed.concealed if look.viewed else (),
                  due_at=submission.assignment.due_at, form_error=form_error, headers={"Cache-Control": "no-store"})


@router.get("/submissions/{submission_id}", response_class=HTMLResponse)
def submission_page(submission_id: str, user: WebUser, session: SessionDep) -> HTMLResponse:
    return _submission_page(session, crud.get_submission(session, submission_id, user), user)


@router.get("/submissions/{submission_id}/status")
def submission_status_json(submission_id: str, request: Request, response: Response, user: WebUser,
                           session: SessionDep) -> Response:
    """The compact status the page's live region polls (the API's, with the cookie)."""
    submission = crud.get_submission(session, submission_id, user)
    unchanged = not_modified(request, response, view_version(session, submission, user))
    if unchanged is not None:
        return unchanged
    return Response(submission_status(session, submission).model_dump_json(), media_type="application/json",
                    headers=dict(response.headers))


def _points(score: str, name: str) -> float:
    try:
        points = float(score)
    except ValueError:
        raise InvalidInput(f"the points for “{name}” must be a number, like 1.5; got {score!r}") from None
    if not math.isfinite(points):
        raise InvalidInput(f"the points for “{name}” must be a number, like 1.5; got {score!r}")
    return points


def _current_result(session, submission: Submission) -> GradeResult | None:
    return crud.graded_results(crud.current_results(session, [submission.id])).get(submission.id)


@router.post("/submissions/{submission_id}/manual/{item_id}", dependencies=[Depends(same_origin)])
def grade_manually(submission_id: str, item_id: str, user: WebInstructor, session: SessionDep,
                   score: Annotated[str, Form()], comment: Annotated[str, Form(max_length=20000)] = "") -> Response:
    """An instructor's points and comment for a free-text answer, from the submission page.
    A refusal shows the page again with the reason beside the form and what was typed."""
    submission = crud.get_submission(session, submission_id, user)
    result = _current_result(session, submission)
    try:
        name = next((a.name for a in result.manual_answers if a.id == item_id), item_id) if result else item_id
        set_manual_grade(session, submission, result, item_id, score=_points(score, name), comment=comment,
                         grader=user)
    except InvalidInput as exc:
        session.rollback()
        return _submission_page(session, submission, user, status_code=exc.status_code,
                                form_error={"item": item_id, "message": sentence(exc.message),
                                            "score": score, "comment": comment})
    session.commit()
    return RedirectResponse(f"/submissions/{submission_id}#{item_id}", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/submissions/{submission_id}/plots/{check_id}.png")
async def check_plot(submission_id: str, check_id: str, user: WebUser, session: SessionDep) -> Response:
    """The curves a training check recorded, when the viewer may see the check's details."""
    def check() -> CheckResult:
        look = look_at(session, crud.get_submission(session, submission_id, user), user)
        for found in look.viewed.result.tests if look.viewed else []:
            if found.id == check_id and found.id not in look.viewed.concealed and found.details.get("series"):
                return found
        raise NotFound(f"this submission has no curves for {check_id!r} that you may see")

    def png(found: CheckResult) -> bytes:
        from grader.results.plots import series_png  # matplotlib: only when a plot is asked for

        return series_png(found.name, found.details["series"], plot_bounds(found))

    found = await run_in_threadpool(check)
    return Response(await run_in_threadpool(png, found), media_type="image/png",
                    headers={"Cache-Control": "private, max-age=300"})


# --- grading by question -------------------------------------------------------------------

@dataclass(frozen=True)
class QueueEntry:
    student: str
    submission: Submission
    grade: AnswerGrade
    counts: bool      # False: the student's newest submission, which may count once graded


def _answers_to(session, assignment, item_id: str | None = None) -> dict[str, list[QueueEntry]]:
    """item id -> the written answers of each student's counted submission, and of their newest
    one where that is another and its answer waits for a grade; by student name."""
    by_item: dict[str, list[QueueEntry]] = {}
    for row in gradebook_rows(session, assignment, assignment.score_policy):
        answers = [(row.submission, row.grades, True), (row.latest, row.latest_grades, False)]
        for submission, grades, counts in answers:
            for answer_id, grade in grades.items():
                wanted = grade.state != "blank" and (counts or grade.needs_grading)
                if wanted and (item_id is None or answer_id == item_id):
                    by_item.setdefault(answer_id, []).append(QueueEntry(row.student, submission, grade, counts))
    return by_item


@router.get("/assignments/{assignment_id}/grading", response_class=HTMLResponse)
def grading(assignment_id: str, user: WebInstructor, session: SessionDep) -> HTMLResponse:
    assignment = get_assignment(session, assignment_id, user)
    entries = _answers_to(session, assignment)
    items = []
    for answers in entries.values():
        answer = answers[0].grade.answer
        items.append({"id": answer.id, "name": answer.name, "notebook": answer.notebook,
                      "max_score": answer.max_score, "to_grade": sum(e.grade.needs_grading for e in answers),
                      "graded": sum(not e.grade.needs_grading for e in answers)})
    return render("grading.html", title=f"Grade {assignment.id}", user=user, assignment=assignment, items=items)


def _grade_page(session, user, assignment, item_id: str, student: str | None, *, saved: str | None = None,
                error: str | None = None, typed: dict | None = None, status_code: int = 200) -> HTMLResponse:
    entries = _answers_to(session, assignment, item_id).get(item_id, [])
    if not entries:
        raise NotFound(f"no student has written an answer to {item_id!r} in a submission that counts")
    waiting = [entry for entry in entries if entry.grade.needs_grading]
    current = next((e for e in entries if f"{e.student}:{e.submission.id}" == student or e.student == student),
                   None) if student else None
    current = current or (waiting[0] if waiting else None)
    position = entries.index(current) if current else None
    return render("grade_answer.html", status_code=status_code, title=entries[0].grade.answer.name, user=user,
                  assignment=assignment, item=entries[0].grade.answer, entries=entries, waiting=len(waiting),
                  current=current, position=(position or 0) + 1,
                  previous=entries[position - 1] if position else None,
                  following=entries[position + 1] if position is not None and position + 1 < len(entries) else None,
                  saved=saved, error=error, typed=typed, headers={"Cache-Control": "no-store"})


@router.get("/assignments/{assignment_id}/grading/{item_id}", response_class=HTMLResponse)
def grade_answer_page(assignment_id: str, item_id: str, user: WebInstructor, session: SessionDep,
                      student: str | None = None, saved: str | None = None) -> HTMLResponse:
    """One answer at a time: the first one still to grade, or ``student``'s."""
    assignment = get_assignment(session, assignment_id, user)
    return _grade_page(session, user, assignment, item_id, student, saved=saved)


@router.post("/assignments/{assignment_id}/grading/{item_id}", dependencies=[Depends(same_origin)])
def grade_answer(assignment_id: str, item_id: str, user: WebInstructor, session: SessionDep,
                 submission: Annotated[str, Form()], score: Annotated[str, Form()],
                 comment: Annotated[str, Form(max_length=20000)] = "") -> Response:
    """Save one answer's grade, then on to the next answer still to grade."""
    assignment = get_assignment(session, assignment_id, user)
    graded = crud.get_submission(session, submission, user)
    result = _current_result(session, graded)
    try:
        name = next((a.name for a in result.manual_answers if a.id == item_id), item_id) if result else item_id
        set_manual_grade(session, graded, result, item_id, score=_points(score, name), comment=comment, grader=user)
    except InvalidInput as exc:
        session.rollback()
        return _grade_page(session, user, assignment, item_id, graded.student.name, status_code=exc.status_code,
                           error=sentence(exc.message), typed={"score": score, "comment": comment})
    session.commit()
    query = urlencode({"saved": f"{graded.student.name}'s answer"})
    return RedirectResponse(f"/assignments/{assignment_id}/grading/{item_id}?{query}",
                            status_code=status.HTTP_303_SEE_OTHER)
