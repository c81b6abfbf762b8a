"""Fingerprints are cached per entry digest: a report after one more submission reads only
that one, gives the same pairs, and a damaged cache file is read again from the entry.
Worker processes give the same report as one process."""

from __future__ import annotations

import hashlib
from dataclasses import replace

from similarity.engine import Inputs, Options, compare
from similarity.report import SUBMISSION
from similarity.sources import UploadedSubmission
from tests.similarity.builders import (
    DISGUISED_LAYERS,
    LAYERS,
    LOOPS_LAYERS,
    REFERENCE_LAYERS,
    VECTORISED_LAYERS,
    submission,
    zip_bytes,
)
from tests.similarity.conftest import DEFAULT_THRESHOLD


def uploads(tmp_path, layers: dict[str, str]) -> dict[str, bytes]:
    return {name: zip_bytes(submission(tmp_path / name, {LAYERS: text})) for name, text in layers.items()}


def pairs(report) -> list[tuple]:
    return [(p.a, p.b, p.share, tuple((m.a, m.b, m.share) for m in p.matches)) for p in report.code]


def test_one_more_submission_reads_only_that_one(a2_setup, tmp_path):
    stored = uploads(tmp_path, {"alice": REFERENCE_LAYERS, "bob": LOOPS_LAYERS, "carol": VECTORISED_LAYERS})
    loaded: list[str] = []

    def load(source: UploadedSubmission) -> UploadedSubmission:
        """As the service does: the upload's bytes only when its fingerprints are not cached."""
        loaded.append(source.name)
        return replace(source, data=stored[source.name])

    def run() -> object:
        sources = [UploadedSubmission(name, SUBMISSION, digest=hashlib.sha256(data).hexdigest(), filename=f"{name}.zip")
                   for name, data in stored.items()]
        setup = replace(a2_setup, cache_dir=tmp_path / "cache")
        return compare(Inputs(setup, sources, load=load), Options(threshold=DEFAULT_THRESHOLD, workers=1, floor=0.0))

    first = run()
    assert sorted(loaded) == ["alice", "bob", "carol"]
    loaded.clear()
    stored.update(uploads(tmp_path, {"dave": DISGUISED_LAYERS}))
    second = run()
    assert loaded == ["dave"]
    assert [p for p in pairs(second) if "dave" not in p[:2]] == pairs(first)
    assert second.pair("alice", "dave").flagged(DEFAULT_THRESHOLD)

    # A cache file cut short is not trusted: the entry is read again and the file rewritten.
    damaged = next((tmp_path / "cache").rglob(f"{hashlib.sha256(stored['bob']).hexdigest()}.npz"))
    damaged.write_bytes(damaged.read_bytes()[:100])
    loaded.clear()
    assert pairs(run()) == pairs(second)
    assert loaded == ["bob"]


def test_worker_processes_give_the_same_report(report_of, tmp_path):
    paths = [submission(tmp_path / name, {LAYERS: text}) for name, text in
             (("alice", REFERENCE_LAYERS), ("bob", DISGUISED_LAYERS), ("carol", LOOPS_LAYERS),
              ("dan", VECTORISED_LAYERS))]
    one, two = report_of(*paths, workers=1, floor=0.0), report_of(*paths, workers=2, floor=0.0)
    assert pairs(one) == pairs(two) and len(pairs(one)) == 6


def test_worker_processes_share_the_parents_cache(report_of, a2_setup, tmp_path):
    """The cache's key is the same text in every process (a set's order is not), so what
    workers store, the next report finds."""
    paths = [submission(tmp_path / name, {LAYERS: text}) for name, text in
             (("alice", REFERENCE_LAYERS), ("bob", DISGUISED_LAYERS), ("carol", LOOPS_LAYERS),
              ("dan", VECTORISED_LAYERS))]
    setup = replace(a2_setup, cache_dir=tmp_path / "cache")
    report_of(*paths, setup=setup, workers=2)
    stored = sorted(p.name for p in (tmp_path / "cache").rglob("*.npz"))
    assert len(stored) == 4
    report_of(*paths, setup=setup, workers=2)
    assert sorted(p.name for p in (tmp_path / "cache").rglob("*.npz")) == stored
    assert len({p.parent for p in (tmp_path / "cache").rglob("*.npz")}) == 1


def test_an_unchanged_archive_is_not_read_again(report_of, a2_setup, tmp_path):
    """Archive entries carry a digest of their listing (folders) or bytes (zips): cached,
    nothing of them is read; touched, the changed one is read again."""
    from similarity.sources import archive_sources

    archive = tmp_path / "archive"
    submission(archive / "one" / "assignment2", {LAYERS: LOOPS_LAYERS})
    submission(archive / "two" / "assignment2", {LAYERS: VECTORISED_LAYERS})
    first, _ = archive_sources(archive)
    assert all(source.digest for source in first)
    same, _ = archive_sources(archive)
    assert [s.digest for s in same] == [s.digest for s in first]
    (archive / "two" / "assignment2" / LAYERS).write_text(VECTORISED_LAYERS + "\n# edited\n")
    changed, _ = archive_sources(archive)
    assert [s.digest == f.digest for s, f in zip(changed, first, strict=True)] == [True, False]
