"""Whose failure a run that could not be graded is: the submission's own, or ours.

A run our side could not start (the sandbox, the data sets, the trusted session) is an
``infrastructure`` failure: the student reads a plain sentence, and what staff need (the
exception, the log's tail) travels in ``staff_detail`` only. A hostile notebook (a list
where an answer id belongs) is graded, not turned into a grader crash.
"""

from __future__ import annotations

import json
import shutil

import pytest

from gradelab.settings import Settings
from grader.answers import answers_in_cells
from grader.results import GradeResult
from grader.results.model import INFRASTRUCTURE_REASON
from tests.grader.conftest import TOY, outcomes


def assert_plain_for_students(result: GradeResult) -> None:
    """Our failure, said in one sentence with no path, traceback or log in it."""
    assert not result.gradable and result.failure == "infrastructure"
    assert result.reason == INFRASTRUCTURE_REASON
    for leak in ("/", "Traceback", "pytest", "\n"):
        assert leak not in result.reason
    assert result.staff_detail


def test_a_sandbox_that_cannot_start_is_our_failure(toy_submission, tmp_path):
    from grader.grade import grade

    missing = tmp_path / "no-such-engine" / "docker"
    settings = Settings(var_dir=tmp_path / "var", sandbox="docker", docker_binary=str(missing))
    result = grade(toy_submission, assignment=TOY, settings=settings)
    assert_plain_for_students(result)
    assert "SandboxUnavailable" in result.staff_detail and str(missing) in result.staff_detail


def test_missing_data_sets_are_our_failure(toy_submission, tmp_path):
    from grader.grade import grade

    master = tmp_path / "toy-with-data"
    shutil.copytree(TOY, master, ignore=shutil.ignore_patterns("__pycache__"))
    manifest = master / "assignment.toml"
    manifest.write_text(manifest.read_text() + "\n[grading]\nneeds_data = true\n")
    settings = Settings(var_dir=tmp_path / "var")
    result = grade(toy_submission, assignment=master, settings=settings, profile="full")
    assert_plain_for_students(result)
    assert "DataUnavailable" in result.staff_detail and "gradelab data fetch" in result.staff_detail


def test_a_session_ending_without_results_is_our_failure_and_its_log_is_for_staff(
        grade_toy, toy_submission, monkeypatch):
    from grader.sandbox.limits import Limits

    monkeypatch.setattr("grader.grade.SESSION_GRACE_S", 0.0)
    result = grade_toy(toy_submission, limits=Limits(run_timeout_s=0.01))
    assert_plain_for_students(result)
    assert "the grading session ran past 0s and was stopped" in result.staff_detail
    assert "pytest.log ends" in result.staff_detail


def test_an_upload_that_is_not_a_submission_is_the_submissions_failure(grade_toy, tmp_path):
    (tmp_path / "essay.docx").write_bytes(b"not a zip")
    result = grade_toy(tmp_path / "essay.docx")
    assert not result.gradable and result.failure == "submission"
    assert "neither a zip" in result.reason and not result.staff_detail


def test_failure_round_trips_and_old_results_still_read():
    ours = GradeResult.infrastructure_failure("toy", "pytest.log ends:\n/srv/secret/path")
    again = GradeResult.from_gradescope(json.loads(json.dumps(ours.to_strict_json())))
    assert (again.failure, again.reason, again.staff_detail) == ("infrastructure", INFRASTRUCTURE_REASON,
                                                                 "pytest.log ends:\n/srv/secret/path")
    theirs = GradeResult.from_gradescope(GradeResult.not_gradable("toy", "no code found").to_strict_json())
    assert theirs.failure == "submission" and theirs.staff_detail == ""
    old = {"gradable": False, "reason": "no code found", "tests": [], "extra_data": {"assignment": "toy"}}
    assert GradeResult.from_gradescope(old).failure is None
    assert GradeResult.from_gradescope({**old, "failure": "cosmic rays"}).failure is None
    with pytest.raises(ValueError, match="failure must be one of submission, infrastructure"):
        GradeResult(assignment="toy", gradable=False, failure="cosmic rays")


@pytest.mark.parametrize("metadata", [
    {"gradelab": {"answer": ["toy_q1"]}},          # a list where the id belongs
    {"gradelab": {"answer": {"id": "toy_q1"}}},    # a mapping
    {"gradelab": ["answer", "toy_q1"]},            # the gradelab key itself a list
    ["gradelab"],                                  # metadata a list
])
def test_hostile_answer_metadata_does_not_crash_answer_extraction(metadata):
    cells = [{"cell_type": "markdown", "metadata": metadata, "source": "Your Answer: Rayleigh scattering."}]
    assert answers_in_cells(cells, ["toy_q1"]) == {"toy_q1": "Your Answer: Rayleigh scattering."}


def test_a_notebook_with_a_list_answer_id_is_graded(grade_toy, toy_submission):
    path = toy_submission / "Toy.ipynb"
    notebook = json.loads(path.read_text())
    notebook["cells"][5]["metadata"] = {"gradelab": {"answer": ["toy_q1"]}}
    path.write_text(json.dumps(notebook))
    result = grade_toy(toy_submission)
    assert result.gradable, (result.reason, result.staff_detail)
    assert result.score == result.max_score == 5 and outcomes(result)["toy_q1"] == "manual"


def test_the_command_exits_3_and_prints_what_failed_on_our_side(toy_submission, tmp_path):
    import os
    import subprocess
    import sys

    from grader.cli import EXIT_OUR_FAILURE

    missing = tmp_path / "no-engine" / "podman"
    env = {**os.environ, "GRADELAB_VAR_DIR": str(tmp_path / "var"), "GRADELAB_DOCKER_BINARY": str(missing)}
    completed = subprocess.run([sys.executable, "-m", "gradelab", "grade", str(toy_submission), "--assignment",
                                str(TOY), "--sandbox", "docker", "--quiet", "--json", str(tmp_path / "r.json")],
                               env=env, capture_output=True, text=True, timeout=300)
    assert completed.returncode == EXIT_OUR_FAILURE, completed.stderr
    assert INFRASTRUCTURE_REASON in completed.stdout and str(missing) not in completed.stdout
    assert f"What failed: SandboxUnavailable: the container engine's client `{missing}`" in completed.stderr
    assert json.loads((tmp_path / "r.json").read_text())["failure"] == "infrastructure"
