from __future__ import annotations

import nbformat
import pytest

from release.errors import InvalidNotebook, Where
from release.preprocessors import StableCellIds


def test_existing_ids_are_kept(fixture_notebook):
    nb = fixture_notebook("Alpha.ipynb")
    before = [cell.id for cell in nb.cells]
    StableCellIds().preprocess_notebook(nb, Where("Alpha.ipynb"))
    assert [cell.id for cell in nb.cells] == before


def test_missing_ids_are_derived_the_same_way_every_time(fixture_notebook):
    first, second = fixture_notebook("Beta.ipynb"), fixture_notebook("Beta.ipynb")
    assert first.nbformat_minor == 4 and "id" not in first.cells[0]
    for nb in (first, second):
        StableCellIds().preprocess_notebook(nb, Where("Beta.ipynb"))
    ids = [cell.id for cell in first.cells]
    assert ids == [cell.id for cell in second.cells]
    assert len(set(ids)) == len(ids)
    assert first.nbformat_minor == 5
    nbformat.validate(first)


def test_the_derived_ids_depend_on_the_notebook(fixture_notebook):
    beta, renamed = fixture_notebook("Beta.ipynb"), fixture_notebook("Beta.ipynb")
    StableCellIds().preprocess_notebook(beta, Where("Beta.ipynb"))
    StableCellIds().preprocess_notebook(renamed, Where("Gamma.ipynb"))
    assert beta.cells[0].id != renamed.cells[0].id


def test_duplicate_ids_are_refused(fixture_notebook):
    nb = fixture_notebook("Alpha.ipynb")
    nb.cells[4].id = nb.cells[1].id
    with pytest.raises(InvalidNotebook, match=r"Alpha\.ipynb cells\[4\].*cells\[1\]"):
        StableCellIds().preprocess_notebook(nb, Where("Alpha.ipynb"))
