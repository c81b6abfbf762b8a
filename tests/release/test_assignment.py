from __future__ import annotations

import pytest

from release import build_release
from release.errors import AssignmentConfigError


def test_a_broken_manifest_is_a_release_error(tmp_path):
    with pytest.raises(AssignmentConfigError, match="assignment.toml does not exist"):
        build_release(tmp_path)


def test_a_listed_notebook_that_would_not_ship_is_refused(master):
    (master / "Beta.ipynb").unlink()
    with pytest.raises(AssignmentConfigError, match="would not hold: Beta.ipynb"):
        build_release(master)


def test_a_master_with_its_own_collect_script_is_refused(master):
    (master / "collect_submission.sh").write_text("echo hand-written\n")
    with pytest.raises(AssignmentConfigError, match="collect_submission.sh; the release generates"):
        build_release(master)
