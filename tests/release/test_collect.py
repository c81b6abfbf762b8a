"""The collect scripts, run for real on a release of the fixture."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from gradelab.manifest import load_manifest
from release import build_release
from release.collect import collect_scripts
from release.tree import write_tree

ZIP_NAME = "fx_code_submission.zip"
EXPECTED_MEMBERS = [
    "Alpha.ipynb",
    "Beta.ipynb",
    "cs231n/__init__.py",
    "cs231n/classifiers/__init__.py",
    "cs231n/classifiers/net.py",
    "cs231n/extra_module.py",
    "cs231n/layers.py",
]
COMMANDS = {
    "bash": ["bash", "collect_submission.sh"],
    "python": [sys.executable, "collect_submission.py"],
}


@pytest.fixture
def student_dir(master, tmp_path) -> Path:
    """A release of the fixture as a student has it after working: with a new module,
    caches, data and other clutter that must stay out of the zip."""
    root = tmp_path / "fx"
    write_tree(build_release(master).files, root)
    (root / "cs231n/extra_module.py").write_text("HELPER = 1\n")
    (root / "cs231n/__pycache__").mkdir()
    (root / "cs231n/__pycache__/layers.cpython-311.pyc").write_bytes(b"\0")
    (root / "cs231n/.ipynb_checkpoints").mkdir()
    (root / "cs231n/.ipynb_checkpoints/layers-checkpoint.py").write_text("x = 1\n")
    (root / "cs231n/datasets/cifar-10-batches-py").mkdir(parents=True)
    (root / "cs231n/datasets/cifar-10-batches-py/data_batch_1").write_bytes(b"\x80")
    (root / "makepdf.py").write_text("print('not part of the submission')\n")
    return root


def run(kind: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(COMMANDS[kind], cwd=cwd, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("kind", ["bash", "python"])
def test_the_zip_holds_the_notebooks_and_the_package_code_only(student_dir, kind):
    result = run(kind, student_dir)
    assert result.returncode == 0, result.stderr
    assert f"Wrote {ZIP_NAME}" in result.stdout
    with zipfile.ZipFile(student_dir / ZIP_NAME) as archive:
        assert archive.namelist() == EXPECTED_MEMBERS
        assert archive.read("cs231n/layers.py") == (student_dir / "cs231n/layers.py").read_bytes()
    assert not list(student_dir.glob("*.part"))


def test_the_bash_script_works_from_another_folder(student_dir, tmp_path):
    result = subprocess.run(
        ["bash", str(student_dir / "collect_submission.sh")],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert (student_dir / ZIP_NAME).is_file()


@pytest.mark.parametrize("kind", ["bash", "python"])
@pytest.mark.parametrize("missing", ["Beta.ipynb", "cs231n/classifiers/net.py"])
def test_a_missing_file_is_named_and_no_zip_is_written(student_dir, kind, missing):
    (student_dir / missing).unlink()
    result = run(kind, student_dir)
    assert result.returncode == 1
    assert f"error: {missing} is missing" in result.stderr
    assert f"{ZIP_NAME} was NOT written" in result.stderr
    assert not (student_dir / ZIP_NAME).exists()


def test_the_scripts_carry_the_assignments_names(master):
    assignment = load_manifest(master)
    scripts = {name: data.decode() for name, data in collect_scripts(assignment).items()}
    assert sorted(scripts) == ["collect_submission.py", "collect_submission.sh"]
    for text in scripts.values():
        assert ZIP_NAME in text
        assert "cs231n/classifiers/net.py" in text
        assert "Beta.ipynb" in text
    compile(scripts["collect_submission.py"], "collect_submission.py", "exec")
    # Standard library only.
    imports = [line for line in scripts["collect_submission.py"].splitlines() if "import" in line]
    assert imports == ["import os", "import sys", "import zipfile"]
