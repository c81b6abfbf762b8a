"""The results as a plain-text table for terminals (``gradelab grade``, ``gradelab submit``)."""

from __future__ import annotations

import shutil

from grader.results.model import GradeResult

OUTCOME_WORDS = {
    "passed": "passed", "wrong": "wrong", "not_implemented": "not implemented",
    "not_submitted": "not submitted", "load_error": "import failed", "exception": "raised",
    "timeout": "timed out", "memory": "out of memory", "output_limit": "too much output",
    "crashed": "crashed", "protocol": "protocol error", "run_timeout": "run time up",
    "grader_error": "grader error", "manual": "manual grade",
}


def metric_text(value: float | None) -> str:
    """A recorded metric for the reports; results.json stores NaN and infinities (a
    diverged training run) as null, which comes back as None."""
    return "not finite" if value is None else f"{value:.4g}"


def progress_line(event: dict) -> str:
    """One line per finished check: ``[ 3/42] passed        2/2  bn_forward_train``."""
    width = len(str(event.get("total", 0)))
    word = OUTCOME_WORDS.get(event.get("outcome", ""), event.get("outcome", ""))
    return (f"[{event.get('index', 0):>{width}}/{event.get('total', 0)}] {word:<16} "
            f"{event.get('score', 0):g}/{event.get('max_score', 0):g}  {event.get('name', '')} "
            f"({event.get('duration_s', 0):.1f}s)")


def render_table(result: GradeResult, *, width: int | None = None) -> str:
    if not result.gradable:
        return f"Not graded: {result.reason}\n"
    width = width or shutil.get_terminal_size((120, 20)).columns
    rows = [("Check", "Points", "Result", "Message")]
    for test in result.tests:
        points = "-" if test.manual else f"{test.score:g}/{test.max_score:g}"
        message = "" if test.passed else test.message.strip().splitlines()[0] if test.message.strip() else ""
        rows.append((test.name, points, OUTCOME_WORDS.get(test.outcome, test.outcome), message))
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    room = max(20, width - sum(widths) - 6)
    lines = []
    for index, row in enumerate(rows):
        message = row[3] if len(row[3]) <= room else row[3][: room - 1] + "…"
        lines.append(f"{row[0]:<{widths[0]}}  {row[1]:>{widths[1]}}  {row[2]:<{widths[2]}}  {message}".rstrip())
        if index == 0:
            lines.append("-" * min(width, sum(widths) + 6 + max(len(r[3]) for r in rows)))
    lines.append("")
    lines.append(result.summary())
    for note in result.notes:
        lines.append(f"Note: {note}")
    return "\n".join(lines) + "\n"
