"""Grade one submission: the entry point of the CLI and of the service's workers.

``grade()`` reads and stages the submission, prepares the sandbox's runtime directory
(the student-side code and the assignment's scenarios, nothing else), and runs the
trusted pytest session over ``<master>/grading`` in a child process, streaming its
progress. It returns a :class:`GradeResult`; a submission that cannot be graded at all
comes back with ``gradable=False`` and the reason, never as an exception, and with whose
failure it is: the submission's (not a zip, nothing gradable in it) or ``infrastructure``
(no such assignment, the sandbox cannot start, the data sets are missing, the trusted
session ended without results). An infrastructure failure's reason is a plain sentence;
the exception or the session log's tail is in ``staff_detail``, for staff only.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from gradelab.settings import Settings, get_settings
from grader import errors
from grader.assignment import Assignment, find_assignment
from grader.hidden_seed import hidden_seed, secret_key, synthetic_data_seed
from grader.results import GradeResult
from grader.run_spec import RunSpec, SandboxChoice
from grader.sandbox.host_access import withhold_from_sandbox
from grader.sandbox.limits import Limits
from grader.submission import read_submission, stage

log = logging.getLogger(__name__)
ProgressCallback = Callable[[dict[str, Any]], None]
STUDENT_SIDE_DIR = Path(__file__).resolve().parent / "student_side"
#: Extra seconds the trusted session gets beyond the run budget to write its results.
SESSION_GRACE_S = 120.0


def _runtime_dir(assignment: Assignment, destination: Path) -> None:
    """What the sandbox may see of the grader: student_side/ and the scenarios, as copies."""
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    shutil.copytree(STUDENT_SIDE_DIR, destination / "student_side", ignore=ignore)
    scenarios = assignment.grading_dir / "scenarios"
    if scenarios.is_dir():
        shutil.copytree(scenarios, destination / "scenarios", ignore=ignore)
    else:
        (destination / "scenarios").mkdir()
        (destination / "scenarios" / "__init__.py").touch()
    for path in [destination, *destination.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)


def _data_dir(assignment: Assignment, profile: str, settings: Settings, data_dir: Path | None) -> Path | None:
    if not assignment.needs_data:
        return data_dir
    if profile == "smoke" and data_dir is None:
        # The deployment's own synthetic sets: a student who rebuilds the public seed-0 sets
        # with `gradelab data synth` cannot look the grader's images up.
        from grader.datasets.synth import ensure_synthetic

        seed = synthetic_data_seed(secret_key(settings))
        return ensure_synthetic(settings.secret_smoke_data_dir(seed), seed=seed)
    directory = Path(data_dir) if data_dir else settings.profile_data_dir(profile)
    if not directory.is_dir():
        hint = "run `gradelab data fetch`" if profile == "full" else "run `gradelab data synth`"
        raise errors.DataUnavailable(f"the {profile} profile needs its data sets in {directory}: {hint}")
    return directory


def _chosen_parts(assignment: Assignment, parts: list[str]) -> list[str]:
    """``parts`` (notebook stems, or names with .ipynb), checked against the assignment's."""
    known = [Path(name).stem for name in assignment.notebooks]
    chosen = [Path(part).stem for part in parts]
    unknown = [part for part in chosen if part not in known]
    if unknown:
        raise errors.GradingError(f"no part {', '.join(unknown)} in {assignment.id}: choose from {', '.join(known)}")
    return chosen


def _device(profile: str) -> str:
    if profile != "full":
        return "cpu"
    try:
        import torch

        return "cuda" if torch.cuda.is_available() else "cpu"
    except ImportError:
        return "cpu"


