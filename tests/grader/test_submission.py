import io
import json
import stat
import zipfile

import pytest

from grader.errors import SubmissionInvalid
from grader.submission import read_submission, stage


def make_zip(path, members, *, symlink=None):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.external_attr = (stat.S_IFLNK | 0o777) << 16
            archive.writestr(info, "/etc/passwd")
    return path


def notebook_bytes(toy_submission):
    return (toy_submission / "Toy.ipynb").read_bytes()


def test_course_layout_zip_keeps_only_what_grading_uses(tmp_path, toy, toy_submission):
    path = make_zip(tmp_path / "s.zip", {
        "Toy.ipynb": notebook_bytes(toy_submission), "toy/ops.py": "x = 1\n", "toy/extra/helper.py": "y = 2\n",
        "toy/__pycache__/ops.cpython-311.pyc": b"\0", "data/big.bin": b"0" * 100, "Other.ipynb": b"{}",
        "makepdf.py": "",
    })
    files = read_submission(path, toy).files
    assert sorted(files) == ["Toy.ipynb", "toy/extra/helper.py", "toy/ops.py"]


def test_a_zip_of_the_folder_is_accepted(tmp_path, toy, toy_submission):
    path = make_zip(tmp_path / "s.zip", {"assignment2/Toy.ipynb": notebook_bytes(toy_submission),
                                         "assignment2/toy/ops.py": "x = 1\n"})
    assert sorted(read_submission(path, toy).files) == ["Toy.ipynb", "toy/ops.py"]


def test_a_folder_zipped_on_macos_is_accepted(tmp_path, toy, toy_submission):
    path = make_zip(tmp_path / "s.zip", {"assignment2/Toy.ipynb": notebook_bytes(toy_submission),
                                         "assignment2/toy/ops.py": "x = 1\n",
                                         "__MACOSX/assignment2/toy/._ops.py": b"\0\5\26\7"})
    assert sorted(read_submission(path, toy).files) == ["Toy.ipynb", "toy/ops.py"]


@pytest.mark.parametrize("name, message", [
    ("/abs/toy/ops.py", "absolute or parent"), ("../toy/ops.py", "absolute or parent"),
    ("toy/../../x.py", "absolute or parent"), ("C:/toy/ops.py", "absolute or parent"),
])
def test_unsafe_member_paths_are_refused(tmp_path, toy, name, message):
    path = make_zip(tmp_path / "s.zip", {name: "x = 1\n"})
    with pytest.raises(SubmissionInvalid, match=message):
        read_submission(path, toy)


def test_links_bombs_and_floods_are_refused(tmp_path, toy):
    with pytest.raises(SubmissionInvalid, match="symbolic link"):
        read_submission(make_zip(tmp_path / "l.zip", {"toy/ops.py": "x"}, symlink="toy/link.py"), toy)
    with pytest.raises(SubmissionInvalid, match="compression bomb"):
        read_submission(make_zip(tmp_path / "b.zip", {"toy/ops.py": b"\0" * (50 << 20)}), toy)
    with pytest.raises(SubmissionInvalid, match="entries"):
        read_submission(make_zip(tmp_path / "m.zip", {f"toy/m{i}.py": "" for i in range(30)}), toy, max_members=20)
    with pytest.raises(SubmissionInvalid, match="expands to more than"):
        read_submission(make_zip(tmp_path / "s.zip", {"toy/ops.py": "x" * 5000}), toy, max_bytes=1000)


def test_not_a_submission(tmp_path, toy):
    (tmp_path / "notes.txt").write_text("hello")
    with pytest.raises(SubmissionInvalid, match="neither a zip"):
        read_submission(tmp_path / "notes.txt", toy)
    with pytest.raises(SubmissionInvalid, match="nothing of toy found"):
        read_submission(make_zip(tmp_path / "e.zip", {"README.md": "hi"}), toy)
    (tmp_path / "Wrong.ipynb").write_text("{}")
    with pytest.raises(SubmissionInvalid, match="not a notebook of toy"):
        read_submission(tmp_path / "Wrong.ipynb", toy)
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(SubmissionInvalid):
        read_submission(broken, toy)


def test_single_notebook_grades_only_its_part(toy, toy_submission):
    submission = read_submission(toy_submission / "Toy.ipynb", toy)
    assert submission.graded_notebooks == ["Toy"] and list(submission.files) == ["Toy.ipynb"]


def test_an_invalid_notebook_is_dropped_with_its_reason(tmp_path, toy):
    path = make_zip(tmp_path / "s.zip", {"Toy.ipynb": json.dumps({"cells": "nope"}), "toy/ops.py": "x = 1\n"})
    submission = read_submission(path, toy)
    assert "Toy.ipynb" not in submission.files and "not a valid notebook" in submission.unreadable["Toy"]


def test_staging_puts_pristine_provided_files_over_the_students(tmp_path, toy, toy_submission):
    (toy_submission / "toy" / "helpers.py").write_text("def mean_squared(x):\n    return 0.0  # tampered\n")
    submission = read_submission(toy_submission, toy)
    present = stage(submission, toy, tmp_path / "staged")
    staged = (tmp_path / "staged" / "toy" / "helpers.py").read_text()
    assert "tampered" not in staged and "x**2" in staged
    assert present == ["Toy.ipynb", "toy/ops.py"]
    assert not (tmp_path / "staged" / "grading").exists()


def test_digest_depends_on_content_only(tmp_path, toy, toy_submission):
    first = read_submission(toy_submission, toy).digest()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in ("toy/ops.py", "Toy.ipynb", "toy/__init__.py", "toy/helpers.py"):
            archive.write(toy_submission / name, name)
    (tmp_path / "same.zip").write_bytes(buffer.getvalue())
    assert read_submission(tmp_path / "same.zip", toy).digest() == first
    (toy_submission / "toy" / "ops.py").write_text("changed = True\n")
    assert read_submission(toy_submission, toy).digest() != first
