"""Grading the toy assignment end to end: scores, outcomes and messages."""

import json
import re

from tests.grader.conftest import outcomes


def test_the_reference_scores_every_automatic_point(grade_toy, toy_submission):
    result = grade_toy(toy_submission)
    assert result.gradable and result.score == result.max_score == 5
    assert outcomes(result) == {"affine": "passed", "affine_hidden": "passed", "relu": "passed",
                                "scale": "passed", "toy_q1": "manual"}
    assert result.manual_answers[0].answer == "Rayleigh scattering."


def test_stubs_report_not_implemented_without_crashing(grade_toy, toy_submission):
    source = (toy_submission / "toy" / "ops.py").read_text()
    stubbed = re.sub(r"### BEGIN SOLUTION.*?### END SOLUTION", "raise NotImplementedError", source, flags=re.S)
    (toy_submission / "toy" / "ops.py").write_text(stubbed)
    result = grade_toy(toy_submission)
    assert result.score == 1  # only the notebook's scale()
    assert outcomes(result)["relu"] == "not_implemented" and outcomes(result)["affine"] == "not_implemented"


def test_a_wrong_function_loses_its_checks_only_and_says_why(grade_toy, toy_submission):
    ops = toy_submission / "toy" / "ops.py"
    ops.write_text(ops.read_text().replace("np.maximum(x, 0)", "np.abs(x)"))
    result = grade_toy(toy_submission)
    assert outcomes(result) == {"affine": "passed", "affine_hidden": "passed", "relu": "wrong",
                                "scale": "passed", "toy_q1": "manual"}
    relu = next(t for t in result.tests if t.id == "relu")
    assert "out differs" in relu.message and "Hint: negative inputs map to 0" in relu.message
    assert relu.details["series"]["relu"]["values"][0] == 1.0  # the student's curve is kept for the plot


def test_missing_files_are_not_submitted(grade_toy, toy_submission):
    (toy_submission / "toy" / "ops.py").unlink()
    result = grade_toy(toy_submission)
    assert outcomes(result)["affine"] == "not_submitted"
    assert "toy/ops.py is not in the submission" in result.tests[0].message


def test_a_single_notebook_grades_its_own_checks(grade_toy, toy_submission):
    result = grade_toy(toy_submission / "Toy.ipynb")
    # All toy items belong to the Toy notebook; its .py file is absent, its own function loads.
    assert outcomes(result)["scale"] == "passed" and outcomes(result)["affine"] == "not_submitted"


def test_a_free_text_answer_of_a_missing_notebook_says_not_submitted(grade_toy, toy_submission):
    (toy_submission / "Toy.ipynb").unlink()
    result = grade_toy(toy_submission)
    question = next(t for t in result.tests if t.id == "toy_q1")
    assert result.manual_answers[0].answer is None
    assert "not submitted: this submission does not include Toy.ipynb" in question.message


def test_an_unreadable_notebook_says_so(grade_toy, toy_submission):
    (toy_submission / "Toy.ipynb").write_text(json.dumps({"cells": 5}))
    result = grade_toy(toy_submission)
    scale = next(t for t in result.tests if t.id == "scale")
    assert scale.outcome == "not_submitted" and "could not be read" in scale.message
    assert outcomes(result)["affine"] == "passed"


def test_not_a_submission_is_not_gradable(grade_toy, tmp_path):
    (tmp_path / "essay.docx").write_bytes(b"not a zip")
    result = grade_toy(tmp_path / "essay.docx")
    assert not result.gradable and "neither a zip" in result.reason


def test_hidden_inputs_depend_on_the_secret_and_the_code(grade_toy, toy_submission, tmp_path):
    from gradelab.settings import Settings
    from grader.hidden_seed import hidden_seed, secret_key

    key = secret_key(Settings(var_dir=tmp_path / "var"))
    assert key == secret_key(Settings(var_dir=tmp_path / "var"))  # kept, not regenerated
    assert hidden_seed(key, "toy", "abc") == hidden_seed(key, "toy", "abc")
    assert hidden_seed(key, "toy", "abc") != hidden_seed(key, "toy", "abd")
    assert hidden_seed(key, "toy", "abc") != hidden_seed(b"other", "toy", "abc")


def test_a_failing_progress_callback_does_not_stop_grading(grade_toy, toy_submission):
    seen = []

    def broken(event):
        seen.append(event["event"])
        raise RuntimeError("the display fell over")

    result = grade_toy(toy_submission, on_progress=broken)
    assert result.gradable and result.score == 5
    assert seen[0] == "plan" and seen[-1] == "done" and seen.count("check") == 4


def test_strict_json_turns_a_diverged_curve_into_nulls():
    import numpy as np

    from grader.results import CheckResult, GradeResult

    check = CheckResult(id="c", name="c", score=0, max_score=1, outcome="wrong",
                        details={"series": {"loss": {"values": [1.0, float("nan"), float("inf")]}},
                                 "metrics": {"acc": np.float64(0.5)}})
    data = GradeResult(assignment="toy", gradable=True, tests=[check]).to_strict_json()
    details = data["tests"][0]["extra_data"]["details"]
    assert details["series"]["loss"]["values"] == [1.0, None, None]
    assert details["metrics"]["acc"] == 0.5


def test_a_notebook_case_counts_only_with_its_hidden_cases(grade_toy, toy_submission):
    """Code that reproduces only the notebook's printed case (copied numbers, a special case)
    earns nothing for it: affine counts_with affine_hidden, which runs first."""
    ops = toy_submission / "toy" / "ops.py"
    ops.write_text(ops.read_text().replace("def affine(x, w, b):\n",
                                           "def affine(x, w, b):\n    if x.shape != (2, 3):\n        return x @ w\n", 1))
    events = []
    result = grade_toy(toy_submission, on_progress=events.append)
    assert outcomes(result)["affine_hidden"] == "wrong"
    affine = next(t for t in result.tests if t.id == "affine")
    assert affine.outcome == "withheld" and affine.score == 0
    assert "affine: hidden cases" in affine.message
    checked = [event["id"] for event in events if event.get("event") == "check"]
    assert checked.index("affine_hidden") < checked.index("affine")
    assert [event["outcome"] for event in events if event.get("id") == "affine"] == ["withheld"]
