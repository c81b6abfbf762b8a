"""Checked extraction of a data set archive into a staging directory.

A damaged archive (truncated gzip stream, zip without its central directory, a member whose
CRC fails) and an archive holding anything but plain files and folders inside the staging
directory (absolute paths, ``..``, links, devices) raise ArchiveCorrupt. The caller owns the
staging directory and removes it whatever happens.
"""

from __future__ import annotations

import tarfile
import zipfile
import zlib
from pathlib import Path, PurePosixPath

from grader.datasets.errors import ArchiveCorrupt

_FETCH_AGAIN = "It was deleted; run `gradelab data fetch` again to download a fresh copy."


def unpack(archive: Path, kind: str, staging: Path) -> None:
    """Extract ``archive`` (kind "tar.gz" or "zip") into the existing directory ``staging``."""
    if kind == "tar.gz":
        _unpack_tar(archive, staging)
    elif kind == "zip":
        _unpack_zip(archive, staging)
    else:
        raise ValueError(f"unknown archive kind {kind!r}")


def _unpack_tar(archive: Path, staging: Path) -> None:
    try:
        with tarfile.open(archive, "r:gz") as tar:
            members = tar.getmembers()  # reads the whole stream: finds truncation early
            for member in members:
                if not (member.isfile() or member.isdir()):
                    raise ArchiveCorrupt(
                        f"{archive}: member {member.name} is not a plain file or folder. "
                        + _FETCH_AGAIN
                    )
                _check_member_path(archive, member.name)
            tar.extractall(staging, members=members, filter="data")
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise ArchiveCorrupt(
            f"{archive}: the archive is truncated or damaged ({type(exc).__name__}: {exc}). "
            + _FETCH_AGAIN
        ) from exc


def _unpack_zip(archive: Path, staging: Path) -> None:
    try:
        with zipfile.ZipFile(archive) as zf:
            bad = zf.testzip()
            if bad is not None:
                raise ArchiveCorrupt(
                    f"{archive}: member {bad} fails its CRC check. " + _FETCH_AGAIN
                )
            for info in zf.infolist():
                _check_member_path(archive, info.filename)
                if (info.external_attr >> 16) & 0o170000 == 0o120000:
                    raise ArchiveCorrupt(
                        f"{archive}: member {info.filename} is a link. " + _FETCH_AGAIN
                    )
            zf.extractall(staging)
    except (zipfile.BadZipFile, EOFError, zlib.error, OSError) as exc:
        raise ArchiveCorrupt(
            f"{archive}: not a readable zip file, probably truncated ({type(exc).__name__}: "
            f"{exc}). " + _FETCH_AGAIN
        ) from exc


def _check_member_path(archive: Path, name: str) -> None:
    path = PurePosixPath(name)
    if path.is_absolute() or ".." in path.parts or "\\" in name:
        raise ArchiveCorrupt(
            f"{archive}: member {name} would land outside the data directory. " + _FETCH_AGAIN
        )


def locate(archive: Path, staging: Path, dirname: str, members: tuple[str, ...]) -> Path:
    """The unpacked copy of ``dirname`` inside ``staging`` (where ``archive`` was unpacked).

    Archives normally hold ``dirname/`` at the top; one that holds the files themselves at
    its top level is accepted too (they are moved into ``dirname/``). Raises ArchiveCorrupt
    when required ``members`` are missing.
    """
    found = staging / dirname
    if not found.is_dir() and all((staging / m).is_file() for m in members):
        found.mkdir()
        for entry in list(staging.iterdir()):
            if entry != found:
                entry.rename(found / entry.name)
    missing = [m for m in members if not (found / m).is_file()]
    if missing:
        top = sorted(p.name for p in staging.iterdir())
        raise ArchiveCorrupt(
            f"{archive}: does not hold {dirname}/ with {', '.join(missing)} (its top level: "
            f"{', '.join(top) or 'nothing'}). It was deleted; check that the URL serves the "
            "official archive."
        )
    return found
