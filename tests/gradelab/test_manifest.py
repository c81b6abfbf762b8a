from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from gradelab.manifest import ManifestError, load_manifest

FIXTURE_MASTER = Path(__file__).resolve().parents[1] / "release" / "fixtures" / "master"


@pytest.fixture
def master(tmp_path):
    return Path(shutil.copytree(FIXTURE_MASTER, tmp_path / "master"))


def test_the_fixture_manifest_is_read(master):
    assignment = load_manifest(master)
    assert assignment.id == "fx"
    assert assignment.notebooks == ("Alpha.ipynb", "Beta.ipynb")
    assert assignment.student_files == ("cs231n/layers.py", "cs231n/classifiers/net.py")
    assert "grading/**" in assignment.exclude


def test_a_directory_without_a_manifest_is_refused(tmp_path):
    with pytest.raises(ManifestError, match="assignment.toml does not exist"):
        load_manifest(tmp_path)


def test_a_missing_key_is_named(master):
    manifest = master / "assignment.toml"
    manifest.write_text(
        manifest.read_text().replace('submission_zip = "fx_code_submission.zip"', "")
    )
    with pytest.raises(ManifestError, match=r"\[assignment\] has no 'submission_zip'"):
        load_manifest(master)


def test_the_a2_manifest_lists_what_grading_needs():
    from gradelab.settings import REPO_ROOT

    a2 = load_manifest(REPO_ROOT / "solutions" / "a2")
    assert a2.notebook_stems[0] == "BatchNormalization" and len(a2.notebooks) == 5
    assert "cs231n/solver.py" in a2.provided_files and a2.needs_data
    assert not set(a2.provided_files) & set(a2.student_files)
