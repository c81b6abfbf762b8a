"""`gradelab release --check`: the drift test the project runs on assignments/a2."""

from __future__ import annotations

from release import build_release
from release.drift import Difference, compare_tree
from release.tree import list_tree, read_tree, write_tree


def test_check_passes_on_a_fresh_release_and_lists_each_drifted_file(master, tmp_path, gradelab):
    dst = tmp_path / "fx"
    write_tree(build_release(master).files, dst)
    before = read_tree(dst)

    ok = gradelab("release", master, "--out", dst, "--check")
    assert ok.returncode == 0, ok.stderr
    assert "is up to date" in ok.stdout

    (dst / "cs231n/layers.py").write_text("# edited by hand\n")
    (dst / "Beta.ipynb").unlink()
    (dst / "notes.txt").write_text("extra\n")
    drifted = gradelab("release", master, "--out", dst, "--check")
    assert drifted.returncode == 1
    assert (
        "  missing: Beta.ipynb\n  differs: cs231n/layers.py\n  extra: notes.txt\n" in drifted.stderr
    )
    # --check wrote nothing.
    assert (dst / "cs231n/layers.py").read_text() == "# edited by hand\n"
    assert set(list_tree(dst)) == set(before) - {"Beta.ipynb"} | {"notes.txt"}


def test_a_change_in_the_master_is_drift(master, tmp_path):
    dst = tmp_path / "fx"
    write_tree(build_release(master).files, dst)
    (master / "README.md").write_text("changed\n")
    # The README and the record listing its hash both differ.
    assert compare_tree(build_release(master).files, dst) == [
        Difference("differs", "README.md"),
        Difference("differs", "RELEASE.json"),
    ]


def test_caches_left_by_using_the_release_in_place_are_not_drift(master, tmp_path):
    dst = tmp_path / "fx"
    files = build_release(master).files
    write_tree(files, dst)
    (dst / "cs231n/__pycache__").mkdir()
    (dst / "cs231n/__pycache__/layers.cpython-311.pyc").write_bytes(b"\0")
    (dst / ".ipynb_checkpoints").mkdir()
    (dst / ".ipynb_checkpoints/Alpha-checkpoint.ipynb").write_text("{}")
    assert compare_tree(files, dst) == []


def test_a_missing_release_directory_is_all_missing(master, tmp_path):
    files = build_release(master).files
    differences = compare_tree(files, tmp_path / "nowhere")
    assert differences == [Difference("missing", path) for path in sorted(files)]
