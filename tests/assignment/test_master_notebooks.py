"""The five master notebooks are source: valid, without outputs, with the quick switch and a
model answer in every answer cell (the release empties them; the grader reads them by id)."""

import nbformat
import pytest

from tests.assignment.notebook_run import ASSIGNMENT_DIR

#: Inline-question answer ids per notebook, in order of appearance.
ANSWER_IDS = {
    "BatchNormalization.ipynb": ["bn_q1", "bn_q2", "bn_q3", "bn_q4"],
    "Dropout.ipynb": ["dropout_q1", "dropout_q2"],
    "ConvolutionalNetworks.ipynb": [],
    "PyTorch.ipynb": ["pytorch_part5_description"],
    "RNN_Captioning_pytorch.ipynb": ["rnn_q1"],
}


@pytest.mark.parametrize("name", sorted(ANSWER_IDS))
def test_master_notebook_is_source_with_answer_cells(name: str) -> None:
    nb = nbformat.read(ASSIGNMENT_DIR / name, as_version=4)
    nbformat.validate(nb)

    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code_cells), (
        f"{name} is committed with outputs; clear them (the master is source)"
    )
    assert 'QUICK = os.environ.get("CS231N_QUICK") == "1"' in "\n".join(c.source for c in code_cells[:2])
    everything = "".join(c.source for c in nb.cells)
    assert "google.colab" not in everything and "pip install" not in everything
    assert "torchvision" not in "".join(c.source for c in code_cells)

    answers = [(i, c.metadata["gradelab"]["answer"]) for i, c in enumerate(nb.cells) if "gradelab" in c.metadata]
    assert [answer_id for _, answer_id in answers] == ANSWER_IDS[name]
    for index, answer_id in answers:
        cell = nb.cells[index]
        assert cell.cell_type == "markdown" and len(cell.source.split()) > 40, (
            f"{answer_id}: the master should hold a full model answer"
        )
        if answer_id != "pytorch_part5_description":
            assert nb.cells[index - 1].cell_type == "markdown" and "Inline Question" in nb.cells[index - 1].source


def test_the_rubric_has_a_manual_item_for_every_answer_cell() -> None:
    from grader.plugin.rubric import load_rubric

    rubric = load_rubric(ASSIGNMENT_DIR / "grading" / "rubric.toml")
    expected = {answer_id for ids in ANSWER_IDS.values() for answer_id in ids}
    assert {item.id for item in rubric.manual} == expected
