"""The same master gives the same bytes: files, record and zip, wherever it lies."""

from __future__ import annotations

import shutil

from release import build_release
from release.student_zip import student_zip
from release.tree import read_tree


def test_two_releases_are_identical_byte_for_byte(master, tmp_path, gradelab):
    moved = shutil.copytree(master, tmp_path / "elsewhere" / "fx-master")
    outputs = []
    for index, src in enumerate([master, moved]):
        dst, zip_path = tmp_path / f"out{index}", tmp_path / f"fx{index}.zip"
        result = gradelab("release", src, "--out", dst, "--zip", zip_path)
        assert result.returncode == 0, result.stderr
        outputs.append((read_tree(dst), zip_path.read_bytes()))
    assert outputs[0] == outputs[1]


def test_building_twice_in_one_process_gives_the_same_files_and_zip(master):
    first, second = build_release(master), build_release(master)
    assert first.files == second.files
    assert list(first.files) == sorted(first.files)
    assert student_zip(first.files, "fx") == student_zip(second.files, "fx")
