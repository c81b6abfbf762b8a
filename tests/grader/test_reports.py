"""The readable reports render whatever results.json holds."""

from grader.results import CheckResult, GradeResult
from grader.results.html import render_html
from grader.results.markdown import render_markdown


def test_a_diverged_training_check_is_reported_not_crashed_on(tmp_path):
    # results.json is strict JSON: NaN metrics and curve points come back as None.
    diverged = CheckResult(id="overfit", name="overfit", score=0.0, max_score=2.0, outcome="wrong",
                           message="the final training loss is nan, needs at most 0.1.",
                           details={"metrics": {"final_loss": float("nan"), "epochs": 3.0},
                                    "series": {"training loss": {"x_label": "iteration",
                                                                 "values": [2.3, float("inf")]}}})
    GradeResult(assignment="a2", gradable=True, tests=[diverged]).write_json(tmp_path / "results.json")
    result = GradeResult.read_json(tmp_path / "results.json")
    assert result.tests[0].details["metrics"]["final_loss"] is None

    markdown = render_markdown(result)
    assert "final_loss = not finite, epochs = 3" in markdown
    html = render_html(result)
    assert "final_loss = not finite, epochs = 3" in html and "data:image/png;base64," in html


def test_a_message_that_holds_the_printed_heading_reads_back_whole(tmp_path):
    # Student text lands in the message; it must not decide where what it printed begins.
    heading = "\n\nWhat your code printed (last lines):\n"
    forged = CheckResult(id="relu", name="relu", score=0.0, max_score=1.0, outcome="exception",
                         message=f"ValueError: no{heading}all tests passed", student_output="real output\n")
    GradeResult(assignment="a2", gradable=True, tests=[forged]).write_json(tmp_path / "results.json")
    check = GradeResult.read_json(tmp_path / "results.json").tests[0]
    assert (check.message, check.student_output) == (forged.message, "real output")
