"""The service's state on disk is the service's alone: directories 0700, files 0600.

Set explicitly, not left to the umask (under the usual 022, SQLite made gradelab.db 0644
and ``mkdir`` made var/ 0755, readable by every local user: grades, tokens' hashes,
uploads). Created with the private mode from the start, then ``chmod``-ed, because the
umask can only remove bits: there is no moment when the path is open to others.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

log = logging.getLogger("gradelab.files")

DIRECTORY_MODE = 0o700
FILE_MODE = 0o600


def private_directory(path: Path, *, tighten_existing: bool = True) -> Path:
    """Make ``path`` (and any missing parents) with mode 0700. An existing ``path`` is set
    to 0700 unless ``tighten_existing`` is false (a directory an administrator chose);
    parents that existed are never changed."""
    path = Path(path)
    missing = []
    probe = path
    while not probe.exists():
        missing.append(probe)
        probe = probe.parent
    for directory in reversed(missing):
        try:
            directory.mkdir(mode=DIRECTORY_MODE)
        except FileExistsError:  # made meanwhile by another process: it tightens it too
            pass
        directory.chmod(DIRECTORY_MODE)
    if tighten_existing and not missing:
        try:
            path.chmod(DIRECTORY_MODE)
        except PermissionError:  # another user's directory: say so, but keep serving
            log.warning("%s belongs to another user and stays mode %o; make it the service's, mode 0700",
                        path, path.stat().st_mode & 0o777)
    return path


def private_file(path: Path) -> Path:
    """Create ``path`` empty with mode 0600 if it is missing; set an existing one to 0600.
    Never truncates (an empty file is also a valid, empty SQLite database).

    An existing file is never opened: closing any descriptor of a SQLite database drops every
    POSIX lock this process holds on it (fcntl semantics): another process then takes itself for
    the last connection, deletes the WAL when it closes, and this process's later commits go
    to the deleted file.
    """
    path = Path(path)
    try:
        descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, FILE_MODE)
    except FileExistsError:
        os.chmod(path, FILE_MODE)
        return path
    try:
        os.fchmod(descriptor, FILE_MODE)
    finally:
        os.close(descriptor)
    return path
