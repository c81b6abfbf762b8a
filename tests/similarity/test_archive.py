"""An archive of known solutions (public repositories cloned by the instructor): a
submission copied from an entry is flagged against it; entries are never paired with
each other; entries in another layout are skipped with the reason."""

from __future__ import annotations

import shutil

import pytest

from tests.similarity.builders import (
    LAYERS,
    LOOPS_LAYERS,
    REFERENCE_LAYERS,
    VECTORISED_LAYERS,
    disguise,
    submission,
    zipped,
)
from tests.similarity.conftest import DEFAULT_THRESHOLD

ANOTHER_LAYOUT = "none of the assignment's files (cs231n/layers.py, "


def build_archive(root):
    """Three repositories laid out three ways, a fork of one, one of another assignment,
    and a stray file."""
    root.mkdir()
    # A course repository: the assignment's folder two levels down, beside other assignments.
    submission(root / "alice-cs231n" / "assignment2", {LAYERS: LOOPS_LAYERS})
    (root / "alice-cs231n" / "assignment1" / "cs231n" / "classifiers").mkdir(parents=True)
    (root / "alice-cs231n" / "assignment1" / "cs231n" / "classifiers" / "linear_svm.py").write_text("def svm(): pass\n")
    (root / "alice-cs231n" / ".git").mkdir()
    (root / "alice-cs231n" / ".git" / "config.py").write_text("not walked\n")
    shutil.copytree(root / "alice-cs231n", root / "alice-fork")
    # A zip of a repository, the assignment at its top.
    zipped(submission(root.parent / "bob-src", {LAYERS: VECTORISED_LAYERS}), root / "bob-solutions.zip", "bob/")
    # Another assignment altogether.
    (root / "carol-assignment1" / "cs231n" / "classifiers").mkdir(parents=True)
    (root / "carol-assignment1" / "cs231n" / "classifiers" / "k_nearest_neighbor.py").write_text("x = 1\n")
    (root / "carol-assignment1" / "knn.ipynb").write_text("{}")
    (root / "README.md").write_text("solutions found online\n")
    return root


def test_a_copy_of_an_archive_entry_is_flagged_against_it(report_of, tmp_path):
    archive = build_archive(tmp_path / "archive")
    copier = submission(tmp_path / "dave", {LAYERS: disguise(LOOPS_LAYERS)})
    honest = submission(tmp_path / "erin", {LAYERS: REFERENCE_LAYERS})
    report = report_of(copier, honest, archive=archive)

    flagged = {(p.a, p.b) for p in report.flagged()}
    assert flagged == {("dave", "archive/alice-cs231n"), ("dave", "archive/alice-fork")}
    pair = report.pair("dave", "archive/alice-cs231n")
    assert pair.b_kind == "archive" and pair.share > 0.9
    assert {"conv_backward_naive", "softmax_loss", "spatial_groupnorm_backward"} <= {
        m.b.split("::")[-1] for m in pair.matching_units()}
    # The fork and its source, and the archive's two solutions, are never compared.
    assert all("submission" in (kind_a, p.b_kind) for p in report.code
               for kind_a in [next(e.kind for e in report.entries if e.name == p.a)])
    assert report.pair("archive/alice-cs231n", "archive/alice-fork") is None
    assert {e.name for e in report.entries if e.kind == "archive"} == {
        "archive/alice-cs231n", "archive/alice-fork", "archive/bob-solutions.zip"}


def test_archive_entries_in_another_layout_are_skipped_with_the_reason(report_of, tmp_path):
    archive = build_archive(tmp_path / "archive")
    report = report_of(submission(tmp_path / "dave", {LAYERS: LOOPS_LAYERS}), archive=archive)
    reasons = {s.name: s.reason for s in report.skipped}
    assert set(reasons) == {"archive/carol-assignment1", "archive/README.md"}
    assert reasons["archive/carol-assignment1"].startswith(ANOTHER_LAYOUT)
    assert "neither a folder nor a zip" in reasons["archive/README.md"]


@pytest.mark.parametrize("as_zip", [False, True])
def test_an_archive_given_as_one_zip_of_repositories(report_of, tmp_path, as_zip):
    folder = build_archive(tmp_path / "archive")
    archive = zipped(folder, tmp_path / "archive.zip") if as_zip else folder
    report = report_of(submission(tmp_path / "dave", {LAYERS: disguise(VECTORISED_LAYERS, salt="v")}),
                       archive=archive)
    # Inside one zip, a zip of a repository is a file, not a repository: skipped, and said so.
    expected = "archive/bob-solutions.zip"
    if as_zip:
        assert expected in {s.name for s in report.skipped}
        assert report.flagged() == []
    else:
        assert [(p.a, p.b) for p in report.flagged(threshold=DEFAULT_THRESHOLD)] == [("dave", expected)]
