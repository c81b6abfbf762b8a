"""The pipeline as a whole: what ships, and how each kind of file is treated."""

from __future__ import annotations

import json
from pathlib import Path

from gradelab.manifest import load_manifest
from release import build_release, read_master
from release.pipeline import Pipeline, release_steps
from release.preprocessors import ClearSolutions, DropHidden, ExcludePaths

MASTER = Path(__file__).parent / "fixtures" / "master"


def test_selection_runs_first_and_syntax_check_last():
    steps = release_steps(load_manifest(MASTER))
    assert [type(s) for s in steps[:2]] == [DropHidden, ExcludePaths]
    assert type(steps[-1]).__name__ == "CheckSyntax"


def test_the_release_holds_the_shippable_files_plus_the_generated_ones(master):
    (master / "cs231n/__pycache__").mkdir()
    (master / "cs231n/__pycache__/layers.cpython-311.pyc").write_bytes(b"\0\1")
    (master / ".ipynb_checkpoints").mkdir()
    (master / ".ipynb_checkpoints/Alpha-checkpoint.ipynb").write_text("### BEGIN SOLUTION")
    (master / "cs231n/datasets/cifar-10-batches-py").mkdir()
    (master / "cs231n/datasets/cifar-10-batches-py/data_batch_1").write_bytes(b"\x80data")
    assert sorted(build_release(master).files) == [
        "Alpha.ipynb",
        "Beta.ipynb",
        "README.md",
        "RELEASE.json",
        "collect_submission.py",
        "collect_submission.sh",
        "cs231n/__init__.py",
        "cs231n/classifiers/__init__.py",
        "cs231n/classifiers/net.py",
        "cs231n/datasets/get_datasets.sh",
        "cs231n/layers.py",
        "cs231n/notebook_images/pixel.png",
    ]


def test_other_files_are_copied_byte_for_byte(master):
    files = build_release(master).files
    for path in [
        "cs231n/notebook_images/pixel.png",
        "README.md",
        "cs231n/datasets/get_datasets.sh",
    ]:
        assert files[path] == (master / path).read_bytes()


def test_notebooks_come_out_cleared_normalised_and_ending_in_one_newline(master):
    released = build_release(master).files["Alpha.ipynb"]
    assert released.endswith(b"}\n") and not released.endswith(b"\n\n")
    nb = json.loads(released)
    assert all(c.get("outputs", []) == [] for c in nb["cells"])
    assert "### BEGIN SOLUTION" not in released.decode()
    assert nb["metadata"]["kernelspec"]["name"] == "python3"
    assert [c["id"] for c in nb["cells"]][:2] == ["a0-title", "a1-setup"]


def test_a_pipeline_runs_the_steps_it_is_given(master):
    class Shout(ClearSolutions):
        def preprocess_source(self, source, where):
            return super().preprocess_source(source, where).upper()

    pipeline = Pipeline([DropHidden(), Shout()])
    data = read_master(master)["cs231n/layers.py"]
    assert pipeline.transform("cs231n/layers.py", data).startswith(b'"""TWO TINY LAYERS.')
