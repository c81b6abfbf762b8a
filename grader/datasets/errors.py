"""What can go wrong while fetching, checking or writing a data set.

::

    DatasetError                 anything below; catch this one at the CLI
    ├── DownloadError            the server could not be reached or stopped answering
    ├── ChecksumMismatch         the bytes arrived but are not the published archive
    ├── ArchiveCorrupt           the archive does not unpack, or unpacks to the wrong files
    └── DatasetInvalid           a data directory on disk is incomplete or malformed

Every message names the file or URL concerned, what was expected and what was found,
and what to do next.
"""

from __future__ import annotations


class DatasetError(Exception):
    """Base class: a data set could not be provided."""


class DownloadError(DatasetError):
    """The archive could not be downloaded (network, HTTP status, server gave up)."""


class ChecksumMismatch(DatasetError):
    """The downloaded archive's size or digest differs from the expected one."""

    def __init__(self, path: str, kind: str, expected: str, got: str, hint: str) -> None:
        self.path, self.kind, self.expected, self.got = path, kind, expected, got
        super().__init__(f"{path}: {kind} mismatch: expected {expected}, got {got}. {hint}")


class ArchiveCorrupt(DatasetError):
    """The archive is damaged (bad CRC, truncated) or lacks the members it must hold."""


class DatasetInvalid(DatasetError):
    """A data set directory does not have the on-disk layout the course code reads."""
