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


@pytest.fixture
def grade_toy(tmp_path):
    """Grade a toy submission with test-sized limits; returns the GradeResult."""
    from gradelab.settings import Settings
    from grader.grade import grade
    from grader.sandbox.limits import Limits

    settings = Settings(var_dir=tmp_path / "var")
    limits = Limits(check_timeout_s=20, run_timeout_s=300, memory_mb=1024, max_processes=64,
                    max_output_bytes=1 << 20)

    def run(submission, **kwargs):
        kwargs.setdefault("limits", limits)
        return grade(submission, assignment=TOY, settings=settings, **kwargs)

    return run


def outcomes(result):
    return {test.id: test.outcome for test in result.tests}
