"""`gradelab similarity a2` without paths: each student's counted submission, read from the
service's database, against the archive folder the service uses."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradelab.cli import main
from gradelab.settings import get_settings
from server.crud.assignments import upsert_assignment
from server.schemas.assignments import AssignmentUpsert
from tests.server.factories import add_submission
from tests.similarity.builders import (
    DISGUISED_LAYERS,
    LAYERS,
    LOOPS_LAYERS,
    MASTER,
    REFERENCE_LAYERS,
    submission,
    zip_bytes,
)


@pytest.fixture
def service_env(monkeypatch, settings):
    """The command reads its settings from the environment, as it would on the server."""
    monkeypatch.setenv("GRADELAB_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("GRADELAB_SIMILARITY_WORKERS", "1")
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_the_command_compares_the_services_submissions(service_env, database, tmp_path):
    settings = service_env
    with database.session() as session:
        upsert_assignment(session, settings, "a2", AssignmentUpsert(master=str(MASTER)))
    for student, layers in (("alice", REFERENCE_LAYERS), ("bob", DISGUISED_LAYERS), ("carol", LOOPS_LAYERS)):
        add_submission(database, zip_bytes(submission(tmp_path / student, {LAYERS: layers})), student=student,
                       filename=f"{student}.zip", assignment="a2")
    submission(settings.similarity_archive_dir / "a2" / "public" / "assignment2", {LAYERS: LOOPS_LAYERS})

    result = CliRunner().invoke(main, ["similarity", "a2", "--csv", str(tmp_path / "pairs.csv")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Compared 4 entries (1 from the archive); 0 skipped." in result.output
    assert "alice ~ bob: 100%" in result.output and "carol ~ archive/public (archive): 100%" in result.output
    # The fingerprints were kept: a second report reads nothing again and says the same.
    again = CliRunner().invoke(main, ["similarity", "a2"], catch_exceptions=False)
    assert again.output.splitlines()[:6] == result.output.splitlines()[:6]
    assert len(list(settings.similarity_cache_dir.rglob("*.npz"))) == 4


def test_the_command_says_when_the_service_has_nothing(service_env, database):
    result = CliRunner().invoke(main, ["similarity", "toy"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "the service has no assignment 'toy'" in result.output
