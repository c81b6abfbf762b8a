"""A worker grades a job for real (the toy in the bwrap sandbox) and stores its result."""

from __future__ import annotations

from sqlalchemy import select

from server.jobs.runner import WorkerContext, run_job
from server.models import Job, Result, Submission, Upload
from tests.server.factories import add_submission, toy_files, toy_zip


def test_a_job_is_graded_and_its_progress_recorded(database, settings, toy):
    submission_id, job_id = add_submission(database, toy_zip("wrong_relu"))
    assert run_job(WorkerContext(database, settings), job_id) == "done"
    with database.session() as session:
        job, submission = session.get(Job, job_id), session.get(Submission, submission_id)
        result = session.scalar(select(Result).where(Result.job_id == job_id))
        assert submission.status == "done" and job.status == "done" and job.grading_s > 0
        assert (result.score, result.max_score) == (4.0, 5.0)
        assert job.progress["done"] == job.progress["total"] == 4  # the manual item is not a check
        assert [c["id"] for c in job.progress["checks"]][:2] == ["affine_hidden", "affine"]  # a notebook case runs after the hidden cases it counts with
        assert job.progress["checks"][0]["total"] == 4  # what `gradelab submit` prints: [1/4]
    assert run_job(WorkerContext(database, settings), job_id) == "skipped"  # done already
    assert not list((settings.var_dir / "tmp").glob("job-*"))  # the scratch copy is gone
    assert (settings.var_dir / "tmp").stat().st_mode & 0o777 == 0o700  # uploads wait there: ours alone


def test_a_lone_notebook_is_graded_under_its_own_name(database, settings, toy):
    submission_id, job_id = add_submission(database, toy_files()["Toy.ipynb"], filename="Toy.ipynb")
    run_job(WorkerContext(database, settings), job_id)
    with database.session() as session:
        result = session.scalar(select(Result).where(Result.job_id == job_id))
        outcomes = {t["extra_data"]["id"]: t["extra_data"]["outcome"] for t in result.data["tests"]}
    assert outcomes["scale"] == "passed" and outcomes["affine"] == "not_submitted"


def test_an_error_of_ours_puts_the_job_back_in_the_queue(database, settings, toy):
    submission_id, job_id = add_submission(database, toy_zip())
    with database.session() as session:
        session.delete(session.get(Upload, submission_id))  # the stored bytes are gone
    assert run_job(WorkerContext(database, settings), job_id) == "queued"
    with database.session() as session:
        job = session.get(Job, job_id)
        assert job.status == "queued" and job.attempts == 1 and "TypeError" in job.error


def test_a_failed_progress_write_is_skipped_and_the_next_one_recorded(database, settings, toy, monkeypatch):
    from server.jobs import lease
    from server.jobs.runner import progress_recorder

    _, job_id = add_submission(database, toy_zip())
    held = lease.claim(database, job_id, "host:1:a", 60)
    record = progress_recorder(WorkerContext(database, settings), held)
    renew = lease.renew

    def database_away(*args, **kwargs):
        raise ConnectionError("the database went away")

    monkeypatch.setattr(lease, "renew", database_away)
    record({"event": "plan", "total": 2})  # must not raise into the engine's progress reader
    monkeypatch.setattr(lease, "renew", renew)
    record({"event": "check", "index": 1, "total": 2, "id": "affine", "outcome": "passed"})
    with database.session() as session:
        progress = session.get(Job, job_id).progress
    assert (progress["done"], progress["total"], [c["id"] for c in progress["checks"]]) == (1, 2, ["affine"])
