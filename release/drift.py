"""How a release directory on disk differs from what the master generates."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from release.tree import list_tree

#: Folders that using a release in place leaves behind (importing it, opening it in
#: Jupyter, running pytest in it). They are not part of the release and not drift.
LEFTOVER_DIRS = frozenset({"__pycache__", ".ipynb_checkpoints", ".pytest_cache"})


@dataclass(frozen=True)
class Difference:
    kind: Literal["differs", "missing", "extra"]  # missing: expected but not on disk
    path: str

    def __str__(self) -> str:
        return f"{self.kind}: {self.path}"


def is_leftover(path: str) -> bool:
    return any(part in LEFTOVER_DIRS for part in path.split("/"))


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def compare_digests(expected: Mapping[str, str], root: Path) -> list[Difference]:
    """Each file of ``root`` whose sha256 is not the expected one, or that is missing or extra.

    ``expected`` maps paths (relative, with ``/``) to sha256 hex digests.
    """
    on_disk = [path for path in list_tree(root) if not is_leftover(path)] if root.is_dir() else []
    found = set(on_disk)
    differences = [Difference("missing", path) for path in expected if path not in found]
    for path in on_disk:
        if path not in expected:
            differences.append(Difference("extra", path))
        elif sha256((root / path).read_bytes()) != expected[path]:
            differences.append(Difference("differs", path))
    return sorted(differences, key=lambda d: (d.path, d.kind))


def compare_tree(files: Mapping[str, bytes], root: Path) -> list[Difference]:
    """How ``root`` differs from holding exactly ``files`` (leftover caches aside)."""
    return compare_digests({path: sha256(data) for path, data in files.items()}, root)
