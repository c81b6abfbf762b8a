"""Collects each check's outcome and writes results.json at the end of the session.

Kept in the pytest config stash, fed from ``pytest_runtest_logreport`` and written in
``pytest_sessionfinish`` (the way junitxml writes its XML). It also emits one progress
event per check, as a JSON line on the file descriptor ``grade()`` handed over.

Results are where student text enters every report: each message, what the code printed,
the free-text answers and the notes are cleaned of control characters and capped here
(:mod:`grader.results.untrusted_text`), so no report has to trust results.json.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from grader.answers import extract_answers
from grader.plugin.rubric import Rubric, RubricItem
from grader.results import CheckResult, GradeResult, ManualAnswer
from grader.results.feedback import metric_bounds
from grader.results.model import EARNING_OUTCOMES
from grader.results.untrusted_text import clean
from grader.run_spec import RunSpec


class Reporter:
    def __init__(self, spec: RunSpec, rubric: Rubric):
        self.spec = spec
        self.rubric = rubric
        self.started = time.monotonic()
        self.results: dict[str, CheckResult] = {}
        self.planned: list[str] = []
        self.environment: dict[str, Any] = {}
        self.notes: list[str] = []
        self.fatal: str | None = None   # the run could not grade at all (our side)
        self._progress = os.fdopen(spec.progress_fd, "w", buffering=1) if spec.progress_fd is not None else None

    # --- progress --------------------------------------------------------------------
    def emit(self, event: str, **fields: Any) -> None:
        if self._progress is None:
            return
        try:
            self._progress.write(json.dumps({"event": event, **fields}) + "\n")
        except (OSError, ValueError):
            self._progress = None  # the reader went away; grading goes on

    def plan(self, item_ids: list[str]) -> None:
        self.planned = item_ids
        self.emit("plan", total=len(item_ids), items=item_ids)

    # --- recording -------------------------------------------------------------------
    def record(self, item: RubricItem, outcome: str, message: str, *, duration: float = 0.0,
               student_output: str = "", details: dict[str, Any] | None = None) -> None:
        if item.id in self.results:
            return  # first verdict wins (a teardown error after a verdict changes nothing)
        if outcome == "passed" and item.counts_with:
            outcome, message = self._withheld(item) or (outcome, message)
        passed = outcome == "passed"
        message = clean(message, self.spec.limits.text_max_chars)
        student_output = clean(student_output, self.spec.limits.text_max_chars, keep="tail")
        if details and details.get("metrics"):  # each figure with the threshold it had to meet
            details = {**details, "bounds": metric_bounds(
                details["metrics"], lambda key: item.setting(self.spec.profile, key))}
        result = CheckResult(
            id=item.id, name=item.name, score=item.points if outcome in EARNING_OUTCOMES else 0.0,
            max_score=item.points,
            outcome=outcome, message=message or ("Passed." if passed else ""), notebook=item.notebook,
            visibility=item.visibility, tags=list(item.tags), duration_s=duration,
            student_output=student_output, details=details or {},
        )
        self.results[item.id] = result
        self.emit("check", index=len(self.results), total=len(self.planned), id=item.id, name=item.name,
                  outcome=outcome, score=result.score, max_score=result.max_score,
                  duration_s=round(duration, 2))

    def _withheld(self, item: RubricItem) -> tuple[str, str] | None:
        """("withheld", why) when an item this one counts with did not pass (they run first)."""
        failing = [self.rubric[other] for other in item.counts_with
                   if self.results.get(other) is None or not self.results[other].passed]
        if not failing:
            return None
        names = "; ".join(f'"{other.name}"' for other in failing)
        return "withheld", (f"Your code reproduces the notebook's own case, but the same code fails {names}. "
                            "The notebook prints this case's expected numbers, so its points count only "
                            "together with the hidden cases: fix those and both count.")

    # --- pytest hooks (this object is registered as a plugin) ---------------------------
    def pytest_runtest_logreport(self, report) -> None:
        data = getattr(report, "gradelab", None)
        if data is None:
            return
        outcome, message, printed = data["verdict"]
        if data["fatal"]:
            self.fatal = message
        self.record(data["item"], outcome, message, duration=data["duration"],
                    student_output=printed, details=data["details"])

    def session_log(self, log: Any) -> None:
        """Take the environment and the restarts from the student session's log."""
        self.environment = {**log.ready, "sandbox": dict(log.containment)}
        if log.starts > 1:
            detail = ": " + "; ".join(log.crashes) if log.crashes else ""
            self.notes.append(clean(f"The sandbox was started {log.starts} times{detail}.",
                                    self.spec.limits.text_max_chars))
        self.notes.extend(clean(note, self.spec.limits.text_max_chars) for note in log.notes)

    # --- the end ---------------------------------------------------------------------
    def build(self) -> GradeResult:
        fatal = clean(self.fatal, self.spec.limits.text_max_chars) if self.fatal else None
        tests = []
        for item in self.rubric.automatic:
            result = self.results.get(item.id)
            if result is None:
                reason = fatal or "no check ran for this item (grader error; staff have been told)"
                result = CheckResult(id=item.id, name=item.name, score=0.0, max_score=item.points,
                                     outcome="grader_error", message=reason, notebook=item.notebook,
                                     visibility=item.visibility, tags=list(item.tags))
            tests.append(result)
        answers = self._manual_answers()
        for item, answer in zip(self.rubric.manual, answers, strict=True):
            shown = answer.answer if answer.answer is not None else self._missing_answer(item.notebook)
            tests.append(CheckResult(
                id=item.id, name=item.name, score=0.0, max_score=0.0, outcome="manual",
                message=f"Graded by a person ({item.points:g} points).\n\n{shown}", notebook=item.notebook,
                visibility=item.visibility, tags=[*item.tags, "manual"],
            ))
        run = {"tests": tests, "manual_answers": answers, "execution_time": time.monotonic() - self.started,
               "profile": self.spec.profile, "sandbox": self.spec.sandbox.name,
               "environment": self.environment, "notes": self.notes}
        if fatal is not None:  # the sandbox stopped starting, or this process met its cap: ours
            return GradeResult.infrastructure_failure(self.spec.assignment_id, fatal, **run)
        return GradeResult(assignment=self.spec.assignment_id, gradable=True, **run)

    def _missing_answer(self, notebook: str) -> str:
        if not (self.spec.submission_dir / f"{notebook}.ipynb").is_file():
            return f"(not submitted: this submission does not include {notebook}.ipynb)"
        return "(no answer found in the notebook)"

    def _manual_answers(self) -> list[ManualAnswer]:
        by_notebook: dict[str, list[RubricItem]] = {}
        for item in self.rubric.manual:
            by_notebook.setdefault(item.notebook, []).append(item)
        texts: dict[str, str | None] = {}
        for notebook, items in by_notebook.items():
            path = self.spec.submission_dir / f"{notebook}.ipynb"
            texts.update(extract_answers(path, [item.id for item in items]))
        cap = self.spec.limits.text_max_chars

        def answer(item: RubricItem) -> str | None:
            text = texts.get(item.id)
            return None if text is None else clean(text, cap)

        return [ManualAnswer(id=item.id, name=item.name, notebook=item.notebook, max_score=item.points,
                             answer=answer(item)) for item in self.rubric.manual]

    def finish(self) -> GradeResult:
        result = self.build()
        result.write_json(self.spec.results_path)
        self.emit("done", score=result.score, max_score=result.max_score)
        if self._progress is not None:
            self._progress.close()
        return result
