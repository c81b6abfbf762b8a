from __future__ import annotations

from nbformat import NotebookNode

from release.errors import Where
from release.preprocessors.base import Preprocessor

#: Every released notebook runs on the stock Python 3 kernel. The master's own kernelspec
#: and language_info name the author's environment and Python version: noise that would
#: show up as drift between two machines.
KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
LANGUAGE_INFO = {"name": "python"}

#: Cell metadata that means something to students or to GradeLab. Everything else
#: (execution timings, collapsed/scrolled state, Colab ids, widget state) is dropped.
KEPT_CELL_METADATA = ("gradelab", "tags", "editable", "deletable")


class NormalizeMetadata(Preprocessor):
    """Gives notebooks a fixed kernel and strips environment-specific metadata."""

    def preprocess_notebook(self, nb: NotebookNode, where: Where) -> NotebookNode:
        nb.metadata = NotebookNode(
            kernelspec=NotebookNode(KERNELSPEC), language_info=NotebookNode(LANGUAGE_INFO)
        )
        return super().preprocess_notebook(nb, where)

    def preprocess_cell(self, cell: NotebookNode, where: Where) -> None:
        cell.metadata = NotebookNode(
            {key: value for key, value in cell.metadata.items() if key in KEPT_CELL_METADATA}
        )
