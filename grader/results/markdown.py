"""The readable report as Markdown: the score, a table of checks, what went wrong and why,
and the free-text answers waiting for a person.

Student text is cleaned where results are made; here it is cleaned again (a results.json
from elsewhere) and each message goes in a fence longer than any run of backticks in it,
so nothing in it can close the fence and become Markdown."""

from __future__ import annotations

from grader.results.model import GradeResult
from grader.results.outcomes import outcome_word
from grader.results.text_table import metric_text
from grader.results.untrusted_text import clean, code_fence


def _cell(text: str) -> str:
    return clean(text).replace("|", "\\|").replace("\n", " ")


def _fenced(text: str) -> list[str]:
    text = clean(text)
    fence = code_fence(text)
    return [fence, text, fence]


def render_markdown(result: GradeResult) -> str:
    lines = [f"# GradeLab report: {result.assignment}", ""]
    if not result.gradable:
        return "\n".join(lines + ["**Not graded:**", "", *_fenced(result.reason or ""), ""])
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
        lines.append(f"| {_cell(test.name)} | {_cell(test.notebook)} | {points} | "
                     f"{outcome_word(test.outcome)} |")
    problems = [t for t in result.tests if not t.passed and not t.manual]
    if problems:
        lines += ["", "## What to fix", ""]
        for test in problems:
            lines += [f"### {_cell(test.name)} ({outcome_word(test.outcome)})", "",
                      *_fenced(test.message.strip()), ""]
            if test.student_output.strip():
                lines += ["What your code printed (last lines):", "",
                          *_fenced(test.student_output.strip()[-1500:]), ""]
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
                      clean(answer.answer) if answer.answer else "*(no answer found)*", ""]
    if result.notes:
        lines += ["", "## Notes", ""] + [f"- {clean(note)}" for note in result.notes]
    return "\n".join(lines).rstrip() + "\n"