def grade(
    submission: Path,
    *,
    assignment: str | Path = "a2",
    profile: str | None = None,
    sandbox: str | None = None,
    allow_unsafe: bool | None = None,
    data_dir: Path | None = None,
    settings: Settings | None = None,
    limits: Limits | None = None,
    on_progress: ProgressCallback | None = None,
    keep_dir: Path | None = None,
    parts: list[str] | None = None,
) -> GradeResult:
    """Grade ``submission`` (zip, directory or notebook) against ``assignment``.

    ``keep_dir``: where to leave the run's work files (staged submission, logs) for
    inspection; by default they are deleted. ``parts``: grade only the checks of these
    notebooks (names without .ipynb); the others say "not graded in this run".
    """
    settings = settings or get_settings()
    profile = profile or settings.profile
    sandbox = sandbox or settings.sandbox
    allow_unsafe = settings.allow_unsafe_sandbox if allow_unsafe is None else allow_unsafe
    limits = limits or Limits.from_settings(settings, profile)
    try:
        found = find_assignment(assignment, settings.solutions_dir)
    except errors.AssignmentNotFound as exc:
        return GradeResult.infrastructure_failure(str(assignment), f"AssignmentNotFound: {exc}",
                                                  profile=profile, sandbox=sandbox)
    base = {"profile": profile, "sandbox": sandbox}
    choice = SandboxChoice(name=sandbox, allow_unsafe=allow_unsafe, image=settings.sandbox_image,
                           docker_binary=settings.docker_binary, gpus=settings.docker_gpus or None,
                           docker_runtime=settings.docker_runtime)
    try:
        files = read_submission(Path(submission), found, max_members=settings.zip_max_members,
                                max_bytes=settings.zip_max_uncompressed_bytes)
        chosen = _chosen_parts(found, parts) if parts else None
        choice.launcher()  # can it run here? The trusted session makes its own.
        data = _data_dir(found, profile, settings, data_dir)
    except errors.GradingError as exc:
        return _stopped(found.id, exc, base)

    Path(settings.var_dir).mkdir(parents=True, exist_ok=True)
    if keep_dir is not None and Path(keep_dir).exists() and any(Path(keep_dir).iterdir()):
        if not (Path(keep_dir) / "run.json").exists():
            return GradeResult.infrastructure_failure(
                found.id, f"--keep {keep_dir} is not empty; give a new or empty directory (or one a previous "
                "--keep run made)", **base)
        shutil.rmtree(keep_dir)  # a previous run's work files: replace them
    work = Path(keep_dir) if keep_dir else Path(tempfile.mkdtemp(prefix="grade-", dir=settings.var_dir))
    work.mkdir(parents=True, exist_ok=True)
    # The grader's alone: the sandbox reaches the three trees below through its own mounts
    # (their files are world-readable), and nothing else here (run.json, results).
    work.chmod(0o700)
    unprotected = withhold_from_sandbox([settings.solutions_dir, settings.var_dir, settings.data_dir])
    if unprotected:
        log.warning("no ACL support: the sandbox user may read %s", ", ".join(map(str, unprotected)))
    try:
        stage(files, found, work / "submission")
        _runtime_dir(found, work / "runtime")
        (work / "inputs").mkdir()
        (work / "inputs").chmod(0o755)
        spec = RunSpec(
            assignment_id=found.id, assignment_dir=found.master_dir, package=found.package,
            submission_dir=work / "submission", runtime_dir=work / "runtime",
            results_path=work / "results.json", inputs_dir=work / "inputs", profile=profile, data_dir=data,
            device=_device(profile),
            hidden_seed=hidden_seed(secret_key(settings), found.id, files.digest()),
            graded_notebooks=files.graded_notebooks, parts=chosen, unreadable=dict(files.unreadable),
            sandbox=choice, limits=limits,
        )
        return _run_session(spec, work, on_progress)
    finally:
        if keep_dir is None:
            shutil.rmtree(work, ignore_errors=True)


def _stopped(assignment_id: str, exc: errors.GradingError, base: dict[str, str]) -> GradeResult:
    """The result of a run that ``exc`` stopped before it began, as whose failure it is."""
    if exc.failure == "submission":
        return GradeResult.not_gradable(assignment_id, str(exc), **base)
    return GradeResult.infrastructure_failure(assignment_id, f"{type(exc).__name__}: {exc}", **base)


def _run_session(spec: RunSpec, work: Path, on_progress: ProgressCallback | None) -> GradeResult:
    read_fd, write_fd = os.pipe()
    spec.progress_fd = write_fd
    (work / "run.json").write_text(spec.to_json())
    (work / "pytest.ini").write_text("[pytest]\n")  # keep the project's own pytest settings out
    command = [
        sys.executable, "-m", "pytest", str(spec.assignment_dir / "grading"),
        "-c", str(work / "pytest.ini"), "--rootdir", str(spec.assignment_dir / "grading"),
        "-p", "grader.plugin.hooks", "--gradelab-run", str(work / "run.json"),
        "-p", "no:cacheprovider", "--import-mode=importlib", "-q", "--no-header", "-rN",
    ]
    env = {**os.environ, "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1", "PYTHONDONTWRITEBYTECODE": "1",
           "MPLBACKEND": "Agg", **spec.limits.thread_environment}
    with open(work / "pytest.log", "wb") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, env=env,
                                   pass_fds=(write_fd,), cwd=work)
    os.close(write_fd)
    reader = threading.Thread(target=_pump_progress, args=(read_fd, on_progress), daemon=True)
    reader.start()
    limit = spec.limits.run_timeout_s + SESSION_GRACE_S
    ending = "ended"
    try:
        process.wait(timeout=limit)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()
        ending = f"ran past {limit:.0f}s and was stopped"
    reader.join(timeout=5)
    if spec.results_path.exists():
        return GradeResult.read_json(spec.results_path)
    tail = (work / "pytest.log").read_text(errors="replace")[-3000:]
    return GradeResult.infrastructure_failure(
        spec.assignment_id, f"the grading session {ending} without results; pytest.log ends:\n{tail}",
        profile=spec.profile, sandbox=spec.sandbox.name,
    )


def _pump_progress(fd: int, on_progress: ProgressCallback | None) -> None:
    """Read progress events to the end, whatever the callback does: a reader that stopped
    would leave the pipe full and the trusted session blocked on its next write."""
    with os.fdopen(fd, "r", encoding="utf-8", errors="replace") as stream:
        for line in stream:
            if on_progress is None:
                continue
            try:
                event = json.loads(line)
            except ValueError:
                continue
            try:
                on_progress(event)
            except Exception:  # noqa: BLE001 - a progress display must never stop grading
                log.exception("progress callback failed; grading goes on")
