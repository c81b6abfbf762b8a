from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from release.errors import MarkerError, Where
from release.markers import STUB_COMMENT, STUB_RAISE
from release.preprocessors import ClearSolutions

SOURCES = Path(__file__).parent / "fixtures" / "sources"
MASTER = Path(__file__).parent / "fixtures" / "master"


def test_py_file_regions_become_stubs_and_the_rest_stays():
    step = ClearSolutions()
    master = (MASTER / "cs231n/layers.py").read_text()
    released = step.preprocess_source(master, Where("cs231n/layers.py"))
    assert "np.maximum" not in released
    assert "out = rows @ w + b" not in released
    assert released.count(STUB_RAISE) == 2
    # Provided code, docstrings and code after a region are untouched.
    assert "    rows = x.reshape(x.shape[0], -1)\n    return rows\n" in released
    assert '    """out = max(0, x) elementwise' in released
    assert f"    {STUB_RAISE}\n    cache = x\n" in released
    assert step.regions_replaced == 2


def test_code_cells_are_cleared_and_markdown_cells_are_not(fixture_notebook):
    nb = fixture_notebook("Alpha.ipynb")
    nb.cells.append(nbformat.v4.new_markdown_cell("Mark your code with ### BEGIN SOLUTION"))
    step = ClearSolutions()
    step.preprocess_notebook(nb, Where("Alpha.ipynb"))
    assert nb.cells[3].source == (
        "def double(values):\n"
        '    """values: a list of numbers -> the list of their doubles."""\n'
        f"    {STUB_COMMENT}\n    {STUB_RAISE}\n\n\n"
        f"{STUB_COMMENT}\n{STUB_RAISE}\n"
        "print(double([1, 2]))"
    )
    assert nb.cells[-1].source == "Mark your code with ### BEGIN SOLUTION"
    assert step.regions_replaced == 2


def test_a_module_level_region_in_a_py_file_is_refused():
    with pytest.raises(MarkerError, match=r"module_level\.py, line 3: .*module level"):
        ClearSolutions().preprocess_source(
            (SOURCES / "module_level.py").read_text(), Where("module_level.py")
        )


def test_a_bad_marker_in_a_cell_names_the_notebook_cell_and_line():
    nb = nbformat.v4.new_notebook(
        cells=[
            nbformat.v4.new_markdown_cell("intro"),
            nbformat.v4.new_code_cell("x = 1\n### END SOLUTION"),
        ]
    )
    with pytest.raises(MarkerError, match=r"^Demo\.ipynb cells\[1\], line 2: "):
        ClearSolutions().preprocess_notebook(nb, Where("Demo.ipynb"))
