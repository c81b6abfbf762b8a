"""Places of the refused-upload limit taken by many threads at once, on SQLite and on
PostgreSQL: exactly ``limit`` of them get one (the count is taken under the user's row lock)."""

from __future__ import annotations

import concurrent.futures
import threading

import pytest

from server.core.db import Database
from server.core.migrate import upgrade
from server.crud.upload_attempts import take_place
from server.errors import TooManyRefusedUploads
from tests.server.conftest import make_settings
from tests.server.factories import add_user
from tests.server.postgres import private_database

LIMIT, CALLERS = 3, 16


@pytest.fixture(params=["sqlite", "postgresql"])
def database(request, tmp_path):
    if request.param == "sqlite":
        settings = make_settings(tmp_path / "var")
        upgrade(settings)
        database = Database(settings.resolved_database_url())
        yield database
        database.dispose()
        return
    with private_database() as url:
        upgrade(make_settings(tmp_path / "var", database_url=url))
        database = Database(url)
        yield database
        database.dispose()


def test_concurrent_callers_cannot_take_more_places_than_the_limit(database):
    from server.crud.users import get_user

    add_user(database, "alice")
    start = threading.Barrier(CALLERS)

    def take(_):
        with database.sessions() as session:
            user = get_user(session, "alice")
            session.commit()
            start.wait()
            try:
                return take_place(session, user, limit=LIMIT, window_s=600)
            except TooManyRefusedUploads as refused:
                assert 0 < refused.retry_after_s <= 601
                return None

    with concurrent.futures.ThreadPoolExecutor(CALLERS) as pool:
        places = list(pool.map(take, range(CALLERS)))
    assert sum(place is not None for place in places) == LIMIT
