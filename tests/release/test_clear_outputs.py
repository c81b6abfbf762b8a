from __future__ import annotations

from release.errors import Where
from release.preprocessors import ClearOutputs


def test_outputs_and_execution_counts_are_cleared_everywhere(fixture_notebook):
    nb = fixture_notebook("Alpha.ipynb")
    assert any(cell.get("outputs") for cell in nb.cells)
    markdown_before = [c for c in nb.cells if c.cell_type == "markdown"]

    ClearOutputs().preprocess_notebook(nb, Where("Alpha.ipynb"))

    code = [c for c in nb.cells if c.cell_type == "code"]
    assert all(c.outputs == [] and c.execution_count is None for c in code)
    assert [c for c in nb.cells if c.cell_type == "markdown"] == markdown_before
    assert code[2].source.startswith("def double(values):")  # sources untouched
