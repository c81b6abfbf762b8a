"""Uploading and reading submissions: 202 and status URL, idempotency, the cap and the
cutoff, who sees what, regrades and manual grades."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from server.models import Assignment
from tests.server.factories import (
    add_submission,
    auth,
    finish_queued_jobs,
    stored_rows,
    toy_files,
    toy_zip,
    upload,
)


def set_policy(database, **values):
    with database.session() as session:
        session.execute(update(Assignment).where(Assignment.id == "toy").values(**values))


def test_an_upload_is_accepted_with_its_status_url(client, users, database):
    response = upload(client, users["alice"], toy_zip())
    assert response.status_code == 202
    body = response.json()
    assert body["status"] == "queued" and body["student"] == "alice" and not body["replayed"]
    assert response.headers["Location"] == body["status_url"] == f"/api/v1/submissions/{body['id']}"
    assert stored_rows(database) == {"submissions": 1, "uploads": 1, "jobs": 1, "results": 0}
    status = client.get(body["status_url"], headers=auth(users["alice"])).json()
    assert status["status"] == "queued" and status["progress"] == {"done": 0, "total": 0, "checks": []}
    assert status["score"] is None and status["checks"] == []


def test_a_single_notebook_is_a_submission(client, users):
    response = upload(client, users["alice"], toy_files()["Toy.ipynb"], "Toy.ipynb")
    assert response.status_code == 202 and response.json()["id"]


def test_a_retried_upload_with_the_same_idempotency_key_is_one_submission(client, users, database):
    first = upload(client, users["alice"], toy_zip(), idempotency_key="k-1")
    again = upload(client, users["alice"], toy_zip(), idempotency_key="k-1")
    assert first.status_code == again.status_code == 202
    assert again.json()["id"] == first.json()["id"] and again.json()["replayed"]
    assert stored_rows(database)["jobs"] == 1
    other = upload(client, users["alice"], toy_zip("wrong_relu"), idempotency_key="k-1")
    assert other.status_code == 409 and "different upload" in other.json()["detail"]
    assert stored_rows(database)["submissions"] == 1


def test_over_the_daily_cap_answers_429_with_retry_after(client, users, database):
    set_policy(database, daily_cap=2)
    for _ in range(2):
        assert upload(client, users["alice"], toy_zip()).status_code == 202
    response = upload(client, users["alice"], toy_zip())
    assert response.status_code == 429
    assert 23 * 3600 < int(response.headers["Retry-After"]) <= 24 * 3600
    assert "2 submissions of toy in the last 24 hours" in response.json()["detail"]
    assert stored_rows(database)["submissions"] == 2
    assert upload(client, users["bob"], toy_zip()).status_code == 202  # the cap is per student
    # A CI job submitting for alice counts against alice; instructors are not capped.
    assert upload(client, users["robot"], toy_zip(), student="alice").status_code == 429
    assert upload(client, users["prof"], toy_zip(), student="alice").status_code == 202


def test_after_the_hard_cutoff_answers_403_saying_so(client, users, database):
    now = datetime.now(UTC)
    set_policy(database, due_at=now - timedelta(days=2), hard_cutoff_at=now - timedelta(days=1))
    response = upload(client, users["alice"], toy_zip())
    assert response.status_code == 403 and "hard cutoff" in response.json()["detail"]
    assert stored_rows(database)["submissions"] == 0


def test_a_student_reading_another_students_submission_gets_404(client, users):
    mine = upload(client, users["alice"], toy_zip()).json()
    assert client.get(mine["status_url"], headers=auth(users["alice"])).status_code == 200
    response = client.get(mine["status_url"], headers=auth(users["bob"]))
    assert response.status_code == 404
    missing = client.get("/api/v1/submissions/0000000000000000", headers=auth(users["bob"]))
    assert missing.status_code == 404  # the same answer as for an id that does not exist
    assert missing.json()["detail"].replace("0000000000000000", mine["id"]) == response.json()["detail"]
    assert client.get(mine["status_url"], headers=auth(users["prof"])).status_code == 200
    assert client.get(mine["status_url"], headers=auth(users["robot"])).status_code == 404  # not its upload
    assert client.post(mine["status_url"] + "/regrade", headers=auth(users["bob"])).status_code == 403


def test_ci_submits_on_behalf_of_a_student_and_follows_it(client, users):
    body = upload(client, users["robot"], toy_zip(), student="alice").json()
    assert body["student"] == "alice"
    seen = client.get(body["status_url"], headers=auth(users["robot"])).json()
    assert seen["student"] == "alice" and seen["submitted_by"] == "robot"
    assert client.get(body["status_url"], headers=auth(users["alice"])).status_code == 200
    mine = client.get("/api/v1/submissions", headers=auth(users["alice"])).json()
    assert [s["id"] for s in mine["data"]] == [body["id"]]


def test_lists_show_students_their_own_and_instructors_everything(client, users, database, toy_results):
    ids = {name: upload(client, users[name], toy_zip()).json()["id"] for name in ("alice", "bob")}
    finish_queued_jobs(database, toy_results["reference"])
    alice = client.get("/api/v1/submissions", headers=auth(users["alice"])).json()
    assert alice["count"] == 1 and alice["data"][0]["id"] == ids["alice"]
    assert client.get("/api/v1/submissions", params={"student": "bob"}, headers=auth(users["alice"])).json()["count"] == 0
    every = client.get("/api/v1/submissions", headers=auth(users["prof"])).json()
    assert every["count"] == 2 and {s["student"] for s in every["data"]} == {"alice", "bob"}
    bobs = client.get("/api/v1/submissions", params={"student": "bob", "status": "done", "assignment": "toy"},
                      headers=auth(users["prof"])).json()
    assert [s["id"] for s in bobs["data"]] == [ids["bob"]] and bobs["data"][0]["score"]["automatic"] == 5
    assert client.get("/api/v1/submissions", params={"status": "queued"}, headers=auth(users["prof"])).json()["count"] == 0


def test_a_graded_submission_shows_score_checks_and_hides_hidden_details(client, users, database, toy_results):
    set_policy(database, due_at=datetime.now(UTC) + timedelta(days=1))
    body = upload(client, users["alice"], toy_zip("wrong_relu")).json()
    finish_queued_jobs(database, toy_results["wrong_relu"])
    seen = client.get(body["status_url"], headers=auth(users["alice"])).json()
    assert seen["status"] == "done" and seen["gradable"] and seen["progress"] is None
    assert seen["score"] == {"automatic": 4.0, "automatic_max": 5.0, "manual": 0.0, "manual_max": 2.0,
                             "total": 4.0, "max_total": 7.0, "late_days": 0, "late_penalty": 0.0, "final": 4.0,
                             "ungraded": 1, "ungraded_points": 2.0}  # the answer waits: 0 until graded
    checks = {c["id"]: c for c in seen["checks"]}
    assert checks["relu"]["outcome"] == "wrong" and "out differs" in checks["relu"]["output"]
    assert checks["affine_hidden"]["output"] is None and checks["affine_hidden"]["details"] is None
    assert seen["manual_items"][0]["answer"] == "Rayleigh scattering." and seen["manual_items"][0]["score"] is None
    staff = client.get(body["status_url"], headers=auth(users["prof"])).json()
    assert {c["id"]: c for c in staff["checks"]}["affine_hidden"]["output"] == "Passed."


def test_a_late_submission_loses_its_penalty(client, users, database, toy_results):
    now = datetime.now(UTC)
    set_policy(database, due_at=now - timedelta(days=1, hours=2), late_penalty_per_day=0.25)
    body = upload(client, users["alice"], toy_zip()).json()
    finish_queued_jobs(database, toy_results["reference"])
    score = client.get(body["status_url"], headers=auth(users["alice"])).json()["score"]
    assert score["late_days"] == 2 and score["late_penalty"] == 0.5
    assert score["total"] == 5.0 and score["final"] == 2.5
    # after the due date the hidden checks are shown in full
    checks = client.get(body["status_url"], headers=auth(users["alice"])).json()["checks"]
    assert {c["id"]: c for c in checks}["affine_hidden"]["output"] == "Passed."


def test_manual_points_are_added_to_the_total(client, users, database, toy_results):
    body = upload(client, users["alice"], toy_zip()).json()
    url = body["status_url"] + "/manual/toy_q1"
    assert client.put(url, json={"score": 1.5}, headers=auth(users["prof"])).status_code == 404  # not graded yet
    finish_queued_jobs(database, toy_results["reference"])
    assert client.put(url, json={"score": 1.5}, headers=auth(users["alice"])).status_code == 403
    too_many = client.put(url, json={"score": 3}, headers=auth(users["prof"]))
    assert too_many.status_code == 422 and "is worth 0 to 2 points" in too_many.json()["detail"]
    unknown = client.put(body["status_url"] + "/manual/relu", json={"score": 1}, headers=auth(users["prof"]))
    assert unknown.status_code == 404 and "toy_q1" in unknown.json()["detail"]
    given = client.put(url, json={"score": 1.5, "comment": "Right idea; say why blue scatters more."},
                       headers=auth(users["prof"]))
    assert given.status_code == 200 and given.json()["grader"] == "prof"
    seen = client.get(body["status_url"], headers=auth(users["alice"])).json()
    assert seen["score"]["manual"] == 1.5 and seen["score"]["total"] == 6.5
    assert seen["manual_items"][0]["comment"].startswith("Right idea")
    client.put(url, json={"score": 2}, headers=auth(users["prof"]))  # a second grading replaces the first
    assert client.get(body["status_url"], headers=auth(users["alice"])).json()["score"]["total"] == 7.0


def test_a_regrade_keeps_the_earlier_result_in_history(client, users, database, toy_results):
    body = upload(client, users["alice"], toy_zip("wrong_relu")).json()
    finish_queued_jobs(database, toy_results["wrong_relu"])
    response = client.post(body["status_url"] + "/regrade", headers=auth(users["prof"]))
    assert response.status_code == 202 and response.json() == {"queued": [body["id"]], "skipped": 0}
    again = client.post(body["status_url"] + "/regrade", headers=auth(users["prof"]))
    assert again.json() == {"queued": [], "skipped": 1}  # one in flight already
    during = client.get(body["status_url"], headers=auth(users["alice"])).json()
    assert during["status"] == "queued" and during["score"]["automatic"] == 4.0  # the old score meanwhile
    finish_queued_jobs(database, toy_results["reference"])
    after = client.get(body["status_url"], headers=auth(users["alice"])).json()
    assert after["status"] == "done" and after["score"]["automatic"] == 5.0 and after["result_count"] == 2
    history = client.get(body["status_url"] + "/results", headers=auth(users["prof"])).json()
    assert [(r["kind"], r["score"]) for r in history["data"]] == [("submit", 4.0), ("regrade", 5.0)]
    assert client.get(body["status_url"] + "/results", headers=auth(users["alice"])).status_code == 403


def test_regrade_all_of_an_assignment(client, users, database, toy_results):
    for name in ("alice", "bob"):
        upload(client, users[name], toy_zip())
    finish_queued_jobs(database, toy_results["reference"])
    response = client.post("/api/v1/assignments/toy/regrade", headers=auth(users["prof"]))
    assert response.status_code == 202 and len(response.json()["queued"]) == 2
    assert stored_rows(database)["jobs"] == 4
    assert client.post("/api/v1/assignments/toy/regrade", headers=auth(users["alice"])).status_code == 403


def test_instructors_download_the_upload_as_received(client, users):
    data = toy_zip()
    body = upload(client, users["alice"], data).json()
    response = client.get(body["status_url"] + "/file", headers=auth(users["prof"]))
    assert response.status_code == 200 and response.content == data
    assert client.get(body["status_url"] + "/file", headers=auth(users["alice"])).status_code == 403


def test_a_burst_of_uploads_is_all_accepted(settings, database, toy, users):
    """Many more uploads at once than pooled connections: none may starve waiting for one
    (a request must not hold a connection while it waits for a thread or its body)."""
    import concurrent.futures

    import httpx

    from server.app import create_app
    from tests.server.conftest import LiveServer

    settings.db_pool_size, settings.db_pool_overflow = 4, 0
    settings.refused_upload_limit = 100  # one user's uploads in flight count toward it: not this test's subject
    data = toy_zip()

    def post(_):
        with httpx.Client(base_url=live.url, timeout=120) as http:
            return upload(http, users["alice"], data).status_code

    with LiveServer(create_app(settings)) as live, concurrent.futures.ThreadPoolExecutor(max_workers=60) as pool:
        codes = list(pool.map(post, range(60)))
    assert codes == [202] * 60 and stored_rows(database)["jobs"] == 60


def test_a_failed_job_shows_its_error_to_instructors_only(client, users, database):
    from server.models import Job, Submission

    body = upload(client, users["alice"], toy_zip()).json()
    with database.session() as session:
        session.execute(update(Submission).where(Submission.id == body["id"]).values(status="failed"))
        session.execute(update(Job).where(Job.submission_id == body["id"])
                        .values(status="failed", attempts=3, error="OSError: /srv/gradelab/var/tmp is full"))
    student_view = client.get(body["status_url"], headers=auth(users["alice"])).json()
    instructor_view = client.get(body["status_url"], headers=auth(users["prof"])).json()
    assert student_view["status"] == "failed" and student_view["failure"] == "infrastructure"
    assert "not because of your submission" in student_view["reason"]
    assert "/srv/gradelab" not in student_view["reason"]
    assert "OSError: /srv/gradelab/var/tmp is full" in instructor_view["reason"]



def download_name(header: str) -> tuple[int, str | None]:
    """How many parameters a mail-style parser finds in a Content-Disposition (``filename``
    and ``filename*``: 2), and the name ``filename*`` gives (RFC 2231/5987 decoded; what
    browsers and curl -J use when it is there)."""
    from email.message import Message
    from email.utils import collapse_rfc2231_value

    message = Message()
    message["Content-Disposition"] = header
    params = message.get_params(header="content-disposition")[1:]
    extended = [collapse_rfc2231_value(value) for _, value in params if isinstance(value, tuple)]
    return len(params), extended[0] if len(extended) == 1 else None


def test_an_upload_named_outside_latin_1_downloads_under_its_name(client, users):
    """Such a name made the download answer 500."""
    data, filename = toy_zip(), "Übung 2 – Łódź 提出.zip"
    body = upload(client, users["alice"], data, filename).json()
    response = client.get(body["status_url"] + "/file", headers=auth(users["prof"]))
    assert response.status_code == 200 and response.content == data
    assert download_name(response.headers["content-disposition"]) == (2, filename)


@pytest.mark.parametrize("filename", ['toy"; filename="evil.sh', "toy\r\nSet-Cookie: gradelab=stolen.zip"])
def test_a_stored_name_cannot_add_parameters_or_headers(client, users, database, filename):
    """A quote ended the quoted name and added a parameter; CR LF would start a header.
    (Uploads refuse control characters now; a name stored before, or by another path, must
    still download safely.)"""
    from server.models import Submission

    submission_id, _ = add_submission(database, toy_zip())
    with database.session() as session:
        session.get(Submission, submission_id).filename = filename
    response = client.get(f"/api/v1/submissions/{submission_id}/file", headers=auth(users["prof"]))
    assert response.status_code == 200 and "set-cookie" not in response.headers
    assert download_name(response.headers["content-disposition"]) == (2, filename)
