"""The sandbox is a normal home for Python: code that asks who it is and writes its caches
(as torch, matplotlib and many libraries do on import) is graded like any other.

On a GPU machine, ``getpass.getuser()`` inside torch raised ``KeyError: 'getpwuid(): uid not
found: 65534'`` (no user database in the sandbox, USER unset), and the reference lost 12
points on the smoke profile. Here a toy submission does what such a stack does, in both
launchers, and must keep every point.
"""

import shutil
import textwrap

import pytest

from gradelab.settings import Settings
from grader.grade import grade
from grader.sandbox.limits import Limits
from tests.grader.conftest import TOY
from tests.sandbox import engines

pytestmark = pytest.mark.xdist_group("sandbox")
container_settings = engines.container_settings   # fixtures: every test runs in each launcher
launcher_settings = engines.launcher_settings

#: Runs when ops.py is imported, as a library's import-time set-up would.
LIBRARY_LIKE_PRELUDE = '''
import getpass, os, pwd, tempfile
USER = getpass.getuser()                              # torch._inductor, matplotlib, ...
ENTRY = pwd.getpwuid(os.getuid())
HOME = os.path.expanduser("~")
for variable in ("XDG_CACHE_HOME", "TORCH_HOME", "MPLCONFIGDIR"):
    os.makedirs(os.environ[variable], exist_ok=True)
    with open(os.path.join(os.environ[variable], "probe"), "w") as handle:
        handle.write(USER)
os.makedirs(os.path.join(HOME, ".cache", "x"), exist_ok=True)
with open(os.path.join(HOME, ".cache", "x", "index"), "w") as handle:
    handle.write("cached")
with tempfile.NamedTemporaryFile(dir=tempfile.gettempdir()) as handle:
    handle.write(b"scratch")
import matplotlib.pyplot  # noqa: E402 - writes its font cache under MPLCONFIGDIR
'''


def test_a_submission_that_asks_who_it_is_and_writes_caches_keeps_every_point(tmp_path, launcher_settings):
    submission = tmp_path / "submission"
    shutil.copytree(TOY, submission, ignore=shutil.ignore_patterns("grading", "assignment.toml", "__pycache__"))
    ops = submission / "toy" / "ops.py"
    ops.write_text(textwrap.dedent(LIBRARY_LIKE_PRELUDE) + ops.read_text().replace(
        "    return np.maximum(x, 0)",
        "    assert (USER, ENTRY.pw_name, HOME) == ('sandbox', 'sandbox', '/home/sandbox'), (USER, HOME)\n"
        "    return np.maximum(x, 0)"))
    settings = Settings(var_dir=tmp_path / "var", **launcher_settings)
    result = grade(submission, assignment=TOY, settings=settings,
                   limits=Limits(check_timeout_s=60, run_timeout_s=300, memory_mb=1024, max_processes=64))
    assert result.gradable, result.reason
    assert result.score == result.max_score == 5, [(t.id, t.outcome, t.message) for t in result.tests]
    assert result.environment["sandbox"]["launcher"] == launcher_settings["sandbox"]
