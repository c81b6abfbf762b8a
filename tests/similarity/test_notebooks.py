"""The notebooks' student code is compared like the package's: function by function (and
cell by cell for top-level code), the release's cells taken out."""

from __future__ import annotations

import json

from tests.similarity.builders import MASTER, disguise, submission
from tests.similarity.conftest import DEFAULT_THRESHOLD

NOTEBOOK = "PyTorch.ipynb"


def disguised_notebook() -> str:
    """The reference's PyTorch notebook with every code cell that parses disguised."""
    notebook = json.loads((MASTER / NOTEBOOK).read_text())
    for cell in notebook["cells"]:
        source = "".join(cell["source"]) if isinstance(cell["source"], list) else cell["source"]
        if cell["cell_type"] == "code" and "BEGIN SOLUTION" in source:
            cell["source"] = disguise(source.replace("### BEGIN SOLUTION", "").replace("### END SOLUTION", ""))
    return json.dumps(notebook)


def test_a_disguised_copy_of_notebook_code_is_flagged_function_by_function(report_of, tmp_path):
    source = submission(tmp_path / "alice", {NOTEBOOK: (MASTER / NOTEBOOK).read_text()})
    copy = submission(tmp_path / "bob", {NOTEBOOK: disguised_notebook()})
    report = report_of(source, copy)

    pair = report.pair("alice", "bob")
    assert pair is not None and pair.flagged(DEFAULT_THRESHOLD)
    named = {m.a.split("::")[-1] for m in pair.matching_units() if m.a == m.b and m.a.startswith(NOTEBOOK)}
    assert {"three_layer_convnet", "init_three_layer_convnet_params", "ThreeLayerConvNet.__init__",
            "make_sequential_convnet", "make_challenge_model"} <= named
    # Only student code was compared: the release's own cells (data loading, training loops) are not units.
    assert not any("train_part" in m.a for m in pair.matches)
