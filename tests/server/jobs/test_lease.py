"""Leases: a job is claimed once, and only the holder of its current lease writes a result."""

from __future__ import annotations

import threading
from datetime import timedelta

from sqlalchemy import func, select

from server.jobs import lease
from server.jobs.reaper import Reaper
from server.models import Job, Result, Submission, utcnow
from tests.server.factories import add_submission, toy_zip


def job_row(database, job_id) -> Job:
    with database.session() as session:
        return session.get(Job, job_id)


def submission_status(database, submission_id) -> str:
    with database.session() as session:
        return session.get(Submission, submission_id).status


def results_of(database, submission_id) -> int:
    with database.session() as session:
        return session.scalar(select(func.count(Result.id)).where(Result.submission_id == submission_id))


def test_a_job_is_claimed_once(database, toy):
    submission_id, job_id = add_submission(database, toy_zip())
    first = lease.claim(database, job_id, "host:1:a", 60)
    assert first is not None and first.attempt == 1 and first.submission_id == submission_id
    assert lease.claim(database, job_id, "host:2:b", 60) is None
    assert job_row(database, job_id).status == "running" and submission_status(database, submission_id) == "running"


def test_concurrent_claims_have_one_winner(database, toy):
    _, job_id = add_submission(database, toy_zip())
    winners, barrier = [], threading.Barrier(8)

    def race(index):
        barrier.wait()
        if lease.claim(database, job_id, f"host:{index}:t", 60) is not None:
            winners.append(index)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(winners) == 1


def test_only_the_current_lease_holder_writes_the_result(database, settings, toy, toy_results):
    submission_id, job_id = add_submission(database, toy_zip())
    stale = lease.claim(database, job_id, "elsewhere:1:a", 1)
    # the worker stalls; its lease runs out and the reaper hands the job to another worker
    report = Reaper(database, settings, None).tick(now=utcnow() + timedelta(seconds=5))
    assert report.requeued == [job_id]
    assert not lease.renew(database, stale, 60)
    current = lease.claim(database, job_id, "elsewhere:2:b", 60)
    assert current is not None and current.attempt == 2
    assert not lease.complete(database, stale, toy_results["wrong_relu"], 1.0)   # too late: discarded
    assert lease.complete(database, current, toy_results["reference"], 1.0)
    assert not lease.complete(database, current, toy_results["reference"], 1.0)  # and only once
    assert results_of(database, submission_id) == 1
    with database.session() as session:
        assert session.scalar(select(Result.score).where(Result.submission_id == submission_id)) == 5.0
    assert submission_status(database, submission_id) == "done"


def test_progress_is_kept_with_the_lease(database, toy):
    _, job_id = add_submission(database, toy_zip())
    held = lease.claim(database, job_id, "host:1:a", 60)
    assert lease.renew(database, held, 60, progress={"done": 2, "total": 5, "checks": []})
    row = job_row(database, job_id)
    assert row.progress["done"] == 2 and row.lease_expires_at > utcnow() + timedelta(seconds=50)


def test_a_worker_error_requeues_until_the_attempts_are_spent(database, settings, toy):
    submission_id, job_id = add_submission(database, toy_zip())
    for attempt in range(1, 4):
        held = lease.claim(database, job_id, "host:1:a", 60)
        assert held.attempt == attempt
        status = lease.give_back(database, held, "OSError: disk full", max_attempts=3)
        assert status == ("failed" if attempt == 3 else "queued")
    row = job_row(database, job_id)
    assert row.status == "failed" and row.error == "OSError: disk full"
    assert submission_status(database, submission_id) == "failed"


def test_not_gradable_results_fail_the_submission_with_the_reason(database, toy):
    from grader.results import GradeResult

    submission_id, job_id = add_submission(database, toy_zip())
    held = lease.claim(database, job_id, "host:1:a", 60)
    assert lease.complete(database, held, GradeResult.not_gradable("toy", "nothing to grade"), 0.1)
    assert job_row(database, job_id).status == "done" and submission_status(database, submission_id) == "failed"
