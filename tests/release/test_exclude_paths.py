from __future__ import annotations

import pytest

from release.preprocessors import ExcludePaths

PATTERNS = [
    "grading/**",
    "assignment.toml",
    "**/__pycache__/**",
    "cs231n/datasets/cifar-10-batches-py/**",
    "notes/*.txt",
]


@pytest.mark.parametrize(
    "path",
    [
        "grading/rubric.py",
        "assignment.toml",
        "__pycache__/x.pyc",
        "cs231n/classifiers/__pycache__/net.cpython-311.pyc",
        "cs231n/datasets/cifar-10-batches-py/data_batch_1",
        "notes/todo.txt",
    ],
)
def test_paths_matching_a_pattern_are_excluded(path: str):
    assert not ExcludePaths(PATTERNS).keep(path)


@pytest.mark.parametrize(
    "path",
    [
        "cs231n/layers.py",
        "cs231n/assignment.toml",  # the pattern names the top-level file only
        "cs231n/datasets/get_datasets.sh",
        "notes/deep/todo.txt",  # * stays within one folder
        "gradingX/rubric.py",
    ],
)
def test_other_paths_are_kept(path: str):
    assert ExcludePaths(PATTERNS).keep(path)
