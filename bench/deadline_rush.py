"""Deadline rush: 100 submissions posted at once to a running GradeLab service, then polled.

A second process (this one) talks to `gradelab serve` over loopback. For each deployment
it posts the whole mix concurrently, then keeps reading submission statuses (8 readers,
round robin, 50 reads/s in all: 100 students polling every 2 s) until every submission is
graded, and records:

- whether any request failed (every POST must answer 202, every status read 200);
- time to score per submission (from sending its POST to the server's ``graded_at``):
  p50, p95, max; and the makespan (first POST sent to last grade stored);
- latency of the status reads made while grading runs: p50, p99;
- the raw time of grading the same mix back to back with ``grader.grade`` and no service,
  and from it the ideal makespan for the deployment's workers (raw / workers).

Deployments: ``embedded`` (SQLite, two local workers in the server process) and
``celery`` (PostgreSQL, a private redis-server, two `gradelab worker -c 1` processes).

    .venv/bin/python bench/deadline_rush.py                 # both, 100 submissions, writes RESULTS.md
    .venv/bin/python bench/deadline_rush.py --modes embedded --count 20 --no-write

Needs bubblewrap; the celery mode needs PostgreSQL on 127.0.0.1:5432 (trust auth) and
redis-server on the PATH. The mix: toy reference / wrong relu / stubbed ops (tests/fixtures/toy),
and, when its rubric exists, Assignment 2's reference and student release.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import random
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

import httpx
from results_file import write_section  # bench/results_file.py (scripts run from bench/)

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.server.postgres import private_database  # noqa: E402
from tests.server.processes import environment, free_port, start_redis, wait_for  # noqa: E402

TOY = REPO / "tests" / "fixtures" / "toy"
A2 = REPO / "solutions" / "a2"
RESULTS_JSON = REPO / "bench" / "results" / "deadline_rush.json"
#: The run before status reads got their compact view, ETags and SCHED_IDLE grading (full
#: submission view polled, grading at nice 10): shown beside each new run.
BEFORE_JSON = REPO / "bench" / "results" / "deadline_rush_before.json"
WORKERS = 2
READERS = 8
IDLE_READS = 300
GRADELAB = str(Path(sys.executable).parent / "gradelab")


# --- The mix -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Item:
    kind: str
    assignment: str
    filename: str
    data: bytes


def _zip(files: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in sorted(files.items()):
            archive.writestr(path, data)
    return buffer.getvalue()


def toy_submission(kind: str) -> bytes:
    """The service tests' toy submissions: the reference, and its two broken variants."""
    from tests.server.factories import toy_zip

    return toy_zip({"toy_reference": None, "toy_wrong_relu": "wrong_relu", "toy_stub": "stub_ops"}[kind])


def a2_submission(kind: str) -> bytes:
    from grader.assignment import load_assignment

    if kind == "a2_reference":
        files = {p.relative_to(A2).as_posix(): p.read_bytes() for p in A2.rglob("*") if p.is_file()}
    else:
        from release.generate import build_release

        files = build_release(A2).files
    notebooks = set(load_assignment(A2).notebooks)
    return _zip({path: data for path, data in files.items()
                 if path in notebooks or (PurePosixPath(path).parts[0] == "cs231n" and path.endswith(".py")
                                          and "datasets" not in path and "__pycache__" not in path)})


