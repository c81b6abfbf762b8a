"""Where entries come from, read lazily: submissions (zips or folders, or uploads held by
the service), an archive of known solutions, and the template.

Submissions are read by the grader's own reader (:func:`grader.submission.read_submission`,
with its checks on zips). An archive is a folder, or a zip, of repositories: each child is
one entry, laid out like a submission or holding the assignment's folder somewhere inside
(``assignment2/cs231n/...``, ``cs231n-2026/assignments/a2/...``); the folder holding the
most of the assignment's files is taken. A child where none is found is skipped with the
reason, like an unreadable zip.

A source is small and picklable (a path, or the bytes of one upload): worker processes
read it, so only a few entries are in memory at a time.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from gradelab.manifest import Assignment
from grader.errors import SubmissionInvalid
from grader.submission import (
    SubmissionFiles,
    checked_members,
    open_zip,
    read_member,
    read_submission,
)
from similarity.layout import Layout
from similarity.report import ARCHIVE, SUBMISSION

#: How deep inside a repository the assignment's folder is looked for.
MAX_ROOT_DEPTH = 6
#: Caps for an archive entry (repositories carry data sets; only code and notebooks are read).
ARCHIVE_MAX_MEMBERS = 500_000
ARCHIVE_MAX_BYTES = 64 << 30
ENTRY_MAX_BYTES = 200 << 20
#: Folders of a repository never worth walking.
_SKIPPED_DIRS = {".git", "__pycache__", ".ipynb_checkpoints", "node_modules", ".venv", "venv", "__MACOSX"}


class SourceUnreadable(Exception):
    """An entry that cannot be compared; the message is the reason the report shows."""


@dataclass(frozen=True)
class Source:
    """One entry to read. ``digest`` is known up front for uploads (the service keeps it),
    so a cached entry is never even loaded."""

    name: str
    kind: str                          # SUBMISSION or ARCHIVE
    digest: str | None = None
    ref: str = ""                      # what the caller knows it by (the service: the submission id)

    def read(self, assignment: Assignment, layout: Layout) -> dict[str, bytes]:
        """relative path (from the assignment's folder) -> bytes; raises SourceUnreadable."""
        raise NotImplementedError


@dataclass(frozen=True)
class PathSubmission(Source):
    """A submission zip, folder or notebook on disk."""

    path: Path = Path()

    def read(self, assignment: Assignment, layout: Layout) -> dict[str, bytes]:
        try:
            return read_submission(self.path, assignment, validate_notebooks=False).files
        except SubmissionInvalid as exc:
            raise SourceUnreadable(str(exc)) from None
        except OSError as exc:
            raise SourceUnreadable(f"{self.path} cannot be read ({exc.strerror or exc})") from None


@dataclass(frozen=True)
class UploadedSubmission(Source):
    """An upload the service holds: its bytes and the file name it came with."""

    filename: str = ""
    data: bytes = b""

    def read(self, assignment: Assignment, layout: Layout) -> dict[str, bytes]:
        with tempfile.TemporaryDirectory(prefix="similarity-") as work:
            upload = Path(work) / Path(self.filename).name
            upload.write_bytes(self.data)
            return PathSubmission(self.name, self.kind, path=upload).read(assignment, layout)


@dataclass(frozen=True)
class ArchiveFolder(Source):
    """A repository cloned into the archive folder."""

    path: Path = Path()

    def read(self, assignment: Assignment, layout: Layout) -> dict[str, bytes]:
        return folder_files(self.path, layout)


@dataclass(frozen=True)
class ArchiveZip(Source):
    """A zip in the archive folder, or one repository (a top folder) of an archive zip."""

    path: Path = Path()
    prefix: str = ""                   # the repository's folder inside the zip ("" for all of it)

    def read(self, assignment: Assignment, layout: Layout) -> dict[str, bytes]:
        return zip_files(self.path, layout, self.prefix)


def folder_files(folder: Path, layout: Layout) -> dict[str, bytes]:
    """The assignment's files found in ``folder``, by path from the assignment's folder."""
    listing = list(_walk(folder))
    root = find_root(listing, layout)
    files, total = {}, 0
    for relative in listing:
        inside = _under(relative, root)
        if inside is not None and layout.compares(inside):
            path = folder / relative
            try:
                total += path.stat().st_size
                if total > ENTRY_MAX_BYTES:
                    raise SourceUnreadable(f"its code and notebooks exceed {ENTRY_MAX_BYTES >> 20} MiB")
                files[inside] = path.read_bytes()
            except OSError as exc:
                raise SourceUnreadable(f"{relative} cannot be read ({exc.strerror or exc})") from None
    return files


def zip_files(path: Path, layout: Layout, prefix: str = "") -> dict[str, bytes]:
    """:func:`folder_files` for a zip (its members under ``prefix``), read with the
    grader's checks on zips."""
    try:
        with open_zip(path) as archive:
            members = checked_members(archive, max_members=ARCHIVE_MAX_MEMBERS, max_bytes=ARCHIVE_MAX_BYTES)
            names = [m.filename[len(prefix):] for m in members if not m.is_dir() and m.filename.startswith(prefix)]
            root = find_root(names, layout)
            files = {}
            for name in names:
                inside = _under(name, root)
                if inside is not None and layout.compares(inside):
                    files[inside] = read_member(archive, prefix + name)
            return files
    except SubmissionInvalid as exc:
        raise SourceUnreadable(str(exc)) from None


def _walk(root: Path) -> Iterator[str]:
    """Relative paths of the .py and .ipynb files under ``root`` (links not followed)."""
    for directory, folders, files in os.walk(root):
        folders[:] = sorted(f for f in folders if f not in _SKIPPED_DIRS)
        base = Path(directory).relative_to(root)
        for name in sorted(files):
            if name.endswith((".py", ".ipynb")) and not (Path(directory) / name).is_symlink():
                yield (base / name).as_posix()


def _under(path: str, root: str) -> str | None:
    if not root:
        return path
    return path[len(root) + 1:] if path.startswith(root + "/") else None


def find_root(paths: Iterable[str], layout: Layout) -> str:
    """The folder (relative, "" for the top) holding the most of the assignment's files:
    its notebooks and the package files students edit. Raises SourceUnreadable when there
    is none."""
    scores: dict[str, int] = {}
    for path in paths:
        parts = PurePosixPath(path).parts
        for depth in range(min(len(parts), MAX_ROOT_DEPTH + 1)):
            rest = "/".join(parts[depth:])
            if layout.marks_root(rest):
                root = "/".join(parts[:depth])
                scores[root] = scores.get(root, 0) + 1
    if not scores:
        raise SourceUnreadable(
            f"none of the assignment's files ({', '.join([*layout.student_files[:3], *layout.notebooks[:2]])}, ...) "
            f"within {MAX_ROOT_DEPTH} folders: not laid out like a submission or the assignment's folder")
    return max(scores, key=lambda root: (scores[root], -root.count("/") if root else 1))


def submissions_from_paths(paths: list[Path]) -> list[Source]:
    """Submissions named on the command line, each called by its file or folder name
    (with its parent's name added where two are called alike)."""
    stems = [Path(p).name.removesuffix(".zip") for p in paths]
    names = []
    for path, stem in zip(paths, stems, strict=True):
        name = stem if stems.count(stem) == 1 else f"{Path(path).resolve().parent.name}/{stem}"
        while name in names:
            name += "'"
        names.append(name)
    # A zip's digest is its bytes' (cheap: no unpacking), so a cached one is never opened.
    return [PathSubmission(name, SUBMISSION, digest=file_digest(path) if Path(path).is_file() else None, path=Path(path))
            for name, path in zip(names, paths, strict=True)]


def archive_sources(archive: Path) -> tuple[list[Source], list[tuple[str, str]]]:
    """The entries of an archive folder or zip, and (name, reason) for children that are
    neither a folder nor a zip."""
    archive = Path(archive)
    sources: list[Source] = []
    refused: list[tuple[str, str]] = []
    if archive.is_dir():
        for child in sorted(archive.iterdir()):
            name = f"archive/{child.name}"
            if child.name.startswith(".") or child.is_symlink():
                continue
            if child.is_dir():
                sources.append(ArchiveFolder(name, ARCHIVE, digest=listing_digest(child), path=child))
            elif zipfile.is_zipfile(child):
                sources.append(ArchiveZip(name, ARCHIVE, digest=file_digest(child), path=child))
            else:
                refused.append((name, "neither a folder nor a zip; an archive holds one of these per repository"))
        return sources, refused
    if not zipfile.is_zipfile(archive):
        raise SourceUnreadable(f"the archive {archive} is neither a folder nor a zip")
    with zipfile.ZipFile(archive) as opened:
        names = [n for n in opened.namelist() if not n.endswith("/")]
    tops = sorted({PurePosixPath(n).parts[0] for n in names if len(PurePosixPath(n).parts) > 1} - {"__MACOSX"})
    whole = file_digest(archive)
    for top in tops:
        digest = hashlib.sha256(f"{whole}\0{top}".encode()).hexdigest()
        sources.append(ArchiveZip(f"archive/{top}", ARCHIVE, digest=digest, path=archive, prefix=top + "/"))
    loose = [n for n in names if len(PurePosixPath(n).parts) == 1]
    for name in loose:
        refused.append((f"archive/{name}", "a file at the top of the archive zip; each repository is a folder"))
    return sources, refused


def template_files(template: Path, layout: Layout) -> dict[str, bytes]:
    """The starter code students began from: a folder or zip laid out like the assignment's
    folder (the release, or a course's own starter). Raises SourceUnreadable."""
    template = Path(template)
    if template.is_dir():
        return folder_files(template, layout)
    if zipfile.is_zipfile(template):
        return zip_files(template, layout)
    raise SourceUnreadable(f"the template {template} is neither a folder nor a zip")


def content_digest(files: dict[str, bytes]) -> str:
    return SubmissionFiles(files).digest()


def listing_digest(folder: Path) -> str:
    """A digest of the code and notebooks under ``folder`` from their paths, sizes and
    modification times: a repository whose files did not change is not read again (a
    cloned archive is not edited in place, and a changed file changes its time)."""
    digest = hashlib.sha256()
    for relative in _walk(folder):
        stat = (folder / relative).stat()
        digest.update(f"{relative}\0{stat.st_size}\0{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
