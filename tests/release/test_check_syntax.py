from __future__ import annotations

import nbformat
import pytest

from release.errors import InvalidCode, Where
from release.preprocessors import CheckSyntax


def test_valid_code_and_ipython_syntax_pass(fixture_notebook):
    nb = fixture_notebook("Alpha.ipynb")  # has %load_ext and %autoreload
    nb.cells.append(nbformat.v4.new_code_cell("!ls cs231n"))
    nb.cells.append(nbformat.v4.new_code_cell("%%time\nx = 1"))
    CheckSyntax().preprocess_notebook(nb, Where("Alpha.ipynb"))
    assert CheckSyntax().preprocess_source("x = 1\n", Where("a.py")) == "x = 1\n"


def test_a_released_py_file_that_does_not_parse_is_refused():
    with pytest.raises(InvalidCode, match=r"^cs231n/a\.py, line 2: .*does not parse"):
        CheckSyntax().preprocess_source("x = (1,\n  2]\n", Where("cs231n/a.py"))


def test_a_released_cell_that_does_not_parse_names_the_cell():
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("def f(:\n    pass")])
    with pytest.raises(InvalidCode, match=r"^Demo\.ipynb cells\[0\], line 1: "):
        CheckSyntax().preprocess_notebook(nb, Where("Demo.ipynb"))
