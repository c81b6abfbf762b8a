"""The pytest hooks of a grading run (``pytest -p grader.plugin.hooks --gradelab-run RUN.json``).

- configure: register the ``rubric`` marker, read the run spec and rubric.toml, set up the
  reporter, put the assignment's grading/ directory on sys.path (for ``scenarios``).
- collection: every test names exactly one rubric item and every automatic item has a
  test; tests run in rubric order.
- setup: a check of a part that was not submitted is skipped as "not submitted".
- report: each check's exception becomes an outcome and a message (not a pytest
  traceback), attached to the report; the reporter (registered as a plugin, the way
  junitxml is) records it from ``pytest_runtest_logreport``.
- session finish: results.json is written.
"""

from __future__ import annotations

import sys
import time
import traceback
from pathlib import Path

import pytest

from grader import errors
from grader.plugin import fixtures
from grader.plugin.keys import DETAILS_KEY, RUBRIC_ITEM_KEY, RUN_KEY, SESSION_KEY, RunState
from grader.plugin.reporter import Reporter
from grader.plugin.rubric import load_rubric
from grader.run_spec import RunSpec
from grader.sandbox.limits import cap_trusted_memory


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("gradelab")
    group.addoption("--gradelab-run", metavar="RUN_JSON", help="run spec written by grader.grade()")


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "rubric(item_id): the rubric.toml item this test grades; points, visibility, time "
        "limit and per-profile settings come from that item",
    )
    path = config.getoption("--gradelab-run")
    if not path:
        return
    spec = RunSpec.from_json(Path(path).read_text())
    # Before anything from the sandbox is read: what a submission returns cannot make this
    # process use more than this (an allocation beyond fails, and the run ends as ours).
    cap_trusted_memory(spec.limits.trusted_memory_mb)
    rubric = load_rubric(spec.assignment_dir / "grading" / "rubric.toml")
    grading_dir = str(spec.assignment_dir / "grading")
    if grading_dir not in sys.path:
        sys.path.insert(0, grading_dir)
    reporter = Reporter(spec, rubric)
    config.stash[RUN_KEY] = RunState(spec=spec, rubric=rubric, reporter=reporter,
                                     deadline=time.monotonic() + spec.limits.run_timeout_s)
    config.pluginmanager.register(fixtures, "gradelab-fixtures")
    config.pluginmanager.register(reporter, "gradelab-reporter")


def _marker_id(item: pytest.Item) -> str:
    markers = list(item.iter_markers("rubric"))
    if len(markers) != 1 or len(markers[0].args) != 1 or not isinstance(markers[0].args[0], str):
        raise pytest.UsageError(
            f"{item.nodeid}: a rubric test needs exactly one @pytest.mark.rubric('<item id>') marker"
        )
    return markers[0].args[0]


def pytest_collection_modifyitems(session: pytest.Session, config: pytest.Config, items: list[pytest.Item]) -> None:
    if RUN_KEY not in config.stash:
        return
    state = config.stash[RUN_KEY]
    by_id: dict[str, pytest.Item] = {}
    for item in items:
        item_id = _marker_id(item)
        if item_id not in state.rubric:
            raise pytest.UsageError(f"{item.nodeid}: rubric item {item_id!r} is not in {state.rubric.path.name}")
        if state.rubric[item_id].manual:
            raise pytest.UsageError(f"{item.nodeid}: {item_id!r} is a manual item; it has no test")
        if item_id in by_id:
            raise pytest.UsageError(f"{item.nodeid}: rubric item {item_id!r} is already graded by {by_id[item_id].nodeid}")
        by_id[item_id] = item
        item.stash[RUBRIC_ITEM_KEY] = state.rubric[item_id]
    order = state.rubric.run_order()
    items.sort(key=lambda it: order.index(it.stash[RUBRIC_ITEM_KEY].id))
    state.reporter.plan([it.stash[RUBRIC_ITEM_KEY].id for it in items])


