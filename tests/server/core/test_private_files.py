"""The service's state is its own: the SQLite database 0600 (its WAL too), var/ and its
work directories 0700, whatever the umask (gradelab.db came out 0644, var/ 0755)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from server.core.db import Database
from tests.server.conftest import make_settings
from tests.server.factories import toy_zip, upload


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(params=[0o022, 0o002, 0o000], ids=lambda umask: f"umask {umask:03o}")
def umask(request):
    before = os.umask(request.param)
    yield request.param
    os.umask(before)


def test_a_new_database_and_its_directory_are_private(tmp_path, umask):
    settings = make_settings(tmp_path / "srv" / "var")
    database = Database.from_settings(settings)
    try:
        with database.session() as session:
            session.execute(text("CREATE TABLE t (x INTEGER)"))
            session.execute(text("INSERT INTO t VALUES (1)"))
        var = settings.var_dir
        assert mode(var) == 0o700 and mode(var.parent) == 0o700  # both created here
        assert mode(var / "gradelab.db") == 0o600
        assert mode(var / "gradelab.db-wal") == 0o600  # SQLite gives its WAL the database's mode
    finally:
        database.dispose()


def test_an_existing_var_and_database_are_made_private(tmp_path, umask):
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    var.chmod(0o755)
    (var / "gradelab.db").touch()
    (var / "gradelab.db").chmod(0o644)
    Database.from_settings(make_settings(var)).dispose()
    assert mode(var) == 0o700 and mode(var / "gradelab.db") == 0o600


def test_a_database_elsewhere_leaves_its_existing_directory_alone(tmp_path, umask):
    """Only what the service creates (and its var/) is tightened: an administrator's directory is theirs."""
    shared = tmp_path / "shared"
    shared.mkdir()
    shared.chmod(0o755)
    Database(f"sqlite:///{shared / 'grades.db'}").dispose()
    assert mode(shared) == 0o755 and mode(shared / "grades.db") == 0o600


def test_upload_scratch_directories_are_private(client, users, settings, umask):
    (settings.var_dir / "tmp").mkdir(mode=0o755)  # as an older worker left it
    (settings.var_dir / "tmp").chmod(0o755)
    assert upload(client, users["alice"], toy_zip()).status_code == 202
    assert mode(settings.var_dir) == 0o700 and mode(settings.var_dir / "tmp") == 0o700



def test_a_var_of_another_user_is_reported_not_fatal(tmp_path, monkeypatch, caplog):
    """A service that does not own its var/ cannot chmod it (EPERM): it says so and serves."""
    from server.core.private_files import private_directory

    var = tmp_path / "var"
    var.mkdir()

    def refuse(self, mode):
        raise PermissionError(1, "Operation not permitted", str(self))

    monkeypatch.setattr(Path, "chmod", refuse)
    assert private_directory(var) == var
    assert "belongs to another user" in caplog.text


def test_opening_the_database_again_keeps_the_service_s_commits(tmp_path):
    # Closing any descriptor of a SQLite file drops every POSIX lock the process holds on it.
    # A second engine in the service's process (the pages and a worker, say) once opened the
    # existing file to set its mode: a child process (a similarity report) then took itself for
    # the last connection, checkpointed and deleted the WAL on exit, and the service's later
    # commits went to the deleted file, out of every other process's sight.
    settings = make_settings(tmp_path / "var")
    path = str(settings.var_dir / "gradelab.db")
    count = ("import sqlite3, sys; c = sqlite3.connect(sys.argv[1]); "
             "print(c.execute('SELECT count(*) FROM t').fetchone()[0]); c.close()")
    first = Database.from_settings(settings)
    try:
        with first.engine.connect() as held:  # a pooled connection stays open, as in a server
            held.execute(text("CREATE TABLE t (x INTEGER)"))
            held.commit()
            Database.from_settings(settings).dispose()
            assert subprocess.run([sys.executable, "-c", count, path], capture_output=True, text=True,
                                  check=True).stdout.strip() == "0"  # another process comes and goes
            held.execute(text("INSERT INTO t VALUES (7)"))
            held.commit()
            seen = subprocess.run([sys.executable, "-c", count, path], capture_output=True, text=True, check=True)
            assert seen.stdout.strip() == "1"
    finally:
        first.dispose()
