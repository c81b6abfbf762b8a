"""How well the similarity engine tells copies from independent work, against copydetect
(MIT; the winnowing of MOSS, the well-kept implementation on PyPI) on the same files.

The files are the tests' (tests/similarity/fixtures): Assignment 2's cs231n/layers.py as
the reference writes it, a copy of it disguised by hand, two implementations written
independently of it (explicit loops; einsum and window views), a mechanical disguise of
the loops one (renamed, comments and docstrings dropped, functions reversed), the loops
one with three of the reference's functions pasted in, and the untouched release. Each is
a submission holding that layers.py and the release's other files.

For each pair: our share (of both entries' student-written tokens, the template taken
out) and copydetect's similarity of each file to the other (the release's layers.py as
its boilerplate), then the margin between the lowest copy and the highest independent
pair. Our share is also given for other k-gram lengths, to show why k = 15.

    .venv/bin/python bench/similarity_quality.py            # writes its section of RESULTS.md
    .venv/bin/python bench/similarity_quality.py --no-write
"""

from __future__ import annotations

import argparse
import platform
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from results_file import write_section  # noqa: E402  (bench/results_file.py)

from gradelab.manifest import load_manifest  # noqa: E402
from similarity import engine, fingerprints  # noqa: E402
from similarity.engine import Inputs, Options, Setup, compare  # noqa: E402
from similarity.layout import layout_of  # noqa: E402
from similarity.sources import submissions_from_paths, template_files  # noqa: E402
from tests.similarity import builders  # noqa: E402

COPIES = [("reference", "disguised"), ("loops", "loops-disguised"), ("reference", "loops+3-pasted")]
INDEPENDENT = [("reference", "loops"), ("reference", "vectorised"), ("loops", "vectorised"),
               ("disguised", "vectorised"), ("vectorised", "loops-disguised")]
TEMPLATE = [("release", "reference"), ("release", "loops")]


def layers_files() -> dict[str, str]:
    from tests.similarity.test_independent import _replace_functions

    release = (builders.RELEASE / builders.LAYERS).read_text()
    pasted = _replace_functions(builders.LOOPS_LAYERS, builders.REFERENCE_LAYERS,
                                ("batchnorm_backward", "conv_backward_naive", "spatial_groupnorm_forward"))
    return {"reference": builders.REFERENCE_LAYERS, "disguised": builders.DISGUISED_LAYERS,
            "loops": builders.LOOPS_LAYERS, "vectorised": builders.VECTORISED_LAYERS,
            "loops-disguised": builders.disguise(builders.LOOPS_LAYERS), "loops+3-pasted": pasted, "release": release}


def ours(root: Path, files: dict[str, str], k: int) -> dict[tuple[str, str], float]:
    fingerprints.CODE = engine.CODE = fingerprints.Shingling(k=k, window=6)
    assignment = load_manifest(builders.MASTER)
    layout = layout_of(assignment)
    setup = Setup(assignment, layout, template_files(builders.RELEASE, layout))
    paths = [builders.submission(root / f"ours-{k}" / name, {builders.LAYERS: text}) for name, text in files.items()]
    report = compare(Inputs(setup, submissions_from_paths(paths)), Options(threshold=0.4, workers=1, floor=0.0))
    shares = {}
    for a, b in [*COPIES, *INDEPENDENT, *TEMPLATE]:
        pair = report.pair(a, b)
        shares[(a, b)] = pair.share if pair else 0.0
    return shares


def theirs(root: Path, files: dict[str, str]) -> dict[tuple[str, str], tuple[float, float]]:
    from copydetect import CopyDetector

    folders = {}
    for name, text in files.items():
        folders[name] = root / "copydetect" / name
        folders[name].mkdir(parents=True)
        (folders[name] / "layers.py").write_text(text)
    boilerplate = root / "copydetect-boilerplate"
    boilerplate.mkdir()
    (boilerplate / "layers.py").write_text(files["release"])
    everything = [str(folder) for name, folder in folders.items()]
    detector = CopyDetector(test_dirs=everything, ref_dirs=everything, boilerplate_dirs=[str(boilerplate)],
                            extensions=["py"], same_name_only=True, silent=True, autoopen=False)
    detector.run()
    index = {Path(f).parent.name: i for i, f in enumerate(detector.test_files)}
    found = {}
    for a, b in [*COPIES, *INDEPENDENT, *TEMPLATE]:
        sim_a, sim_b = detector.similarity_matrix[index[a], index[b]]
        found[(a, b)] = (max(float(sim_a), 0.0), max(float(sim_b), 0.0))
    return found


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-write", action="store_true", help="print only; leave RESULTS.md alone")
    args = parser.parse_args()
    files = layers_files()
    root = Path(tempfile.mkdtemp(prefix="similarity-quality-"))
    try:
        sweep = {k: ours(root, files, k) for k in (10, 12, 15, 18, 20)}
        copy = theirs(root, files)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    import copydetect

    lines = ["## Similarity: copies against independent work (`bench/similarity_quality.py`)", "",
             "cs231n/layers.py of Assignment 2, each in a submission otherwise the release: the reference, a "
             "copy of it disguised by hand, two implementations written apart from it (loops; einsum and "
             "window views), the loops one disguised mechanically, and the loops one with three of the "
             "reference's functions pasted in. Ours: the pair's share (k = 15 tokens, as shipped). "
             f"copydetect {copydetect.__version__}: each file's similarity to the other (its defaults, noise "
             "25 / guarantee 25 characters of filtered code, the release's layers.py as boilerplate).", "",
             f"{datetime.now(UTC):%Y-%m-%d}, Python {platform.python_version()}", "",
             "| pair | kind | ours | copydetect (a / b) |", "|---|---|---:|---:|"]
    for kind, pairs in (("copy", COPIES), ("independent", INDEPENDENT), ("template", TEMPLATE)):
        for pair in pairs:
            sim_a, sim_b = copy[pair]
            lines.append(f"| {pair[0]} ~ {pair[1]} | {kind} | {sweep[15][pair]:.0%} | {sim_a:.0%} / {sim_b:.0%} |")

    def margin(scores) -> float:
        return min(scores[p] for p in COPIES) - max(scores[p] for p in INDEPENDENT)

    copy_mean = {p: sum(copy[p]) / 2 for p in copy}
    lines += ["", f"Margin (lowest copy minus highest independent pair): ours {margin(sweep[15]):+.0%}, "
              f"copydetect (mean of both directions) {margin(copy_mean):+.0%}. The template pairs: ours "
              f"{max(sweep[15][p] for p in TEMPLATE):.0%}, copydetect {max(max(copy[p]) for p in TEMPLATE):.0%}.",
              "", "Our margin by k-gram length (window 6): " + ", ".join(
                  f"k = {k}: {margin(scores):+.0%} (highest independent {max(scores[p] for p in INDEPENDENT):.0%})"
                  for k, scores in sweep.items()) + "."]
    text = "\n".join(lines)
    print(text)
    if not args.no_write:
        print(f"\nwrote {write_section('similarity_quality', text)}")


if __name__ == "__main__":
    main()
