"""The PyTorch and RNN_Captioning_pytorch masters run top to bottom.

Each notebook is executed once per module, in its own Jupyter kernel, in a copy of
solutions/a2 (so the kernel imports the reference ``cs231n`` from that copy), in quick mode
(``CS231N_QUICK=1``) on the synthetic data sets. The tests then read what the notebook
printed:

- RNN captioning: numbers that depend neither on the data nor on how random draws are made
  are compared with the seed's (errors against hard-coded expected outputs, the fixed-parameter
  CaptioningRNN loss 9.83235591003, gradient-check errors under each cell's stated bound), and
  the 50-caption overfit must end below the seed's loss of 0.1.
- PyTorch: shapes of the check cells, every training cell's progress reports, and accuracies
  clearly above chance on the synthetic CIFAR-10 (they say that training works, not that the
  seed's real-data thresholds are met).

The structural checks (answer cells, solution regions, no committed outputs) run in the fast
suite.
"""

from __future__ import annotations

import ast
import re

import nbformat
import pytest

from tests.assignment.notebook_run import (
    ASSIGNMENT_DIR,
    NUMBER,
    assert_below,
    execute,
    named_errors,
    numbers_after,
    section,
    stdout,
    synthetic_data_dir,
)

PYTORCH = "PyTorch.ipynb"
RNN = "RNN_Captioning_pytorch.ipynb"

#: Top-level definitions of PyTorch.ipynb that the grader calls or that the course provides.
PYTORCH_DEFINITIONS = {
    "flatten", "two_layer_fc", "three_layer_convnet", "random_weight", "zero_weight",
    "check_accuracy_part2", "train_part2", "init_three_layer_convnet_params", "TwoLayerFC",
    "ThreeLayerConvNet", "check_accuracy_part34", "train_part34", "make_module_convnet",
    "Flatten", "make_sequential_convnet", "make_challenge_model",
}  # fmt: skip

#: Definitions whose body holds a solution region (the student's part of PyTorch.ipynb).
PYTORCH_STUDENT_DEFINITIONS = {
    "three_layer_convnet", "init_three_layer_convnet_params", "ThreeLayerConvNet",
    "make_module_convnet", "make_sequential_convnet", "make_challenge_model",
}  # fmt: skip


@pytest.fixture(scope="module")
def pytorch_out(tmp_path_factory: pytest.TempPathFactory) -> str:
    return stdout(execute(PYTORCH, tmp_path_factory.mktemp("pytorch") / "a2", synthetic_data_dir()))


@pytest.fixture(scope="module")
def rnn_out(tmp_path_factory: pytest.TempPathFactory) -> str:
    return stdout(execute(RNN, tmp_path_factory.mktemp("rnn") / "a2", synthetic_data_dir()))


def accuracy_checks(text: str) -> list[list[tuple[int, int]]]:
    """(correct, total) of every accuracy check, grouped by training run.

    A run starts at its 'Iteration 0' report (quick mode trains every model for one epoch);
    checks printed after the last run's reports (Part V's final validation check and the
    test set) are counted with that run.
    """
    return [
        [
            (int(correct), int(total))
            for correct, total in re.findall(r"Got (\d+) / (\d+) correct", run)
        ]
        for run in text.split("Iteration 0, loss")[1:]
    ]


# --- Structure (fast) -----------------------------------------------------------------


def test_pytorch_notebook_defines_what_the_grader_calls_with_regions_inside() -> None:
    nb = nbformat.read(ASSIGNMENT_DIR / PYTORCH, as_version=4)
    defined, with_region = set(), set()
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        for node in ast.parse(cell.source).body:
            if isinstance(node, ast.FunctionDef | ast.ClassDef):
                defined.add(node.name)
                body = ast.get_source_segment(cell.source, node) or ""
                if "### BEGIN SOLUTION" in body:
                    with_region.add(node.name)
        # Training happens in cells of its own, so the grader can lift the definitions of a
        # cell with a region without training anything.
        if "### BEGIN SOLUTION" in cell.source:
            calls = [
                node.value.func.id
                for node in ast.parse(cell.source).body
                if isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
            ]
            assert not [c for c in calls if c.startswith("train_part")], cell.source[:200]
    assert PYTORCH_DEFINITIONS <= defined, PYTORCH_DEFINITIONS - defined
    assert with_region == PYTORCH_STUDENT_DEFINITIONS


