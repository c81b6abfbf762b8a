"""The report as one self-contained HTML page: ranked pairs, what was skipped and why,
and each flagged pair side by side with the matching code highlighted."""

from __future__ import annotations

from pathlib import Path

import jinja2

from similarity.highlight import marked_lines
from similarity.report import UNIT_THRESHOLD, Report

#: Flagged pairs shown side by side (the tables list every kept pair).
DETAILED_PAIRS = 50

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
)
_ENV.filters["percent"] = lambda share: f"{100 * share:.0f}%"


def render_html(report: Report, threshold: float) -> str:
    return _ENV.get_template("report.html.j2").render(
        report=report, threshold=threshold, unit_threshold=UNIT_THRESHOLD, detailed=DETAILED_PAIRS,
        marked=lambda entry, unit, spans: marked_lines(report.sources.get(entry, {}).get(unit, []), spans))
