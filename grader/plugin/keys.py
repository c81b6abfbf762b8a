"""Stash keys shared by the plugin's modules."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from grader.plugin.reporter import Reporter
from grader.plugin.rubric import Rubric, RubricItem
from grader.run_spec import RunSpec


@dataclass
class RunState:
    spec: RunSpec
    rubric: Rubric
    reporter: Reporter
    deadline: float          # time.monotonic() by which the whole run must end


RUN_KEY = pytest.StashKey[RunState]()
SESSION_KEY = pytest.StashKey[Any]()              # the StudentSession, once started
RUBRIC_ITEM_KEY = pytest.StashKey[RubricItem]()   # on each test item
DETAILS_KEY = pytest.StashKey[dict]()             # on each test item: metrics and series
