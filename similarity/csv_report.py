"""The report's pairs as CSV: one row per pair and section (code, answers), highest share first."""

from __future__ import annotations

import csv
import io

from similarity.report import UNIT_THRESHOLD, Report

COLUMNS = ["section", "a", "b", "b_kind", "share", "share_a", "share_b", "flagged", "matching"]


def pairs_csv(report: Report, threshold: float) -> str:
    """``matching``: the units (functions, cells, questions) named as matching, "; "-separated,
    each as "a's unit = b's unit" when they differ."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for section in ("code", "answers"):
        for pair in getattr(report, section):
            units = "; ".join(m.a_label if m.a == m.b else f"{m.a_label} = {m.b_label}"
                              for m in pair.matching_units(UNIT_THRESHOLD))
            writer.writerow([section, pair.a, pair.b, pair.b_kind, f"{pair.share:.3f}", f"{pair.share_a:.3f}",
                             f"{pair.share_b:.3f}", "yes" if pair.flagged(threshold) else "no", units])
    return out.getvalue()
