"""``RELEASE.json``: what a release directory holds, so the service can register it and
notice when it has drifted.

It lists the assignment's id, title, notebooks and submission zip, and every other file
of the release with its sha256 and size. It has no timestamp: releasing the same master
twice gives the same bytes.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from pathlib import Path

from gradelab.manifest import Assignment
from release.drift import Difference, compare_digests, sha256

RECORD_NAME = "RELEASE.json"
RECORD_FORMAT = 1


def build_record(assignment: Assignment, files: Mapping[str, bytes]) -> bytes:
    """The record of a release holding ``files`` (which must not include the record)."""
    record = {
        "format": RECORD_FORMAT,
        "assignment": assignment.id,
        "title": assignment.title,
        "notebooks": list(assignment.notebooks),
        "submission_zip": assignment.submission_zip,
        "files": [
            {"path": path, "sha256": sha256(data), "size": len(data)}
            for path, data in sorted(files.items())
        ],
    }
    return (json.dumps(record, indent=2, sort_keys=True, ensure_ascii=False) + "\n").encode()


def read_record(release_dir: Path) -> dict:
    return json.loads((release_dir / RECORD_NAME).read_text(encoding="utf-8"))


def verify_record(release_dir: Path) -> list[Difference]:
    """How ``release_dir`` differs from its own record (no master needed)."""
    expected = {entry["path"]: entry["sha256"] for entry in read_record(release_dir)["files"]}
    differences = compare_digests(expected, release_dir)
    return [d for d in differences if not (d.kind == "extra" and d.path == RECORD_NAME)]
