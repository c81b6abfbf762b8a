import shutil
from pathlib import Path

import pytest

from grader.assignment import load_assignment

TOY = Path(__file__).resolve().parents[1] / "fixtures" / "toy"


@pytest.fixture
def toy():
    return load_assignment(TOY)


@pytest.fixture
def toy_submission(tmp_path):
    """A copy of the toy master's student-visible files: a correct submission."""
    destination = tmp_path / "submission"
    shutil.copytree(TOY, destination, ignore=shutil.ignore_patterns("grading", "assignment.toml", "__pycache__"))
    return destination


def toy_grader(var_dir: Path, *, check_timeout_s: float = 20, **settings):
    """A function grading a toy submission with test-sized limits (``settings``: overrides,
    such as the launcher); it returns the GradeResult."""
    from gradelab.settings import Settings
    from grader.grade import grade
    from grader.sandbox.limits import Limits

    configured = Settings(var_dir=var_dir, **settings)
    limits = Limits(check_timeout_s=check_timeout_s, run_timeout_s=300, memory_mb=1024, max_processes=64,
                    max_output_bytes=1 << 20)

    def run(submission, **kwargs):
        kwargs.setdefault("limits", limits)
        return grade(submission, assignment=TOY, settings=configured, **kwargs)

    return run


@pytest.fixture
def grade_toy(tmp_path):
    """Grade a toy submission with test-sized limits; returns the GradeResult."""
    return toy_grader(tmp_path / "var")


def outcomes(result):
    return {test.id: test.outcome for test in result.tests}