# --- Execution (slow) -----------------------------------------------------------------


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_pytorch_notebook_checks_and_training_runs(pytorch_out: str) -> None:
    # Shape checks: two_layer_fc, three_layer_convnet, TwoLayerFC, ThreeLayerConvNet.
    assert pytorch_out.count("torch.Size([64, 10])") == 4
    assert "After flattening:" in pytorch_out

    # Seven training runs: two barebones, two Module, two Sequential, the challenge.
    runs = accuracy_checks(pytorch_out)
    assert len(runs) == 7
    *parts_2_to_4, challenge = runs
    *challenge_progress, (test_correct, test_total) = challenge
    validation = [check for run in parts_2_to_4 for check in run] + challenge_progress
    assert len({total for _, total in validation}) == 1, "validation checks saw different sizes"
    assert "Checking accuracy on test set" in pytorch_out

    # Chance is 10%. One quick epoch of every model of Parts II-IV learns something, and so
    # does the challenge model (its last validation check covers the whole split).
    for index, run in enumerate(runs):
        assert len(run) >= 2, f"run {index} reported progress only once"
    for index, (correct, total) in enumerate([run[-1] for run in parts_2_to_4]):
        assert correct / total > 0.3, f"training run {index} ended at {correct}/{total}"
    val_correct, val_total = challenge_progress[-1]
    assert val_correct / val_total > 0.3 and test_correct / test_total > 0.3


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_rnn_layers_match_the_seed(rnn_out: str) -> None:
    assert_below(numbers_after(rnn_out, "next_h error:"), 1e-8, "rnn_step_forward")
    assert_below(numbers_after(rnn_out, "h error:"), 1e-7, "rnn_forward")
    assert_below(numbers_after(rnn_out, "out error:"), 1e-7, "word_embedding_forward")

    step = section(rnn_out, "next_h error:", "h error:")
    for label in ("dx error:", "dh error:", "dWx error:", "dWh error:", "db error:"):
        assert_below(numbers_after(step, label), 1e-8, f"rnn_step_forward gradient {label}")
    sequence = section(rnn_out, "h error:", "out error:")
    for label in ("dx error:", "dh0 error:", "dWx error:", "dWh error:", "db error:"):
        assert_below(numbers_after(sequence, label), 1e-6, f"rnn_forward gradient {label}")
    assert_below(numbers_after(rnn_out, "dW error:"), 1e-10, "word_embedding_forward gradient")

    # The temporal affine check prints dx, dw, db; the softmax loss check then prints three
    # loss values and its own dx error.
    after_embedding = section(rnn_out, "dW error:", "loss:")
    affine_dx, softmax_dx = numbers_after(after_embedding, "dx error:")
    assert_below([affine_dx], 1e-8, "temporal_affine_forward dx")
    assert_below(numbers_after(after_embedding, "dw error:"), 1e-8, "temporal_affine_forward dw")
    assert_below(numbers_after(after_embedding, "db error:"), 1e-8, "temporal_affine_forward db")

    values = [float(v) for v in re.findall(r"^" + NUMBER + r"$", after_embedding, re.MULTILINE)]
    assert len(values) == 3
    assert values[0] == pytest.approx(2.3, abs=0.05)
    assert values[1] == pytest.approx(23.0, abs=0.5)
    assert 2.2 <= values[2] <= 2.4
    assert_below([softmax_dx], 1e-7, "temporal_softmax_loss dx")


@pytest.mark.slow
@pytest.mark.xdist_group("notebooks")
def test_captioning_rnn_loss_gradients_overfit_and_sampling(rnn_out: str) -> None:
    (loss,) = numbers_after(rnn_out, "loss:")
    assert loss == pytest.approx(9.83235591003, rel=0, abs=1e-9)
    assert_below(numbers_after(rnn_out, "difference:"), 1e-9, "CaptioningRNN loss")

    errors = named_errors(rnn_out, "relative error:")
    assert set(errors) == {"W_embed", "W_proj", "W_vocab", "Wh", "Wx", "b", "b_proj", "b_vocab"}
    # The seed's correct run prints up to 1.9e-6 (Wx) for "around 1e-6 or less".
    assert_below(errors, 1e-5, "CaptioningRNN gradient check")

    # 50 epochs of 2 minibatches of 25 captions: iterations 1, 11, ..., 91 are reported.
    assert len(re.findall(r"\(Iteration \d+ / 100\) loss:", rnn_out)) == 10
    (final,) = numbers_after(rnn_out, "Final loss:")
    assert final < 0.1

    # Greedy samples for 2 training and 2 validation images are printed even offline.
    assert rnn_out.count("train\n  sample: ") == 2
    assert rnn_out.count("val\n  sample: ") == 2
