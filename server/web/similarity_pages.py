"""The instructors' similarity pages (listed in :mod:`server.web`): the ranked pairs of an
assignment's newest report, and a pair side by side. Students get 403 on every route.

The report is made elsewhere (:mod:`server.jobs.similarity_runner`); these views only read
the stored :class:`similarity.report.Report` and turn it into HTML.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter, Depends, Response, status
from fastapi.responses import HTMLResponse, RedirectResponse

from server.api.deps import SessionDep, SettingsDep, SimilarityDep
from server.api.routes.similarity import start_report
from server.crud import similarity as crud
from server.crud.assignments import get_assignment
from server.errors import InvalidInput, NotFound
from server.web.pages import render
from server.web.session import WebInstructor, mark_web_page, same_origin
from similarity.highlight import marked_lines
from similarity.report import UNIT_THRESHOLD, Report

router = APIRouter(tags=["web pages"], include_in_schema=False, dependencies=[Depends(mark_web_page)])

#: Seconds between reloads of the page while a report is being made.
REFRESH_S = 3
SECTIONS = ("code", "answers")


def _threshold(percent: float | None, default: float) -> float:
    if percent is None:
        return default
    if not 0 <= percent <= 100:
        raise InvalidInput(f"the threshold is a percentage from 0 to 100; got {percent:g}")
    return percent / 100


@router.get("/assignments/{assignment_id}/similarity", response_class=HTMLResponse)
def similarity_page(assignment_id: str, user: WebInstructor, session: SessionDep, settings: SettingsDep,
                    threshold: float | None = None) -> HTMLResponse:
    """``threshold``: in percent; pairs at or above it are listed (default the setting)."""
    assignment = get_assignment(session, assignment_id, user)
    crud.settle_stale(session, assignment_id)
    latest = crud.latest_report(session, assignment_id)
    finished = crud.latest_finished(session, assignment_id)
    report = Report.from_dict(finished.data) if finished is not None and finished.data else None
    limit = _threshold(threshold, settings.similarity_threshold)
    archive = Path(settings.similarity_archive_dir) / assignment_id
    in_flight = latest is not None and latest.status in crud.ACTIVE
    return render("similarity.html", title=f"Similarity: {assignment_id}", user=user, assignment=assignment,
                  latest=latest, finished=finished, report=report, threshold=limit, floor=report.floor if report else 0,
                  unit_threshold=UNIT_THRESHOLD, sections=SECTIONS, archive=archive,
                  archive_entries=sum(1 for p in archive.iterdir() if not p.name.startswith(".")) if archive.is_dir() else None,
                  refresh=REFRESH_S if in_flight else None)


@router.post("/assignments/{assignment_id}/similarity", dependencies=[Depends(same_origin)])
def make_report(assignment_id: str, user: WebInstructor, session: SessionDep, runner: SimilarityDep) -> Response:
    start_report(session, runner, assignment_id, user)
    return RedirectResponse(f"/assignments/{assignment_id}/similarity", status_code=status.HTTP_303_SEE_OTHER)


@router.get("/assignments/{assignment_id}/similarity/{report_id}/{section}/{rank}", response_class=HTMLResponse)
def pair_page(assignment_id: str, report_id: int, section: str, rank: int, user: WebInstructor,
              session: SessionDep) -> HTMLResponse:
    """Pair ``rank`` (1 = the highest share) of ``section`` (code or answers), side by side."""
    get_assignment(session, assignment_id, user)
    row = crud.get_report(session, assignment_id, report_id)
    report = Report.from_dict(row.data) if row.status == "done" and row.data else None
    pairs = getattr(report, section, None) if report is not None and section in SECTIONS else None
    if not pairs or not 1 <= rank <= len(pairs):
        raise NotFound(f"report {report_id} of {assignment_id!r} has no {section} pair {rank}")
    pair = pairs[rank - 1]
    refs = {entry.name: entry.ref for entry in report.entries}
    sides = [(match, marked_lines(report.sources.get(pair.a, {}).get(match.a, []), match.spans_a),
              marked_lines(report.sources.get(pair.b, {}).get(match.b, []), match.spans_b)) for match in pair.matches]
    return render("similarity_pair.html", title=f"{pair.a} and {pair.b}", user=user, assignment_id=assignment_id,
                  report=report, report_id=report_id, section=section, rank=rank, pair=pair, sides=sides, refs=refs,
                  unit_threshold=UNIT_THRESHOLD)
