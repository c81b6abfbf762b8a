"""Series a check records for the reports (loss curves), checked and bounded before they
are kept: a submission decides how long its loss history is, and what is in it.

A series longer than the cap is downsampled faithfully: the first and last points, and in
each of the stretches between them the lowest and the highest point, in order, so a curve
keeps its spikes, its plateaus and where it ends; ``x`` says where each kept point was and
``length`` how long the series was. Nothing is converted or copied before the points are
chosen (a 20M-entry int8 reply is not made into 160 MB of floats).
"""

from __future__ import annotations

from typing import Any

import numpy as np


class SeriesRefused(ValueError):
    """What came back cannot be drawn as a curve (not numbers, not one dimension of them)."""


def as_points(values: Any) -> np.ndarray:
    """``values`` as a 1-D array of real numbers (any (N,) or (N, 1) shape), or SeriesRefused."""
    if isinstance(values, (list, tuple)):
        try:
            values = np.asarray(values)
        except (ValueError, TypeError) as exc:
            raise SeriesRefused(f"not a list of numbers ({exc})") from None
    if not isinstance(values, np.ndarray):
        raise SeriesRefused(f"a {type(values).__name__}, not a list or array of numbers")
    if not (np.issubdtype(values.dtype, np.integer) or np.issubdtype(values.dtype, np.floating)
            or values.dtype == bool):
        raise SeriesRefused(f"an array of {values.dtype}, not of real numbers")
    if values.ndim > 1 and values.size != (values.shape[0] if values.shape else 0):
        raise SeriesRefused(f"an array of shape {values.shape}, not a sequence of numbers")
    return values.reshape(-1)


def kept_indices(points: np.ndarray, max_points: int) -> np.ndarray:
    """Indices (ascending) of at most ``max_points`` points of ``points`` (1-D): all of them
    when they fit; else the first, the last and each stretch's minimum and maximum."""
    n = len(points)
    if n <= max_points:
        return np.arange(n)
    stretches = max(1, (max_points - 2) // 2)
    edges = np.linspace(1, n - 1, stretches + 1).astype(np.int64)
    kept = [0]
    for start, stop in zip(edges[:-1], edges[1:], strict=True):
        if stop > start:
            part = points[start:stop]
            low, high = start + int(np.argmin(part)), start + int(np.argmax(part))
            kept += [low, high] if low <= high else [high, low]
    kept.append(n - 1)
    return np.unique(np.asarray(kept, dtype=np.int64))


def bounded_series(values: Any, max_points: int, *, x_label: str = "iteration") -> dict[str, Any]:
    """The series as results.json keeps it: ``values`` (6 significant digits), ``length``,
    and, when downsampled, ``x`` (the 1-based positions of the kept values)."""
    points = as_points(values)
    indices = kept_indices(points, max_points)
    kept = points[indices].astype(np.float64)
    stored: dict[str, Any] = {"x_label": x_label, "values": [float(f"{v:.6g}") for v in kept.tolist()],
                              "length": int(len(points))}
    if len(indices) < len(points):
        stored["x"] = (indices + 1).tolist()
    return stored
