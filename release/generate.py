"""Building the student release of an assignment master, in memory.

Nothing is written here: :func:`build_release` returns every file of the release, so the
CLI can write it (atomically), compare it with a directory (``--check``) or zip it.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from gradelab.manifest import MANIFEST_NAME, Assignment, ManifestError, load_manifest
from release.collect import SCRIPT_NAMES, collect_scripts
from release.errors import AssignmentConfigError
from release.leaks import check_no_leaks
from release.pipeline import Pipeline, release_steps
from release.preprocessors import ClearSolutions
from release.record import RECORD_NAME, build_record
from release.tree import read_tree

#: Files the release adds; a master holding its own copy is refused rather than overwritten.
GENERATED = (*SCRIPT_NAMES, RECORD_NAME)


@dataclass(frozen=True)
class Release:
    assignment: Assignment
    files: dict[str, bytes]  # relative path -> bytes, sorted by path: the whole release
    regions_replaced: int  # solution regions turned into TODO stubs


def read_assignment(src: Path) -> Assignment:
    """The master's manifest; a broken one is an AssignmentConfigError like any other."""
    try:
        return load_manifest(src)
    except ManifestError as exc:
        raise AssignmentConfigError(str(exc)) from None


def read_master(src: Path) -> dict[str, bytes]:
    """The master files that ship (before any step changes them), by relative path."""
    return read_tree(src, Pipeline(release_steps(read_assignment(src))).keep)


def build_release(src: Path) -> Release:
    """Every file of the student release of the master ``src``.

    Raises a :class:`~release.errors.ReleaseError` (bad markers, invalid notebook, code
    that would not parse, leaked solution material ...) rather than return a bad release.
    """
    assignment = read_assignment(src)
    steps = release_steps(assignment)
    pipeline = Pipeline(steps)
    master = read_tree(src, pipeline.keep)
    _check_master(assignment, master, src)

    files = {path: pipeline.transform(path, data) for path, data in master.items()}
    files.update(collect_scripts(assignment))
    files[RECORD_NAME] = build_record(assignment, files)
    check_no_leaks(files, master)

    regions = sum(s.regions_replaced for s in steps if isinstance(s, ClearSolutions))
    return Release(assignment, dict(sorted(files.items())), regions)


def _check_master(assignment: Assignment, master: dict[str, bytes], src: Path) -> None:
    absent = [p for p in (*assignment.notebooks, *assignment.student_files) if p not in master]
    if absent:
        raise AssignmentConfigError(
            f"{src / MANIFEST_NAME} names files the release would not hold: {', '.join(absent)}. "
            "Add them to the master, or check [release].exclude."
        )
    clashing = [p for p in GENERATED if p in master]
    if clashing:
        raise AssignmentConfigError(
            f"{src} has its own {', '.join(clashing)}; the release generates these. Remove them."
        )
