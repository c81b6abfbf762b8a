"""Trained parameters that come back from the sandbox, checked before the reference uses them.

A training check scores what the student's code learned, not what it says it learned: the
sandbox returns the trained parameters, this module checks them against the shapes of the
reference model (names, shapes, finite floats), and the check then measures them with the
reference implementation on data the sandbox never saw labelled.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from grader.errors import CheckFailed


def _array(name: str, value: Any, shape: tuple[int, ...], case: str) -> np.ndarray:
    if not isinstance(value, np.ndarray) or not np.issubdtype(value.dtype, np.floating):
        kind = f"dtype {value.dtype}" if isinstance(value, np.ndarray) else type(value).__name__
        raise CheckFailed(f"On {case}: the returned {name} is not an array of floats ({kind}).")
    if value.shape != shape:
        raise CheckFailed(f"On {case}: the returned {name}: expected shape {shape}, got {value.shape}.")
    if not np.all(np.isfinite(value)):
        raise CheckFailed(f"On {case}: the returned {name} contains NaN or infinity (a diverged training?). "
                          "Hint: check the gradients, then the learning rate.")
    return value


def named_params(got: Any, shapes: Mapping[str, Sequence[int]], *, case: str) -> dict[str, np.ndarray]:
    """``got``: {name: array} from the sandbox; ``shapes``: the reference model's {name: shape}."""
    if not isinstance(got, Mapping):
        raise CheckFailed(f"On {case}: the parameters did not come back as a dict of arrays.")
    if sorted(got) != sorted(shapes):
        raise CheckFailed(f"On {case}: the model has parameters {sorted(got)}, expected {sorted(shapes)}.")
    return {name: _array(name, got[name], tuple(shape), case) for name, shape in shapes.items()}


def ordered_params(got: Any, shapes: Sequence[Sequence[int]], *, case: str, architecture: str) -> list[np.ndarray]:
    """``got``: a list of arrays from the sandbox (a module's parameters, in whatever order
    the student registered them); ``shapes``: the reference model's, in its order. Matched by
    shape, which is unambiguous for the course's fixed architectures; returns them in the
    reference's order."""
    if not isinstance(got, list) or not all(isinstance(value, np.ndarray) for value in got):
        raise CheckFailed(f"On {case}: the parameters did not come back as a list of arrays.")
    wanted = sorted(tuple(shape) for shape in shapes)
    if sorted(value.shape for value in got) != wanted:
        raise CheckFailed(f"On {case}: the model's parameters have shapes "
                          f"{sorted(value.shape for value in got)}; {architecture} has {wanted}.")
    remaining = list(got)
    ordered = []
    for index, shape in enumerate(shapes):
        position = next(i for i, value in enumerate(remaining) if value.shape == tuple(shape))
        ordered.append(_array(f"parameter {index}", remaining.pop(position), tuple(shape), case))
    return ordered
