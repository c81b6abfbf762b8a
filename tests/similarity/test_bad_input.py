"""Bad input is skipped (or read in part) with the reason in the report, never a crash."""

from __future__ import annotations

import json
import zipfile

from tests.similarity.builders import DISGUISED_LAYERS, LAYERS, REFERENCE_LAYERS, submission


def test_each_bad_submission_is_skipped_with_its_reason(report_of, tmp_path):
    (tmp_path / "garbage.zip").write_bytes(b"PK\x03\x04 this is not really a zip")
    with zipfile.ZipFile(tmp_path / "escape.zip", "w") as archive:
        archive.writestr("../cs231n/layers.py", REFERENCE_LAYERS)
    (tmp_path / "empty").mkdir()
    (tmp_path / "notes.txt").write_text("not a submission")
    report = report_of(submission(tmp_path / "alice", {LAYERS: REFERENCE_LAYERS}), tmp_path / "garbage.zip",
                       tmp_path / "escape.zip", tmp_path / "empty", tmp_path / "notes.txt", tmp_path / "missing.zip")

    reasons = {s.name: s.reason for s in report.skipped}
    assert set(reasons) == {"garbage", "escape", "empty", "notes.txt", "missing"}
    assert "neither a zip" in reasons["garbage"]
    assert "absolute or parent path" in reasons["escape"]
    assert "nothing of a2 found" in reasons["empty"]
    assert "does not exist" in reasons["missing"]
    assert [e.name for e in report.entries] == ["alice"]


def test_unreadable_files_are_left_out_and_the_rest_compared(report_of, tmp_path):
    source = submission(tmp_path / "alice", {LAYERS: REFERENCE_LAYERS})
    broken = submission(tmp_path / "bob", {
        # The copy with a syntax error in one function: read as one block, still matched.
        LAYERS: DISGUISED_LAYERS.replace("def relu_forward(x):", "def relu_forward(x)"),
        "cs231n/classifiers/fc_net.py": b"\xff\xfe not utf-8 \x80",
        "PyTorch.ipynb": "{ this is not json",
    })
    notebook = broken / "Dropout.ipynb"
    cells = json.loads(notebook.read_text())
    cells["cells"].append({"cell_type": "code", "id": "magic", "metadata": {}, "outputs": [], "execution_count": None,
                           "source": "%matplotlib inline\n!pip install nothing\nkeep = [p for p in (0.25, 0.5)]\n"})
    notebook.write_text(json.dumps(cells))
    report = report_of(source, broken)

    notes = next(e.notes for e in report.entries if e.name == "bob")
    assert any(note.startswith("cs231n/layers.py: not valid Python (line") and "compared as one block" in note
               for note in notes)
    assert any(note.startswith("cs231n/classifiers/fc_net.py left out: ") and "not UTF-8" in note for note in notes)
    assert any(note.startswith("PyTorch.ipynb left out: ") and "not a notebook" in note for note in notes)
    assert len(notes) == 3  # the magics are IPython, not errors
    pair = report.pair("alice", "bob")
    assert pair.flagged(report.threshold) and pair.share > 0.8
    assert {m.b for m in pair.matches} == {"cs231n/layers.py::<file>"}
