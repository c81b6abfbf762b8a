from __future__ import annotations

from nbformat import NotebookNode

from release.errors import AnswerCellError, Where
from release.preprocessors.base import Preprocessor

#: What a student finds in an answer cell of the release.
ANSWER_PLACEHOLDER = "*Your answer:* "


def answer_id(cell: NotebookNode) -> str | None:
    """The id of an inline-question answer cell (metadata ``gradelab.answer``), else None."""
    gradelab = cell.get("metadata", {}).get("gradelab")
    return gradelab.get("answer") if isinstance(gradelab, dict) else None


class ClearAnswers(Preprocessor):
    """Replaces each model answer with a placeholder, keeping the cell's metadata.

    The grader finds a student's answer by the ``gradelab.answer`` id, so ids must survive
    and be unique across the assignment; this step checks both.
    """

    def __init__(self, placeholder: str = ANSWER_PLACEHOLDER):
        self.placeholder = placeholder
        self._seen: dict[str, Where] = {}

    def preprocess_cell(self, cell: NotebookNode, where: Where) -> None:
        answer = answer_id(cell)
        if answer is None:
            return
        if cell.cell_type != "markdown":
            raise AnswerCellError(
                f"{where}: answer cell {answer!r} is a {cell.cell_type} cell; answers live in "
                "markdown cells. Change the cell type or drop its gradelab.answer metadata."
            )
        if answer in self._seen:
            raise AnswerCellError(
                f"{where}: answer id {answer!r} is already used by {self._seen[answer]}; "
                "ids must be unique across the assignment."
            )
        self._seen[answer] = where
        cell.source = self.placeholder
