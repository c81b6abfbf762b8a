"""What a viewer sees of a real toy result, before and after the due date."""

from datetime import UTC, datetime, timedelta

import pytest

from server.feedback import checks_for_viewer, manual_items

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def broken(toy_results):
    return toy_results["wrong_relu"].to_strict_json()


def by_id(checks):
    return {check["id"]: check for check in checks}


def test_before_the_due_date_a_student_sees_hidden_checks_as_points_only(broken):
    checks = by_id(checks_for_viewer(broken, role="student", due_at=NOW + timedelta(days=1), now=NOW))
    hidden = checks["affine_hidden"]
    assert hidden["visibility"] == "after_due_date"
    assert (hidden["status"], hidden["score"], hidden["max_score"]) == ("passed", 1.0, 1.0)
    assert hidden["output"] is None and hidden["details"] is None and hidden["outcome"] == "passed"
    relu = checks["relu"]  # a visible check: in full
    assert relu["outcome"] == "wrong" and "out differs" in relu["output"]
    assert relu["details"]["series"]["relu"]["values"]
    assert "toy_q1" not in checks  # manual items are listed apart


def test_a_hidden_check_that_failed_shows_failed_and_nothing_more(toy_results):
    data = toy_results["stub_ops"].to_strict_json()
    hidden = by_id(checks_for_viewer(data, role="ci", due_at=None, now=NOW))["affine_hidden"]
    assert (hidden["status"], hidden["outcome"], hidden["score"], hidden["output"]) == ("failed", "failed", 0.0, None)


def test_after_the_due_date_and_for_instructors_hidden_checks_are_shown_in_full(broken):
    for role, due in (("student", NOW - timedelta(seconds=1)), ("instructor", NOW + timedelta(days=3))):
        hidden = by_id(checks_for_viewer(broken, role=role, due_at=due, now=NOW))["affine_hidden"]
        assert hidden["output"] == "Passed." and hidden["details"] == {}


def test_manual_items_carry_the_answer_and_their_points(broken):
    assert manual_items(broken) == [{"id": "toy_q1", "name": "Question 1", "notebook": "Toy", "max_score": 2.0,
                                     "answer": "Rayleigh scattering."}]
