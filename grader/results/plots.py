"""Plots of the series a training check recorded (loss curves, accuracies), as PNG bytes."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402


def series_png(title: str, series: dict[str, dict]) -> bytes:
    """One figure with every series of a check; x is the index along each series."""
    figure, axis = plt.subplots(figsize=(6.0, 3.2), dpi=100)
    try:
        for name, data in series.items():
            values = [v if v is not None else float("nan") for v in data.get("values", [])]
            axis.plot(range(1, len(values) + 1), values, label=name, marker="." if len(values) < 40 else None)
        labels = {data.get("x_label", "") for data in series.values()}
        axis.set_xlabel(" / ".join(sorted(label for label in labels if label)) or "step")
        axis.set_title(title, fontsize=10)
        axis.grid(alpha=0.3)
        axis.xaxis.get_major_locator().set_params(integer=True)
        if len(series) > 1:
            axis.legend(fontsize=8)
        else:
            axis.set_ylabel(next(iter(series)))
        figure.tight_layout()
        buffer = io.BytesIO()
        figure.savefig(buffer, format="png")
        return buffer.getvalue()
    finally:
        plt.close(figure)
