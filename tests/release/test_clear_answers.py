from __future__ import annotations

import nbformat
import pytest

from release.errors import AnswerCellError, Where
from release.preprocessors import ClearAnswers
from release.preprocessors.clear_answers import ANSWER_PLACEHOLDER


def test_model_answers_become_the_placeholder_and_keep_their_metadata(fixture_notebook):
    nb = fixture_notebook("Alpha.ipynb")
    ClearAnswers().preprocess_notebook(nb, Where("Alpha.ipynb"))
    answer = nb.cells[5]
    assert answer.source == ANSWER_PLACEHOLDER == "*Your answer:* "
    assert answer.metadata == {"gradelab": {"answer": "alpha_q1"}}
    assert answer.id == "a5-answer"
    # The question itself, just above, stays.
    assert nb.cells[4].source.startswith("**Inline Question 1:**")


def test_an_answer_id_used_twice_in_the_assignment_is_refused(fixture_notebook):
    step = ClearAnswers()  # one step per release: it sees every notebook
    step.preprocess_notebook(fixture_notebook("Alpha.ipynb"), Where("Alpha.ipynb"))
    again = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_markdown_cell("x", metadata={"gradelab": {"answer": "alpha_q1"}})]
    )
    with pytest.raises(AnswerCellError, match=r"Other\.ipynb cells\[0\].*Alpha\.ipynb cells\[5\]"):
        step.preprocess_notebook(again, Where("Other.ipynb"))


def test_an_answer_in_a_code_cell_is_refused():
    nb = nbformat.v4.new_notebook(
        cells=[nbformat.v4.new_code_cell("x = 1", metadata={"gradelab": {"answer": "q"}})]
    )
    with pytest.raises(AnswerCellError, match="code cell"):
        ClearAnswers().preprocess_notebook(nb, Where("Demo.ipynb"))


def test_other_gradelab_metadata_is_not_an_answer():
    cell = nbformat.v4.new_markdown_cell("keep me", metadata={"gradelab": {"note": "x"}})
    ClearAnswers().preprocess_cell(cell, Where("Demo.ipynb", 0))
    assert cell.source == "keep me"
