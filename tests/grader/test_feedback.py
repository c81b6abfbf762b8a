"""The feedback structure every report reads: grouping, what to fix first, figures."""

from __future__ import annotations

from grader.results import CheckResult, GradeResult, ManualAnswer
from grader.results.feedback import Figure, build_feedback, figures, metric_bounds, plot_bounds
from grader.results.outcomes import outcome_label
from grader.results.plots import series_alt, series_png
from grader.results.text_table import render_table

STUB = ("cs231n/layers.py, line 134, in batchnorm_forward still raises NotImplementedError\n\n"
        "Traceback (your code):\n  File ...\nNotImplementedError")


def check(id, outcome, score, max_score=2.0, notebook="BatchNormalization", message="", **details):
    return CheckResult(id=id, name=id.replace("_", " "), score=score, max_score=max_score, outcome=outcome,
                       message=message, notebook=notebook, details=details)


def result() -> GradeResult:
    return GradeResult(assignment="a2", gradable=True, tests=[
        check("bn_forward", "not_implemented", 0, message=STUB),
        check("bn_forward_hidden", "not_implemented", 0, message=STUB),
        check("bn_backward", "wrong", 0, message="On the notebook case: dx differs. Hint: the mean's path"),
        check("ln_forward", "passed", 2, message="Passed."),
        check("pt_part5", "provisional", 5, 5, notebook="PyTorch", metrics={"val_accuracy": 0.658,
              "test_accuracy": 0.566}, bounds={"val_accuracy": {"min": 0.2}}),
        check("cap_overfit", "passed", 3, 3, notebook="RNN", metrics={"final_loss": 0.0147},
              bounds={"final_loss": {"max": 0.1}},
              series={"training loss": {"x_label": "iteration", "values": [52.0, 3.0, 0.5, 0.0147]}}),
        check("q1", "manual", 0, 0),
    ], manual_answers=[ManualAnswer("q1", "Question 1", "BatchNormalization", 2.0, "Because.")])


def test_checks_group_by_notebook_with_one_line_per_unimplemented_function():
    feedback = build_feedback(result())
    assert [n.notebook for n in feedback.notebooks] == ["BatchNormalization", "PyTorch", "RNN"]
    bn = feedback.notebooks[0]
    assert (bn.score, bn.max_score) == (2, 8)
    assert [u.place for u in bn.unimplemented] == ["cs231n/layers.py, line 134, in batchnorm_forward"]
    assert bn.unimplemented[0].points == 4 and len(bn.unimplemented[0].checks) == 2
    assert [c.id for c in bn.problems] == ["bn_backward"] and [c.id for c in bn.passed] == ["ln_forward"]
    assert feedback.first_fix is bn.unimplemented[0]  # rubric order: the forward comes first
    assert [c.id for c in feedback.notebooks[1].passed] == ["pt_part5"]  # provisional keeps its points


def test_figures_read_against_their_thresholds():
    part5, overfit = result().tests[4], result().tests[5]
    assert [f.text() for f in figures(part5)] == ["validation accuracy 65.8% (needs at least 20.0%)",
                                                  "test accuracy 56.6%"]
    assert [f.text() for f in figures(overfit)] == ["final training loss 0.0147 (needs at most 0.1)"]
    assert [f.met for f in figures(overfit)] == [True]
    assert plot_bounds(part5) == [] and [f.metric for f in plot_bounds(overfit)] == ["final_loss"]
    assert metric_bounds({"val_accuracy": 0.5, "final_loss": 0.1},
                         {"min_val_accuracy": 0.7, "max_final_loss": 0.1, "min_x": True}.get) == {
        "val_accuracy": {"min": 0.7}, "final_loss": {"max": 0.1}}
    assert Figure("final_loss", None, 0.1, "max").met is False  # a diverged run


def test_curves_in_words_and_in_a_picture_with_the_threshold():
    overfit = result().tests[5]
    alt = series_alt(overfit.name, overfit.details["series"], plot_bounds(overfit))
    assert alt == ("Curves of cap overfit: training loss over 4 iteration, from 52 to 0.0147 (lowest 0.0147, "
                   "highest 52). The final training loss must be at most 0.1.")
    assert series_png(overfit.name, overfit.details["series"], plot_bounds(overfit)).startswith(b"\x89PNG")


def test_an_outcome_nobody_has_named_yet_still_reads():
    assert outcome_label("withheld").tone == "fail" and outcome_label("provisional").tone == "kept"
    assert outcome_label("infrastructure").tone == "ours"
    unknown = outcome_label("quarantined_by_staff")
    assert (unknown.word, unknown.tone) == ("quarantined by staff", "neutral")


def test_the_terminal_table_has_one_set_of_totals():
    table = render_table(result(), width=100)
    assert "BatchNormalization: 2 / 8" in table and "     -4  not implemented  cs231n/layers.py" in table
    assert "On the notebook case: dx differs. Hint: the mean's path" in table
    assert "validation accuracy 65.8% (needs at least 20.0%)" in table
    assert "not graded yet / 2  Question 1" in table
    assert table.count("Checks: 10 / 16.") == 1 and "Score" not in table  # no second, different total
