"""`gradelab similarity` on submission paths: the terminal summary, the CSV and the HTML page."""

from __future__ import annotations

import csv
import io

from click.testing import CliRunner

from gradelab.cli import main
from tests.similarity.builders import (
    DISGUISED_LAYERS,
    LAYERS,
    LOOPS_LAYERS,
    REFERENCE_LAYERS,
    submission,
    zipped,
)


def run(*args: str):
    return CliRunner().invoke(main, ["similarity", *args], catch_exceptions=False)


def test_the_command_writes_the_ranked_pairs(tmp_path):
    alice = submission(tmp_path / "alice", {LAYERS: REFERENCE_LAYERS})
    bob = zipped(submission(tmp_path / "bob-src", {LAYERS: DISGUISED_LAYERS}), tmp_path / "bob.zip")
    carol = submission(tmp_path / "carol", {LAYERS: LOOPS_LAYERS})
    (tmp_path / "broken.zip").write_bytes(b"not a zip")
    result = run("a2", str(alice), str(bob), str(carol), str(tmp_path / "broken.zip"), "--workers", "1",
                 "--no-cache", "--csv", str(tmp_path / "pairs.csv"), "--html", str(tmp_path / "report.html"))

    assert result.exit_code == 0, result.output
    assert "Compared 3 entries (0 from the archive); 1 skipped." in result.output
    assert "1. alice ~ bob: 100%" in result.output
    assert "broken: broken.zip is neither a zip" in result.output
    rows = list(csv.DictReader(io.StringIO((tmp_path / "pairs.csv").read_text())))
    assert [(r["a"], r["b"], r["flagged"]) for r in rows] == [
        ("alice", "bob", "yes"), ("alice", "carol", "no"), ("bob", "carol", "no")]
    assert "cs231n/layers.py: batchnorm_backward" in rows[0]["matching"].split("; ")
    page = (tmp_path / "report.html").read_text()
    assert '<h2 id="code-1">alice and bob: 100% in common (code)</h2>' in page
    assert "<mark>" in page and "carol and" not in page


def test_a_lower_threshold_flags_more(tmp_path):
    alice = submission(tmp_path / "alice", {LAYERS: REFERENCE_LAYERS})
    carol = submission(tmp_path / "carol", {LAYERS: LOOPS_LAYERS})
    assert "Code: 0 pairs with 40% or more" in run("a2", str(alice), str(carol), "--no-cache").output
    assert "1. alice ~ carol:" in run("a2", str(alice), str(carol), "--no-cache", "--threshold", "20").output


def test_bad_arguments_say_what_is_wrong(tmp_path):
    (tmp_path / "archive.txt").write_text("not an archive")
    result = run("a2", str(tmp_path), "--archive", str(tmp_path / "archive.txt"))
    assert result.exit_code == 1
    assert "the archive" in result.output and "is neither a folder nor a zip" in result.output
    result = run("a9", str(tmp_path))
    assert result.exit_code == 1 and "unknown assignment 'a9'; available: a2" in result.output
