"""Implementations written independently (the reference, explicit loops, einsum and
windows views) are not flagged at the default threshold, though they solve the same
problems with the same API."""

from __future__ import annotations

import itertools

from tests.similarity.builders import (
    LAYERS,
    LOOPS_LAYERS,
    REFERENCE_LAYERS,
    VECTORISED_LAYERS,
    submission,
)
from tests.similarity.conftest import DEFAULT_THRESHOLD


def test_independent_implementations_are_not_flagged(report_of, tmp_path):
    paths = [submission(tmp_path / name, {LAYERS: text}) for name, text in
             (("reference", REFERENCE_LAYERS), ("loops", LOOPS_LAYERS), ("vectorised", VECTORISED_LAYERS))]
    report = report_of(*paths, floor=0.0)

    assert {e.name for e in report.entries} == {"reference", "loops", "vectorised"}
    for a, b in itertools.combinations(["reference", "loops", "vectorised"], 2):
        pair = report.pair(a, b)
        # Every pair shares something (`N, C, H, W = x.shape`, four nested loops) ...
        assert pair is not None and pair.share > 0
        # ... but far less than a copy, and no function mostly.
        assert not pair.flagged(DEFAULT_THRESHOLD), (a, b, pair.share)
        assert pair.matching_units() == []
    assert report.flagged() == []


def test_a_few_functions_copied_into_independent_work_are_named(report_of, tmp_path):
    """The same independent file with three of the reference's functions pasted in: the
    pair's share rises with them, and exactly those are named."""
    pasted = ("batchnorm_backward", "conv_backward_naive", "spatial_groupnorm_forward")
    mixed = _replace_functions(LOOPS_LAYERS, REFERENCE_LAYERS, pasted)
    report = report_of(submission(tmp_path / "reference", {LAYERS: REFERENCE_LAYERS}),
                       submission(tmp_path / "loops", {LAYERS: LOOPS_LAYERS}),
                       submission(tmp_path / "mixed", {LAYERS: mixed}), floor=0.0)

    named = {m.a.split("::")[-1] for m in report.pair("reference", "mixed").matching_units() if m.a == m.b}
    assert named == set(pasted)
    assert report.pair("reference", "mixed").share > report.pair("reference", "loops").share + 0.1


def _replace_functions(target: str, donor: str, names: tuple[str, ...]) -> str:
    import ast

    def spans(text: str) -> dict[str, tuple[int, int]]:
        return {n.name: (n.lineno - 1, n.end_lineno) for n in ast.parse(text).body if isinstance(n, ast.FunctionDef)}

    lines, donor_lines = target.splitlines(), donor.splitlines()
    for name in names:
        start, end = spans("\n".join(lines))[name]
        a, b = spans(donor)[name]
        lines[start:end] = donor_lines[a:b]
    return "\n".join(lines) + "\n"
