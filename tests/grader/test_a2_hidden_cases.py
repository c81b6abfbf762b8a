"""The hidden cases of the A2 rubric decide every bug they are meant to catch, on every seed.

Each CI run (and each real submission) draws fresh hidden inputs, so a check that catches
a bug on most seeds only is a flaky test here and a wrong grade in production. These tests
pin the properties that make detection certain, over thousands of seeds, and run the
items themselves in process (no sandbox) against the reference and one-bug mutants over
hundreds: cheap enough for every run, unlike whole gradings.
"""

import importlib
import sys

import numpy as np
import pytest

from tests.grader.a2_submissions import MASTER, MUTANTS, VARIANTS, in_process, item_failure

GRADING = MASTER / "grading"


@pytest.fixture(scope="module")
def rubric():
    """The rubric's test modules, importable as the grading session imports them."""
    if str(GRADING) not in sys.path:
        sys.path.insert(0, str(GRADING))
    return {name: importlib.import_module(name)
            for name in ("test_batchnormalization", "test_convolutional_networks", "test_dropout", "test_rnn_captioning")}


def mutant(name):
    return next(m for m in MUTANTS + VARIANTS if m.name == name)


def verdicts(check, student, reference, item, seeds):
    """How many of the seeds the item fails for this student."""
    return sum(item_failure(check, student, reference, item, seed) is not None for seed in seeds)


# --- max pooling -------------------------------------------------------------------------
def test_every_non_square_pool_case_tells_a_wrong_window_apart(rubric):
    """The first window's maximum differs when taken over a window of the wrong height or width."""
    for seed in range(3000):
        x, param, _ = rubric["test_convolutional_networks"].hidden_pool_case(np.random.default_rng(seed), "non_square")
        ph, pw = param["pool_height"], param["pool_width"]
        right = x[:, :, :ph, :pw].max(axis=(2, 3))
        for height, width in [(ph, ph), (pw, pw), (pw, ph)]:
            assert not np.array_equal(x[:, :, :height, :width].max(axis=(2, 3)), right), (seed, param, height, width)


def test_every_overlapping_pool_case_has_a_maximum_shared_by_two_windows(rubric):
    for seed in range(3000):
        x, param, _ = rubric["test_convolutional_networks"].hidden_pool_case(np.random.default_rng(seed), "overlapping")
        ph, pw, stride = param["pool_height"], param["pool_width"], param["stride"]
        N, C, H, W = x.shape
        wins = np.zeros(x.shape, dtype=int)
        for i in range(1 + (H - ph) // stride):
            for j in range(1 + (W - pw) // stride):
                window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw].reshape(N, C, -1)
                row, col = np.divmod(window.argmax(axis=-1), pw)
                np.add.at(wins, (*np.indices((N, C)), i * stride + row, j * stride + col), 1)
        assert wins.max() >= 2, (seed, param)


@pytest.mark.parametrize("name, item", [("the max taken over the wrong window", "pool_forward_hidden"),
                                        ("pool gradients of overlapping windows overwritten instead of added",
                                         "pool_backward_hidden")])
def test_a_pooling_mutant_fails_its_hidden_item_on_every_seed(rubric, tmp_path, name, item):
    reference = in_process(tmp_path / "ref")
    student = in_process(tmp_path / "mut", mutant(name))
    check = getattr(rubric["test_convolutional_networks"], f"test_{item}")
    assert verdicts(check, student, reference, item, range(300)) == 300
    assert verdicts(check, reference, reference, item, range(300)) == 0


# --- dropout in the network --------------------------------------------------------------
def test_every_fc_dropout_case_has_all_first_layer_relus_on(rubric):
    for seed in range(3000):
        X, _, params = rubric["test_dropout"].dropout_net_inputs(np.random.default_rng(seed))
        assert (X @ params["W1"] + params["b1"]).min() >= 0.5, seed


def test_fc_dropout_passes_correct_dropout_with_or_without_rescaling(rubric, tmp_path):
    """Whether dropout rescales is dropout_forward's check; fc_dropout checks the network's
    gradients against its own loss, so it passes both (it failed the unscaled one by chance)."""
    reference = in_process(tmp_path / "ref")
    unscaled = in_process(tmp_path / "mut", mutant("dropout not rescaled"))
    check = rubric["test_dropout"].test_fc_dropout
    assert verdicts(check, reference, reference, "fc_dropout", range(60)) == 0
    assert verdicts(check, unscaled, reference, "fc_dropout", range(60)) == 0


# --- captioning --------------------------------------------------------------------------
def test_a_sampler_fed_null_fails_the_sample_item_on_every_seed(rubric, tmp_path):
    """With hidden_dim down to 2 the greedy caption often ignored the first word: 2% of
    seeds passed this mutant before the sample item drew wider models."""
    reference = in_process(tmp_path / "ref")
    student = in_process(tmp_path / "mut", mutant("sample feeding <NULL> instead of <START>"))
    check = rubric["test_rnn_captioning"].test_captioning_sample
    assert verdicts(check, student, reference, "captioning_sample", range(400)) == 400
    assert verdicts(check, reference, reference, "captioning_sample", range(100)) == 0


# --- batchnorm in the network ------------------------------------------------------------
@pytest.mark.parametrize("name", ["batchnorm_backward_alt delegating to the graph version",
                                  "batchnorm variance as E[x^2] - E[x]^2"])
def test_fc_batchnorm_passes_other_correct_batchnorms(rubric, tmp_path, name):
    """The biases before batchnorm have a zero gradient that two right implementations round
    differently: 1 seed in 20 failed these variants on its relative error (5026 and 5032 did)."""
    reference = in_process(tmp_path / "ref")
    variant = in_process(tmp_path / "mut", mutant(name))
    check = rubric["test_batchnormalization"].test_fc_batchnorm
    assert verdicts(check, variant, reference, "fc_batchnorm", range(5000, 5100)) == 0


# --- attacks that go after one item, on every seed -----------------------------------------
@pytest.mark.parametrize("name, module, item", [
    ("FullyConnectedNet ignoring dropout and adding 1.0 to its training loss", "test_dropout", "fc_dropout"),
    ("dropout_forward returning NaN to the backward check, dropout_backward returning zeros there", "test_dropout",
     "dropout_backward"),
])
def test_an_attack_fails_the_item_it_goes_after_on_every_seed(rubric, tmp_path, name, module, item):
    from tests.grader.a2_submissions import CHEATS

    reference = in_process(tmp_path / "ref")
    cheat = in_process(tmp_path / "cheat", next(c for c in CHEATS if c.name == name))
    check = getattr(rubric[module], f"test_{item}")
    assert verdicts(check, cheat, reference, item, range(100)) == 100
