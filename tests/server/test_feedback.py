"""What a viewer sees of a real toy result, before and after the due date (typed results)."""

from datetime import UTC, datetime, timedelta

import pytest

from server.feedback import result_for_viewer

NOW = datetime(2026, 5, 1, tzinfo=UTC)


@pytest.fixture
def broken(toy_results):
    return toy_results["wrong_relu"].to_strict_json()


def by_id(viewed):
    return {check.id: check for check in viewed.result.tests}


def test_before_the_due_date_a_student_sees_hidden_checks_as_points_only(broken):
    viewed = result_for_viewer(broken, role="student", due_at=NOW + timedelta(days=1), now=NOW)
    checks = by_id(viewed)
    hidden = checks["affine_hidden"]
    assert hidden.visibility == "after_due_date" and "affine_hidden" in viewed.concealed
    assert (hidden.outcome, hidden.score, hidden.max_score) == ("passed", 1.0, 1.0)
    assert hidden.message == "" and hidden.details == {} and hidden.student_output == ""
    relu = checks["relu"]  # a visible check: in full
    assert relu.outcome == "wrong" and "out differs" in relu.message and "relu" not in viewed.concealed
    assert relu.details["series"]["relu"]["values"]
    assert checks["toy_q1"].manual  # the free-text answer, apart from the checks
    assert [a.answer for a in viewed.result.manual_answers] == ["Rayleigh scattering."]


def test_a_hidden_case_of_an_unimplemented_function_says_so_and_nothing_more(toy_results):
    data = toy_results["stub_ops"].to_strict_json()
    hidden = by_id(result_for_viewer(data, role="ci", due_at=None, now=NOW))["affine_hidden"]
    assert (hidden.outcome, hidden.score) == ("not_implemented", 0.0)
    assert hidden.message == "toy/ops.py, line 2, in affine still raises NotImplementedError"
    assert "Traceback" not in hidden.message and hidden.details == {}


def test_a_hidden_case_that_failed_shows_failed_and_nothing_more(toy_results):
    data = toy_results["wrong_relu"].to_strict_json()
    for test in data["tests"]:  # the hidden case failing on a wrong result, as a wrong affine would
        if test["extra_data"]["id"] == "affine_hidden":
            test["score"], test["status"], test["extra_data"]["outcome"] = 0.0, "failed", "wrong"
            test["output"] = "On a hidden case (x (5, 4)): out differs"
    hidden = by_id(result_for_viewer(data, role="student", due_at=None, now=NOW))["affine_hidden"]
    assert (hidden.outcome, hidden.score, hidden.message) == ("failed", 0.0, "")


def test_after_the_due_date_and_for_instructors_hidden_checks_are_shown_in_full(broken):
    for role, due in (("student", NOW - timedelta(seconds=1)), ("instructor", NOW + timedelta(days=3))):
        viewed = result_for_viewer(broken, role=role, due_at=due, now=NOW)
        assert by_id(viewed)["affine_hidden"].message == "Passed." and not viewed.concealed


def test_students_never_see_what_failed_on_our_side(toy_results):
    """A grader_error check's trusted traceback and an infrastructure failure's log tail
    are for staff: students and CI read plain sentences; instructors read everything."""
    from dataclasses import replace

    from grader.results import GradeResult
    from grader.results.model import INFRASTRUCTURE_REASON

    trusted = 'Traceback (most recent call last):\n  File "/srv/gradelab/grader/plugin/hooks.py", line 9'
    tests = [replace(check, outcome="grader_error", message=f"Internal grader error:\n{trusted}")
             if check.id == "relu" else check for check in toy_results["reference"].tests]
    data = replace(toy_results["reference"], tests=tests).to_strict_json()
    ours = GradeResult.infrastructure_failure("toy", "pytest.log ends:\n/srv/gradelab/var/grade-x/pytest.log")
    for role in ("student", "ci"):
        relu = by_id(result_for_viewer(data, role=role, due_at=None, now=NOW))["relu"]
        assert relu.outcome == "grader_error" and "/srv" not in relu.message and "Traceback" not in relu.message
        failed = result_for_viewer(ours.to_strict_json(), role=role, due_at=None, now=NOW).result
        assert (failed.reason, failed.staff_detail) == (INFRASTRUCTURE_REASON, "")
    assert trusted in by_id(result_for_viewer(data, role="instructor", due_at=None, now=NOW))["relu"].message
    staff = result_for_viewer(ours.to_strict_json(), role="instructor", due_at=None, now=NOW).result
    assert "/srv/gradelab/var" in staff.staff_detail


def test_a_stored_result_from_before_failures_were_typed_hides_its_log_tail_too():
    from grader.results.model import INFRASTRUCTURE_REASON

    old = {"gradable": False, "tests": [], "extra_data": {"assignment": "toy"},
           "reason": "internal grader error: the grading session ended without results:\n/srv/gradelab/x.py"}
    assert result_for_viewer(old, role="student", due_at=None, now=NOW).result.reason == INFRASTRUCTURE_REASON
    assert "/srv/gradelab" in result_for_viewer(old, role="instructor", due_at=None, now=NOW).result.reason
