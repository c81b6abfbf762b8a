from __future__ import annotations

import hashlib
import json

from release import build_release
from release.drift import Difference
from release.record import RECORD_NAME, read_record, verify_record
from release.tree import write_tree


def test_the_record_lists_the_assignment_and_every_other_file_with_its_hash(master):
    files = build_release(master).files
    record = json.loads(files[RECORD_NAME])
    assert record["assignment"] == "fx"
    assert record["title"] == "Fixture assignment for the release tests"
    assert record["notebooks"] == ["Alpha.ipynb", "Beta.ipynb"]
    assert record["submission_zip"] == "fx_code_submission.zip"
    listed = {entry["path"]: entry for entry in record["files"]}
    assert sorted(listed) == sorted(set(files) - {RECORD_NAME})
    for path, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(files[path]).hexdigest()
        assert entry["size"] == len(files[path])
    assert "time" not in files[RECORD_NAME].decode().lower()


def test_verify_record_finds_drift_without_the_master(master, tmp_path):
    dst = tmp_path / "release"
    write_tree(build_release(master).files, dst)
    assert read_record(dst)["assignment"] == "fx"
    assert verify_record(dst) == []

    (dst / "cs231n/layers.py").write_text("edited by hand\n")
    (dst / "Beta.ipynb").unlink()
    (dst / "stray.txt").write_text("x")
    (dst / "cs231n/__pycache__").mkdir()
    (dst / "cs231n/__pycache__/layers.cpython-311.pyc").write_bytes(b"\0")
    assert verify_record(dst) == [
        Difference("missing", "Beta.ipynb"),
        Difference("differs", "cs231n/layers.py"),
        Difference("extra", "stray.txt"),
    ]
