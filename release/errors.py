"""What can go wrong while releasing an assignment, and where.

Every error names the place in the master it comes from (file, notebook cell, line) and
says what to change::

    ReleaseError                   base class: `gradelab release` prints it and exits 1
     ├── AssignmentConfigError     assignment.toml is missing, malformed or names absent files
     ├── MarkerError               a solution region is nested, unclosed, unmatched or misplaced
     ├── InvalidNotebook           a notebook cannot be read, or would be written invalid
     ├── InvalidCode               released code would not parse
     ├── AnswerCellError           an answer cell is not markdown, or its id is used twice
     └── SolutionLeak              solution material would reach students
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from release.leaks import Leak


@dataclass(frozen=True)
class Where:
    """A place in the master: a file, or one cell of a notebook (``cell`` counts from 0)."""

    path: str
    cell: int | None = None

    def __str__(self) -> str:
        return self.path if self.cell is None else f"{self.path} cells[{self.cell}]"

    def line(self, number: int) -> str:
        """This place at a 1-based line (of the file, or of the cell's source)."""
        return f"{self}, line {number}"


class ReleaseError(Exception):
    """Base class: the release was not written."""


class AssignmentConfigError(ReleaseError):
    pass


class MarkerError(ReleaseError):
    pass


class InvalidNotebook(ReleaseError):
    pass


class InvalidCode(ReleaseError):
    pass


class AnswerCellError(ReleaseError):
    pass


class SolutionLeak(ReleaseError):
    """Solution material found in what students would get; ``leaks`` lists each finding."""

    def __init__(self, leaks: Sequence[Leak]):
        self.leaks = list(leaks)
        lines = "\n".join(f"  {leak}" for leak in self.leaks)
        super().__init__(
            f"solution material would reach students ({len(self.leaks)} finding(s)):\n{lines}\n"
            "Check the solution markers around that code and [release].exclude in assignment.toml."
        )
