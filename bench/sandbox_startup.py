"""What containment costs: sandbox start-up, layer by layer, and one whole grading run.

Started side by side, interleaved round-robin on the same machine, each to "ready" (the
student side has imported numpy and torch) and then one request (the toy's relu):

- bwrap as before issue 7 (a root grader: namespaced uid 65534 = host root, no seccomp);
- bwrap with the seccomp filter only;
- bwrap now (seccomp, the gradelab-sandbox user, sources staged in a private mount namespace);
- the container launcher (this machine's engine, the image built from its Python).

With --grade, the reference of Assignment 2 is also graded once in each launcher (smoke
profile): the score and the wall time.

    .venv/bin/python bench/sandbox_startup.py [--starts 10] [--grade] [--write]
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_file import write_section  # noqa: E402 - bench/results_file.py (scripts run from bench/)

from gradelab.settings import Settings  # noqa: E402
from grader.assignment import load_assignment  # noqa: E402
from grader.grade import _runtime_dir, grade  # noqa: E402
from grader.sandbox import SandboxSpec, make_launcher  # noqa: E402
from grader.sandbox.bwrap import BwrapLauncher  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402
from grader.sandbox.sandbox_user import SandboxUser  # noqa: E402
from tests.sandbox.engines import container_engine  # noqa: E402

TOY = ROOT / "tests" / "fixtures" / "toy"


class BwrapBefore(BwrapLauncher):
    """bwrap with the layers of issue 7 off: a root grader stays root (uid 65534 inside =
    host root), optionally no filter. (The other changes, the user database, the home tmpfs
    and the /proc guards, stay: their cost is in every row.)"""

    def __init__(self, seccomp: bool):
        super().__init__()
        self.with_seccomp = seccomp
        self._user = SandboxUser(65534, 65534, dedicated=False)

    def seccomp_program(self):
        return self.files.seccomp if self.with_seccomp else None


def configurations() -> dict[str, object]:
    found = {"bwrap, before (root, no seccomp)": BwrapBefore(seccomp=False),
             "bwrap + seccomp": BwrapBefore(seccomp=True),
             "bwrap now (+ unprivileged user, staging)": make_launcher("bwrap")}
    engine = container_engine()
    if engine is not None:
        from grader.sandbox.image import ensure_image

        binary, runtime = engine
        found[f"container ({binary}{', ' + runtime if runtime else ''})"] = make_launcher(
            "docker", image=ensure_image(binary, runtime), docker_binary=binary, docker_runtime=runtime)
    return found


def start_once(launcher, spec: SandboxSpec) -> tuple[float, float]:
    """Seconds to 'ready', and for the first request after it."""
    started = time.perf_counter()
    process = launcher.start(spec)
    try:
        message = process.receive(120)
        assert isinstance(message, tuple) and message[0] == "ready", (message, process.take_output())
        ready = time.perf_counter()
        process.send("run", {"id": 1, "scenario": "ops.relu", "inputs": {"x": np.array([-1.0, 2.0])}})
        answer = process.receive(60)
        assert isinstance(answer, tuple) and answer[0] == "result", answer
        answered = time.perf_counter()
    finally:
        process.close()
    return ready - started, answered - ready


#: A student side that says "ready" at once (no torch import): the launcher's own cost.
STUB_SERVE = """\
import sys
from student_side import wire


def main():
    wire.write_message(sys.stdout.buffer, "ready", {})
    sys.stdin.buffer.read(1)   # the grader's "shutdown"
    return 0
