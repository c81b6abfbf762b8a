"""Run the Alembic migrations from Python: ``gradelab serve`` and ``gradelab admin`` bring
the schema to the newest revision before they touch the database."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from gradelab.settings import Settings

MIGRATIONS_DIR = Path(__file__).resolve().parent.parent / "migrations"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    config.attributes["url"] = url
    return config


def upgrade(settings: Settings, revision: str = "head") -> None:
    command.upgrade(alembic_config(settings.resolved_database_url()), revision)


def downgrade(settings: Settings, revision: str) -> None:
    command.downgrade(alembic_config(settings.resolved_database_url()), revision)
