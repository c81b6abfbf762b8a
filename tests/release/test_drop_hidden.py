from __future__ import annotations

import pytest

from release.preprocessors import DropHidden


@pytest.mark.parametrize(
    "path",
    ["grading/rubric.py", "grading/deep/inputs.npz", ".git/config", "cs231n/.secret.py", ".env"],
)
def test_the_rubric_and_hidden_files_never_ship(path: str):
    assert not DropHidden().keep(path)


@pytest.mark.parametrize("path", ["cs231n/layers.py", "Alpha.ipynb", "cs231n/grading_notes.md"])
def test_everything_else_may_ship(path: str):
    assert DropHidden().keep(path)
