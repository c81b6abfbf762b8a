"""Alembic environment. The URL comes from GradeLab's settings (``GRADELAB_DATABASE_URL``,
default SQLite under var/), or from ``config.attributes["url"]`` when
:mod:`server.core.migrate` runs the migrations for a given Settings object."""

from __future__ import annotations

from alembic import context

from server.core.db import make_engine
from server.models import Base

config = context.config
target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url")
    if url:
        return url
    from gradelab.settings import get_settings

    return get_settings().resolved_database_url()


def run_migrations_offline() -> None:
    context.configure(url=_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    try:
        with engine.connect() as connection:
            _run(connection)
    finally:
        engine.dispose()


def _run(connection) -> None:
    # Batch mode: SQLite cannot ALTER most things, so later migrations copy tables there.
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
