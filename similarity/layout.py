"""What the engine needs to know of an assignment: where students write, which answers exist.

The engine itself knows no assignment; :func:`layout_of` reads this from the assignment's
own files (``assignment.toml`` and the rubric's manual items).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import PurePosixPath

from gradelab.manifest import Assignment
from grader.plugin.rubric import load_rubric


@dataclass(frozen=True)
class Layout:
    package: str                                  # "cs231n": the code students edit lives under it
    notebooks: tuple[str, ...]                    # file names at the assignment's root
    student_files: tuple[str, ...] = ()           # the package's files students edit
    provided: frozenset[str] = frozenset()        # course files students do not write
    #: notebook file name -> the ids of its free-text answers, in the notebook's order
    answers: dict[str, tuple[str, ...]] = field(default_factory=dict)

    def compares(self, path: str) -> bool:
        """Whether ``path`` (relative to the assignment's root) holds student work."""
        parts = PurePosixPath(path).parts
        if len(parts) == 1:
            return path in self.notebooks
        return (parts[0] == self.package and path.endswith(".py") and "__pycache__" not in parts
                and path not in self.provided)

    def describe(self) -> str:
        """The same text for the same layout in every process (a set's repr is not)."""
        return json.dumps({"package": self.package, "notebooks": list(self.notebooks),
                           "student_files": list(self.student_files), "provided": sorted(self.provided),
                           "answers": {name: list(ids) for name, ids in sorted(self.answers.items())}})

    def marks_root(self, path: str) -> bool:
        """Whether ``path`` is one of the files that tell this assignment's folder (its
        notebooks and the files students edit), not just any file of a same-named package."""
        return path in self.notebooks or path in self.student_files


def layout_of(assignment: Assignment) -> Layout:
    """The layout of ``assignment``; its answers come from the rubric's manual items."""
    answers: dict[str, list[str]] = {}
    rubric = assignment.grading_dir / "rubric.toml"
    if rubric.is_file():
        for item in load_rubric(rubric).manual:
            answers.setdefault(f"{item.notebook}.ipynb", []).append(item.id)
    return Layout(package=assignment.package, notebooks=assignment.notebooks,
                  student_files=assignment.student_files, provided=frozenset(assignment.provided_files),
                  answers={name: tuple(ids) for name, ids in answers.items()})
