"""The web pages in a real HTTP client: signing in, submitting from the form, reading
the feedback as the visibility rules allow, and refusals that say why and store nothing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from server.crud.users import get_user, revoke_tokens
from server.models import Assignment
from server.web.session import COOKIE
from tests.server.factories import finish_queued_jobs, stored_rows, toy_zip


@pytest.fixture
def browser(client):
    """The live server's client, as a browser that keeps cookies and follows nothing itself."""
    client.cookies.clear()
    return client


def sign_in(browser, token: str):
    response = browser.post("/login", data={"token": token})
    assert response.status_code == 303 and response.headers["location"] == "/", response.text
    return response


def submit(browser, data: bytes, *, key: str | None = None, filename: str = "toy_submission.zip", **headers):
    params = {"key": key} if key else {}
    return browser.post("/assignments/toy/submit", params=params, headers=headers,
                        files={"file": (filename, data, "application/octet-stream")})


def submission_id(response) -> str:
    assert response.status_code == 303, response.text
    match = re.fullmatch(r"/submissions/(\w+)", response.headers["location"])
    assert match, response.headers["location"]
    return match.group(1)


def test_pages_need_a_signed_in_token_kept_in_an_http_only_cookie(browser, users, database):
    assert browser.get("/").headers["location"] == "/login"
    assert "Your GradeLab token" in browser.get("/login").text

    refused = browser.post("/login", data={"token": "glt_not-a-token"})
    assert refused.status_code == 401 and "unknown or revoked" in refused.text
    assert COOKIE not in browser.cookies

    cookie = sign_in(browser, users["alice"]).headers["set-cookie"]
    assert "HttpOnly" in cookie and "samesite=lax" in cookie.lower()
    home = browser.get("/")
    assert home.status_code == 200
    assert "alice (student)" in home.text and 'action="/assignments/toy/submit?key=' in home.text
    assert "Nothing submitted yet" in home.text
    assert browser.get("/login").headers["location"] == "/"  # signed in already

    with database.session() as session:
        revoke_tokens(session, get_user(session, "alice"))
    dropped = browser.get("/")
    assert dropped.headers["location"] == "/login" and f'{COOKIE}=""' in dropped.headers["set-cookie"]


def test_signing_out_forgets_the_token(browser, users):
    sign_in(browser, users["alice"])
    out = browser.post("/logout")
    assert out.status_code == 303 and out.headers["location"] == "/login"
    assert browser.get("/").headers["location"] == "/login"


def test_a_student_submits_from_the_form_and_reads_the_feedback(browser, users, database, toy_results):
    sign_in(browser, users["alice"])
    own_page = str(browser.base_url).rstrip("/")  # what a browser sends from our own form
    first = submission_id(submit(browser, toy_zip("stub_ops"), key="page-1-toy", Origin=own_page))
    # The same form sent twice (a double click, a reload) is one submission.
    assert submission_id(submit(browser, toy_zip("stub_ops"), key="page-1-toy")) == first
    assert stored_rows(database) == {"submissions": 1, "uploads": 1, "jobs": 1, "results": 0}

    waiting = browser.get(f"/submissions/{first}")
    assert waiting.status_code == 200 and "<strong>queued</strong>" in waiting.text
    # Progress updates a live region in place (no page reload), from the compact status view.
    assert 'http-equiv="refresh"' not in waiting.text and 'aria-live="polite"' in waiting.text
    assert f'data-status-url="/submissions/{first}/status"' in waiting.text
    polled = browser.get(f"/submissions/{first}/status")
    assert polled.json()["status"] == "queued" and polled.json()["total"] is None
    assert browser.get(f"/submissions/{first}/status", headers={"If-None-Match": polled.headers["etag"]}
                       ).status_code == 304

    finish_queued_jobs(database, toy_results["stub_ops"])
    done = browser.get(f"/submissions/{first}/status", headers={"If-None-Match": polled.headers["etag"]}).json()
    assert done.pop("graded_at") is not None
    assert done == {"id": first, "status": "done", "done": 4, "total": 4, "score": 1.0, "max_score": 7.0,
                    "ungraded": 1, "page_url": f"/submissions/{first}"}
    page = browser.get(f"/submissions/{first}").text
    assert "data-status-url" not in page and "<strong>done</strong>" in page
    assert "Score: <strong>1 / 7</strong>" in page  # scale() passed; manual points still to come
    assert "Free-text answers: not graded yet (2 points)" in page
    # One line for the function that still raises, not one traceback per check.
    assert page.count("toy/ops.py, line 2, in affine") == 2  # the line, and "Start here"
    assert "2 checks wait on it" in page and "Traceback (your code)" not in page
    assert "This submission counts toward your grade" in page
    assert "Question 1" in page and "not graded yet (2 points)" in page

    home = browser.get("/").text
    assert f'href="/submissions/{first}"' in home and "1 / 7" in home


