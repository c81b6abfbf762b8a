"""``assignment.toml``: the one description of an assignment, read by the release tool,
the grader and the service alike.

::

    [assignment]   id, title, package, notebooks (file names, in the course's order),
                   submission_zip
    [submission]   student_files (what students edit), provided_files (replaced by pristine
                   copies when grading)
    [release]      exclude (globs never shipped to students)
    [grading]      needs_data (the rubric reads the profile's data sets)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

MANIFEST_NAME = "assignment.toml"


class ManifestError(Exception):
    """assignment.toml is missing or malformed; the message says which field to fix."""


@dataclass(frozen=True)
class Assignment:
    id: str                          # e.g. "a2"
    title: str
    package: str                     # the code package students edit, e.g. "cs231n"
    notebooks: tuple[str, ...]       # file names, in the order the collect scripts check them
    submission_zip: str              # what collect_submission writes, e.g. "a2_code_submission.zip"
    student_files: tuple[str, ...]
    provided_files: tuple[str, ...]
    exclude: tuple[str, ...]
    needs_data: bool
    master_dir: Path

    @property
    def notebook_stems(self) -> tuple[str, ...]:
        return tuple(PurePosixPath(name).stem for name in self.notebooks)

    @property
    def grading_dir(self) -> Path:
        return self.master_dir / "grading"


def load_manifest(master_dir: Path) -> Assignment:
    """Read ``<master_dir>/assignment.toml``."""
    path = Path(master_dir) / MANIFEST_NAME
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ManifestError(f"{path} does not exist: an assignment master directory (like solutions/a2) "
                            f"holds {MANIFEST_NAME}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ManifestError(f"{path} is not valid TOML: {exc}") from None

    def get(table: str, key: str, kind: type, default: object = None) -> object:
        value = data.get(table, {}).get(key, default)
        if value is None:
            raise ManifestError(f"{path}: [{table}] has no {key!r}; add it")
        if kind is bool:
            if not isinstance(value, bool):
                raise ManifestError(f"{path}: [{table}].{key} must be true or false")
            return value
        items = value if isinstance(value, list) else [value]
        if not isinstance(value, kind) or not all(isinstance(item, str) for item in items):
            what = "a list of strings" if kind is list else "a string"
            raise ManifestError(f"{path}: [{table}].{key} must be {what}")
        return tuple(value) if kind is list else value

    return Assignment(
        id=get("assignment", "id", str),
        title=get("assignment", "title", str),
        package=get("assignment", "package", str),
        notebooks=get("assignment", "notebooks", list),
        submission_zip=get("assignment", "submission_zip", str),
        student_files=get("submission", "student_files", list),
        provided_files=get("submission", "provided_files", list, default=[]),
        exclude=get("release", "exclude", list, default=[]),
        needs_data=get("grading", "needs_data", bool, default=False),
        master_dir=Path(master_dir).resolve(),
    )
