"""Tests of the reference ``cs231n`` package in solutions/a2, imported in-process.

The package is not installed: the assignment root goes first on sys.path when this
directory is collected. No other test directory imports ``cs231n`` in-process (the
release and grading tests run it in subprocesses), so nothing else sees this path.
"""

import sys
from pathlib import Path

import numpy as np
import pytest

ASSIGNMENT_ROOT = Path(__file__).resolve().parents[2] / "solutions" / "a2"

if sys.path[0] != str(ASSIGNMENT_ROOT):
    sys.path.insert(0, str(ASSIGNMENT_ROOT))

import cs231n  # noqa: E402

if Path(cs231n.__file__).resolve().parent != ASSIGNMENT_ROOT / "cs231n":
    raise ImportError(
        f"cs231n was imported from {cs231n.__file__}, not from {ASSIGNMENT_ROOT}: "
        f"run tests/assignment in a pytest process that imports no other cs231n"
    )


def _rel_error(x, y):
    """The notebooks' relative error: max |x - y| / max(1e-8, |x| + |y|)."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    return np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))


@pytest.fixture
def rel_error():
    return _rel_error
