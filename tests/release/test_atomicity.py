"""Writing a release replaces the old one whole, or leaves it exactly as it was."""

from __future__ import annotations

import pytest

from release import build_release
from release.tree import read_tree, write_tree


def test_a_failed_release_leaves_the_old_one_intact(master, tmp_path, gradelab):
    dst = tmp_path / "assignments/fx"
    assert gradelab("release", master, "--out", dst).returncode == 0
    before = read_tree(dst)

    layers = master / "cs231n/layers.py"
    layers.write_text(layers.read_text() + "\n\ndef broken(x):\n    ### BEGIN SOLUTION\n")
    result = gradelab("release", master, "--out", dst)
    assert result.returncode == 1
    assert "never closed" in result.stderr
    assert read_tree(dst) == before
    assert [p.name for p in dst.parent.iterdir()] == ["fx"]


def test_a_failure_while_writing_leaves_the_old_tree_and_no_debris(tmp_path):
    dst = tmp_path / "release"
    write_tree({"keep.txt": b"old\n"}, dst)
    # "a" cannot be both a file and a folder: the write fails half-way.
    with pytest.raises(OSError):
        write_tree({"a": b"file", "a/b": b"under a file", "new.txt": b"new"}, dst)
    assert read_tree(dst) == {"keep.txt": b"old\n"}
    assert [p.name for p in tmp_path.iterdir()] == ["release"]


def test_a_new_release_replaces_every_file_of_the_old_one(master, tmp_path):
    dst = tmp_path / "out" / "release"
    write_tree({"stale.py": b"x = 1\n", "cs231n/old.py": b"y = 2\n"}, dst)
    files = build_release(master).files
    write_tree(files, dst)
    assert read_tree(dst) == files
    assert [p.name for p in dst.parent.iterdir()] == ["release"]
