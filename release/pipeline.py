"""The release steps in order, and how one master file goes through them.

Adding a step is adding a line to :func:`release_steps` (and a module to
``release/preprocessors/``).
"""

from __future__ import annotations

from collections.abc import Sequence

from gradelab.manifest import Assignment
from release.errors import InvalidCode, Where
from release.notebooks import read_notebook, write_notebook
from release.preprocessors import (
    CheckSyntax,
    ClearAnswers,
    ClearOutputs,
    ClearSolutions,
    DropHidden,
    ExcludePaths,
    NormalizeMetadata,
    Preprocessor,
    StableCellIds,
)


def release_steps(assignment: Assignment) -> list[Preprocessor]:
    return [
        # Selection first: the rubric, caches and data sets are never even read.
        DropHidden(),
        ExcludePaths(assignment.exclude),
        ClearSolutions(),
        ClearAnswers(),
        ClearOutputs(),
        # After ClearAnswers, which finds answer cells by their metadata; the gradelab key
        # survives this step anyway, since the grader needs the ids too.
        NormalizeMetadata(),
        StableCellIds(),
        # Last: it checks the code exactly as students will get it.
        CheckSyntax(),
    ]


class Pipeline:
    """Runs master files through ``steps``: notebooks and ``.py`` files are transformed,
    any other file is copied byte for byte."""

    def __init__(self, steps: Sequence[Preprocessor]):
        self.steps = list(steps)

    def keep(self, path: str) -> bool:
        """Whether the master file at ``path`` (relative, with ``/``) ships at all."""
        return all(step.keep(path) for step in self.steps)

    def transform(self, path: str, data: bytes) -> bytes:
        """The released bytes of the master file ``path`` holding ``data``."""
        where = Where(path)
        if path.endswith(".ipynb"):
            nb = read_notebook(data, path)
            for step in self.steps:
                nb = step.preprocess_notebook(nb, where)
            return write_notebook(nb, path)
        if path.endswith(".py"):
            try:
                source = data.decode("utf-8")
            except UnicodeDecodeError:
                raise InvalidCode(f"{path} is not UTF-8 text; save it as UTF-8.") from None
            for step in self.steps:
                source = step.preprocess_source(source, where)
            return source.encode("utf-8")
        return data
