"""On the host, the sandbox user can read nothing of the grader's: not the secret key, the
database, the solutions, or a run's work files, whatever their modes say to other users.
Work directories are the grader's alone (0700); the sandbox gets its trees by mounts."""

from __future__ import annotations

import os
import pwd
import shutil
import tempfile
from pathlib import Path

import pytest

from gradelab.settings import Settings
from grader.grade import grade
from grader.sandbox.host_access import ACL_XATTR, withhold
from grader.sandbox.limits import Limits
from grader.sandbox.sandbox_user import HOST_ACCOUNT
from tests.grader.conftest import TOY

pytestmark = [pytest.mark.xdist_group("sandbox"),
              pytest.mark.skipif(os.geteuid() != 0, reason="the dedicated sandbox user exists for a root grader")]


def readable_by(account: pwd.struct_passwd, path: Path) -> bool:
    """Whether ``account`` can open ``path`` for reading (tried in a child that becomes it)."""
    child = os.fork()
    if child == 0:
        try:
            os.setgroups([])
            os.setresgid(account.pw_gid, account.pw_gid, account.pw_gid)
            os.setresuid(account.pw_uid, account.pw_uid, account.pw_uid)
            with open(path, "rb") as handle:
                handle.read(1)
        except OSError:
            os._exit(1)
        os._exit(0)
    _, status = os.waitpid(child, 0)
    return os.waitstatus_to_exitcode(status) == 0


@pytest.fixture
def world_readable_dir():
    """A directory every user can enter (pytest's tmp_path is not: its parents are 0700),
    as a checkout usually is."""
    directory = Path(tempfile.mkdtemp(prefix="gradelab-host-access-"))
    directory.chmod(0o755)
    yield directory
    shutil.rmtree(directory)


def test_the_grader_s_secrets_and_a_run_s_files_are_out_of_the_sandbox_user_s_reach(world_readable_dir):
    tmp_path = world_readable_dir
    var = tmp_path / "var"
    var.mkdir(mode=0o755)
    database = var / "gradelab.db"
    database.write_text("SQLite format 3")
    database.chmod(0o644)   # as the service creates it
    # A checkout of the grader's: solutions/ holds the masters.
    master = tmp_path / "solutions" / "toy"
    shutil.copytree(TOY, master, copy_function=shutil.copyfile)
    for path in [tmp_path / "solutions", *(tmp_path / "solutions").rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    submission = tmp_path / "submission"
    shutil.copytree(TOY, submission, ignore=shutil.ignore_patterns("grading", "assignment.toml", "__pycache__"))

    seen: dict[str, object] = {}

    def during_the_run(event):
        work = next(var.glob("grade-*"), None)
        if work is None or seen:
            return
        seen["mode"] = work.stat().st_mode & 0o777
        user = pwd.getpwnam(HOST_ACCOUNT)   # made by the launcher before the run started
        assert user.pw_uid != 0
        seen["reads"] = {name: readable_by(user, path) for name, path in {
            "run.json": work / "run.json",
            "staged submission": work / "submission" / "toy" / "ops.py",
            "secret.key": var / "secret.key",
            "database": database,
            "rubric": master / "grading" / "test_toy.py",
            "reference": master / "toy" / "ops.py",
        }.items()}

    result = grade(submission, assignment="toy", settings=Settings(root=tmp_path, var_dir=var),
                   limits=Limits(check_timeout_s=60, run_timeout_s=300, memory_mb=1024, max_processes=64),
                   on_progress=during_the_run)
    assert result.score == result.max_score == 5, result.tests
    assert seen["mode"] == 0o700
    assert seen["reads"] == dict.fromkeys(seen["reads"], False)
    # Everyone else keeps what the modes give them: only the sandbox user is named.
    assert master.parent.stat().st_mode & 0o777 == 0o755 and var.stat().st_mode & 0o777 == 0o755
    # The entry is on solutions/ itself: a copy of one master is not withheld with it.
    assert ACL_XATTR in os.listxattr(master.parent) and ACL_XATTR not in os.listxattr(master)


def test_withholding_is_one_acl_entry_and_keeps_the_others(tmp_path):
    directory = tmp_path / "d"
    directory.mkdir(mode=0o750)
    directory.chmod(0o750)
    assert withhold(directory, 4242) and withhold(directory, 4242)   # idempotent
    entries = os.getxattr(directory, ACL_XATTR)
    assert len(entries) == 4 + 5 * 8   # owner, named user, group, mask, other
    assert directory.stat().st_mode & 0o777 == 0o750
