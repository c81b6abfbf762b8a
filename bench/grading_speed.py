"""GradeLab's smoke rubric against whole-notebook execution, side by side, in one run.

Whole-notebook execution is how nbgrader and Otter-Grader grade: run every cell of the
submitted notebooks, top to bottom, with the data in place. GradeLab instead runs only
the rubric's scenarios in the sandbox. Measured here on the same submission (the
reference), same machine, same data (the synthetic sets), one BLAS/torch thread:

- GradeLab, smoke profile: `grade()` of the reference and of the untouched release;
- nbclient, the notebooks as a student runs them (the seed's sizes), each capped at
  --cap seconds (a notebook still running at the cap is reported as "> cap");
- nbclient, the notebooks in quick mode (CS231N_QUICK=1), a lower bound that no
  notebook-executing grader gets for free.

    .venv/bin/python bench/grading_speed.py [--cap 900] [--write]
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from results_file import write_section  # bench/results_file.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "solutions" / "a2"
NOTEBOOKS = ["BatchNormalization", "Dropout", "ConvolutionalNetworks", "PyTorch", "RNN_Captioning_pytorch"]


def grade_once(submission: Path) -> tuple[float, float, float]:
    from gradelab.settings import get_settings
    from grader.grade import grade

    started = time.perf_counter()
    result = grade(submission, assignment="a2", profile="smoke", settings=get_settings())
    return time.perf_counter() - started, result.score, result.max_score


def run_notebook(assignment: Path, name: str, *, quick: bool, cap: float) -> float | None:
    """Seconds to execute one notebook top to bottom; None when it ran past ``cap``."""
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellTimeoutError

    os.environ["CS231N_QUICK"] = "1" if quick else "0"
    notebook = nbformat.read(assignment / f"{name}.ipynb", as_version=4)
    client = NotebookClient(notebook, timeout=cap, kernel_name="python3", resources={"metadata": {"path": str(assignment)}})
    started = time.perf_counter()
    try:
        client.execute()
    except CellTimeoutError:
        return None
    elapsed = time.perf_counter() - started
    return elapsed if elapsed <= cap else None


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cap", type=float, default=900.0, help="seconds allowed per notebook (full mode)")
    parser.add_argument("--skip-full", action="store_true", help="skip the notebooks at the seed's sizes")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()
    for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
        os.environ.setdefault(variable, "1")

    from gradelab.settings import get_settings
    from grader.datasets.synth import ensure_synthetic

    data = ensure_synthetic(get_settings().profile_data_dir("smoke"))
    work = Path(tempfile.mkdtemp(prefix="grading-speed-"))
    try:
        reference = work / "reference"
        shutil.copytree(MASTER, reference, ignore=shutil.ignore_patterns("grading", "assignment.toml", "__pycache__"))
        datasets = reference / "cs231n" / "datasets"
        for name in ("cifar-10-batches-py", "coco_captioning"):
            if not (datasets / name).exists():
                (datasets / name).symlink_to(data / name)

        rows = []
        seconds, score, max_score = grade_once(reference)
        rows.append(("GradeLab, smoke rubric, the reference", seconds, f"{score:g} / {max_score:g}"))
        print(rows[-1], flush=True)
        seconds, score, max_score = grade_once(ROOT / "assignments" / "a2")
        rows.append(("GradeLab, smoke rubric, the untouched release", seconds, f"{score:g} / {max_score:g}"))
        print(rows[-1], flush=True)
        grading = rows[0][1]

        modes = [("quick", True, "in quick mode")]
        if not args.skip_full:
            modes.append(("full", False, "as submitted"))
        for mode, quick, label in modes:
            total, per_notebook, capped = 0.0, [], False
            for name in NOTEBOOKS:
                elapsed = run_notebook(reference, name, quick=quick, cap=args.cap)
                capped |= elapsed is None
                shown = f"> {args.cap:.0f}" if elapsed is None else f"{elapsed:.0f}"
                per_notebook.append(f"{name} {shown}s")
                total += elapsed if elapsed is not None else args.cap
                print(mode, name, elapsed, flush=True)
            rows.append((f"nbclient, the five notebooks {label}{' (capped: a lower bound)' if capped else ''}",
                         total, ", ".join(per_notebook)))
    finally:
        shutil.rmtree(work, ignore_errors=True)

    lines = ["| run | seconds | vs GradeLab on the reference | detail |", "|---|---:|---:|---|"]
    for label, seconds, detail in rows:
        lines.append(f"| {label} | {seconds:.1f} | {seconds / grading:.1f}x | {detail} |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        body = ("## Grading time: the smoke rubric against whole-notebook execution\n\n"
                   f"`bench/grading_speed.py --cap {args.cap:.0f}` on this machine (2 cores, shared), one BLAS/torch thread, "
                   "synthetic data. Targets: the whole smoke rubric under 60 s; at least 5x faster than executing the "
                   f"notebooks whole.\n\n{table}")
        print(f"updated {write_section('grading_speed', body)}")


if __name__ == "__main__":
    sys.exit(main())
