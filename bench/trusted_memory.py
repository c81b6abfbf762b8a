"""The trusted process's peak memory and the size of results.json, for hostile submissions
and the reference, in two checkouts side by side (this one and a baseline).

    python bench/trusted_memory.py --baseline /work/main [--cases toy_4m a2_4m a2_reference] [--write]

Each case is graded by each checkout's own virtual environment (``<tree>/.venv``), in a
fresh process, in the bwrap sandbox. The trusted pytest process measures itself: its
command is wrapped so that at exit it writes its own peak resident size
(``getrusage(RUSAGE_SELF).ru_maxrss``: this process alone, not the sandbox's), and the
highest private memory (``VmData``, what ``GRADELAB_TRUSTED_MEMORY_MB`` caps) a thread of
it saw, sampling every 20 ms.

Cases:
  toy_4m        the toy assignment, relu returning 4,000,000 points (its check plots them)
  a2_4m         Assignment 2's captioning part, the course's solver patched to pad its loss
                history to 4,000,100 points after training for real
  a2_reference  the reference of Assignment 2, every part (the default cap's margin)
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parents[1]

#: Runs the trusted pytest in place of ``python -m pytest ...``, writing its peak RSS at exit.
_SHIM = (
    "import atexit, resource, runpy, sys, threading, time\n"
    "out = sys.argv.pop(1)\n"
    "peak = [0]\n"
    "def data_kib():\n"
    "    for line in open('/proc/self/status'):\n"
    "        if line.startswith('VmData:'):\n"
    "            return int(line.split()[1])\n"
    "def sample():\n"
    "    while True:\n"
    "        peak[0] = max(peak[0], data_kib())\n"
    "        time.sleep(0.02)\n"
    "threading.Thread(target=sample, daemon=True).start()\n"
    "atexit.register(lambda: open(out, 'w').write(\n"
    "    f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss} {max(peak[0], data_kib())}'))\n"
    "sys.argv = ['pytest', *sys.argv[3:]]\n"
    "runpy.run_module('pytest', run_name='__main__', alter_sys=True)\n"
)


def _child(case: str, work: Path) -> dict:
    """In the checkout under test (its own venv): grade one case, return the figures."""
    import dataclasses

    import grader.grade as grade_module
    from gradelab.settings import Settings
    from grader.sandbox.limits import Limits

    peak_file = work / "trusted-peak-kib"
    real_popen = subprocess.Popen

    def measured_popen(command, *args, **kwargs):
        if command[1:3] == ["-m", "pytest"]:
            command = [command[0], "-c", _SHIM, str(peak_file), *command[1:]]
        return real_popen(command, *args, **kwargs)

    grade_module.subprocess.Popen = measured_popen
    tree = Path(grade_module.__file__).resolve().parents[1]
    sys.path.insert(0, str(HERE))
    from tests.grader.conftest import TOY

    settings = Settings(var_dir=Path(os.environ.get("BENCH_VAR_DIR", tree / "var")))
    submission = work / "submission"
    kwargs: dict = {}
    if case == "toy_4m":
        shutil.copytree(TOY, submission, ignore=shutil.ignore_patterns("grading", "assignment.toml", "__pycache__"))
        ops = submission / "toy" / "ops.py"
        source = ops.read_text()
        ops.write_text(source[:source.index("def relu(x):")]
                       + "def relu(x):\n    return np.linspace(-1.0, 1.0, 4_000_000)\n")
        kwargs = {"assignment": TOY, "limits": Limits(check_timeout_s=60, run_timeout_s=600, memory_mb=2048)}
    else:
        from tests.grader.a2_submissions import RNN_MODEL, Edit, reference_submission

        reference_submission(submission)
        kwargs = {"assignment": "a2", "profile": "smoke"}
        if case == "a2_4m":
            Edit(RNN_MODEL, "import torch\n", (
                "import torch\n\nfrom .. import captioning_solver_pytorch as _solver\n\n"
                "_train = _solver.CaptioningSolverPytorch.train\n\n\n"
                "def _train_and_pad(self):\n"
                "    _train(self)\n"
                "    self.loss_history = list(self.loss_history) + [self.loss_history[-1]] * 4_000_000\n\n\n"
                "_solver.CaptioningSolverPytorch.train = _train_and_pad\n")).apply(submission)
            kwargs["parts"] = ["RNN_Captioning_pytorch"]
    limits = kwargs.pop("limits", None) or Limits.from_settings(settings, kwargs.get("profile", "smoke"))
    if os.environ.get("BENCH_TRUSTED_MB") and hasattr(limits, "trusted_memory_mb"):
        limits = dataclasses.replace(limits, trusted_memory_mb=int(os.environ["BENCH_TRUSTED_MB"]))
    started = time.monotonic()
    result = grade_module.grade(submission, sandbox="bwrap", settings=settings, limits=limits,
                                keep_dir=work / "keep", **kwargs)
    seconds = time.monotonic() - started
    results_json = work / "keep" / "results.json"
    return {
        "case": case, "tree": str(tree), "gradable": result.gradable, "reason": result.reason,
        "score": f"{result.score:g}/{result.max_score:g}",
        "trusted_peak_mib": round(int(peak_file.read_text().split()[0]) / 1024, 1) if peak_file.exists() else None,
        "trusted_data_mib": round(int(peak_file.read_text().split()[1]) / 1024, 1) if peak_file.exists() else None,
        "results_json_bytes": results_json.stat().st_size if results_json.exists() else None,
        "seconds": round(seconds, 1),
    }


def _run(tree: Path, case: str) -> dict:
    python = tree / ".venv" / "bin" / "python"
    with tempfile.TemporaryDirectory(prefix="bench-trusted-") as work:
        env = {**os.environ, "BENCH_VAR_DIR": str(HERE / "var")}  # one secret key and data set for both
        done = subprocess.run([str(python), str(Path(__file__).resolve()), "--child", case, "--work", work],
                              cwd=tree, env=env, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            raise SystemExit(f"{tree} {case} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
        return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", type=Path, default=Path("/work/main"))
    parser.add_argument("--cases", nargs="+", default=["toy_4m", "a2_4m", "a2_reference"])
    parser.add_argument("--write", action="store_true", help="write the section of bench/RESULTS.md")
    parser.add_argument("--from-log", type=Path, help="render the JSON lines of an earlier run instead of running")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(_child(args.child, args.work)))
        return
    rows = []
    if args.from_log:   # the JSON lines an earlier run printed, rendered again (with --write)
        for line in args.from_log.read_text().splitlines():
            if line.startswith("{"):
                pair = json.loads(line)
                rows.append((pair["this"]["case"], pair["baseline"], pair["this"]))
    for case in [] if args.from_log else args.cases:
        baseline, ours = _run(args.baseline.resolve(), case), _run(HERE, case)
        rows.append((case, baseline, ours))
        print(json.dumps({"baseline": baseline, "this": ours}), flush=True)
    table = _table(rows)
    print(table)
    if args.write:
        sys.path.insert(0, str(HERE))
        from bench.results_file import write_section

        write_section("trusted_memory", SECTION.format(baseline=args.baseline, date=time.strftime("%Y-%m-%d"),
                                                       table=table, cpus=os.cpu_count()))


SECTION = """## The trusted process's memory and results.json (`bench/trusted_memory.py`)

