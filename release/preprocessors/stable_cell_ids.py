from __future__ import annotations

import hashlib

from nbformat import NotebookNode

from release.errors import InvalidNotebook, Where
from release.preprocessors.base import Preprocessor

#: Cell ids exist from nbformat 4.5 on.
IDS_SINCE_MINOR = 5


class StableCellIds(Preprocessor):
    """Keeps the master's cell ids and gives cells without one an id derived from its place.

    A derived id (a hash of the notebook path and cell index) is the same on every run, so
    releasing twice gives the same bytes; nbformat alone would draw random ones.
    """

    def preprocess_notebook(self, nb: NotebookNode, where: Where) -> NotebookNode:
        nb.nbformat_minor = max(nb.get("nbformat_minor", 0), IDS_SINCE_MINOR)
        seen: dict[str, int] = {}
        for index, cell in enumerate(nb.cells):
            if not cell.get("id"):
                cell.id = hashlib.sha256(f"{where.path}\0{index}".encode()).hexdigest()[:8]
            if cell.id in seen:
                raise InvalidNotebook(
                    f"{Where(where.path, index)}: cell id {cell.id!r} is also the id of "
                    f"cells[{seen[cell.id]}]; give one of them a new id."
                )
            seen[cell.id] = index
        return nb
