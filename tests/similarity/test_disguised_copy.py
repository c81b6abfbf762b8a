"""A copy of a submission disguised by hand is flagged against its source, with the
matching functions named; the disguise is a real one (the texts share few lines)."""

from __future__ import annotations

import ast

from release.errors import Where
from release.markers import find_regions
from tests.similarity.builders import DISGUISED_LAYERS, LAYERS, REFERENCE_LAYERS, submission
from tests.similarity.conftest import DEFAULT_THRESHOLD, unit_names

#: Every function of layers.py with more than two lines of student code.
COPIED = {"softmax_loss", "svm_loss", "batchnorm_forward", "batchnorm_backward", "batchnorm_backward_alt",
          "layernorm_forward", "layernorm_backward", "dropout_forward", "dropout_backward", "conv_forward_naive",
          "conv_backward_naive", "max_pool_forward_naive", "max_pool_backward_naive", "spatial_batchnorm_forward",
          "spatial_batchnorm_backward", "spatial_groupnorm_forward", "spatial_groupnorm_backward",
          "affine_backward"}


def function_order(text: str) -> list[str]:
    return [node.name for node in ast.parse(text).body if isinstance(node, ast.FunctionDef)]


def test_the_fixture_is_disguised():
    written = {line.strip() for region in find_regions(REFERENCE_LAYERS, Where(LAYERS)) for line in region.body
               if len(line.strip()) >= 20 and not line.strip().startswith("#")}
    copied = {line.strip() for line in DISGUISED_LAYERS.splitlines()}
    functions = function_order(REFERENCE_LAYERS)
    assert sorted(function_order(DISGUISED_LAYERS)) == sorted(functions)
    assert function_order(DISGUISED_LAYERS) != functions
    # Of the reference's lines of solution (20 characters or more), only a few that name
    # nothing of their own (`out = np.maximum(x, 0)`) are left as they were.
    assert len(written & copied) < 0.05 * len(written)


def test_disguised_copy_is_flagged_against_its_source_with_the_functions_named(report_of, tmp_path):
    source = submission(tmp_path / "alice", {LAYERS: REFERENCE_LAYERS})
    copy = submission(tmp_path / "bob", {LAYERS: DISGUISED_LAYERS})
    report = report_of(source, copy)

    pair = report.pair("alice", "bob")
    assert pair is not None and pair.flagged(DEFAULT_THRESHOLD)
    assert pair.share > 0.9
    assert COPIED <= unit_names(pair)
    # Each copied function is matched with itself, wherever the copy moved it.
    assert COPIED <= {m.a.split("::")[-1] for m in pair.matching_units() if m.a == m.b}
    assert report.flagged() == [pair]


def test_matching_spans_cover_the_copied_code_in_each_file(report_of, tmp_path):
    report = report_of(submission(tmp_path / "alice", {LAYERS: REFERENCE_LAYERS}),
                       submission(tmp_path / "bob", {LAYERS: DISGUISED_LAYERS}))
    pair = report.pair("alice", "bob")
    match = next(m for m in pair.matches if m.a == "cs231n/layers.py::conv_backward_naive")
    theirs = report.sources["bob"][match.b]
    marked = {row for line0, _, line1, _ in match.spans_b for row in range(line0, line1 + 1)}
    # The disguised loop nest is highlighted in the copy's own text.
    loop = next(i for i, line in enumerate(theirs) if "for img in range(batch):" in line)
    assert loop in marked
    assert any("dwts[filt] += g*patch" in theirs[row] for row in marked)
    # ... and the template's docstring is not.
    assert not any('"""' in theirs[row] for row in marked)