Each case graded once by each checkout, side by side on this machine ({cpus} CPUs shared with
other jobs, {date}), in the bwrap sandbox, smoke profile: the baseline is {baseline} (before the
trusted side bounded what it keeps), "this" is this checkout. The trusted pytest process
measures itself: peak resident size (`ru_maxrss`, itself alone) and the highest private
memory (`VmData`, sampled every 20 ms; what `GRADELAB_TRUSTED_MEMORY_MB` caps). Seconds are
wall time on a shared machine, for orientation only.

- `toy_4m`: the toy assignment, relu returning 4,000,000 points (its check plots what relu returns).
- `a2_4m`: Assignment 2's captioning part, the course's solver patched by the submission to pad
  its loss history to 4,000,100 points after training for real (the check passes on what was learned).
- `a2_reference`: the reference of Assignment 2, every part: what the default cap of 3072 MiB
  must leave room for.

{table}

Reading it: the series is now kept as 2000 points with its length (results.json about
1400x smaller: the service reads and renders that file for each view, which is not timed
here), and the trusted process no longer holds the history as Python floats and JSON text
(3x to 8x less memory for the hostile cases). `a2_4m` grades the captioning part only (the
other parts say "not graded in this run"), hence 18/93. The reference's own needs do not
change (about 550 MiB resident, under 500 MiB of private memory, on the smoke profile), so
the default cap of 3072 MiB leaves 6x headroom there; the full profile's trusted side
(CIFAR-10's 50,000 images, 150 MiB as uint8; the GPU machine's CUDA build of torch) was not
measured: no GPU machine was lent to this task.
"""


def _table(rows: list[tuple[str, dict, dict]]) -> str:
    lines = ["| case | tree | score | trusted peak RSS (MiB) | its VmData peak (MiB) | results.json (bytes) | seconds |",
             "|---|---|---|---:|---:|---:|---:|"]
    for case, baseline, ours in rows:
        for name, row in (("baseline", baseline), ("this", ours)):
            lines.append(f"| {case} | {name} | {row['score'] if row['gradable'] else 'not graded'} | "
                         f"{row['trusted_peak_mib']} | {row['trusted_data_mib']} | {row['results_json_bytes']} | "
                         f"{row['seconds']} |")
        if baseline["trusted_peak_mib"] and ours["trusted_peak_mib"]:
            lines.append(f"| {case} | ratio baseline / this | | {baseline['trusted_peak_mib'] / ours['trusted_peak_mib']:.1f}x | "
                         f"{baseline['trusted_data_mib'] / ours['trusted_data_mib']:.1f}x | "
                         f"{baseline['results_json_bytes'] / ours['results_json_bytes']:.0f}x | |")
    return "\n".join(lines)

if __name__ == "__main__":
    main()
