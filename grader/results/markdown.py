"""The readable report as Markdown: the score, a table of checks, what went wrong and why,
and the free-text answers waiting for a person."""

from __future__ import annotations

from grader.results.model import GradeResult
from grader.results.outcomes import outcome_word
from grader.results.text_table import metric_text


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def render_markdown(result: GradeResult) -> str:
    lines = [f"# GradeLab report: {result.assignment}", ""]
    if not result.gradable:
        return "\n".join(lines + [f"**Not graded:** {result.reason}", ""])
    lines += [
        f"**Score: {result.score:g} / {result.max_score:g}**",
        "",
        f"Profile `{result.profile}`, sandbox `{result.sandbox}`, graded in {result.execution_time:.1f} s.",
        "",
        "| Check | Part | Points | Result |",
        "|---|---|---:|---|",
    ]
    for test in result.tests:
        points = "manual" if test.manual else f"{test.score:g} / {test.max_score:g}"
        lines.append(f"| {_cell(test.name)} | {test.notebook} | {points} | "
                     f"{outcome_word(test.outcome)} |")
    problems = [t for t in result.tests if not t.passed and not t.manual]
    if problems:
        lines += ["", "## What to fix", ""]
        for test in problems:
            lines += [f"### {test.name} ({outcome_word(test.outcome)})", "", "```",
                      test.message.strip(), "```", ""]
            if test.student_output.strip():
                lines += ["What your code printed (last lines):", "", "```",
                          test.student_output.strip()[-1500:], "```", ""]
    metrics = [(t, t.details.get("metrics", {})) for t in result.tests if t.details.get("metrics")]
    if metrics:
        lines += ["", "## Training checks", ""]
        for test, values in metrics:
            shown = ", ".join(f"{k} = {metric_text(v)}" for k, v in values.items())
            lines.append(f"- **{test.name}**: {shown}")
    if result.manual_answers:
        lines += ["", "## Answers for manual grading", ""]
        for answer in result.manual_answers:
            lines += [f"### {answer.name} ({answer.max_score:g} points)", "",
                      answer.answer if answer.answer else "*(no answer found)*", ""]
    if result.notes:
        lines += ["", "## Notes", ""] + [f"- {note}" for note in result.notes]
    return "\n".join(lines).rstrip() + "\n"
