"""Comparisons a rubric test makes, each failing with a message a student can act on.

A message says what was compared, on which input, the error against the bound, and a
hint where one helps, e.g.::

    On the hidden case x: (37, 11): dgamma and dbeta match, dx does not (relative error
    3.1e-02 > 1e-07). Hint: check the path through the variance.

``rel_error`` is the notebooks' own definition, so students can reproduce the number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import numpy as np

from grader.errors import CheckFailed


def rel_error(x: Any, y: Any) -> float:
    """max |x - y| / max(1e-8, |x| + |y|), elementwise, as the notebooks define it."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y)))) if x.size else 0.0


def describe_inputs(**shapes: Any) -> str:
    """``x: (37, 11), G: 2`` from arrays and scalars, for the 'on input' part of messages."""
    parts = []
    for name, value in shapes.items():
        shape = getattr(value, "shape", None)
        parts.append(f"{name}: {tuple(shape)}" if shape is not None else f"{name}: {value!r}")
    return ", ".join(parts)


def _as_array(name: str, value: Any) -> np.ndarray:
    if value is None:
        raise CheckFailed(f"{name} is None: the function returned nothing for it")
    if isinstance(value, (list, tuple)) and len(value) > MAX_LIST_ITEMS:
        raise CheckFailed(f"{name} is a list of {len(value)} items; expected an array")
    try:
        array = np.asarray(value)
    except Exception as exc:  # noqa: BLE001
        raise CheckFailed(f"{name} is not an array ({type(value).__name__}): {exc}") from None
    if array.dtype == object or not np.issubdtype(array.dtype, np.number) and array.dtype != bool:
        raise CheckFailed(f"{name} is not numeric (dtype {array.dtype})")
    return array


#: A value that comes back as a Python list (not an array) is never legitimately longer.
MAX_LIST_ITEMS = 100_000


def mismatch(name: str, got: Any, want: Any, tol: float, atol: float = 0.0) -> str | None:
    """None when ``got`` matches ``want`` within ``tol`` (rel_error); else why not.

    ``want`` is the trusted side's value; ``got`` comes from the sandbox, so its shape is
    checked before any arithmetic (a (20M, 1) array never meets a (50,) one), and NaN,
    infinities or a non-finite expectation never pass.

    ``atol``: entries that differ by at most this much count as equal whatever their
    relative error (for finite differences, whose absolute noise swamps tiny gradients).
    """
    want_a = _as_array(name, want)
    got_a = _as_array(name, got)
    if got_a.shape != want_a.shape:
        return f"{name}: expected shape {want_a.shape}, got {got_a.shape}"
    if not np.all(np.isfinite(got_a)):
        return f"{name} contains NaN or infinity"
    if not np.all(np.isfinite(want_a)):
        # The expectation was derived from another of the submission's outputs (dropout's
        # own mask, say) that was not finite: nothing right can be compared with it.
        return f"{name} cannot be checked: the value it must match is not finite"
    if atol:
        far = np.abs(got_a.astype(np.float64) - want_a) > atol
        got_a, want_a = got_a[far], want_a[far]
    error = rel_error(got_a, want_a)
    if not error <= tol:  # written so that a NaN error fails too
        return f"{name} differs (relative error {error:.1e} > {tol:.0e})"
    return None


def close(got: Any, want: Any, *, name: str, tol: float, atol: float = 0.0, case: str = "",
          hint: str | None = None) -> None:
    """Fail unless ``got`` matches ``want`` within ``tol`` (or ``atol`` absolute, entrywise)."""
    problem = mismatch(name, got, want, tol, atol)
    if problem:
        raise CheckFailed(_sentence(case, problem, hint))


def close_all(pairs: Mapping[str, tuple[Any, ...]], *, case: str = "",
              hint: Callable[[list[str], list[str]], str | None] | str | None = None) -> None:
    """Compare several outputs at once and say which match and which do not.

    ``pairs``: name -> (got, want, tol) or (got, want, tol, atol), as in ``close``.
    ``hint``: a string, or a function of (failing names, passing names) that picks a
    hint for this pattern of failures.
    """
    failing, passing, problems = [], [], []
    for name, (got, want, *bounds) in pairs.items():
        problem = mismatch(name, got, want, *bounds)
        (failing if problem else passing).append(name)
        if problem:
            problems.append(problem)
    if not failing:
        return
    text = "; ".join(problems)
    if passing:
        text = f"{_join(passing)} match{'es' if len(passing) == 1 else ''}, {_join(failing)} do{'es' if len(failing) == 1 else ''} not: {text}"
    chosen = hint(failing, passing) if callable(hint) else hint
    raise CheckFailed(_sentence(case, text, chosen))


