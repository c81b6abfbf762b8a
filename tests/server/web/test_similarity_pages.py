"""The instructors' similarity page, in a real HTTP client over a live server: a report is
made in its own process with progress, ranks the pairs, shows them side by side, and is
never shown to students."""

from __future__ import annotations

import os
import re
import socket
import time

import pytest
from sqlalchemy import update

from server.models import Assignment, SimilarityReport, utcnow
from server.web.session import COOKIE
from similarity.report import Report
from tests.server.factories import auth, register_a2_class


@pytest.fixture
def settings(settings):
    """One process per report is enough for a handful of submissions."""
    return settings.model_copy(update={"similarity_workers": 1})


@pytest.fixture
def a2(database, settings, tmp_path):
    register_a2_class(database, settings, tmp_path)
    return "a2"


def sign_in(client, token: str) -> None:
    client.cookies.clear()
    assert client.post("/login", data={"token": token}).status_code == 303


def wait_for_report(client, token: str, timeout: float = 120) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        body = client.get("/api/v1/assignments/a2/similarity", headers=auth(token)).json()
        if body["status"] in ("done", "failed") or time.monotonic() > deadline:
            return body
        time.sleep(0.5)


def test_students_and_ci_never_see_similarity(client, users, a2, database):
    with database.session() as session:
        session.add(SimilarityReport(assignment_id="a2", requested_by_id=1, status="done", created_at=utcnow(),
                                     data={"assignment": "a2"}))
    for name in ("alice", "robot"):
        token = users[name]
        assert client.get("/api/v1/assignments/a2/similarity", headers=auth(token)).status_code == 403
        assert client.post("/api/v1/assignments/a2/similarity", headers=auth(token)).status_code == 403
        sign_in(client, token)
        for response in (client.get("/assignments/a2/similarity"), client.post("/assignments/a2/similarity"),
                         client.get("/assignments/a2/similarity/1/code/1")):
            assert response.status_code == 403, response.url
            assert "needs an instructor token" in response.text
        assert "/similarity" not in client.get("/").text
    client.cookies.clear()
    assert client.get("/assignments/a2/similarity").headers["location"] == "/login"
    assert client.get("/api/v1/assignments/a2/similarity").status_code == 401
    with database.session() as session:  # nothing was asked for on their behalf
        assert session.query(SimilarityReport).count() == 1


def test_an_instructor_makes_a_report_and_reads_the_ranked_pairs(client, users, a2):
    prof = users["prof"]
    sign_in(client, prof)
    assert 'href="/assignments/a2/similarity"' in client.get("/").text
    assert "No report yet" in client.get("/assignments/a2/similarity").text

    made = client.post("/assignments/a2/similarity")
    assert made.status_code == 303 and made.headers["location"] == "/assignments/a2/similarity"
    page = client.get("/assignments/a2/similarity").text
    assert 'http-equiv="refresh"' in page or "Report 1" in page
    body = wait_for_report(client, prof)
    assert body["status"] == "done", body["error"]
    assert body["progress"]["stage"] == "comparing answers"

    page = client.get("/assignments/a2/similarity").text
    assert "4 entries compared (1 from the archive)" in page
    rows = page.split("<tr>")
    alice_bob = next(row for row in rows if "<td>alice</td>" in row and "<td>bob</td>" in row)
    assert "cs231n/layers.py:" in alice_bob and "100%" in alice_bob
    report = Report.from_dict(body["report"])
    assert "cs231n/layers.py::batchnorm_backward" in {m.a for m in report.pair("alice", "bob").matching_units()}
    assert any("<td>carol</td>" in row and "archive/leaked-solutions" in row for row in rows)
    assert not any("<td>alice</td>" in row and "carol" in row for row in rows)  # written apart

    # The instructor's threshold: everything kept from 10% up, or nothing at 100% exactly.
    low = client.get("/assignments/a2/similarity", params={"threshold": 10}).text
    assert any("<td>alice</td>" in row and "carol" in row for row in low.split("<tr>"))
    assert "No pair has 101%" not in low
    assert client.get("/assignments/a2/similarity", params={"threshold": 101}).status_code == 422

    link = re.search(r'href="(/assignments/a2/similarity/1/code/\d+)"', alice_bob).group(1)
    pair = client.get(link)
    assert pair.status_code == 200
    assert "alice" in pair.text and "bob" in pair.text and "<mark>" in pair.text
    assert "cs231n/layers.py: conv_backward_naive" in pair.text
    assert "for img in range(batch):" in pair.text  # bob's own text, highlighted beside alice's
    assert client.get("/assignments/a2/similarity/1/code/99").status_code == 404

    again = client.post("/api/v1/assignments/a2/similarity", headers=auth(prof))
    assert again.status_code == 202 and again.json()["status"] == "queued"
    second = wait_for_report(client, prof)
    assert second["status"] == "done", second["error"]


def test_one_report_at_a_time_and_a_dead_one_is_said_so(client, users, a2, database):
    prof = users["prof"]
    with database.session() as session:
        session.add(SimilarityReport(assignment_id="a2", requested_by_id=1, status="running", created_at=utcnow(),
                                     heartbeat_at=utcnow(), owner=f"{socket.gethostname()}:{os.getpid()}"))
    refused = client.post("/api/v1/assignments/a2/similarity", headers=auth(prof))
    assert refused.status_code == 409 and "already being made" in refused.json()["detail"]

    # Its process is gone (a server restart): the page says so, and a new one may be made.
    with database.session() as session:
        session.execute(update(SimilarityReport).values(owner=f"{socket.gethostname()}:{_dead_pid()}"))
    sign_in(client, prof)
    page = client.get("/assignments/a2/similarity").text
    assert "Report 1 failed: the process making this report stopped before it finished" in page
    assert client.post("/api/v1/assignments/a2/similarity", headers=auth(prof)).status_code == 202
    second = wait_for_report(client, prof)
    assert second["status"] == "done", second["error"]


def test_a_report_that_fails_says_why(client, users, a2, database):
    with database.session() as session:
        session.execute(update(Assignment).where(Assignment.id == "a2").values(master="solutions/gone"))
    prof = users["prof"]
    assert client.post("/api/v1/assignments/a2/similarity", headers=auth(prof)).status_code == 202
    body = wait_for_report(client, prof)
    assert body["status"] == "failed" and "solutions/gone" in body["error"] and body["report"] is None
    sign_in(client, prof)
    assert "Report 1 failed: ManifestError:" in client.get("/assignments/a2/similarity").text
    assert COOKIE in client.cookies


def _dead_pid() -> int:
    """A process id that is not running (a child that has exited and been reaped)."""
    import subprocess

    child = subprocess.Popen(["true"])
    child.wait()
    return child.pid
