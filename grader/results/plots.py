"""Plots of the series a training check recorded (loss curves, accuracies), as PNG bytes,
and the same curves in words for readers who cannot see them (alt text)."""

from __future__ import annotations

import io
import threading

import matplotlib

from grader.results.feedback import Figure

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

#: pyplot and matplotlib's mathtext parser (log-scale tick labels) are not thread-safe; the
#: service draws plots from a thread pool.
_DRAWING = threading.Lock()


def _values(data: dict) -> list[float]:
    return [v if v is not None else float("nan") for v in data.get("values", [])]


def _is_loss(name: str) -> bool:
    return "loss" in name


def series_png(title: str, series: dict[str, dict], bounds: list[Figure] | tuple[Figure, ...] = ()) -> bytes:
    """One figure with every series of a check; x is the position along each series.

    Losses that span more than a decade are drawn on a log scale (a loss that must end below
    0.1 after starting near 50 is invisible on a linear one), with each bound in ``bounds``
    as a labelled line.
    """
    with _DRAWING:
        return _draw(title, series, bounds)


def _draw(title: str, series: dict[str, dict], bounds) -> bytes:
    figure, axis = plt.subplots(figsize=(6.0, 3.2), dpi=100)
    try:
        for name, data in series.items():
            values = _values(data)
            # x: where each kept point was, when a long series was downsampled (grader.plugin.series)
            steps = data.get("x") or range(1, len(values) + 1)
            axis.plot(steps, values, label=name, marker="." if len(values) < 40 else None)
        finite = [v for data in series.values() for v in _values(data) if v == v]
        if finite and min(finite) > 0 and max(finite) / min(finite) > 20 and all(_is_loss(n) for n in series):
            axis.set_yscale("log")  # a loss over decades (50 down to 0.01), not one that moves by 2x
        for bound in bounds:
            need = "at least" if bound.direction == "min" else "at most"
            axis.axhline(bound.bound, color="#b42318", linestyle="--", linewidth=1.2,
                         label=f"{bound.label}: {need} {bound.number(bound.bound)}")
        labels = {data.get("x_label", "") for data in series.values()}
        axis.set_xlabel(" / ".join(sorted(label for label in labels if label)) or "step")
        axis.set_title(title, fontsize=10)
        axis.grid(alpha=0.3, which="both")
        axis.xaxis.get_major_locator().set_params(integer=True)
        if len(series) > 1 or bounds:
            axis.legend(fontsize=8)
        if len(series) == 1:
            axis.set_ylabel(next(iter(series)) + (" (log scale)" if axis.get_yscale() == "log" else ""))
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)


def series_alt(title: str, series: dict[str, dict], bounds: list[Figure] | tuple[Figure, ...] = ()) -> str:
    """The curves in words: ``Curves of X: training loss over 250 iterations, from 52.1 to 0.0147 (lowest
    0.0131). The final training loss must be at most 0.1.``"""
    parts = []
    for name, data in series.items():
        values = [v for v in _values(data) if v == v]
        if not values:
            parts.append(f"{name}: no finite values")
            continue
        low = min(values)
        parts.append(f"{name} over {data.get('length') or len(data.get('values', []))} {data.get('x_label') or 'steps'}, "
                     f"from {values[0]:.4g} to {values[-1]:.4g} (lowest {low:.4g}, highest {max(values):.4g})")
    text = f"Curves of {title}: " + "; ".join(parts) + "."
    for bound in bounds:
        need = "at least" if bound.direction == "min" else "at most"
        text += f" The {bound.label} must be {need} {bound.number(bound.bound)}."
    return text
