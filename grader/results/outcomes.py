"""How each check outcome reads to a person: one table for every report, page and terminal.

An outcome this table does not know (a newer grader's, say) still reads sensibly: its id
with spaces, in the neutral tone. ``tone`` is what a page colours it by:

- ``pass``: the points were earned;
- ``kept``: the points are kept for now (``provisional``: the full profile decides);
- ``todo``: nothing to compare yet (not implemented, not submitted);
- ``fail``: the check ran and found a problem;
- ``ours``: our side failed; it is not counted against the student;
- ``person``: waits for a person (free-text answers).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class OutcomeLabel:
    word: str          # a short phrase for a table cell
    tone: str          # pass, kept, todo, fail, ours, person or neutral
    explain: str = ""  # one sentence for a reader who does not know the word


OUTCOME_LABELS: dict[str, OutcomeLabel] = {
    "passed": OutcomeLabel("passed", "pass"),
    "provisional": OutcomeLabel("provisional", "kept", "Points kept for now: the full profile decides this check."),
    "withheld": OutcomeLabel("withheld", "fail", "The notebook case matches, but the same function fails its hidden "
                                                 "cases, so the notebook case earns no points."),
    "wrong": OutcomeLabel("wrong", "fail", "Your result was compared with the expected one and differs."),
    "failed": OutcomeLabel("failed", "fail", "Details of this hidden case are shown after the due date."),
    "not_implemented": OutcomeLabel("not implemented", "todo", "The function still raises NotImplementedError."),
    "not_submitted": OutcomeLabel("not submitted", "todo", "This part was not in the upload."),
    "load_error": OutcomeLabel("import failed", "fail", "Your file could not be imported."),
    "exception": OutcomeLabel("raised an error", "fail", "Your code raised an exception."),
    "timeout": OutcomeLabel("timed out", "fail", "The check ran past its time limit."),
    "memory": OutcomeLabel("out of memory", "fail", "Your code used more memory than allowed."),
    "output_limit": OutcomeLabel("too much output", "fail", "Your code printed more than allowed."),
    "crashed": OutcomeLabel("crashed", "fail", "The process running your code died."),
    "protocol": OutcomeLabel("protocol error", "fail", "Your code wrote to the grader's channel."),
    "run_timeout": OutcomeLabel("run time up", "fail", "The whole run's time was spent before this check."),
    "grader_error": OutcomeLabel("grader error (ours)", "ours", "Our side failed on this check; staff have been told."),
    "infrastructure": OutcomeLabel("not graded (our failure)", "ours",
                                   "Grading failed on our side. It is retried, staff are told, and it does not count."),
    "manual": OutcomeLabel("graded by a person", "person"),
}


def outcome_label(outcome: str | None) -> OutcomeLabel:
    """The label of ``outcome``; an unknown one reads as its id, in the neutral tone."""
    if outcome in OUTCOME_LABELS:
        return OUTCOME_LABELS[outcome]
    return OutcomeLabel((outcome or "unknown").replace("_", " "), "neutral")


def outcome_word(outcome: str | None) -> str:
    return outcome_label(outcome).word
