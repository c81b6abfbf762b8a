"""Fixtures a rubric test asks for.

- ``student``: the student's code, in the sandbox (``student.run(scenario, **inputs)``),
  with this item's time limit.
- ``reference``: the reference implementation, in process (same interface).
- ``rubric_item``, ``profile``, ``setting(key, default)``: this item and its per-profile
  settings from rubric.toml.
- ``hidden_rng``: a numpy Generator seeded per submission and per item from the secret
  seed, for the hidden cases.
- ``report``: record metrics and series (loss curves) that the reports show and plot.
- ``run_spec``: the whole run's description (data_dir, device ...).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from grader.plugin.keys import DETAILS_KEY, RUBRIC_ITEM_KEY, RUN_KEY, SESSION_KEY
from grader.plugin.proxies import ReferenceProxy, StudentProxy
from grader.plugin.rubric import RubricItem
from grader.plugin.series import SeriesRefused, bounded_series
from grader.run_spec import RunSpec
from grader.sandbox import SandboxSpec
from grader.sandbox.session import StudentSession
from grader.student_side.loader import Implementation


@pytest.fixture(scope="session")
def run_spec(pytestconfig: pytest.Config) -> RunSpec:
    return pytestconfig.stash[RUN_KEY].spec


@pytest.fixture(scope="session")
def student_session(pytestconfig: pytest.Config, run_spec: RunSpec) -> Iterator[StudentSession]:
    launcher = run_spec.sandbox.launcher()
    spec = SandboxSpec(runtime_dir=run_spec.runtime_dir, submission_dir=run_spec.submission_dir,
                       package=run_spec.package, inputs_dir=run_spec.inputs_dir, limits=run_spec.limits, device=run_spec.device)
    session = StudentSession(launcher, spec, run_deadline=pytestconfig.stash[RUN_KEY].deadline)
    pytestconfig.stash[SESSION_KEY] = session
    yield session
    session.close()


@pytest.fixture
def rubric_item(request: pytest.FixtureRequest) -> RubricItem:
    return request.node.stash[RUBRIC_ITEM_KEY]


@pytest.fixture
def student(student_session: StudentSession, rubric_item: RubricItem, run_spec: RunSpec) -> StudentProxy:
    return StudentProxy(student_session, rubric_item.timeout, run_spec.unreadable)


@pytest.fixture(scope="session")
def reference_impl(run_spec: RunSpec) -> Implementation:
    # On the CPU whatever the run's device: the trusted side only scores small evaluation
    # sets, and a process that never initialises CUDA can live under a plain memory cap.
    return Implementation(run_spec.assignment_dir, run_spec.package, device="cpu")


@pytest.fixture
def reference(reference_impl: Implementation) -> ReferenceProxy:
    return ReferenceProxy(reference_impl)


@pytest.fixture
def profile(run_spec: RunSpec) -> str:
    return run_spec.profile


@pytest.fixture
def setting(rubric_item: RubricItem, run_spec: RunSpec) -> Callable[..., Any]:
    def lookup(key: str, default: Any = None) -> Any:
        return rubric_item.setting(run_spec.profile, key, default)

    return lookup


@pytest.fixture
def hidden_rng(run_spec: RunSpec, rubric_item: RubricItem) -> np.random.Generator:
    return np.random.default_rng([run_spec.hidden_seed, zlib.crc32(rubric_item.id.encode())])


class Details:
    """Metrics and series a check records for the reports (plots of loss curves).

    A series usually comes from the sandbox: it is checked and bounded to ``max_points``
    (:mod:`grader.plugin.series`) before it is kept; one that is not numbers is left out
    with a note, and the check goes on to decide on its merits."""

    def __init__(self, store: dict[str, Any], max_points: int = 2000):
        self.store = store
        self.max_points = max_points

    def metric(self, name: str, value: float) -> None:
        self.store.setdefault("metrics", {})[name] = float(value)

    def series(self, name: str, values: Any, *, x_label: str = "iteration") -> None:
        try:
            self.store.setdefault("series", {})[name] = bounded_series(values, self.max_points, x_label=x_label)
        except SeriesRefused as exc:
            self.store.setdefault("notes", []).append(f"{name} is not drawn: it came back as {exc}.")


@pytest.fixture
def report(request: pytest.FixtureRequest, run_spec: RunSpec) -> Details:
    return Details(request.node.stash.setdefault(DETAILS_KEY, {}), run_spec.limits.series_max_points)
