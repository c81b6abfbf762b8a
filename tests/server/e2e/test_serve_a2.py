"""End to end with Assignment 2: the reference scores every automatic point, the student
release (all TODO stubs) scores none. Slow: it trains the small models of the smoke profile."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path, PurePosixPath

import pytest

from tests.server.processes import REPO, wait_for

A2 = REPO / "solutions" / "a2"
RELEASE_DIR = REPO / "assignments" / "a2"

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1800),
    pytest.mark.skipif(not (A2 / "grading" / "rubric.toml").exists(),
                       reason="the a2 rubric (solutions/a2/grading/rubric.toml) is not written yet"),
]


def submission_zip(files: dict[str, bytes]) -> bytes:
    """What collect_submission would zip: the notebooks and the cs231n package's .py files."""
    from grader.assignment import load_assignment

    notebooks = set(load_assignment(A2).notebooks)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            parts = PurePosixPath(path).parts
            if path in notebooks or (parts[0] == "cs231n" and path.endswith(".py") and "datasets" not in parts):
                archive.writestr(path, data)
    return buffer.getvalue()


def reference_files() -> dict[str, bytes]:
    return {p.relative_to(A2).as_posix(): p.read_bytes() for p in A2.rglob("*")
            if p.is_file() and "__pycache__" not in p.parts and p.relative_to(A2).parts[0] != "grading"}


def release_files() -> dict[str, bytes]:
    if (RELEASE_DIR / "RELEASE.json").is_file():
        return {p.relative_to(RELEASE_DIR).as_posix(): p.read_bytes() for p in RELEASE_DIR.rglob("*") if p.is_file()}
    from release.generate import build_release

    return build_release(A2).files


def test_the_reference_scores_everything_and_the_release_nothing(deployment, tmp_path):
    # The synthetic sets, made once: a fixed key names the same secret sets on every run.
    deployment.env.update(GRADELAB_DATA_DIR=str(REPO / "var" / "data"), GRADELAB_SECRET_KEY="tests: serve a2")
    deployment.start()
    ids = {}
    for name, files in (("reference", reference_files()), ("release", release_files())):
        path: Path = tmp_path / f"{name}" / "a2_code_submission.zip"
        path.parent.mkdir()
        path.write_bytes(submission_zip(files))
        done = deployment.submit(str(path), "--assignment", "a2", token=deployment.tokens["demo"])
        assert done.returncode == 0, done.stderr
        ids[name] = done.stdout.strip().splitlines()[-1]
    with deployment.client("instructor") as instructor:
        def graded():
            seen = {name: instructor.get(f"/api/v1/submissions/{i}").json() for name, i in ids.items()}
            return seen if all(s["status"] in ("done", "failed") for s in seen.values()) else None

        seen = wait_for(graded, 1700, "both a2 submissions to be graded", interval=5)
    reference, release = seen["reference"], seen["release"]
    assert reference["status"] == "done", reference["reason"]
    failed = {c["name"]: c.get("output") for c in reference["checks"] if c["status"] != "passed"}
    assert failed == {}, failed
    assert reference["score"]["automatic"] == reference["score"]["automatic_max"] > 0
    assert release["status"] == "done", release["reason"]
    assert release["score"]["automatic"] == 0 and release["score"]["automatic_max"] > 0
