from __future__ import annotations

import ast

from IPython.core.inputtransformer2 import TransformerManager
from nbformat import NotebookNode

from release.errors import InvalidCode, Where
from release.preprocessors.base import Preprocessor


class CheckSyntax(Preprocessor):
    """Fails the release if a released ``.py`` file or code cell does not parse.

    This is where a region that was not a whole block shows: code after it that used its
    variables still parses, but code that closed one of its brackets does not. Cells may
    hold IPython syntax (``%magic``, ``!shell``), which is translated first.
    """

    def __init__(self) -> None:
        self._ipython = TransformerManager()

    def preprocess_source(self, source: str, where: Where) -> str:
        self._parse(source, where)
        return source

    def preprocess_cell(self, cell: NotebookNode, where: Where) -> None:
        if cell.cell_type == "code":
            self._parse(self._ipython.transform_cell(cell.source), where)

    @staticmethod
    def _parse(source: str, where: Where) -> None:
        try:
            ast.parse(source)
        except SyntaxError as exc:
            raise InvalidCode(
                f"{where.line(exc.lineno or 0)}: the released code does not parse "
                f"({exc.msg}). Check that the solution region around it is a whole block."
            ) from None
