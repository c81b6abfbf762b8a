"""Grading Assignment 2 end to end in the smoke profile, in the bwrap sandbox.

The reference earns every automatic point; the untouched release earns none and every
check says "not implemented"; each mutant (one bug) loses exactly the checks it should
and no other; each legitimate variant loses nothing.
"""

import subprocess
import zipfile

import pytest

from gradelab.settings import Settings
from grader.grade import grade
from tests.grader.a2_submissions import MUTANTS, RELEASE, VARIANTS, reference_submission

pytestmark = pytest.mark.slow


def grade_a2(submission):
    return grade(submission, assignment="a2", profile="smoke", sandbox="bwrap", settings=Settings())


def lost(result):
    return {test.id for test in result.tests if not test.passed and not test.manual}


def test_the_reference_scores_every_automatic_point(tmp_path):
    result = grade_a2(reference_submission(tmp_path / "a2"))
    assert result.gradable, result.reason
    assert lost(result) == set(), [(t.id, t.message) for t in result.tests if not t.passed and not t.manual]
    assert result.score == result.max_score > 80
    answers = {answer.id: answer.answer for answer in result.manual_answers}
    assert set(answers) == {"bn_q1", "bn_q2", "bn_q3", "bn_q4", "dropout_q1", "dropout_q2", "rnn_q1",
                            "pytorch_part5_description"}
    assert all(answers.values())


def test_the_course_zip_layout_of_the_release_grades_to_zero(tmp_path):
    """The release, zipped by its own collect_submission script (the course's layout)."""
    work = tmp_path / "a2"
    subprocess.run(["cp", "-r", str(RELEASE), str(work)], check=True)
    subprocess.run(["python3", "collect_submission.py"], cwd=work, check=True, capture_output=True)
    archive = work / "a2_code_submission.zip"
    assert "BatchNormalization.ipynb" in zipfile.ZipFile(archive).namelist()
    result = grade_a2(archive)
    assert result.gradable and result.score == 0
    outcomes = {test.outcome for test in result.tests if not test.manual}
    assert outcomes == {"not_implemented"}, [(t.id, t.outcome, t.message) for t in result.tests
                                             if t.outcome != "not_implemented" and not t.manual]


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_a_mutant_loses_exactly_its_checks(mutant, tmp_path):
    result = grade_a2(mutant.apply(reference_submission(tmp_path / "a2")))
    assert result.gradable, result.reason
    assert lost(result) == set(mutant.loses), {t.id: t.message for t in result.tests if t.id in lost(result) ^ mutant.loses}
    for test in result.tests:
        if test.id in mutant.loses:
            assert test.message and test.outcome != "grader_error", (test.id, test.message)


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_a_legitimate_variant_loses_nothing(variant, tmp_path):
    result = grade_a2(variant.apply(reference_submission(tmp_path / "a2")))
    assert lost(result) == set(), {t.id: t.message for t in result.tests if t.id in lost(result)}


def test_a_notebook_written_against_the_course_starter_earns_the_pytorch_points(tmp_path):
    from tests.grader.a2_submissions import course_style_pytorch

    result = grade_a2(course_style_pytorch(reference_submission(tmp_path / "a2")))
    pytorch = {test.id: (test.outcome, test.message) for test in result.tests
               if test.notebook == "PyTorch" and not test.manual}
    assert all(outcome == "passed" for outcome, _ in pytorch.values()), pytorch
