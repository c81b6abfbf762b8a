"""Checking an upload before anything of it is stored, reading as little of it as it can.

The grading engine's reader decides what a submission is (zip safety: absolute paths,
``..``, links, member count, total size, bombs; which members grading uses); this module
applies the same rules as a stream, so that an upload the service refuses costs it little:

- a zip's members are never all held at once: each member grading uses is read on its
  own, ``.py`` files only to check they are readable, notebooks to check they are notebooks;
- each notebook has a size cap (``upload_notebook_max_bytes``), checked against the zip's
  directory before a byte is inflated and again while the member is read (the directory
  may lie), so a 195 MB notebook in a 23 MB zip is refused after reading nothing of it;
- a notebook under the cap is held once: its bytes (one buffer) become text, then JSON,
  then a notebook, each dropped once the next is made (peak about twice its size, where
  ``nbformat.reads`` of bytes read whole took four times).

It turns every verdict into the service's 4xx errors, each naming the file at fault.
"""

from __future__ import annotations

import json
import zipfile
from pathlib import Path, PurePosixPath
from typing import IO

import nbformat
from nbformat import reader

from gradelab.settings import Settings
from grader.assignment import Assignment, load_assignment
from grader.errors import AssignmentNotFound, SubmissionInvalid

# The reader's layout rules, shared so that the service accepts what the grader reads.
from grader.submission import checked_members, is_graded_file, layout_root, open_zip
from server.errors import InvalidInput, UnsupportedUpload, UploadTooLarge

ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")  # a zip with members, an empty zip
#: Bytes read from a zip member at a time.
CHUNK_BYTES = 256 << 10


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
    """Raise a 4xx :class:`server.errors.ServiceError` unless ``path`` (a zip or one
    notebook) is a gradable submission of the master's assignment."""
    try:
        assignment = load_assignment(master)
    except AssignmentNotFound as exc:
        raise InvalidInput(f"the assignment cannot take submissions: {exc}") from None
    cap = settings.upload_notebook_max_bytes
    unreadable: dict[str, str] = {}
    if path.suffix == ".ipynb":  # the engine's order: a name ending .ipynb is a notebook
        if path.name not in assignment.notebooks:
            raise InvalidInput(f"{path.name} is not a notebook of {assignment.id}; expected one of "
                               f"{', '.join(assignment.notebooks)}")
        with open(path, "rb") as stream:
            _check_notebook(stream, path.name, path.stat().st_size, cap, unreadable)
        found = True
    elif zipfile.is_zipfile(path):
        try:
            found = _check_zip(path, assignment, settings, unreadable)
        except SubmissionInvalid as exc:
            raise InvalidInput(str(exc)) from None
    else:
        raise InvalidInput(f"{path.name} is neither a zip nor a notebook; submit the zip made by "
                           "collect_submission or one .ipynb")
    if not found:
        raise InvalidInput(f"nothing of {assignment.id} found in {path.name}: expected the notebooks "
                           f"({', '.join(assignment.notebooks)}) at the top level and {assignment.package}/**/*.py")
    if unreadable:
        problems = "; ".join(f"{name}: {why}" for name, why in sorted(unreadable.items()))
        raise InvalidInput(f"{problems}. Open the notebook in Jupyter, save it, and submit again.")


def _check_zip(path: Path, assignment: Assignment, settings: Settings, unreadable: dict[str, str]) -> bool:
    """Check each member grading would use, one at a time; True if there is any."""
    cap = settings.upload_notebook_max_bytes
    with open_zip(path) as archive:
        members = checked_members(archive, max_members=settings.zip_max_members,
                                  max_bytes=settings.zip_max_uncompressed_bytes)
        files = [member for member in members if not member.is_dir()]
        prefix = layout_root([member.filename for member in files], assignment)
        found = False
        for member in files:
            name = member.filename
            relative = name[len(prefix):] if prefix and name.startswith(prefix) else name
            if not is_graded_file(relative, assignment):
                continue
            found = True
            try:
                with archive.open(member) as stream:
                    if relative.endswith(".ipynb"):
                        _check_notebook(stream, relative, member.file_size, cap, unreadable)
                    else:
                        while stream.read(CHUNK_BYTES):  # inflating checks the CRC; nothing is kept
                            pass
            except (zipfile.BadZipFile, OSError, RuntimeError, EOFError) as exc:  # CRC, encrypted, truncated
                raise InvalidInput(f"the zip entry {name!r} cannot be read ({exc}); make the zip again with "
                                   "collect_submission") from None
    return found


def _check_size(name: str, size: int, cap: int) -> None:
    if size > cap:
        raise UploadTooLarge(
            f"{name} is {size:,} bytes; a notebook may be at most {cap:,} bytes. Clear the outputs you do "
            "not need (large images, long printouts: Edit > Clear Outputs of All Cells, then run the cells "
            "whose outputs count), save, and submit again.")


def _check_notebook(stream: IO[bytes], name: str, size: int, cap: int, unreadable: dict[str, str]) -> None:
    """Read ``stream``, ``size`` bytes by its directory entry or file system (at most
    ``cap``), into one buffer; note in ``unreadable`` why it is not a notebook nbformat
    accepts (the grader would skip its checks for the same reason)."""
    _check_size(name, size, cap)
    buffer = bytearray(size + 1)  # one byte more: a stream longer than it said shows itself
    view = memoryview(buffer)
    filled = 0
    while filled < len(buffer):
        chunk = stream.read(min(CHUNK_BYTES, len(buffer) - filled))
        if not chunk:
            break
        view[filled:filled + len(chunk)] = chunk
        filled += len(chunk)
    if filled > size:
        raise InvalidInput(f"{name} is longer than its zip entry says; make the zip again with collect_submission")
    try:
        text = str(view[:filled], "utf-8")
        view.release()
        del buffer  # held once: the text replaces the bytes, ...
        parsed = reader.parse_json(text)
        del text  # ... the parsed JSON the text, ...
        major, minor = reader.get_version(parsed)
        if major not in nbformat.versions:
            raise ValueError(f"nbformat {major} is not a notebook format nbformat knows")
        notebook = nbformat.versions[major].to_notebook_json(parsed, minor=minor)
        del parsed  # ... and the notebook the JSON (what nbformat.reads does, freeing as it goes)
        nbformat.validate(nbformat.convert(notebook, 4))
    except RecursionError:
        unreadable[name] = "not a valid notebook (its JSON is nested too deeply)"
    except (UnicodeDecodeError, json.JSONDecodeError, nbformat.ValidationError, ValueError, KeyError,
            AttributeError, TypeError) as exc:
        unreadable[name] = f"not a valid notebook ({type(exc).__name__}: {str(exc)[:200]})"