"""


def ready_once(launcher, spec: SandboxSpec) -> float:
    started = time.perf_counter()
    process = launcher.start(spec)
    try:
        message = process.receive(120)
        assert isinstance(message, tuple) and message[0] == "ready", (message, process.take_output())
        return time.perf_counter() - started
    finally:
        process.close()


def measure_starts(starts: int) -> tuple[list[str], dict[str, dict[str, float]]]:
    work = Path(tempfile.mkdtemp(prefix="sandbox-bench-"))
    try:
        _runtime_dir(load_assignment(TOY), work / "runtime")
        shutil.copytree(work / "runtime", work / "stub")
        (work / "stub" / "student_side" / "serve.py").write_text(STUB_SERVE)
        submission = work / "submission"
        shutil.copytree(TOY, submission, ignore=shutil.ignore_patterns("grading", "assignment.toml", "__pycache__"))
        for path in [submission, *submission.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        spec = SandboxSpec(runtime_dir=work / "runtime", submission_dir=submission, package="toy",
                           limits=Limits(check_timeout_s=60, memory_mb=2048, max_processes=128))
        stub = SandboxSpec(**{**spec.__dict__, "runtime_dir": work / "stub"})
        launchers = configurations()
        timings: dict[str, list[tuple[float, float, float]]] = {name: [] for name in launchers}
        for launcher in launchers.values():   # one warm-up each (page cache, image)
            start_once(launcher, spec)
        for _ in range(starts):
            for name, launcher in launchers.items():
                timings[name].append((ready_once(launcher, stub), *start_once(launcher, spec)))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return list(launchers), {name: {"bare": statistics.median(t[0] for t in rows),
                                    "ready": statistics.median(t[1] for t in rows),
                                    "request": statistics.median(t[2] for t in rows)}
                             for name, rows in timings.items()}


def grade_reference() -> list[tuple[str, float, float, float]]:
    from tests.grader.a2_submissions import reference_submission

    rows = []
    choices = [("bwrap", {"sandbox": "bwrap"})]
    engine = container_engine()
    if engine is not None:
        from grader.sandbox.image import ensure_image

        binary, runtime = engine
        choices.append((f"container ({binary})", {"sandbox": "docker", "docker_binary": binary,
                                                  "docker_runtime": runtime,
                                                  "sandbox_image": ensure_image(binary, runtime)}))
    for name, overrides in choices:
        work = Path(tempfile.mkdtemp(prefix="sandbox-bench-a2-"))
        try:
            started = time.perf_counter()
            result = grade(reference_submission(work / "a2"), assignment="a2", profile="smoke",
                           settings=Settings(**overrides))
            rows.append((name, time.perf_counter() - started, result.score, result.max_score))
        finally:
            shutil.rmtree(work, ignore_errors=True)
    return rows


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--starts", type=int, default=10)
    parser.add_argument("--grade", action="store_true", help="also grade the A2 reference in each launcher")
    parser.add_argument("--write", action="store_true", help="write the section of bench/RESULTS.md")
    args = parser.parse_args()
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    names, medians = measure_starts(args.starts)
    before = medians[names[0]]
    lines = [
        "## Sandbox start-up and containment cost (`bench/sandbox_startup.py`)",
        "",
        "Each configuration started side by side, interleaved round-robin: \"launcher alone\" is the time",
        "to \"ready\" of a stub student side (Python and numpy, no torch); \"start to ready\" the real one",
        "(numpy and torch imported), then one request (the toy's relu). \"before\" is bwrap with",
        "issue 7's layers off for a root grader (namespaced uid 65534 = host root, no seccomp; the user",
        "database, home tmpfs and /proc guards are in every row); \"now\" adds the seccomp filter, the",
        "gradelab-sandbox user and the sources staged in a private mount namespace.",
        "",
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"uid {os.geteuid()}, Python {platform.python_version()}; medians of {args.starts} starts each; "
        f"load average {os.getloadavg()[0]:.2f} at the end",
        "",
        "| configuration | launcher alone | vs before | start to ready | vs before | first request |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in names:
        row = medians[name]
        lines.append(f"| {name} | {row['bare'] * 1000:.0f} ms | {row['bare'] / before['bare']:.2f}x | "
                     f"{row['ready'] * 1000:.0f} ms | {row['ready'] / before['ready']:.2f}x | "
                     f"{row['request'] * 1000:.1f} ms |")
    if args.grade:
        lines += ["", "The reference of Assignment 2, smoke profile, graded once in each launcher:", "",
                  "| launcher | score | wall time |", "|---|---:|---:|"]
        for name, seconds, score, max_score in grade_reference():
            lines.append(f"| {name} | {score:g}/{max_score:g} | {seconds:.0f} s |")
    body = "\n".join(lines)
    print(body)
    if args.write:
        write_section("sandbox_startup", body)
    return 0


if __name__ == "__main__":
    sys.exit(main())
