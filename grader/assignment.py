"""Finding an assignment's master directory; its manifest is gradelab.manifest."""

from __future__ import annotations

from pathlib import Path

from gradelab.manifest import MANIFEST_NAME, Assignment, ManifestError, load_manifest
from grader.errors import AssignmentNotFound

__all__ = ["Assignment", "find_assignment", "load_assignment"]


def load_assignment(master_dir: Path) -> Assignment:
    try:
        return load_manifest(master_dir)
    except ManifestError as exc:
        raise AssignmentNotFound(str(exc)) from None


def find_assignment(name_or_path: str | Path, solutions_dir: Path) -> Assignment:
    """``"a2"`` (looked up under solutions/) or a path to a master directory."""
    candidate = Path(name_or_path)
    if candidate.is_dir() and (candidate / MANIFEST_NAME).exists():
        return load_assignment(candidate)
    if (solutions_dir / str(name_or_path) / MANIFEST_NAME).exists():
        return load_assignment(solutions_dir / str(name_or_path))
    available = sorted(p.parent.name for p in solutions_dir.glob(f"*/{MANIFEST_NAME}"))
    raise AssignmentNotFound(f"unknown assignment {name_or_path!r}; available: {', '.join(available) or 'none'}")
