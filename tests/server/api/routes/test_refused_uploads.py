"""Refused uploads count toward a per-user limit (``refused_upload_limit`` per
``refused_upload_window_s``), shared by the API and the web form and by every API process,
counted in the database so that uploads sent in parallel cannot get past it. Refused
uploads counted nowhere: a 23 MB zip that took the server to 3.7 GB could be sent again
at once, or ten times in parallel."""

from __future__ import annotations

import concurrent.futures
import re
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import update

from server.models import UploadAttempt
from tests.server.conftest import LiveServer
from tests.server.factories import stored_rows, toy_zip, upload
from tests.server.test_upload_validation import big_notebook, zip_with

LIMIT = 3
NOT_A_SUBMISSION = b"%PDF-1.4 an essay"


@pytest.fixture
def settings(settings):
    settings.refused_upload_limit = LIMIT
    return settings


def refuse(client, token, times: int) -> None:
    for _ in range(times):
        assert upload(client, token, NOT_A_SUBMISSION, "essay.pdf").status_code == 415


def assert_rate_limited(response, window_s: int) -> None:
    assert response.status_code == 429, response.text
    retry_after = int(response.headers["Retry-After"])
    assert 0 < retry_after <= window_s
    detail = response.json()["detail"]
    assert f"{LIMIT} of your uploads in the last 10 minutes were refused" in detail
    assert re.search(r"try again after \d\d:\d\d:\d\d UTC \(in \d+ (minutes|seconds)\)", detail), detail


def test_after_the_limit_of_refused_uploads_even_a_good_one_waits(client, users, database, settings):
    refuse(client, users["alice"], LIMIT)
    assert_rate_limited(upload(client, users["alice"], toy_zip()), settings.refused_upload_window_s)
    assert stored_rows(database)["submissions"] == 0
    assert upload(client, users["bob"], toy_zip()).status_code == 202  # per user


def test_refusals_leave_the_count_when_the_window_has_passed(client, users, database, settings):
    refuse(client, users["alice"], LIMIT)
    with database.session() as session:
        session.execute(update(UploadAttempt).values(
            at=datetime.now(UTC) - timedelta(seconds=settings.refused_upload_window_s + 1)))
    assert upload(client, users["alice"], toy_zip()).status_code == 202


def test_accepted_uploads_do_not_count(client, users):
    for _ in range(LIMIT + 2):
        assert upload(client, users["alice"], toy_zip()).status_code == 202
    refuse(client, users["alice"], LIMIT)


def test_the_web_form_and_the_api_share_the_count(client, users, settings):
    client.cookies.clear()
    assert client.post("/login", data={"token": users["alice"]}).status_code == 303
    for _ in range(LIMIT):
        page = client.post("/assignments/toy/submit", files={"file": ("essay.pdf", NOT_A_SUBMISSION)})
        assert page.status_code == 415
    page = client.post("/assignments/toy/submit", files={"file": ("toy_submission.zip", toy_zip())})
    assert page.status_code == 429 and "Retry-After" in page.headers and "try again after" in page.text
    client.cookies.clear()
    assert_rate_limited(upload(client, users["alice"], toy_zip()), settings.refused_upload_window_s)


def test_parallel_uploads_to_two_api_processes_cannot_pass_the_limit(app, live, users, database, settings):
    """Twenty slow refusals at once, half to another server on the same database: at most
    the limit of them are read and refused; the others are answered 429 at once."""
    from server.app import create_app

    slow_refusal = zip_with(big_notebook(4 << 20).replace(b'"cell_type": "code"', b'"cell_type": "codex"'))
    with LiveServer(create_app(settings)) as other, \
            httpx.Client(base_url=live.url, timeout=120) as first, \
            httpx.Client(base_url=other.url, timeout=120) as second, \
            concurrent.futures.ThreadPoolExecutor(20) as pool:
        answers = list(pool.map(lambda i: upload(first if i % 2 else second, users["alice"], slow_refusal),
                                range(20)))
        after = upload(first, users["alice"], toy_zip())
    codes = sorted(answer.status_code for answer in answers)
    assert codes.count(422) <= LIMIT and codes.count(429) >= 20 - LIMIT, codes
    assert set(codes) <= {422, 429}
    waits = [answer for answer in answers if answer.status_code == 429]
    assert all("still being checked" in answer.json()["detail"] or "were refused" in answer.json()["detail"]
               for answer in waits)
    assert_rate_limited(after, settings.refused_upload_window_s)
    assert stored_rows(database)["submissions"] == 0


def test_an_upload_in_flight_holds_a_place_and_gives_it_back(client, users, database):
    """Accepted or refused, an upload leaves no place held once it is answered."""
    from sqlalchemy import func, select

    assert upload(client, users["alice"], toy_zip()).status_code == 202
    refuse(client, users["alice"], 1)
    with database.session() as session:
        outcomes = session.execute(select(UploadAttempt.refused, func.count()).group_by(UploadAttempt.refused)).all()
    assert outcomes == [(True, 1)]
