"""Fetch an official data set into a data directory: download, verify, unpack, install.

For a source (see catalog) and a data directory ``DIR``::

    DIR/<dirname>/                  the set, in the course's layout (e.g. cifar-10-batches-py/)
    DIR/fetch_manifest.json         where each set came from and its archive's digests
    DIR/.downloads/<archive>.part   only while a download is unfinished (resumed next time)

A set that is already present and passes its layout check is left alone. Otherwise the
archive is downloaded (resuming a ``.part``), its size and digests are checked, it is
unpacked into a staging directory beside the target, the result is checked, and only then
renamed into place. Any failure after the download deletes the archive and the staging
directory, so the data directory never holds a half-written set or a bad archive.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal, TextIO

from grader.datasets.catalog import Source
from grader.datasets.download import download, part_path
from grader.datasets.errors import ArchiveCorrupt, ChecksumMismatch, DatasetInvalid, DownloadError
from grader.datasets.manifest import FetchManifest
from grader.datasets.unpack import locate, unpack

DOWNLOADS = ".downloads"


@dataclass(frozen=True)
class Fetched:
    name: str
    path: Path
    action: Literal["present", "fetched"]


@dataclass(frozen=True)
class FetchOptions:
    """How patient a fetch is with the network; the defaults suit a real download."""

    retries: int = 3
    retry_delay_s: float = 2.0
    timeout_s: float = 60.0


def fetch(
    source: Source,
    data_dir: Path,
    *,
    options: FetchOptions = FetchOptions(),
    stream: TextIO | None = None,
) -> Fetched:
    """Make ``data_dir/<source.dirname>`` a valid copy of ``source``; see the module docstring.

    Raises DownloadError, ChecksumMismatch or ArchiveCorrupt (all DatasetError).
    """
    stream = stream if stream is not None else sys.stderr
    data_dir = Path(data_dir).absolute()
    data_dir.mkdir(parents=True, exist_ok=True)
    target = data_dir / source.dirname
    if target.is_dir():
        try:
            source.check(target)
        except DatasetInvalid as exc:
            _say(stream, f"{source.name}: {target} is not usable ({exc}); fetching it again")
        else:
            _say(stream, f"{source.name}: already present in {target}")
            return Fetched(source.name, target, "present")

    downloads = data_dir / DOWNLOADS
    archive = downloads / source.archive
    manifest = FetchManifest(data_dir)
    try:
        if not archive.exists():
            _say(stream, f"{source.name}: downloading {source.url}")
            download(
                source.url,
                archive,
                expected_size=source.size,
                retries=options.retries,
                retry_delay_s=options.retry_delay_s,
                timeout_s=options.timeout_s,
                stream=stream,
            )
        _say(stream, f"{source.name}: verifying {source.archive}")
        digests = _verify(archive, source, manifest.get(source.name))
        _say(stream, f"{source.name}: unpacking into {target}")
        _install(archive, source, target)
    except (ChecksumMismatch, ArchiveCorrupt):
        archive.unlink(missing_ok=True)
        part_path(archive).unlink(missing_ok=True)
        _remove_if_empty(downloads)
        raise
    except DownloadError:
        _remove_if_empty(downloads)  # keeps a .part to resume from, if any
        raise

    manifest.record(
        source.name,
        {
            "url": source.url,
            "archive": source.archive,
            "dir": source.dirname,
            "fetched_at": datetime.now(UTC).isoformat(timespec="seconds"),
            **digests,
        },
    )
    archive.unlink()
    _remove_if_empty(downloads)
    _say(stream, f"{source.name}: ready in {target}")
    return Fetched(source.name, target, "fetched")


def _say(stream: TextIO, line: str) -> None:
    stream.write(line + "\n")
    stream.flush()


def file_digests(path: Path) -> dict:
    """{"bytes": size, "md5": hex, "sha256": hex} of a file, read once."""
    md5, sha256, size = hashlib.md5(), hashlib.sha256(), 0
    with open(path, "rb") as f:
        while block := f.read(1 << 20):
            md5.update(block)
            sha256.update(block)
            size += len(block)
    return {"bytes": size, "md5": md5.hexdigest(), "sha256": sha256.hexdigest()}


def _verify(archive: Path, source: Source, previous: dict | None) -> dict:
    retry = (
        "The download is damaged or the server sent another file; it was deleted. Run "
        "`gradelab data fetch` again, or fetch from a mirror (--cifar10-url/--coco-url)."
    )
    digests = file_digests(archive)
    if source.size is not None and digests["bytes"] != source.size:
        raise ChecksumMismatch(
            str(archive), "size", f"{source.size} bytes", f"{digests['bytes']} bytes", retry
        )
    for kind in ("md5", "sha256"):
        expected = getattr(source, kind)
        if expected is not None and digests[kind] != expected.lower():
            raise ChecksumMismatch(
                str(archive), kind.upper(), expected.lower(), digests[kind], retry
            )
    pinned = (
        previous is not None
        and source.md5 is None
        and source.sha256 is None
        and previous.get("url") == source.url
        and previous.get("sha256")
    )
    if pinned and digests["sha256"] != previous["sha256"]:
        raise ChecksumMismatch(
            str(archive),
            "SHA-256",
            f"{previous['sha256']} (recorded when it was first fetched, {previous.get('fetched_at')})",
            digests["sha256"],
            "The archive at this URL changed since, or this download is damaged; it was "
            "deleted. Fetch again; if the publisher did change it, pass --sha256 with the "
            "new digest (or delete the entry in fetch_manifest.json).",
        )
    return digests


def _install(archive: Path, source: Source, target: Path) -> None:
    staging = Path(tempfile.mkdtemp(prefix=f".{source.dirname}.unpack-", dir=target.parent))
    try:
        unpack(archive, source.kind, staging)
        found = locate(archive, staging, source.dirname, source.members)
        try:
            source.check(found)
        except DatasetInvalid as exc:
            raise ArchiveCorrupt(
                f"{archive} unpacks to an unusable {source.dirname}/: {exc}. The archive was "
                "deleted; check that the URL serves the official archive."
            ) from exc
        found.chmod(0o755)
        if target.exists() or target.is_symlink():
            os.rename(target, staging / ".replaced")  # removed with the staging directory
        os.rename(found, target)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _remove_if_empty(directory: Path) -> None:
    try:
        directory.rmdir()
    except OSError:
        pass  # not empty (a .part kept for resuming) or not there
