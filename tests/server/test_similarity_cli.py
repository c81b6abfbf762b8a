"""`gradelab similarity a2` without paths: each student's counted submission, read from the
service's database, against the archive folder the service uses."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from gradelab.cli import main
from gradelab.settings import get_settings
from tests.server.factories import register_a2_class


@pytest.fixture
def service_env(monkeypatch, settings):
    """The command reads its settings from the environment, as it would on the server."""
    monkeypatch.setenv("GRADELAB_VAR_DIR", str(settings.var_dir))
    monkeypatch.setenv("GRADELAB_SIMILARITY_WORKERS", "1")
    get_settings.cache_clear()
    yield settings
    get_settings.cache_clear()


def test_the_command_compares_the_services_submissions(service_env, database, tmp_path):
    register_a2_class(database, service_env, tmp_path)
    result = CliRunner().invoke(main, ["similarity", "a2", "--csv", str(tmp_path / "pairs.csv")],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    assert "Compared 4 entries (1 from the archive); 0 skipped." in result.output
    assert "alice ~ bob: 100%" in result.output and "carol ~ archive/leaked-solutions (archive): 100%" in result.output
    # The fingerprints were kept: a second report reads nothing again and says the same.
    again = CliRunner().invoke(main, ["similarity", "a2"], catch_exceptions=False)
    assert again.output.splitlines()[:6] == result.output.splitlines()[:6]
    assert len(list(service_env.similarity_cache_dir.rglob("*.npz"))) == 4


def test_the_command_says_when_the_service_has_nothing(service_env, database):
    result = CliRunner().invoke(main, ["similarity", "toy"], catch_exceptions=False)
    assert result.exit_code == 1
    assert "the service has no assignment 'toy'" in result.output
