"""Read a submission and stage it for the sandbox.

A submission is one of:
- a zip: ours from ``collect_submission`` or the course's ``a2_code_submission.zip``
  (notebooks at the root, ``cs231n/**/*.py``), or the same inside one top-level folder;
- a directory laid out the same way;
- a single notebook of the assignment: only that notebook's checks are graded.

Reading checks the zip before extracting anything (no absolute paths, no ``..``, no
links, a cap on members and on uncompressed bytes, no member that expands far beyond its
compressed size) and takes only what grading uses: the assignment's notebooks and the
package's ``.py`` files. Nothing from the submission is imported or executed here.

Staging writes a fresh directory: the student's ``.py`` files and notebooks, then our
pristine copies of the course-provided files over whatever was submitted in their place.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import stat
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import nbformat

from grader.assignment import Assignment
from grader.errors import SubmissionInvalid

#: A member whose uncompressed size exceeds its compressed size this many times is a bomb.
MAX_COMPRESSION_RATIO = 200


@dataclass
class SubmissionFiles:
    """The useful content of a submission: relative posix path -> bytes."""

    files: dict[str, bytes]
    graded_notebooks: list[str] | None = None      # None: every part
    unreadable: dict[str, str] = field(default_factory=dict)  # notebook stem -> reason

    def digest(self) -> str:
        h = hashlib.sha256()
        for path in sorted(self.files):
            h.update(path.encode() + b"\0" + hashlib.sha256(self.files[path]).digest())
        return h.hexdigest()


def is_graded_file(path: str, assignment: Assignment) -> bool:
    """Whether ``path`` (relative to the layout's root) is read: a notebook of the assignment
    or a .py file of its package."""
    parts = PurePosixPath(path).parts
    if len(parts) == 1:
        return path in assignment.notebooks
    return parts[0] == assignment.package and path.endswith(".py") and "__pycache__" not in parts


def layout_root(names: list[str], assignment: Assignment) -> str:
    """'' when the layout starts at the root, else the one folder that holds it."""
    for name in names:
        parts = PurePosixPath(name).parts
        if len(parts) == 1 and name in assignment.notebooks or parts[:1] == (assignment.package,):
            return ""
    # macOS's "Compress" adds __MACOSX/<folder>/._* resource forks beside the folder.
    prefixes = {PurePosixPath(n).parts[0] for n in names if len(PurePosixPath(n).parts) > 1} - {"__MACOSX"}
    return next(iter(prefixes)) + "/" if len(prefixes) == 1 else ""


def checked_members(archive: zipfile.ZipFile, *, max_members: int, max_bytes: int) -> list[zipfile.ZipInfo]:
    """The members of ``archive`` once each is known safe to read: no absolute or parent
    path, no link, at most ``max_members`` of them and ``max_bytes`` in all, no bomb.
    Raises SubmissionInvalid naming the member at fault."""
    members = archive.infolist()
    if len(members) > max_members:
        raise SubmissionInvalid(f"the zip has {len(members)} entries; at most {max_members} are accepted")
    total = 0
    for info in members:
        name = info.filename
        if name.startswith("/") or "\\" in name or PurePosixPath(name).is_absolute() or \
                ".." in PurePosixPath(name).parts or (len(name) > 1 and name[1] == ":"):
            raise SubmissionInvalid(f"the zip entry {name!r} has an absolute or parent path; "
                                    "zip the assignment folder's contents with relative paths")
        mode = info.external_attr >> 16
        if stat.S_ISLNK(mode):
            raise SubmissionInvalid(f"the zip entry {name!r} is a symbolic link; links are not accepted")
        total += info.file_size
        if total > max_bytes:
            raise SubmissionInvalid(f"the zip expands to more than {max_bytes} bytes; "
                                    "leave data sets and checkpoints out of the submission")
        if info.file_size > 1 << 20 and info.file_size > MAX_COMPRESSION_RATIO * max(info.compress_size, 1):
            raise SubmissionInvalid(f"the zip entry {name!r} expands {info.file_size // max(info.compress_size, 1)}x; "
                                    "this looks like a compression bomb")
    return members


def open_zip(path: Path) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise SubmissionInvalid(f"{path.name} is not a readable zip file ({exc}); make the zip with "
                                f"collect_submission (or upload a single .ipynb)") from None


def read_member(archive: zipfile.ZipFile, name: str) -> bytes:
    try:
        return archive.read(name)
    except (zipfile.BadZipFile, OSError, RuntimeError) as exc:  # CRC errors, encrypted
        raise SubmissionInvalid(f"the zip entry {name!r} cannot be read ({exc})") from None


def read_zip(path: Path, assignment: Assignment, *, max_members: int, max_bytes: int) -> SubmissionFiles:
    with open_zip(path) as archive:
        members = checked_members(archive, max_members=max_members, max_bytes=max_bytes)
        names = [m.filename for m in members if not m.is_dir()]
        prefix = layout_root(names, assignment)
        files = {}
        for name in names:
            relative = name[len(prefix):] if prefix and name.startswith(prefix) else name
            if is_graded_file(relative, assignment):
                files[relative] = read_member(archive, name)
    return SubmissionFiles(files)


def read_directory(path: Path, assignment: Assignment, *, max_bytes: int) -> SubmissionFiles:
    files, total = {}, 0
    for file in sorted(path.rglob("*")):
        if file.is_symlink() or not file.is_file():
            continue
        relative = file.relative_to(path).as_posix()
        if is_graded_file(relative, assignment):
            total += file.stat().st_size
            if total > max_bytes:
                raise SubmissionInvalid(f"the submission holds more than {max_bytes} bytes of code and notebooks")
            files[relative] = file.read_bytes()
    return SubmissionFiles(files)


def read_submission(path: Path, assignment: Assignment, *, max_members: int = 2000,
                    max_bytes: int = 200 << 20, validate_notebooks: bool = True) -> SubmissionFiles:
    """The gradable content of ``path``; raises SubmissionInvalid saying what to upload instead.

    ``validate_notebooks=False`` keeps notebooks nbformat would reject (a reader that
    only needs their JSON, like the similarity report, saves the schema check)."""
    path = Path(path)
    if not path.exists():
        raise SubmissionInvalid(f"{path} does not exist")
    if path.is_dir():
        submission = read_directory(path, assignment, max_bytes=max_bytes)
    elif path.suffix == ".ipynb":
        if path.name not in assignment.notebooks:
            raise SubmissionInvalid(f"{path.name} is not a notebook of {assignment.id}; expected one of "
                                    f"{', '.join(assignment.notebooks)}")
        submission = SubmissionFiles({path.name: path.read_bytes()}, graded_notebooks=[path.stem])
    elif zipfile.is_zipfile(path):
        submission = read_zip(path, assignment, max_members=max_members, max_bytes=max_bytes)
    else:
        raise SubmissionInvalid(f"{path.name} is neither a zip, a directory nor a notebook; submit the zip "
                                "made by collect_submission or one .ipynb")
    if not submission.files:
        raise SubmissionInvalid(
            f"nothing of {assignment.id} found in {path.name}: expected the notebooks "
            f"({', '.join(assignment.notebooks)}) at the top level and {assignment.package}/**/*.py"
        )
    if validate_notebooks:
        _check_notebooks(submission)
    return submission


def _check_notebooks(submission: SubmissionFiles) -> None:
    """Drop notebooks nbformat cannot read, remembering why (their checks say so)."""
    for name in [p for p in submission.files if p.endswith(".ipynb")]:
        try:
            notebook = nbformat.reads(submission.files[name].decode("utf-8"), as_version=4)
            nbformat.validate(notebook)
        except (UnicodeDecodeError, json.JSONDecodeError, nbformat.ValidationError, ValueError, KeyError,
                AttributeError, TypeError) as exc:
            submission.unreadable[PurePosixPath(name).stem] = f"not a valid notebook ({type(exc).__name__}: {str(exc)[:200]})"
            del submission.files[name]


def stage(submission: SubmissionFiles, assignment: Assignment, destination: Path) -> list[str]:
    """Write the staged submission into ``destination``; returns the student's files present."""
    destination.mkdir(parents=True, exist_ok=False)
    for relative, data in submission.files.items():
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    for relative in assignment.provided_files:
        source = assignment.master_dir / relative
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    for directory in [destination, *destination.rglob("*")]:
        directory.chmod(0o755 if directory.is_dir() else 0o644)
    return sorted(p for p in submission.files if p not in assignment.provided_files)
