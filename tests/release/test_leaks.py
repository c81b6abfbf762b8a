"""The leak check: what counts as solution material, and that each kind of leak is caught."""

from __future__ import annotations

import json

import pytest

from release import SolutionLeak, build_release, check_no_leaks, find_leaks, read_master
from release.leaks import is_trivial, normalize, solution_lines


@pytest.mark.parametrize(
    "line",
    [
        "",
        "   ",
        ")",
        "}]),",
        "pass",
        "return",
        "else:",
        "except :",
        "...",
        "return out, cache",
        "return dx, dw, db",
        "return (loss, grads)",
        "import numpy as np",
        "from torch import nn",
        "#",
        "# forward",
    ],
)
def test_trivial_lines(line: str):
    assert is_trivial(normalize(line))


@pytest.mark.parametrize(
    "line",
    [
        "out = np.maximum(x, 0)",
        "return 3 * x",
        "return out.sum()",
        "dx = dout * (x > 0)",
        "# subtract the running mean before scaling",
    ],
)
def test_lines_that_count(line: str):
    assert not is_trivial(normalize(line))


def test_solution_lines_of_the_fixture_master(master):
    secret = solution_lines(read_master(master))
    assert secret["out = rows @ w + b"] == "cs231n/layers.py, line 10"
    assert "doubled = [2 * v for v in values]" in secret
    assert "answer_to_everything = 6 * 7" in secret
    assert "return 3 * x" in secret
    # Model answers count too.
    assert "so it preserves every comparison between two values." in secret
    # Also outside a region in the master (flatten), so shipped anyway: not secret.
    assert "rows = x.reshape(x.shape[0], -1)" not in secret
    # Trivial.
    assert "return out, cache" not in secret
    # The hidden rubric is not part of what ships, so its lines are not consulted.
    assert not any("REFERENCE_RELU" in line for line in secret)


def test_a_clean_release_has_no_leaks(master):
    release = build_release(master)
    assert find_leaks(release.files, read_master(master)) == []


@pytest.fixture
def released(master) -> dict[str, bytes]:
    return dict(build_release(master).files)


def leaks_in(released: dict[str, bytes], master) -> list[str]:
    return [str(leak) for leak in find_leaks(released, read_master(master))]


def test_a_solution_line_is_found_whatever_its_indentation(released, master):
    released["cs231n/extra.py"] = b"def f(x):\n    if x:\n            out = np.maximum(x, 0)\n"
    assert leaks_in(released, master) == [
        "cs231n/extra.py, line 3: solution line (from cs231n/layers.py, line 19): "
        "'out = np.maximum(x, 0)'"
    ]


def test_marker_text_is_a_leak(released, master):
    released["README.md"] += b"\nThe code between ## BEGIN SOLUTION and END SOLUTION\n"
    assert leaks_in(released, master) == [
        "README.md, line 5: marker text: 'The code between ## BEGIN SOLUTION and END SOLUTION'"
    ]


def test_the_rubric_and_hidden_files_are_leaks(released, master):
    released["grading/rubric.py"] = b"x = 1\n"
    released["cs231n/.notes"] = b"nothing\n"
    assert leaks_in(released, master) == [
        "cs231n/.notes: the hidden rubric or a hidden file is released",
        "grading/rubric.py: the hidden rubric or a hidden file is released",
    ]


def test_notebook_outputs_and_model_answers_are_leaks(released, master):
    nb = json.loads(released["Alpha.ipynb"])
    nb["cells"][2]["outputs"] = [{"name": "stdout", "output_type": "stream", "text": ["6.0\n"]}]
    nb["cells"][5]["source"] = ["so it preserves every comparison between two values."]
    released["Alpha.ipynb"] = json.dumps(nb).encode()
    assert leaks_in(released, master) == [
        "Alpha.ipynb cells[2]: a code cell keeps the master's outputs",
        "Alpha.ipynb cells[5], line 1: solution line (from Alpha.ipynb cells[5], line 2): "
        "'so it preserves every comparison between two values.'",
    ]


def test_check_no_leaks_raises_solution_leak_naming_each(released, master):
    released["cs231n/extra.py"] = b"answer_to_everything = 6 * 7\n"
    with pytest.raises(SolutionLeak) as caught:
        check_no_leaks(released, read_master(master))
    assert len(caught.value.leaks) == 1
    assert "cs231n/extra.py, line 1: solution line (from Alpha.ipynb cells[3], line 10)" in str(
        caught.value
    )


def test_the_release_refuses_a_master_file_that_copies_a_solution(master):
    # A text file is copied as it is, so a solution pasted into it would ship.
    (master / "NOTES.txt").write_text("Reminder: return 3 * x\n    return 3 * x\n")
    with pytest.raises(SolutionLeak, match=r"NOTES\.txt, line 2: solution line .*'return 3 \* x'"):
        build_release(master)
