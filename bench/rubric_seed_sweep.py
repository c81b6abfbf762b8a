"""How often does a hidden-input rubric item give the wrong verdict, over many secret seeds?

Every submission (and every CI run) draws fresh hidden inputs, so an item that catches a
bug on most seeds only is a wrong grade some of the time. This runs the A2 items that need
no data or training (layers, networks' losses and gradients, the captioning sampler) in
process, as the trusted side would, for the reference, every mutant and every variant of
tests/grader/a2_submissions.py, over SEEDS seeds each: a mutant must lose exactly its items
on every seed, the reference and the variants none.

    .venv/bin/python bench/rubric_seed_sweep.py [--seeds 100] [--first 0] [--write]
"""

from __future__ import annotations

import argparse
import datetime
import importlib
import inspect
import platform
import sys
import tempfile
import time
from pathlib import Path

from results_file import write_section  # bench/results_file.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "solutions" / "a2" / "grading"), str(ROOT)]

from grader.plugin.rubric import load_rubric  # noqa: E402
from grader.student_side.loader import LoadFailure  # noqa: E402
from tests.grader.a2_submissions import MUTANTS, VARIANTS, Mutant, in_process, item_failure  # noqa: E402

RUBRIC_MODULES = ("test_batchnormalization", "test_convolutional_networks", "test_dropout", "test_rnn_captioning")
FIXTURES = {"student", "reference", "hidden_rng"}


def sweepable_items():
    """(item id, check function) for every item that needs only these three fixtures."""
    for module_name in RUBRIC_MODULES:
        for name, check in vars(importlib.import_module(module_name)).items():
            marks = [mark for mark in getattr(check, "pytestmark", []) if mark.name == "rubric"]
            if name.startswith("test_") and marks and set(inspect.signature(check).parameters) <= FIXTURES:
                yield marks[0].args[0], check


def sweep(submission: Mutant | None, items, rubric, reference, seeds, workdir: Path):
    """-> (wrong verdicts, first example) for one submission; None if it cannot load here.

    An item that counts_with others (a notebook case) fails, as in a grading, when it fails
    itself or when one of those does ("withheld")."""
    student = in_process(workdir, submission)
    loses = submission.loses if submission else frozenset()
    wrong, example = 0, ""
    for seed in seeds:
        messages = {}
        for item, check in items:
            try:
                messages[item] = item_failure(check, student, reference, item, seed)
            except LoadFailure:
                return None  # e.g. the variant that refuses to import where it can see the solutions
        for item, message in messages.items():
            withheld = [other for other in rubric[item].counts_with if messages.get(other) is not None]
            if message is None and withheld:
                message = f"withheld ({', '.join(withheld)} failed)"
            if (message is not None) != (item in loses):
                wrong += 1
                example = example or f"{item}, seed {seed}: {message or 'passed, should fail'}"[:160]
    return wrong, example


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=100)
    parser.add_argument("--first", type=int, default=0, help="the first seed (another range, other inputs)")
    parser.add_argument("--write", action="store_true", help="write the table into bench/RESULTS.md")
    args = parser.parse_args()
    items = sorted(sweepable_items(), key=lambda pair: pair[0])
    rubric = load_rubric(ROOT / "solutions" / "a2" / "grading" / "rubric.toml")
    seeds = range(args.first, args.first + args.seeds)
    rows, started = [], time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        reference = in_process(Path(scratch) / "reference")
        # These items drive the package only: edits of notebooks are left out.
        submissions = [("reference", None)] + [
            (f"{kind}: {m.name}", m) for kind, group in (("mutant", MUTANTS), ("variant", VARIANTS)) for m in group
            if all(edit.path.startswith("cs231n/") for edit in m.edits)]
        for index, (label, submission) in enumerate(submissions):
            outcome = sweep(submission, items, rubric, reference, seeds, Path(scratch) / f"s{index}")
            row = f"| {label} | " + ("not importable in process | |" if outcome is None else
                                     f"{outcome[0]} | {outcome[1]} |")
            print(row, flush=True)
            rows.append(row)
    minutes = (time.perf_counter() - started) / 60
    body = "\n".join([
        "## Hidden-input items over many secret seeds (`bench/rubric_seed_sweep.py`)",
        "",
        f"{len(items)} items that need no data ({', '.join(item for item, _ in items)}), run in process on "
        f"seeds {seeds.start}..{seeds.stop - 1} for each submission: {len(items) * len(seeds)} verdicts per "
        "row. A wrong verdict is a mutant passing one of its items or anything failing an item it should "
        "pass; a notebook case fails with the hidden cases it counts with, as in a grading. Mutants of the "
        "notebooks are left out: these items drive the package only.",
        "",
        f"{datetime.date.today()}, {platform.machine()}, Python {platform.python_version()}; "
        f"{minutes:.1f} min in all",
        "",
        "| submission | wrong verdicts | first example |",
        "|---|---:|---|",
        *rows,
    ])
    print(body)
    if args.write:
        print(f"updated {write_section('rubric_seed_sweep', body)}")


if __name__ == "__main__":
    main()
