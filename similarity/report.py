"""The similarity report: one typed model from the engine to the CLI's files and the
instructor's pages (stored as JSON by the service).

::

    Report
    ├── entries[]    what was compared: submissions and archive entries, with their notes
    ├── skipped[]    what could not be compared, and why
    ├── code[]       Pair: two entries, their share in common, the matching units
    ├── answers[]    Pair: the same for the free-text answers (units are questions)
    └── sources      entry -> unit key -> lines, for the units that appear in a pair

Shares are fractions 0..1 of student-written tokens (words for answers).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

#: A unit of a pair is named as matching when this much of it (both sides) matches.
UNIT_THRESHOLD = 0.6

SUBMISSION, ARCHIVE = "submission", "archive"


@dataclass(frozen=True)
class UnitMatch:
    """A function (or cell, or answer) of entry a and the one of entry b it matches."""

    a: str                     # unit keys, "cs231n/layers.py::affine_forward"
    b: str
    a_label: str               # "cs231n/layers.py: affine_forward"
    b_label: str
    share: float               # of both units' student-written tokens, matched in the other
    share_a: float             # of a's student-written tokens in this unit
    share_b: float
    tokens: int                # matched tokens on a's side
    spans_a: list[list[int]] = field(default_factory=list)  # [line0, col0, line1, col1] in the unit's lines
    spans_b: list[list[int]] = field(default_factory=list)


@dataclass(frozen=True)
class Pair:
    a: str                     # entry names
    b: str
    b_kind: str                # "submission" or "archive" (a is always a submission)
    share: float               # of both entries' student-written tokens, matched in the other
    share_a: float
    share_b: float
    matches: list[UnitMatch] = field(default_factory=list)

    def flagged(self, threshold: float) -> bool:
        return self.share >= threshold

    def matching_units(self, threshold: float = UNIT_THRESHOLD) -> list[UnitMatch]:
        """The units named as copied: most of both sides match."""
        return [m for m in self.matches if m.share >= threshold]

    def matching_by_file(self, threshold: float = UNIT_THRESHOLD) -> list[tuple[str, list[str]]]:
        """The units named as copied, file by file: [("cs231n/layers.py", ["affine_forward",
        "relu_forward = relu_backward"]), ...], files in the order first named."""
        files: dict[str, list[str]] = {}
        for match in self.matching_units(threshold):
            path, _, name = match.a_label.partition(": ")
            other_path, _, other_name = match.b_label.partition(": ")
            shown = name if match.a == match.b else f"{name} = {other_name if other_path == path else match.b_label}"
            files.setdefault(path, []).append(shown)
        return list(files.items())


@dataclass(frozen=True)
class EntrySummary:
    name: str
    kind: str
    digest: str
    code_tokens: int           # student-written tokens compared
    answer_words: int
    notes: list[str] = field(default_factory=list)
    ref: str = ""              # the service's submission id


@dataclass(frozen=True)
class Skipped:
    name: str
    kind: str
    reason: str


@dataclass
class Report:
    assignment: str
    created_at: str
    threshold: float           # the default it was made with; pages may apply another
    floor: float               # pairs below this share are not kept
    entries: list[EntrySummary] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    code: list[Pair] = field(default_factory=list)
    answers: list[Pair] = field(default_factory=list)
    sources: dict[str, dict[str, list[str]]] = field(default_factory=dict)
    dropped: dict[str, int] = field(default_factory=dict)  # section -> pairs above the floor not kept
    parameters: dict[str, Any] = field(default_factory=dict)

    def flagged(self, section: str = "code", threshold: float | None = None) -> list[Pair]:
        limit = self.threshold if threshold is None else threshold
        return [pair for pair in getattr(self, section) if pair.flagged(limit)]

    def pair(self, a: str, b: str, section: str = "code") -> Pair | None:
        for pair in getattr(self, section):
            if {pair.a, pair.b} == {a, b}:
                return pair
        return None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Report:
        def pairs(rows: list[dict]) -> list[Pair]:
            return [Pair(**{**row, "matches": [UnitMatch(**m) for m in row.get("matches", [])]}) for row in rows]

        return cls(
            assignment=data["assignment"], created_at=data["created_at"], threshold=data["threshold"],
            floor=data["floor"],
            entries=[EntrySummary(**e) for e in data.get("entries", [])],
            skipped=[Skipped(**s) for s in data.get("skipped", [])],
            code=pairs(data.get("code", [])), answers=pairs(data.get("answers", [])),
            sources=data.get("sources", {}), dropped=data.get("dropped", {}),
            parameters=data.get("parameters", {}),
        )
