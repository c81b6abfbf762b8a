"""Fixtures of the similarity tests: Assignment 2, its release as the template, and a
function that runs the engine on submission folders the way `gradelab similarity` does."""

from __future__ import annotations

from pathlib import Path

import pytest

from gradelab.manifest import load_manifest
from gradelab.settings import Settings
from similarity.engine import Inputs, Options, Setup, compare
from similarity.layout import layout_of
from similarity.sources import archive_sources, submissions_from_paths, template_files
from tests.similarity.builders import MASTER, RELEASE

#: The threshold a course gets unless it sets another.
DEFAULT_THRESHOLD = Settings.model_fields["similarity_threshold"].default


@pytest.fixture(scope="session")
def a2():
    return load_manifest(MASTER)


@pytest.fixture(scope="session")
def a2_setup(a2) -> Setup:
    layout = layout_of(a2)
    return Setup(a2, layout, template_files(RELEASE, layout))


@pytest.fixture
def report_of(a2_setup):
    """Run the engine on submission folders (and an archive folder or zip)."""

    def run(*paths: Path, archive: Path | None = None, setup: Setup | None = None, workers: int = 1, **options):
        entries, refused = archive_sources(archive) if archive else ([], [])
        inputs = Inputs(setup=setup or a2_setup, submissions=submissions_from_paths(list(paths)), archive=entries,
                        refused=[(name, "archive", reason) for name, reason in refused])
        return compare(inputs, Options(threshold=DEFAULT_THRESHOLD, workers=workers, **options))

    return run


def unit_names(pair) -> set[str]:
    """The functions (or cells, or questions) a pair names as matching, by their key's last part."""
    return {match.a.split("::")[-1] for match in pair.matching_units()}