def test_hidden_cases_show_in_full_after_the_due_date(browser, users, database, toy_results):
    sign_in(browser, users["alice"])
    graded = submission_id(submit(browser, toy_zip("stub_ops")))
    finish_queued_jobs(database, toy_results["stub_ops"])
    with database.session() as session:
        session.execute(update(Assignment).where(Assignment.id == "toy")
                        .values(due_at=datetime.now(UTC) - timedelta(hours=1)))
    page = browser.get(f"/submissions/{graded}").text
    assert "Hidden case" not in page and "affine: hidden cases" in page


def test_a_training_checks_curves_are_a_png_for_those_who_may_see_them(browser, users, database, toy_results):
    sign_in(browser, users["alice"])
    graded = submission_id(submit(browser, toy_zip("wrong_relu")))
    finish_queued_jobs(database, toy_results["wrong_relu"])
    page = browser.get(f"/submissions/{graded}").text
    assert f'src="/submissions/{graded}/plots/relu.png"' in page
    assert 'alt="Curves of relu: relu over 11 input index, from 1 to 1' in page  # the numbers, in words
    plot = browser.get(f"/submissions/{graded}/plots/relu.png")
    assert plot.status_code == 200 and plot.headers["content-type"] == "image/png"
    assert plot.content.startswith(b"\x89PNG\r\n\x1a\n")
    assert browser.get(f"/submissions/{graded}/plots/affine.png").status_code == 404  # it has no curves

    browser.cookies.clear()
    sign_in(browser, users["bob"])
    assert browser.get(f"/submissions/{graded}/plots/relu.png").status_code == 404
    other = browser.get(f"/submissions/{graded}")
    assert other.status_code == 404 and "text/html" in other.headers["content-type"]


def test_refused_uploads_get_a_page_that_says_why_and_store_nothing(browser, users, database):
    sign_in(browser, users["alice"])
    not_a_zip = submit(browser, b"my essay", filename="essay.docx")
    assert not_a_zip.status_code == 415 and "text/html" in not_a_zip.headers["content-type"]
    assert "essay.docx is neither a zip nor a notebook" in not_a_zip.text
    assert "alice (student)" in not_a_zip.text  # the signed-in header stays

    elsewhere = submit(browser, toy_zip(), Origin="http://evil.example")
    assert elsewhere.status_code == 403 and "sent from http://evil.example" in elsewhere.text
    cross_site = submit(browser, toy_zip(), **{"Sec-Fetch-Site": "cross-site"})
    assert cross_site.status_code == 403

    with database.session() as session:
        session.execute(update(Assignment).where(Assignment.id == "toy").values(
            due_at=datetime.now(UTC) - timedelta(days=2), hard_cutoff_at=datetime.now(UTC) - timedelta(days=1)))
    late = submit(browser, toy_zip())
    assert late.status_code == 403 and "hard cutoff" in late.text
    assert stored_rows(database) == {"submissions": 0, "uploads": 0, "jobs": 0, "results": 0}


def test_the_release_downloads_from_the_page(browser, users):
    sign_in(browser, users["alice"])
    assert 'href="/assignments/toy/download"' in browser.get("/").text
    download = browser.get("/assignments/toy/download")
    assert download.status_code == 200 and download.content.startswith(b"PK")
    assert browser.get("/assignments/nope/download").status_code == 404