def equal(got: Any, want: Any, *, name: str, case: str = "", hint: str | None = None) -> None:
    if isinstance(want, np.ndarray) or isinstance(got, np.ndarray):
        got_a, want_a = np.asarray(got), np.asarray(want)
        if got_a.shape != want_a.shape:
            problem = f"{name}: expected shape {want_a.shape}, got {got_a.shape}"
        elif not np.array_equal(got_a, want_a):
            problem = f"{name} differs in {int(np.sum(got_a != want_a))} of {got_a.size} entries"
        else:
            return
    elif got == want:
        return
    else:
        problem = f"{name} is {got!r}, expected {want!r}"
    raise CheckFailed(_sentence(case, problem, hint))


def labels(got: Any, count: int, num_classes: int, *, name: str = "the predictions", case: str = "") -> np.ndarray:
    """``got`` as (count,) int64 class indices in [0, num_classes), or CheckFailed saying why.

    Checked before anything is computed with it: a reply of the wrong shape or size never
    reaches an elementwise comparison with the labels."""
    if not isinstance(got, np.ndarray):
        raise CheckFailed(_sentence(case, f"{name} are not an array ({type(got).__name__})", None))
    if got.shape != (count,):
        raise CheckFailed(_sentence(case, f"{name}: expected shape ({count},), got {got.shape}", None))
    if not np.issubdtype(got.dtype, np.integer):
        raise CheckFailed(_sentence(case, f"{name} have dtype {got.dtype}, expected integer class indices", None))
    if count and (int(got.min()) < 0 or int(got.max()) >= num_classes):
        raise CheckFailed(_sentence(case, f"{name} hold values outside 0..{num_classes - 1}", None))
    return got.astype(np.int64, copy=False)


def array(got: Any, *, name: str, shape: tuple[int, ...], kind: str = "fiub", case: str = "",
          hint: str | None = None) -> np.ndarray:
    """``got`` as an array of ``shape`` whose dtype kind is one of ``kind`` (numpy's letters:
    f float, i/u integer, b bool), or CheckFailed saying what came back instead.

    Checked before anything is computed with it, and nothing is converted first: a reply of
    20M entries fails here without being copied."""
    if not isinstance(got, np.ndarray):
        raise CheckFailed(_sentence(case, f"{name} is a {type(got).__name__}, expected an array of shape {shape}", hint))
    if got.shape != tuple(shape):
        raise CheckFailed(_sentence(case, f"{name}: expected shape {tuple(shape)}, got {got.shape}", hint))
    if got.dtype.kind not in kind:
        raise CheckFailed(_sentence(case, f"{name} has dtype {got.dtype}, expected numbers", hint))
    return got


def mapping(got: Any, *, name: str, case: str = "") -> dict:
    """``got`` if it is a dict (a reply's nested outputs), or CheckFailed."""
    if not isinstance(got, dict):
        raise CheckFailed(_sentence(case, f"{name} is a {type(got).__name__}, expected a dict", None))
    return got


def at_least(value: float, bound: float, *, name: str, case: str = "", hint: str | None = None) -> None:
    if not (value >= bound):
        raise CheckFailed(_sentence(case, f"{name} is {value:.4g}, needs at least {bound:.4g}", hint))


def at_most(value: float, bound: float, *, name: str, case: str = "", hint: str | None = None) -> None:
    if not (value <= bound):
        raise CheckFailed(_sentence(case, f"{name} is {value:.4g}, needs at most {bound:.4g}", hint))


def keys(got: Any, required: list[str], *, name: str) -> None:
    if not isinstance(got, Mapping):
        raise CheckFailed(f"{name} should be a dict, got {type(got).__name__}")
    missing = [key for key in required if key not in got]
    if missing:
        raise CheckFailed(f"{name} lacks {', '.join(repr(k) for k in missing)}")


def _join(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _sentence(case: str, problem: str, hint: str | None) -> str:
    # Names of variables (dx, out) start most problems, so the first letter keeps its case.
    text = f"On {case}: {problem}." if case else f"{problem}."
    if hint:
        text += f" Hint: {hint}"
    return text
