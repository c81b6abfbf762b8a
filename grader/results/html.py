"""The readable report as one self-contained HTML page: the same content as the Markdown
report, with the training checks' curves embedded as images."""

from __future__ import annotations

import base64
from pathlib import Path

import jinja2

from grader.results.feedback import plot_bounds
from grader.results.model import GradeResult
from grader.results.outcomes import outcome_word
from grader.results.plots import series_png
from grader.results.text_table import metric_text

_ENV = jinja2.Environment(
    loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=jinja2.select_autoescape(["html", "j2"]),
)
_ENV.filters["metric"] = metric_text


def render_html(result: GradeResult) -> str:
    plots = {}
    for test in result.tests:
        series = test.details.get("series")
        if series:
            plots[test.id] = base64.b64encode(series_png(test.name, series, plot_bounds(test))).decode()
    return _ENV.get_template("report.html.j2").render(result=result, plots=plots, word=outcome_word)
