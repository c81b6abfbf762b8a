"""What a student should read first: a result's checks grouped by notebook, for every report.

Per notebook: the points earned out of the points there, the checks that lost points and
ran (wrong, raised, timed out ...) with their messages, one line per function that still
raises NotImplementedError (however many checks it costs), and the checks that passed,
to be folded away. Training checks carry figures (``val_accuracy`` and its threshold).
The pages, the terminal table and the reports all read this one structure.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from grader.results.model import CheckResult, GradeResult
from grader.results.outcomes import outcome_label

#: Names of recorded metrics as a reader says them; others read as their id with spaces.
METRIC_NAMES = {"val_accuracy": "validation accuracy", "test_accuracy": "test accuracy",
                "train_accuracy": "training accuracy", "final_loss": "final training loss"}

#: The first line of a not-implemented message ends with this: what precedes it is the place.
_STILL_RAISES = " still raises NotImplementedError"


@dataclass(frozen=True)
class Figure:
    """One number a training check measured, with the bound it had to meet (if any)."""

    metric: str                 # val_accuracy
    value: float | None         # None: not finite (a diverged run)
    bound: float | None = None
    direction: str | None = None   # "min": at least the bound; "max": at most

    @property
    def label(self) -> str:
        return METRIC_NAMES.get(self.metric, self.metric.replace("_", " "))

    @property
    def is_accuracy(self) -> bool:
        return self.metric.endswith("accuracy")

    def number(self, value: float | None) -> str:
        if value is None:
            return "not finite"
        return f"{value * 100:.1f}%" if self.is_accuracy else f"{value:.4g}"

    @property
    def met(self) -> bool | None:
        if self.bound is None or self.direction is None:
            return None
        if self.value is None:
            return False
        return self.value >= self.bound if self.direction == "min" else self.value <= self.bound

    def text(self) -> str:
        """``validation accuracy 66.0% (needs at least 20.0%)``."""
        shown = f"{self.label} {self.number(self.value)}"
        if self.bound is not None and self.direction is not None:
            need = "at least" if self.direction == "min" else "at most"
            shown += f" (needs {need} {self.number(self.bound)})"
        return shown


def metric_bounds(metrics: Mapping[str, float], setting: Callable[[str], Any]) -> dict[str, dict[str, float]]:
    """The bound of each metric from the rubric's settings, by name: ``min_val_accuracy``
    bounds ``val_accuracy`` from below, ``max_final_loss`` bounds ``final_loss`` from above."""
    bounds = {}
    for metric in metrics:
        for direction in ("min", "max"):
            value = setting(f"{direction}_{metric}")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                bounds[metric] = {direction: float(value)}
    return bounds


def figures(check: CheckResult) -> list[Figure]:
    """The metrics a check recorded, each with its bound from ``details["bounds"]``."""
    metrics = check.details.get("metrics") or {}
    bounds = check.details.get("bounds") or {}
    shown = []
    for metric, value in metrics.items():
        bound = bounds.get(metric) or {}
        direction = "min" if "min" in bound else "max" if "max" in bound else None
        shown.append(Figure(metric, None if value is None else float(value),
                            None if direction is None else float(bound[direction]), direction))
    return shown


def plot_bounds(check: CheckResult) -> list[Figure]:
    """The bounds to draw on the check's curves: a loss bound belongs on a loss curve."""
    series = check.details.get("series") or {}
    if not any("loss" in name for name in series):
        return []
    return [f for f in figures(check) if f.bound is not None and f.metric.endswith("loss")]


def unimplemented_place(check: CheckResult) -> str | None:
    """``cs231n/layers.py, line 134, in batchnorm_forward`` for a not-implemented check."""
    if check.outcome != "not_implemented":
        return None
    first = check.message.strip().splitlines()[0] if check.message.strip() else ""
    return first.removesuffix(_STILL_RAISES) if first.endswith(_STILL_RAISES) else (first or check.name)


@dataclass
class Unimplemented:
    """One function still raising NotImplementedError, and the checks it costs."""

    place: str
    checks: list[CheckResult] = field(default_factory=list)

    @property
    def points(self) -> float:
        return round(sum(check.max_score - check.score for check in self.checks), 6)


@dataclass
class NotebookFeedback:
    notebook: str
    score: float = 0.0
    max_score: float = 0.0
    problems: list[CheckResult] = field(default_factory=list)        # ran and lost points
    unimplemented: list[Unimplemented] = field(default_factory=list)  # one per function
    not_submitted: list[CheckResult] = field(default_factory=list)
    passed: list[CheckResult] = field(default_factory=list)          # earned their points

    @property
    def checks(self) -> int:
        return len(self.problems) + sum(len(u.checks) for u in self.unimplemented) \
            + len(self.not_submitted) + len(self.passed)

    @property
    def training(self) -> list[CheckResult]:
        """Checks of this notebook that measured figures, in rubric order."""
        return [check for check in self.problems + self.passed if check.details.get("metrics")]


@dataclass
class Feedback:
    notebooks: list[NotebookFeedback]
    #: Where to start: the first thing that lost points, in rubric order (later parts of a
    #: notebook build on its earlier functions). None when nothing did.
    first_fix: CheckResult | Unimplemented | None = None


def build_feedback(result: GradeResult) -> Feedback:
    """Group the automatic checks of ``result`` by notebook, in rubric order."""
    notebooks: dict[str, NotebookFeedback] = {}
    first_fix: CheckResult | Unimplemented | None = None
    for check in result.tests:
        if check.manual:
            continue
        group = notebooks.setdefault(check.notebook, NotebookFeedback(check.notebook))
        group.score = round(group.score + check.score, 6)
        group.max_score = round(group.max_score + check.max_score, 6)
        tone = outcome_label(check.outcome).tone
        if check.score >= check.max_score and tone in ("pass", "kept", "neutral"):
            group.passed.append(check)
        elif check.outcome == "not_implemented":
            place = unimplemented_place(check) or check.name
            found = next((u for u in group.unimplemented if u.place == place), None)
            if found is None:
                found = Unimplemented(place)
                group.unimplemented.append(found)
            found.checks.append(check)
            first_fix = first_fix or found
        elif check.outcome == "not_submitted":
            group.not_submitted.append(check)
        else:
            group.problems.append(check)
            first_fix = first_fix or check
    return Feedback(list(notebooks.values()), first_fix)
