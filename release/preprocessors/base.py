"""The one thing every release step is: a few hooks, each a no-op until a step overrides it."""

from __future__ import annotations

from nbformat import NotebookNode

from release.errors import Where


class Preprocessor:
    """One transformation of the release.

    The pipeline asks every step whether a file ships (:meth:`keep`), then passes each
    ``.py`` file's text through :meth:`preprocess_source` and each notebook through
    :meth:`preprocess_notebook`, which by default hands every cell to
    :meth:`preprocess_cell`. Other files are copied as they are. A step overrides only the
    hooks it needs; it is created once per release, so it may remember what it has seen.
    """

    def keep(self, path: str) -> bool:
        """Whether the file at ``path`` (relative to the master, with ``/``) ships."""
        return True

    def preprocess_source(self, source: str, where: Where) -> str:
        return source

    def preprocess_notebook(self, nb: NotebookNode, where: Where) -> NotebookNode:
        for index, cell in enumerate(nb.cells):
            self.preprocess_cell(cell, Where(where.path, index))
        return nb

    def preprocess_cell(self, cell: NotebookNode, where: Where) -> None:
        """Change ``cell`` in place."""
