"""Fixtures for the release tests: a private copy of the fixture master, and the CLI."""

from __future__ import annotations

import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest

FIXTURES = Path(__file__).parent / "fixtures"
MASTER = FIXTURES / "master"
REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def master(tmp_path: Path) -> Path:
    """A copy of fixtures/master that a test may change."""
    return Path(shutil.copytree(MASTER, tmp_path / "master"))


@pytest.fixture
def fixture_notebook() -> Callable[[str], nbformat.NotebookNode]:
    """Reads a notebook of the fixture master, as the pipeline does."""
    from release.notebooks import read_notebook

    def read(name: str) -> nbformat.NotebookNode:
        return read_notebook((MASTER / name).read_bytes(), name)

    return read


@pytest.fixture
def gradelab() -> Callable[..., subprocess.CompletedProcess[str]]:
    """Runs `gradelab ARGS...` in a subprocess from the repository root."""

    def run(*args: object, cwd: Path = REPO_ROOT) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "gradelab", *map(str, args)],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=300,
        )

    return run
