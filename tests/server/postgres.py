"""A private PostgreSQL database per test session on the shared server (127.0.0.1:5432,
trust auth): created on first use, dropped at the end, so no one else's data is touched."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg

ADMIN_URL = "postgresql://postgres@127.0.0.1:5432/test"


@contextmanager
def private_database(prefix: str = "gradelab_test") -> Iterator[str]:
    """Yield the SQLAlchemy URL of a fresh database; drop it afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(ADMIN_URL, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
