"""The embedded dispatcher: local threads grade queued jobs to completion, each once."""

from __future__ import annotations

import time

from sqlalchemy import func, select

from server.jobs.local_pool import LocalPool
from server.models import Result, Submission
from tests.server.factories import add_submission, toy_zip


def test_two_threads_grade_every_queued_job_once(database, settings, toy):
    ids = [add_submission(database, toy_zip(mutate), student=name)[0]
           for name, mutate in (("alice", None), ("bob", "wrong_relu"), ("carol", None))]
    pool = LocalPool(database, settings, size=2)
    pool.start()
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            with database.session() as session:
                statuses = dict(session.execute(select(Submission.id, Submission.status)).all())
            if all(statuses[i] == "done" for i in ids):
                break
            time.sleep(0.5)
        pool.check()
    finally:
        pool.stop()
    with database.session() as session:
        scores = dict(session.execute(select(Result.submission_id, Result.score)).all())
        assert session.scalar(select(func.count(Result.id))) == 3
    assert [scores[i] for i in ids] == [5.0, 4.0, 5.0]
