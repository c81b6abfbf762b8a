"""A release as files on disk: listing and reading a tree, writing one atomically.

Paths are relative to the tree's root and use ``/`` on every platform.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path


def is_executable(path: str) -> bool:
    """Shell scripts ship executable; everything else is plain data."""
    return path.endswith(".sh")


def list_tree(root: Path) -> list[str]:
    """Every file under ``root`` (symlinked files included, symlinked folders not entered)."""
    found = []
    for dirpath, _dirnames, filenames in os.walk(root):
        rel = Path(dirpath).relative_to(root)
        found.extend((rel / name).as_posix() for name in filenames)
    return sorted(found)


def read_tree(root: Path, keep: Callable[[str], bool] = lambda path: True) -> dict[str, bytes]:
    """The bytes of each file under ``root`` that ``keep`` accepts; the others are not read."""
    return {path: (root / path).read_bytes() for path in list_tree(root) if keep(path)}


def write_tree(files: Mapping[str, bytes], dst: Path) -> None:
    """Make ``dst`` hold exactly ``files``, or leave it as it was.

    The tree is written into a hidden folder beside ``dst`` and swapped in by two renames
    (old out of the way, new in), so a failure while writing never touches the old tree,
    and a failed swap puts the old tree back.
    """
    dst.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{dst.name}.new-", dir=dst.parent))
    try:
        for path, data in files.items():
            target = staging / path
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(0o755 if is_executable(path) else 0o644)
        staging.chmod(0o755)  # mkdtemp made it private
        _swap_in(staging, dst)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _swap_in(staging: Path, dst: Path) -> None:
    if not dst.exists():
        os.rename(staging, dst)
        return
    old = staging.with_name(staging.name.replace(".new-", ".old-", 1))
    os.rename(dst, old)
    try:
        os.rename(staging, dst)
    except BaseException:
        os.rename(old, dst)
        raise
    shutil.rmtree(old)


def write_file(data: bytes, target: Path) -> None:
    """Write ``target`` through a temporary file beside it, so it is whole or untouched."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
