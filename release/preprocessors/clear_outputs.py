from __future__ import annotations

from nbformat import NotebookNode

from release.errors import Where
from release.preprocessors.base import Preprocessor


class ClearOutputs(Preprocessor):
    """Empties every code cell's outputs and execution count.

    The master's outputs come from the reference solution, so they are solution material,
    and they change on every run.
    """

    def preprocess_cell(self, cell: NotebookNode, where: Where) -> None:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
