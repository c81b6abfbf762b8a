"""The student release an assignment serves for download, as one zip.

Where it comes from:

- a release directory, as ``gradelab release`` writes it (it holds ``RELEASE.json``):
  ``assignments/<id>`` at registration when it is one, or the ``release_dir`` an
  instructor names;
- the master itself, released in memory by the release package, at registration when
  there is no release directory;
- a release bundle: that directory as a zip (``gradelab release --zip``), uploaded by an
  instructor later to replace it.

Only files are read here: nothing of the assignment's code is imported.
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path, PurePosixPath

from release.record import RECORD_NAME
from server.errors import InvalidInput

#: A release bundle is the assignment's starter files: far fewer than this many.
MAX_BUNDLE_MEMBERS = 5000


def zip_release_dir(directory: Path, assignment_id: str) -> bytes:
    """The student zip of the release directory ``directory`` (checked to be ``assignment_id``'s)."""
    from release.record import read_record
    from release.student_zip import student_zip
    from release.tree import read_tree

    directory = Path(directory)
    if not (directory / RECORD_NAME).is_file():
        raise InvalidInput(f"{directory} is not a release directory (no {RECORD_NAME}); "
                           f"write one with `gradelab release solutions/{assignment_id} --out {directory}`")
    record = read_record(directory)
    if record.get("assignment") != assignment_id:
        raise InvalidInput(f"{directory} is the release of {record.get('assignment')!r}, not of {assignment_id!r}")
    return student_zip(read_tree(directory), assignment_id)


def zip_from_master(master: Path) -> bytes:
    """Release the master ``master`` in memory and zip it."""
    from release.errors import ReleaseError
    from release.generate import build_release
    from release.student_zip import student_zip

    try:
        release = build_release(Path(master))
    except ReleaseError as exc:
        raise InvalidInput(f"the master {master} cannot be released: {exc}") from None
    return student_zip(release.files, release.assignment.id)


def check_bundle(data: bytes, assignment_id: str) -> None:
    """Refuse an uploaded bundle that is not a safe zip holding ``assignment_id``'s RELEASE.json."""
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise InvalidInput("the release bundle is not a zip; make it with `gradelab release SRC --zip FILE`") from None
    with archive:
        names = archive.namelist()
        if len(names) > MAX_BUNDLE_MEMBERS:
            raise InvalidInput(f"the release bundle has {len(names)} entries; at most {MAX_BUNDLE_MEMBERS}")
        for name in names:
            path = PurePosixPath(name)
            if path.is_absolute() or ".." in path.parts or "\\" in name:
                raise InvalidInput(f"the release bundle entry {name!r} has an absolute or parent path")
        records = [n for n in names if PurePosixPath(n).name == RECORD_NAME and len(PurePosixPath(n).parts) <= 2]
        if not records:
            raise InvalidInput(f"the release bundle has no {RECORD_NAME}; make it with `gradelab release SRC --zip FILE`")
        try:
            record = json.loads(archive.read(records[0]))
        except (ValueError, KeyError) as exc:
            raise InvalidInput(f"the bundle's {RECORD_NAME} is unreadable: {exc}") from None
    if record.get("assignment") != assignment_id:
        raise InvalidInput(f"the bundle is the release of {record.get('assignment')!r}, not of {assignment_id!r}")
