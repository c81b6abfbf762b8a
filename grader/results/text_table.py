"""The results as plain text for terminals (``gradelab grade``, ``gradelab submit``).

The same grouping as the pages (:mod:`grader.results.feedback`): per notebook its points,
what lost points with the first line of its message, one line per function still raising
NotImplementedError, how many checks passed, and the training checks' figures against
their thresholds; then the free-text answers and one set of totals.
"""

from __future__ import annotations

import shutil
from collections.abc import Mapping

from grader.results.feedback import build_feedback, figures
from grader.results.model import CheckResult, GradeResult
from grader.results.outcomes import outcome_word
from grader.results.untrusted_text import clean


def metric_text(value: float | None) -> str:
    """A recorded metric for the reports; results.json stores NaN and infinities (a
    diverged training run) as null, which comes back as None."""
    return "not finite" if value is None else f"{value:.4g}"


def progress_line(event: dict) -> str:
    """One line per finished check: ``[ 3/42] passed        2/2  bn_forward_train``."""
    width = len(str(event.get("total", 0)))
    word = outcome_word(event.get("outcome"))
    return clean(f"[{event.get('index', 0):>{width}}/{event.get('total', 0)}] {word:<16} "
                 f"{event.get('score', 0):g}/{event.get('max_score', 0):g}  {event.get('name', '')} "
                 f"({event.get('duration_s', 0):.1f}s)")


def _fit(text: str, room: int) -> str:
    text = " ".join(clean(text).splitlines()).replace("\t", " ")
    return text if len(text) <= room else text[: max(1, room - 1)] + "…"


def _points(check: CheckResult) -> str:
    return f"{check.score:g}/{check.max_score:g}"


def render_table(result: GradeResult, *, width: int | None = None,
                 manual_scores: Mapping[str, float | None] | None = None,
                 totals: list[str] | None = None) -> str:
    """``manual_scores``: points a person gave each free-text answer (None: not yet);
    ``totals``: the closing lines (the service's final score); by default the checks' total."""
    if not result.gradable:
        return f"Not graded: {clean(result.reason or '')}\n"
    width = width or shutil.get_terminal_size((100, 20)).columns
    lines: list[str] = []
    feedback = build_feedback(result)
    for notebook in feedback.notebooks:
        lines.append(f"{notebook.notebook or 'Checks'}: {notebook.score:g} / {notebook.max_score:g}")
        for check in notebook.problems:
            word = outcome_word(check.outcome)
            lines.append(_fit(f"  {_points(check):>7}  {word:<16} {check.name}", width))
            message = check.message.strip().splitlines()[0] if check.message.strip() else ""
            if message:
                lines.append("           " + _fit(message, width - 11))
        for todo in notebook.unimplemented:
            count = f" ({len(todo.checks)} checks)" if len(todo.checks) > 1 else ""
            lines.append(_fit(f"  {'-' + format(todo.points, 'g'):>7}  {'not implemented':<16} {todo.place}{count}",
                              width))
        if notebook.not_submitted:
            points = sum(check.max_score for check in notebook.not_submitted)
            lines.append(f"  {'-' + format(points, 'g'):>7}  {'not submitted':<16} "
                         f"{len(notebook.not_submitted)} checks")
        if notebook.passed:
            lines.append(f"  {'':>7}  passed {len(notebook.passed)} of {notebook.checks} checks")
        for check in notebook.training:
            lines.append(_fit(f"  {'':>7}  {check.name}:", width))
            lines += [_fit(f"  {'':>7}    {figure.text()}", width) for figure in figures(check)]
    if result.manual_answers:
        lines.append("Free-text answers (graded by a person):")
        for answer in result.manual_answers:
            given = (manual_scores or {}).get(answer.id)
            points = "not graded yet" if given is None else f"{given:g}"
            lines.append(_fit(f"  {points:>14} / {answer.max_score:g}  {answer.name}", width))
    lines.append("")
    if totals is None:
        totals = [f"Checks: {result.score:g} / {result.max_score:g}."]
        if result.manual_answers:
            waiting = sum(answer.max_score for answer in result.manual_answers)
            totals.append(f"Free-text answers: {len(result.manual_answers)} ({waiting:g} points) are graded "
                          "by a person later; they are not in this total.")
    lines += totals
    for note in result.notes:
        lines.append(f"Note: {note}")
    # Every line once more, whatever it holds: a terminal must never see an escape sequence
    # from a submission (cursor moves, the window title, OSC 52 writing the clipboard).
    return clean("\n".join(lines)) + "\n"
