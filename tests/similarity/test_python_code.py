"""Normalisation: what a copier changes for free reads the same; what changes meaning does not."""

from __future__ import annotations

from similarity.python_code import normalised_tokens, parse, read_tree, split_units

ORIGINAL = '''
import numpy as np


def loss(scores, labels):
    """Mean softmax loss."""
    # shift for stability
    shifted = scores - scores.max(axis=1, keepdims=True)
    total = -shifted[np.arange(len(labels)), labels].sum()
    return total / len(labels) + 1e-5


def helper(x):
    return x.T
'''

RENAMED = '''
import numpy as numeric
def helper(value): return value.T

def loss(s, y):
    """Rewritten docstring, longer
    and on two lines."""
    z = s - s.max(axis = 1, keepdims = True)   # another comment
    t = -z[numeric.arange(len(y)), y].sum();  return t / len(y) + 0.00001
'''


def units(text: str) -> dict[str, list[str]]:
    tree = parse(text)
    bindings, strings = read_tree(tree)
    return {key: unit.tokens for key, unit in split_units(text, tree, bindings, strings).items()}


def test_names_comments_docstrings_whitespace_numbers_and_order_do_not_matter():
    original, renamed = units(ORIGINAL), units(RENAMED)
    assert original["loss"] == renamed["loss"]
    assert original["helper"] == renamed["helper"]
    assert "numpy" in original["loss"] and "V" in original["loss"]


def test_what_changes_meaning_is_kept():
    other_call = units(ORIGINAL.replace("scores.max(", "scores.min("))["loss"]
    other_axis = units(ORIGINAL.replace("axis=1", "axis=0"))["loss"]
    other_op = units(ORIGINAL.replace("total / len", "total * len"))["loss"]
    original = units(ORIGINAL)["loss"]
    assert original != other_call and original != other_axis and original != other_op
    assert "max" in original and "axis" in original and "keepdims" in original


def test_places_point_at_the_source():
    text = "def f(a):\n    return a +  2\n"
    tree = parse(text)
    bindings, strings = read_tree(tree)
    tokens = normalised_tokens(text, bindings, strings)
    assert [t for t, _ in tokens] == ["def", "V", "(", "V", ")", ":", "return", "V", "+", "2.0", "\n"]
    assert tokens[9][1] == (1, 16, 1, 17)  # "2" on the second line, columns 16-17
