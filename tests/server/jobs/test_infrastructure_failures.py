"""A grading run our side cannot start is ours, not the student's: the job is given back and
tried again, then failed for staff; it stores no result, counts toward no cap, tells the
student so in a plain sentence, shows on the instructor's pages and in /metrics, and is
logged at error level. An instructor's regrade grades it once the cause is fixed.

Run on the test's SQLite database and on a private PostgreSQL one."""

from __future__ import annotations

import io
import logging
import threading
import zipfile

import pytest
from sqlalchemy import func, select

from server.core.migrate import upgrade
from server.jobs.lease import queued_jobs
from server.jobs.runner import WorkerContext, run_job
from server.models import Job, Result, Submission
from tests.server.factories import auth, register_toy, toy_files, toy_zip, upload
from tests.server.postgres import private_database


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.needs_postgres)])
def backend(request, settings):
    """Point ``settings`` (and so the database and the app) at PostgreSQL for its run."""
    if request.param == "sqlite":
        yield request.param
        return
    with private_database() as url:
        settings.database_url = url
        upgrade(settings)
        yield request.param


def break_the_sandbox(settings, tmp_path) -> str:
    """The container launcher with a client that is not installed: the sandbox cannot start."""
    missing = str(tmp_path / "no-engine" / "docker")
    settings.sandbox, settings.docker_binary = "docker", missing
    return missing


def grade_job(worker: WorkerContext, job_id: int) -> str:
    """``run_job`` in a thread of its own, as a worker runs it: a grading thread drops to
    SCHED_IDLE, which must not stick to the test process's main thread."""
    outcome = []
    thread = threading.Thread(target=lambda: outcome.append(run_job(worker, job_id)))
    thread.start()
    thread.join()
    return outcome[0]


def sign_in(client, token: str) -> None:
    response = client.post("/login", data={"token": token})
    assert response.status_code == 303, response.text


def test_a_run_whose_sandbox_cannot_start_is_retried_then_failed_for_staff(
        backend, database, settings, client, users, tmp_path, caplog):
    register_toy(database, settings, daily_cap=1)
    accepted = upload(client, users["alice"], toy_zip())
    assert accepted.status_code == 202, accepted.text
    submission_id = accepted.json()["id"]
    job_id = 1
    missing = break_the_sandbox(settings, tmp_path)
    worker = WorkerContext(database, settings)

    with caplog.at_level(logging.INFO, logger="gradelab.worker"):
        statuses = [grade_job(worker, job_id) for _ in range(settings.job_max_attempts)]
    assert statuses == ["queued"] * (settings.job_max_attempts - 1) + ["failed"]
    with database.session() as session:
        job, submission = session.get(Job, job_id), session.get(Submission, submission_id)
        assert job.status == "failed" and job.attempts == settings.job_max_attempts
        assert "SandboxUnavailable" in job.error and missing in job.error
        assert submission.status == "failed"
        assert session.scalar(select(func.count(Result.id))) == 0  # never a score
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR and r.name == "gradelab.worker"]
    assert len(errors) == settings.job_max_attempts + 1  # each attempt, and the job failing for staff
    assert all((r.job_id, r.submission_id) == (job_id, submission_id) for r in errors)

    # The student: our failure, in a sentence with no path, exception or log in it.
    mine = client.get(f"/api/v1/submissions/{submission_id}", headers=auth(users["alice"])).json()
    assert mine["failure"] == "infrastructure" and mine["score"] is None and mine["checks"] == []
    for leak in (missing, "SandboxUnavailable", "docker", "pytest", "/"):
        assert leak not in mine["reason"]
    assert "not because of your submission" in mine["reason"] and "daily submission limit" in mine["reason"]
    listed = client.get("/api/v1/submissions", headers=auth(users["alice"])).json()["data"][0]
    assert listed["failure"] == "infrastructure" and missing not in listed["reason"]
    sign_in(client, users["alice"])
    page = client.get(f"/submissions/{submission_id}").text
    assert "not graded (our failure); staff are told" in page and missing not in page
    home = client.get("/").text
    assert "not graded (our failure)" in home and "SandboxUnavailable" not in home
    client.cookies.clear()

    # Not counted toward the cap of 1: another upload is accepted; the one after is not.
    assert upload(client, users["alice"], toy_zip("wrong_relu")).status_code == 202
    assert upload(client, users["alice"], toy_zip("stub_ops")).status_code == 429

    metrics = client.get("/metrics").text
    assert 'gradelab_infrastructure_failures_total{then="requeued"} 2.0' in metrics
    assert 'gradelab_infrastructure_failures_total{then="failed"} 1.0' in metrics

    # Staff: the instructor's list and page show it failed for staff, with the error.
    theirs = client.get(f"/api/v1/submissions/{submission_id}", headers=auth(users["prof"])).json()
    assert theirs["failure"] == "infrastructure" and "SandboxUnavailable" in theirs["reason"]
    assert missing in theirs["staff_detail"] and mine["staff_detail"] is None
    sign_in(client, users["prof"])
    home = client.get("/").text
    assert "failed for staff (ours)" in home and "SandboxUnavailable" in home
    page = client.get(f"/submissions/{submission_id}").text
    assert "Failed for staff after 3 attempt(s)" in page and "What failed on our side (staff only)" in page
    client.cookies.clear()

    # Once the sandbox is back, the instructor's regrade grades it.
    settings.sandbox = "bwrap"
    regrade = client.post(f"/api/v1/submissions/{submission_id}/regrade", headers=auth(users["prof"]))
    assert regrade.status_code == 202, regrade.text
    assert grade_job(worker, max(queued_jobs(database))) == "done"  # the newest job: the regrade
    graded = client.get(f"/api/v1/submissions/{submission_id}", headers=auth(users["alice"])).json()
    assert graded["status"] == "done" and graded["failure"] is None and graded["score"]["automatic"] == 5


