"""First start: the masters under solutions/ are registered, and one that fails leaves nothing."""

from __future__ import annotations

import shutil

from server import releases
from server.bootstrap import register_assignments
from server.errors import InvalidInput
from server.models import Assignment
from tests.server.factories import TOY


def test_a_master_that_cannot_be_released_is_not_registered(database, settings, tmp_path, monkeypatch):
    settings.root = tmp_path
    shutil.copytree(TOY, tmp_path / "solutions" / "toy", ignore=shutil.ignore_patterns("__pycache__"))

    def refuse(master):
        raise InvalidInput(f"the master {master} cannot be released: an unclosed solution region")

    monkeypatch.setattr(releases, "zip_from_master", refuse)
    with database.session() as session:
        assert register_assignments(session, settings) == []
    with database.session() as session:
        assert session.get(Assignment, "toy") is None  # not half registered, without a release

    monkeypatch.undo()
    with database.session() as session:
        assert register_assignments(session, settings) == ["toy"]
        assert session.get(Assignment, "toy").release_sha256 is not None
