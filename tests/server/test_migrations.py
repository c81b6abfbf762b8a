"""The Alembic migrations make exactly the models' schema, on SQLite and on PostgreSQL,
and go down and up again."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect, text

from server.core.db import make_engine
from server.core.migrate import downgrade, upgrade
from server.models import Base
from tests.server.conftest import make_settings
from tests.server.postgres import private_database


def differences(url: str) -> list:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return compare_metadata(MigrationContext.configure(connection), Base.metadata)
    finally:
        engine.dispose()


def tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def round_trip(settings) -> None:
    url = settings.resolved_database_url()
    upgrade(settings)
    assert differences(url) == []
    assert tables(url) == set(Base.metadata.tables)
    downgrade(settings, "base")
    assert tables(url) == set()
    upgrade(settings)
    assert differences(url) == []


def test_sqlite_migrations_match_the_models(tmp_path):
    settings = make_settings(tmp_path / "var")
    round_trip(settings)
    engine = make_engine(settings.resolved_database_url())
    with engine.connect() as connection:
        assert connection.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    engine.dispose()


@pytest.mark.needs_postgres
def test_postgres_migrations_match_the_models(tmp_path):
    with private_database() as url:
        round_trip(make_settings(tmp_path / "var", database_url=url))