def test_a_submission_that_is_not_gradable_is_still_its_own_failure(backend, database, settings, client, users):
    """The other side of the line: a bad upload stores its result, counts, and says why."""
    accepted = upload(client, users["alice"], toy_zip())
    with database.session() as session:
        from server.models import Upload

        session.get(Upload, accepted.json()["id"]).data = b"not a zip"
    assert grade_job(WorkerContext(database, settings), 1) == "done"
    mine = client.get(f"/api/v1/submissions/{accepted.json()['id']}", headers=auth(users["alice"])).json()
    assert mine["status"] == "failed" and mine["failure"] == "submission" and "neither a zip" in mine["reason"]


FORGED_RELU = b'''
def relu(x):
    import os
    from student_side import wire
    frame = wire.encode("failed", {"kind": "bad_request", "type": "", "message": "forged"})
    for fd in range(3, 20):
        try:
            os.write(fd, frame)
        except OSError:
            pass
    return np.maximum(x, 0)
'''


def test_a_forged_bad_request_reply_loses_that_check_as_the_submissions_protocol_failure(
        backend, database, settings, client, users, caplog):
    files = toy_files()
    ops = files["toy/ops.py"].decode()
    files["toy/ops.py"] = (ops[:ops.index("def relu(x):")] + FORGED_RELU.decode()).encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    accepted = upload(client, users["alice"], buffer.getvalue())
    assert accepted.status_code == 202, accepted.text
    with caplog.at_level(logging.INFO, logger="gradelab.worker"):
        assert grade_job(WorkerContext(database, settings), 1) == "done"
    mine = client.get(f"/api/v1/submissions/{accepted.json()['id']}", headers=auth(users["alice"])).json()
    checks = {check["id"]: check for check in mine["checks"]}
    assert {i: c["outcome"] for i, c in checks.items()} == {"affine": "passed", "affine_hidden": "passed",
                                                            "relu": "protocol", "scale": "passed"}
    assert mine["score"]["automatic"] == mine["score"]["automatic_max"] - checks["relu"]["max_score"]
    assert checks["relu"]["label"] == "protocol error" and "bad_request" in checks["relu"]["output"]
    assert "not your fault" not in checks["relu"]["output"]
    told = [r for r in caplog.records if r.name == "gradelab.worker" and getattr(r, "checks", None) == ["relu"]]
    assert told and told[0].levelno == logging.WARNING and told[0].submission_id == accepted.json()["id"]


def test_a_job_given_back_waits_before_a_local_worker_takes_it_again(backend, database, settings, toy):
    from datetime import timedelta

    from server.jobs import lease
    from server.models import utcnow
    from tests.server.factories import add_submission

    _, given_back = add_submission(database, toy_zip())
    held = lease.claim(database, given_back, "host:1:local0", 60)
    assert lease.give_back(database, held, "SandboxUnavailable: no engine", settings.job_max_attempts) == "queued"
    _, fresh = add_submission(database, toy_zip("wrong_relu"))
    delay = settings.job_retry_delay_s
    assert lease.queued_jobs(database, retry_delay_s=delay) == [fresh]   # a new job is taken at once
    later = utcnow() + timedelta(seconds=delay + 1)
    assert lease.queued_jobs(database, retry_delay_s=delay, now=later) == [given_back, fresh]