def build_mix(count: int, a2: int) -> list[Item]:
    a2 = a2 if (A2 / "grading" / "rubric.toml").exists() else 0
    toy = count - a2
    kinds = (["a2_reference"] * ((a2 + 1) // 2) + ["a2_release"] * (a2 // 2)
             + ["toy_reference"] * (toy - 3 * toy // 10 - toy // 5)
             + ["toy_wrong_relu"] * (3 * toy // 10) + ["toy_stub"] * (toy // 5))
    random.Random(0).shuffle(kinds)
    cache: dict[str, bytes] = {}
    items = []
    for kind in kinds:
        if kind not in cache:
            cache[kind] = a2_submission(kind) if kind.startswith("a2") else toy_submission(kind)
        items.append(Item(kind, "a2" if kind.startswith("a2") else "toy", f"{kind}.zip", cache[kind]))
    return items


# --- Deployments -------------------------------------------------------------------------

def _answers(url: str) -> bool:
    try:
        return httpx.get(url, timeout=1).status_code == 200
    except httpx.TransportError:
        return False


@dataclass
class Deployment:
    mode: str
    work: Path
    port: int = field(default_factory=free_port)
    processes: list[subprocess.Popen] = field(default_factory=list)
    cleanups: list = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, students: int) -> None:
        values = {"var_dir": self.work / "var", "data_dir": REPO / "var" / "data", "local_workers": WORKERS,
                  "reaper_interval_s": 5}
        if self.mode == "celery":
            values["database_url"] = self._postgres()
            values["broker_url"] = self._redis()
        env = environment(values)
        self._prepare(values, students)
        log = open(self.work / "serve.log", "ab")  # noqa: SIM115 - closed with the process
        self.cleanups.append(log.close)
        self._spawn([GRADELAB, "serve", "--port", str(self.port), "--no-demo", "--no-access-log"], env, log)
        if self.mode == "celery":
            for index in range(WORKERS):
                self._spawn([GRADELAB, "worker", "--queues", "cpu", "--concurrency", "1",
                             "--name", f"bench{index}@localhost"], env, log)
        wait_for(lambda: _answers(f"{self.url}/healthz"), 120, "the server")
        if self.mode == "celery":
            time.sleep(5)  # let the workers connect before the rush

    def _prepare(self, values: dict, students: int) -> None:
        """Migrate, register the assignments and make the students, as an instructor would."""
        from gradelab.settings import Settings
        from server.core.db import Database
        from server.core.migrate import upgrade
        from server.crud.assignments import upsert_assignment
        from server.crud.users import create_token, create_user
        from server.schemas.assignments import AssignmentUpsert

        settings = Settings(**values)
        upgrade(settings)
        database = Database(settings.resolved_database_url())
        with database.session() as session:
            upsert_assignment(session, settings, "toy", AssignmentUpsert(master=str(TOY)))
            if (A2 / "grading" / "rubric.toml").exists():
                upsert_assignment(session, settings, "a2", AssignmentUpsert())
            for index in range(students):
                self.tokens.append(create_token(session, create_user(session, f"student{index:03d}", "student")))
        database.dispose()

    def _spawn(self, command: list[str], env: dict, log) -> None:
        self.processes.append(subprocess.Popen(command, env=env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT,
                                               start_new_session=True))

    def _postgres(self) -> str:
        """A private database on the shared server, dropped at stop."""
        stack = ExitStack()
        url = stack.enter_context(private_database("gradelab_bench"))
        self.cleanups.append(stack.close)
        return url

    def _redis(self) -> str:
        """A private redis-server that keeps nothing on disk, answering before this returns."""
        port = free_port()
        self.processes.append(start_redis(port, self.work / "redis"))
        return f"redis://127.0.0.1:{port}/0"

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in reversed(self.processes):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        for cleanup in reversed(self.cleanups):
            cleanup()


# --- The rush ----------------------------------------------------------------------------

@dataclass
class RushResult:
    post_latency_s: list[float] = field(default_factory=list)
    post_failures: list[str] = field(default_factory=list)
    read_latency_s: list[float] = field(default_factory=list)
    read_server_s: list[float] = field(default_factory=list)   # the server's own time (Server-Timing)
    read_failures: list[str] = field(default_factory=list)
    time_to_score_s: dict[str, float] = field(default_factory=dict)
    statuses: dict[str, str] = field(default_factory=dict)
    kinds: dict[str, str] = field(default_factory=dict)
    makespan_s: float = 0.0
    not_modified: int = 0                                          # reads answered 304
    idle_read_s: list[float] = field(default_factory=list)          # after the rush, grading over
    idle_read_server_s: list[float] = field(default_factory=list)


async def rush(url: str, items: list[Item], tokens: list[str], read_rate: float) -> RushResult:
    result = RushResult()
    limits = httpx.Limits(max_connections=len(items) + READERS, max_keepalive_connections=len(items) + READERS)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        sent_at: dict[str, float] = {}
        owner: dict[str, str] = {}

        async def post(index: int, item: Item) -> None:
            token = tokens[index % len(tokens)]
            started = time.time()
            try:
                response = await client.post("/api/v1/submissions", params={"assignment": item.assignment},
                                             files={"file": (item.filename, item.data)},
                                             headers={"Authorization": f"Bearer {token}"})
            except httpx.HTTPError as exc:
                result.post_failures.append(f"{type(exc).__name__}: {exc}")
                return
            result.post_latency_s.append(time.time() - started)
            if response.status_code != 202:
                result.post_failures.append(f"{response.status_code}: {response.text[:200]}")
                return
            submission_id = response.json()["id"]
            sent_at[submission_id], owner[submission_id] = started, token
            result.kinds[submission_id] = item.kind

        t0 = time.time()
        await asyncio.gather(*(post(i, item) for i, item in enumerate(items)))
        pending = set(sent_at)

        etags: dict[str, str] = {}

        async def read(submission_id: str) -> None:
            """A poll as `gradelab submit` and the page make it: the compact status view, with the
            ETag of the last answer in If-None-Match (304 while nothing changed)."""
            started = time.perf_counter()
            headers = {"Authorization": f"Bearer {owner[submission_id]}"}
            if submission_id in etags:
                headers["If-None-Match"] = etags[submission_id]
            try:
                response = await client.get(f"/api/v1/submissions/{submission_id}/status", headers=headers)
            except httpx.HTTPError as exc:
                result.read_failures.append(f"{type(exc).__name__}: {exc}")
                return
            result.read_latency_s.append(time.perf_counter() - started)
            timing = response.headers.get("server-timing", "")
            if timing.startswith("app;dur="):
                result.read_server_s.append(float(timing.removeprefix("app;dur=")) / 1000)
            if response.status_code == 304:
                result.not_modified += 1
                return
            if response.status_code != 200:
                result.read_failures.append(f"{response.status_code}: {response.text[:200]}")
                return
            etags[submission_id] = response.headers.get("etag", "")
            body = response.json()
            if body["status"] in ("done", "failed") and submission_id in pending:
                pending.discard(submission_id)
                result.statuses[submission_id] = body["status"]
                graded = datetime.fromisoformat(body["graded_at"]).timestamp() if body["graded_at"] else time.time()
                result.time_to_score_s[submission_id] = graded - sent_at[submission_id]

        async def reader(offset: int) -> None:
            index = offset
            while pending:
                ids = sorted(pending)
                submission_id = ids[index % len(ids)]
                index += READERS
                await read(submission_id)
                await asyncio.sleep(READERS / read_rate)  # after a failed read too: the rate holds

        await asyncio.gather(*(reader(i) for i in range(READERS)))
        result.makespan_s = max(sent_at[i] + t for i, t in result.time_to_score_s.items()) - t0

        # The same reads once grading is over, one at a time: the service's own cost.
        ids = sorted(sent_at)
        for index in range(IDLE_READS):
            submission_id = ids[index % len(ids)]
            started = time.perf_counter()
            response = await client.get(f"/api/v1/submissions/{submission_id}/status",
                                        headers={"Authorization": f"Bearer {owner[submission_id]}"})
            result.idle_read_s.append(time.perf_counter() - started)
            result.idle_read_server_s.append(float(response.headers["server-timing"].removeprefix("app;dur=")) / 1000)
    return result


# --- Grading without the service -------------------------------------------------------------

def raw_grading(items: list[Item], work: Path, nice: int) -> dict[str, list[float]]:
    """Wall time of ``grader.grade`` per submission, back to back, niced like the workers."""
    from gradelab.settings import Settings
    from grader.grade import grade

    settings = Settings(var_dir=work / "raw-var", data_dir=REPO / "var" / "data")
    times: dict[str, list[float]] = {}
    os.setpriority(os.PRIO_PROCESS, threading.get_native_id(), nice)
    for index, item in enumerate(items):
        path = work / "raw" / str(index) / item.filename
        path.parent.mkdir(parents=True)
        path.write_bytes(item.data)
        started = time.perf_counter()
        result = grade(path, assignment=TOY if item.assignment == "toy" else "a2", settings=settings)
        times.setdefault(item.kind, []).append(time.perf_counter() - started)
        if not result.gradable:
            raise RuntimeError(f"{item.kind} was not gradable: {result.reason}")
    return times


# --- Report ------------------------------------------------------------------------------

def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def summarise(rush_result: RushResult, raw_total: float) -> dict:
    scores = list(rush_result.time_to_score_s.values())
    ideal = raw_total / WORKERS
    return {
        "submissions": len(rush_result.kinds), "post_failures": len(rush_result.post_failures),
        "read_failures": len(rush_result.read_failures), "failure_samples": (rush_result.post_failures + rush_result.read_failures)[:5],
        "graded": sum(1 for s in rush_result.statuses.values() if s == "done"),
        "post_p50_s": percentile(rush_result.post_latency_s, 50), "post_p99_s": percentile(rush_result.post_latency_s, 99),
        "time_to_score_p50_s": percentile(scores, 50), "time_to_score_p95_s": percentile(scores, 95),
        "time_to_score_max_s": max(scores) if scores else float("nan"),
        "makespan_s": rush_result.makespan_s, "ideal_makespan_s": ideal, "raw_total_s": raw_total,
        "makespan_over_ideal": rush_result.makespan_s / ideal if ideal else float("nan"),
        "makespan_over_raw": rush_result.makespan_s / raw_total if raw_total else float("nan"),
        "reads": len(rush_result.read_latency_s), "not_modified": rush_result.not_modified,
        "read_p50_ms": 1000 * percentile(rush_result.read_latency_s, 50),
        "read_p99_ms": 1000 * percentile(rush_result.read_latency_s, 99),
        "read_server_p50_ms": 1000 * percentile(rush_result.read_server_s, 50),
        "read_server_p99_ms": 1000 * percentile(rush_result.read_server_s, 99),
        "idle_read_p50_ms": 1000 * percentile(rush_result.idle_read_s, 50),
        "idle_read_p99_ms": 1000 * percentile(rush_result.idle_read_s, 99),
        "idle_read_server_p99_ms": 1000 * percentile(rush_result.idle_read_server_s, 99),
        "throughput_per_min": 60 * len(scores) / rush_result.makespan_s if rush_result.makespan_s else float("nan"),
    }


def _speed_note(report: dict, before: dict | None) -> str:
    """How much slower this machine ground through the same kind of grading than in the
    before run (the medians of the raw, back-to-back grading), i.e. how busy it was."""
    if not before:
        return "no before run to compare with."
    now, then = report["raw"]["per_kind_s"], before["raw"]["per_kind_s"]
    ratios = {kind: statistics.median(now[kind]) / statistics.median(then[kind]) for kind in now if kind in then}
    shown = ", ".join(f"{kind} {ratio:.1f}x" for kind, ratio in sorted(ratios.items()))
    return (f"the same grading ran {statistics.median(ratios.values()):.1f}x slower in this run than in the "
            f"before run ({shown}): other people's work on the machine took that CPU, and the status reads "
            "compete with it as they did with grading before.")


def markdown(report: dict, before: dict | None = None) -> str:
    modes = dict(report["modes"])
    if before:
        modes = {}
        for name, figures in report["modes"].items():
            if name in before["modes"]:
                modes[f"{name}, before ({before['date']}, {before['count']} submissions, "
                      f"load {before['load_before']}-{before['load_after']})"] = before["modes"][name]
            modes[name] = figures
    names = list(modes)
    rows = [
        ("requests failed (POST / status reads)", lambda m: f"{m['post_failures']} / {m['read_failures']}"),
        ("graded (done)", lambda m: f"{m['graded']} / {m['submissions']}"),
        ("upload POST latency p50 / p99", lambda m: f"{m['post_p50_s']*1000:.0f} / {m['post_p99_s']*1000:.0f} ms"),
        ("time to score p50", lambda m: f"{m['time_to_score_p50_s']:.1f} s"),
        ("time to score p95", lambda m: f"{m['time_to_score_p95_s']:.1f} s"),
        ("makespan (first POST to last grade)", lambda m: f"{m['makespan_s']:.1f} s"),
        ("raw grading of the same mix, back to back", lambda m: f"{m['raw_total_s']:.1f} s"),
        ("makespan / raw back to back", lambda m: f"{m['makespan_over_raw']:.2f}x"),
        ("makespan / (raw / 2 workers)", lambda m: f"{m['makespan_over_ideal']:.2f}x"),
        ("throughput", lambda m: f"{m['throughput_per_min']:.1f} submissions/min"),
        ("status reads during grading (of which 304)", lambda m: f"{m['reads']} ({m.get('not_modified', '-')})"),
        ("status read latency p50 / p99 (client)", lambda m: f"{m['read_p50_ms']:.1f} / {m['read_p99_ms']:.1f} ms"),
        ("of which in the service p50 / p99 (Server-Timing)",
         lambda m: f"{m['read_server_p50_ms']:.1f} / {m['read_server_p99_ms']:.1f} ms"),
        ("the same reads after the rush, one at a time: p50 / p99 (service p99)",
         lambda m: f"{m['idle_read_p50_ms']:.1f} / {m['idle_read_p99_ms']:.1f} ms ({m['idle_read_server_p99_ms']:.1f} ms)"),
    ]
    raw = report["raw"]
    reads = ("the compact status view (`/status`) with If-None-Match" if before else "the full submission view")
    lines = [
        "## Deadline rush on the grading service (`bench/deadline_rush.py`)",
        "",
        f"{report['count']} submissions posted at once from a second process over loopback "
        f"({', '.join(f'{n} {k}' for k, n in sorted(report['mix'].items()))}), then polled by "
        f"{READERS} concurrent status readers ({report['read_rate']:g} reads/s in all, reading {reads}) until all were graded. Embedded: SQLite (WAL) and "
        f"{WORKERS} local workers in the `gradelab serve` process. Celery: PostgreSQL, a private "
        f"redis-server and {WORKERS} `gradelab worker --concurrency 1` processes. Raw: the same "
        f"{report['count']} submissions graded back to back by `grader.grade` in one process "
        f"(no service), niced like the workers: {raw['total_s']:.0f} s in all "
        f"({', '.join(f'{k} {statistics.median(v):.1f} s' for k, v in sorted(raw['per_kind_s'].items()))} each, medians).",
        "",
        f"{report['date']}, {report['machine']}; load average {report['load_before']} before, "
        f"{report['load_after']} after (a machine shared with other work).",
        "",
        "| | " + " | ".join(names) + " |",
        "|---|" + "---:|" * len(names),
    ]
    for label, render in rows:
        lines.append(f"| {label} | " + " | ".join(render(modes[n]) for n in names) + " |")
    lines += ["", "Targets: no request fails; status reads p99 under 50 ms while grading runs; "
              "throughput bounded by grading work: the makespan is close to the raw grading time "
              "(divided by the workers where the machine has a core per grading run to spare).", "",
              "Reading it: grading is CPU work, and this machine has 2 cores that other people's jobs "
              "use too, so two workers rarely grade twice as fast as one, and makespans and latencies "
              "move by up to 1.7x between runs. The service's own cost of a status read is the "
              "after-the-rush row. The \"before\" columns are the run before status reads changed: "
              "readers polled the full submission view and grading ran at nice 10; now they poll the "
              "compact status view with If-None-Match (304 while nothing changed) and grading runs in "
              "SCHED_IDLE. Compare only at equal load: " + _speed_note(report, before)]
    return "\n".join(lines) + "\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=100)
    parser.add_argument("--a2", type=int, default=4, help="How many of them are Assignment 2 submissions.")
    parser.add_argument("--students", type=int, default=50)
    parser.add_argument("--modes", default="embedded,celery")
    parser.add_argument("--read-rate", type=float, default=50.0,
                        help="Status reads per second, all readers together (100 students polling every 2 s).")
    parser.add_argument("--no-write", action="store_true", help="Print the section; leave RESULTS.md alone.")
    parser.add_argument("--render-only", action="store_true",
                        help=f"Rewrite the RESULTS.md section from {RESULTS_JSON.name}; measure nothing.")
    args = parser.parse_args()
    before = json.loads(BEFORE_JSON.read_text()) if BEFORE_JSON.exists() else None
    if args.render_only:
        write_section("service", markdown(json.loads(RESULTS_JSON.read_text()), before))
        return

    items = build_mix(args.count, args.a2)
    mix: dict[str, int] = {}
    for item in items:
        mix[item.kind] = mix.get(item.kind, 0) + 1
    work = Path(tempfile.mkdtemp(prefix="deadline-rush-"))
    report = {"count": len(items), "mix": mix, "modes": {}, "read_rate": args.read_rate, "date": datetime.now(UTC).strftime("%Y-%m-%d"),
              "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
                         f"Python {platform.python_version()}",
              "load_before": f"{os.getloadavg()[0]:.2f}"}
    try:
        print(f"raw grading of {len(items)} submissions, back to back ...", file=sys.stderr)
        started = time.perf_counter()
        per_kind = raw_grading(items, work, nice=10)
        report["raw"] = {"total_s": time.perf_counter() - started, "per_kind_s": per_kind}
        for mode in args.modes.split(","):
            print(f"{mode}: deploying ...", file=sys.stderr)
            deployment = Deployment(mode, work / mode)
            deployment.work.mkdir()
            try:
                deployment.start(args.students)
                print(f"{mode}: rush of {len(items)} ...", file=sys.stderr)
                result = asyncio.run(rush(deployment.url, items, deployment.tokens, args.read_rate))
            finally:
                deployment.stop()
            report["modes"][mode] = summarise(result, report["raw"]["total_s"])
            print(json.dumps(report["modes"][mode], indent=1), file=sys.stderr)
        report["load_after"] = f"{os.getloadavg()[0]:.2f}"
    finally:
        shutil.rmtree(work, ignore_errors=True)
    section = markdown(report, before)
    print(section)
    if not args.no_write:
        RESULTS_JSON.parent.mkdir(parents=True, exist_ok=True)
        RESULTS_JSON.write_text(json.dumps(report, indent=1, default=str) + "\n")
        write_section("service", section)


if __name__ == "__main__":
    main()
