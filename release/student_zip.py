"""The release as one zip for students: the same bytes every time it is built.

Members are in path order under one folder named for the assignment (``a2/...``), with a
fixed timestamp (1980-01-01, the zip format's earliest) and fixed permissions.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Mapping

from release.tree import is_executable

FIXED_DATE = (1980, 1, 1, 0, 0, 0)
_UNIX = 3  # ZipInfo.create_system for Unix, so the permission bits are read back


def student_zip(files: Mapping[str, bytes], folder: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(files):
            info = zipfile.ZipInfo(f"{folder}/{path}", date_time=FIXED_DATE)
            info.create_system = _UNIX
            info.compress_type = zipfile.ZIP_DEFLATED
            mode = 0o755 if is_executable(path) else 0o644
            info.external_attr = (0o100000 | mode) << 16  # a regular file with this mode
            archive.writestr(info, files[path], compresslevel=9)
    return buffer.getvalue()
