"""Engine and sessions for SQLite (the embedded default) and PostgreSQL.

SQLite runs in WAL mode so status reads never wait for a writer, with a busy timeout so
concurrent writers queue instead of failing. The schema comes from the Alembic migrations
(:mod:`server.core.migrate`); nothing here creates tables. A SQLite database file (and so
its WAL, which SQLite gives the same mode) is 0600, and the service's var/ 0700.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

from gradelab.settings import Settings
from server.core.private_files import private_directory, private_file

#: Seconds a SQLite writer waits for the lock before giving up.
SQLITE_BUSY_TIMEOUT_S = 30


def make_engine(url: str, *, pool_size: int = 20, pool_overflow: int = 40) -> Engine:
    """The default pool is larger than the 40 threads that run the API's database work."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            private_directory(Path(parsed.database).parent, tighten_existing=False)
            private_file(Path(parsed.database))
        engine = create_engine(
            url, connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT_S},
            pool_size=pool_size, max_overflow=pool_overflow,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=pool_size, max_overflow=pool_overflow)


def _sqlite_pragmas(connection, _record) -> None:
    cursor = connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")  # durable at each checkpoint; WAL keeps it consistent
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_S * 1000}")
    cursor.close()


class Database:
    """One engine and its session factory; created at start-up, disposed at shutdown."""

    def __init__(self, url: str, *, pool_size: int = 20, pool_overflow: int = 40):
        self.engine = make_engine(url, pool_size=pool_size, pool_overflow=pool_overflow)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> Database:
        private_directory(settings.var_dir)
        return cls(settings.resolved_database_url(), pool_size=settings.db_pool_size,
                   pool_overflow=settings.db_pool_overflow)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that commits when the block ends normally and rolls back otherwise."""
        with self.sessions() as session:
            try:
                yield session
                session.commit()
            except BaseException:
                session.rollback()
                raise

    def ping(self) -> None:
        with self.engine.connect() as connection:
            connection.execute(text("SELECT 1"))

    def dispose(self) -> None:
        self.engine.dispose()
