"""Accepting submissions concurrently: the cap and the Idempotency-Key hold under races."""

from __future__ import annotations

import hashlib
import threading

import pytest
from sqlalchemy import func, select

from server.core.db import Database
from server.core.migrate import upgrade
from server.crud.submissions import create_submission
from server.crud.users import create_user, get_user
from server.errors import Conflict, TooManySubmissions
from server.models import Assignment, Submission
from tests.server.factories import register_toy, toy_zip
from tests.server.postgres import private_database


def race(database, count, *, key=None):
    """``count`` threads accept the same upload for alice at once; returns what each got."""
    data = toy_zip()
    outcomes, barrier = [], threading.Barrier(count)

    def accept():
        barrier.wait()
        try:
            with database.session() as session:
                alice = get_user(session, "alice")
                accepted = create_submission(session, assignment=session.get(Assignment, "toy"), student=alice,
                                             submitter=alice, filename="toy.zip", data=data,
                                             sha256=hashlib.sha256(data).hexdigest(), idempotency_key=key)
                outcomes.append(("replayed" if accepted.replayed else "new", accepted.submission.id))
        except (TooManySubmissions, Conflict) as exc:
            outcomes.append((type(exc).__name__, None))

    threads = [threading.Thread(target=accept) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def stored(database) -> int:
    with database.session() as session:
        return session.scalar(select(func.count(Submission.id)))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.needs_postgres)])
def any_database(request, settings):
    """The test's SQLite database, or a private PostgreSQL one: the row lock must hold on both."""
    if request.param == "sqlite":
        yield request.getfixturevalue("database")
        return
    with private_database() as url:
        settings.database_url = url
        upgrade(settings)
        database = Database(url)
        yield database
        database.dispose()


def test_concurrent_uploads_never_pass_the_daily_cap(any_database, settings):
    database = any_database
    register_toy(database, settings, daily_cap=3)
    with database.session() as session:
        create_user(session, "alice", "student")
    outcomes = race(database, 8)
    assert sorted(kind for kind, _ in outcomes) == ["TooManySubmissions"] * 5 + ["new"] * 3
    assert stored(database) == 3


def test_concurrent_retries_with_one_idempotency_key_make_one_submission(any_database, settings):
    database = any_database
    register_toy(database, settings)
    with database.session() as session:
        create_user(session, "alice", "student")
    outcomes = race(database, 6, key="retry-1")
    assert [kind for kind, _ in outcomes].count("new") == 1
    assert len({submission_id for _, submission_id in outcomes}) == 1
    assert stored(database) == 1
