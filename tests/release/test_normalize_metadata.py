from __future__ import annotations

from release.errors import Where
from release.preprocessors import NormalizeMetadata
from release.preprocessors.normalize_metadata import KERNELSPEC


def test_notebook_metadata_is_the_stock_python_kernel_only(fixture_notebook):
    nb = fixture_notebook("Alpha.ipynb")
    assert nb.metadata.language_info.version == "3.11.9"
    NormalizeMetadata().preprocess_notebook(nb, Where("Alpha.ipynb"))
    assert nb.metadata == {"kernelspec": KERNELSPEC, "language_info": {"name": "python"}}
    assert KERNELSPEC["name"] == "python3"


def test_cell_metadata_keeps_only_what_matters(fixture_notebook):
    nb = fixture_notebook("Alpha.ipynb")
    NormalizeMetadata().preprocess_notebook(nb, Where("Alpha.ipynb"))
    assert nb.cells[1].metadata == {}  # execution timings dropped
    assert nb.cells[2].metadata == {"tags": ["demo"]}  # scrolled/collapsed dropped
    assert nb.cells[3].metadata == {}  # Colab's own keys dropped
    assert nb.cells[5].metadata == {"gradelab": {"answer": "alpha_q1"}}
