"""Checking an upload before anything of it is stored.

The grading engine's reader does the work (zip safety: absolute paths, ``..``, links,
member count, bombs; notebooks through nbformat); this module only turns its verdict
into the service's 4xx errors, and decides what kind of file an upload is.
"""

from __future__ import annotations

from pathlib import Path, PurePosixPath

from gradelab.settings import Settings
from grader.assignment import load_assignment
from grader.errors import AssignmentNotFound, SubmissionInvalid
from grader.submission import read_submission
from server.errors import InvalidInput, UnsupportedUpload

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members, an empty zip


def safe_filename(raw: str | None) -> str:
    """The upload's base name, without any directory part a client sent."""
    name = PurePosixPath((raw or "").replace("\\", "/")).name.strip()
    if not name or name in (".", "..") or len(name) > 255 or any(ord(c) < 32 for c in name):
        raise InvalidInput("the uploaded file needs a plain file name, like a2_code_submission.zip or Dropout.ipynb")
    return name


def upload_kind(path: Path, head: bytes) -> str:
    """``zip`` or ``notebook``; anything else is refused (415)."""
    if head.startswith(ZIP_MAGIC):
        return "zip"
    if path.suffix.lower() == ".ipynb":
        return "notebook"
    raise UnsupportedUpload(f"{path.name} is neither a zip nor a notebook (.ipynb); upload the zip made by "
                            "collect_submission, or one notebook of the assignment")


def validate_submission(path: Path, master: Path, settings: Settings) -> None:
    """Raise InvalidInput unless ``path`` is a gradable submission of the master's assignment."""
    try:
        assignment = load_assignment(master)
    except AssignmentNotFound as exc:
        raise InvalidInput(f"the assignment cannot take submissions: {exc}") from None
    try:
        files = read_submission(path, assignment, max_members=settings.zip_max_members,
                                max_bytes=settings.zip_max_uncompressed_bytes)
    except SubmissionInvalid as exc:
        raise InvalidInput(str(exc)) from None
    if files.unreadable:
        problems = "; ".join(f"{stem}.ipynb: {why}" for stem, why in sorted(files.unreadable.items()))
        raise InvalidInput(f"{problems}. Open the notebook in Jupyter, save it, and submit again.")