def pytest_runtest_setup(item: pytest.Item) -> None:
    state = item.config.stash.get(RUN_KEY, None)
    if state is None:
        return
    rubric_item = item.stash[RUBRIC_ITEM_KEY]
    spec = state.spec
    if spec.graded_notebooks is not None and rubric_item.notebook not in spec.graded_notebooks:
        raise errors.NotSubmitted(f"not submitted: this check belongs to {rubric_item.notebook}.ipynb, "
                                  "which this submission does not include")
    if spec.parts is not None and rubric_item.notebook not in spec.parts:
        raise errors.NotSubmitted(f"not graded in this run: this check belongs to {rubric_item.notebook}.ipynb, "
                                  f"and only {', '.join(spec.parts)} was asked for")


def _classify(exc: BaseException) -> tuple[str, str, str]:
    """(outcome, message, what the student code printed) for an exception in a check."""
    if isinstance(exc, errors.StudentCodeFailed):
        message = exc.message
        if exc.traceback and isinstance(exc, (errors.StudentException, errors.NotImplementedInSubmission)):
            message += f"\n\nTraceback (your code):\n{exc.traceback.rstrip()}"
        return exc.status, message, exc.output
    if isinstance(exc, errors.CheckFailed):
        return "wrong", exc.message, ""
    if isinstance(exc, errors.Provisional):
        return "provisional", exc.message, ""
    if isinstance(exc, AssertionError):
        return "wrong", str(exc) or "a comparison failed", ""
    if isinstance(exc, errors.SandboxUnavailable):
        return "grader_error", f"The sandbox is unavailable: {exc}", ""
    text = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__, limit=-3))
    return "grader_error", f"Internal grader error (not your fault; staff have been told):\n{text}", ""


def _out_of_trusted_memory(error: BaseException | None) -> bool:
    """A MemoryError, or torch's allocator failing (a RuntimeError), in this process."""
    if isinstance(error, MemoryError):
        return True
    return isinstance(error, RuntimeError) and "DefaultCPUAllocator" in str(error) and "memory" in str(error)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo):
    """Attach the check's verdict to the report: the reporter (a plugin) records it."""
    outcome = yield
    report = outcome.get_result()
    if RUN_KEY not in item.config.stash:
        return
    error = call.excinfo.value if call.excinfo is not None else None
    verdict, fatal = None, isinstance(error, errors.SandboxUnavailable)   # fatal: nothing can be graded
    if _out_of_trusted_memory(error):
        # Our process met its cap: nothing after this can be trusted to run, and it is not the
        # student's fault that the grader did not refuse the data earlier. End the run as ours.
        state = item.config.stash[RUN_KEY]
        cap = state.spec.limits.trusted_memory_mb
        message = (f"internal grader error: the trusted grading process reached its memory cap of {cap} MiB "
                   f"(GRADELAB_TRUSTED_MEMORY_MB) in the check {item.stash[RUBRIC_ITEM_KEY].id!r}; "
                   "the run was stopped (staff have been told)")
        item.session.shouldstop = message
        verdict, fatal = ("grader_error", message, ""), True
    elif error is not None and not isinstance(error, KeyboardInterrupt):
        verdict = _classify(error)
    elif call.when == "call":
        verdict = ("passed", "", "")
    if verdict is not None:
        report.gradelab = {
            "item": item.stash[RUBRIC_ITEM_KEY], "verdict": verdict, "duration": call.duration,
            "details": item.stash.get(DETAILS_KEY, {}),
            "fatal": fatal,
        }


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    state = session.config.stash.get(RUN_KEY, None)
    if state is None:
        return
    live = session.config.stash.get(SESSION_KEY, None)
    if live is not None:
        state.reporter.session_log(live.log)
    if exitstatus in (pytest.ExitCode.USAGE_ERROR, pytest.ExitCode.INTERNAL_ERROR):
        state.reporter.fatal = state.reporter.fatal or "the grading rubric could not be loaded (grader error)"
    state.reporter.finish()