def test_an_instructor_grades_free_text_answers_on_the_page(browser, users, database, toy_results):
    sign_in(browser, users["alice"])
    graded = submission_id(submit(browser, toy_zip()))
    finish_queued_jobs(database, toy_results["reference"])
    assert browser.post(f"/submissions/{graded}/manual/toy_q1", data={"score": "2"}).status_code == 403
    assert 'name="score"' not in browser.get(f"/submissions/{graded}").text  # no grading form for students

    browser.cookies.clear()
    sign_in(browser, users["prof"])
    home = browser.get("/").text
    assert "<th>Student</th>" in home and 'href="/assignments/toy/gradebook.csv"' in home
    page = browser.get(f"/submissions/{graded}").text
    assert "Rayleigh scattering." in page and f'action="/submissions/{graded}/manual/toy_q1"' in page
    too_many = browser.post(f"/submissions/{graded}/manual/toy_q1", data={"score": "3", "comment": "Long note"})
    assert too_many.status_code == 422 and "“Question 1” is worth 0 to 2 points" in too_many.text
    assert ">Long note</textarea>" in too_many.text and 'value="3"' in too_many.text  # nothing typed is lost
    alert = re.search(r'role="alert" id="error-toy_q1">(.*?)</p>', too_many.text).group(1)
    assert "toy_q1" not in alert  # the answer is named as people read it
    not_a_number = browser.post(f"/submissions/{graded}/manual/toy_q1", data={"score": "two"})
    assert not_a_number.status_code == 422 and "must be a number" in not_a_number.text
    saved = browser.post(f"/submissions/{graded}/manual/toy_q1", data={"score": "1.5", "comment": "Say why."})
    assert saved.status_code == 303 and saved.headers["location"] == f"/submissions/{graded}#toy_q1"
    gradebook = browser.get("/assignments/toy/gradebook.csv")
    assert gradebook.status_code == 200 and gradebook.headers["content-type"].startswith("text/csv")
    assert "alice" in gradebook.text and "6.5" in gradebook.text

    browser.cookies.clear()
    sign_in(browser, users["alice"])
    mine = browser.get(f"/submissions/{graded}").text
    assert "Score: <strong>6.5 / 7</strong>" in mine and "Say why." in mine and "1.5 / 2" in mine
    assert browser.get("/assignments/toy/gradebook.csv").status_code == 403


def test_the_instructors_list_filters_pages_and_shows_what_waits_for_grading(browser, users, database, toy_results):
    from tests.server.factories import add_submission

    for index in range(27):
        add_submission(database, toy_zip(), student="alice", filename=f"try{index}.zip")
    add_submission(database, toy_zip(), student="bob", filename="bob.zip")
    finish_queued_jobs(database, toy_results["reference"])
    sign_in(browser, users["prof"])
    first = browser.get("/").text
    assert "28 in all" in first and "Page 1 of 2" in first and first.count('<td data-label="File">') == 25
    assert 'href="/?page=2" rel="next">Older' in first
    second = browser.get("/?page=2").text
    assert second.count('<td data-label="File">') == 3 and "try0.zip" in second  # the oldest come last
    only_bob = browser.get("/?student=bob").text
    assert "1 in all" in only_bob and "bob.zip" in only_bob and "try1.zip" not in only_bob
    # Each student's counted submission (best: the first of equal scores) and its answer to grade.
    waiting = browser.get("/?to_grade=1").text
    assert "28 in all" in waiting and waiting.count("<strong>counts</strong>") == 1  # bob's, the newest
    assert browser.get("/?to_grade=1&page=2").text.count("<strong>counts</strong>") == 1  # alice's first
    bobs = re.search(r'href="/submissions/(\w+)"', only_bob).group(1)
    assert browser.post(f"/submissions/{bobs}/manual/toy_q1", data={"score": "2"}).status_code == 303
    assert "27 in all" in browser.get("/?to_grade=1").text  # bob's answer is graded now
    alices = re.search(r'href="/submissions/(\w+)"', browser.get("/?student=alice").text).group(1)
    assert browser.post(f"/submissions/{alices}/manual/toy_q1", data={"score": "1"}).status_code == 303
    # One grade of alice's answer text covers her 26 other submissions with the same text.
    assert "0 in all" in browser.get("/?to_grade=1").text
