"""Dropout.ipynb: inverted dropout, checked by its properties (any way of drawing the mask
that keeps each unit with probability p is right), and the network with dropout, checked
against the trusted side's network with the masks the student's code drew."""

import numpy as np
import pytest
from support.compare import lookup
from support.nets import masked_net_loss, net_kwargs, random_params

from grader.errors import CheckFailed
from grader.plugin import expect

RESCALE_HINT = "inverted dropout keeps a unit with probability p and divides what it keeps by p"


def check_dropout_forward(student, x, p, case):
    got = student.run("layers.dropout_forward", x=x, p=p, seed=123)
    out = expect.array(got["train_out"], name="the train-mode output", shape=x.shape, case=case)
    zero_fraction = float(np.mean(out == 0))
    # Each unit is dropped independently with probability 1 - p: over 250,000 units the
    # fraction of zeros has a standard deviation below 0.001, so 0.01 is a ten-sigma bound.
    if abs(zero_fraction - (1 - p)) > 0.01:
        raise CheckFailed(f"On {case}: {zero_fraction:.3f} of the train-mode outputs are zero; expected about "
                          f"1 - p = {1 - p:.3f}. Hint: p is the probability of KEEPING a unit.")
    kept = out != 0
    expect.close(out[kept], x[kept] / p, name="the kept outputs", tol=1e-12, case=case, hint=RESCALE_HINT)
    expect.close(got["test_out"], x, name="the test-mode output", tol=0, case=case,
                 hint="in test mode dropout passes its input through unchanged")
    if got.get("train_out_again") is None or not np.array_equal(got["train_out_again"], out):
        raise CheckFailed(f"On {case}: two train-mode calls with the same dropout_param['seed'] gave different "
                          "masks. Hint: when 'seed' is in dropout_param, call np.random.seed(seed) first.")


@pytest.mark.rubric("dropout_forward")
def test_dropout_forward(student):
    np.random.seed(231)
    x = np.random.randn(500, 500) + 10
    for p in (0.25, 0.4, 0.7):
        check_dropout_forward(student, x, p, f"the notebook's x (500, 500) with p = {p}")


@pytest.mark.rubric("dropout_forward_hidden")
def test_dropout_forward_hidden(student, hidden_rng):
    x = hidden_rng.normal(size=(400, 625)) + 10
    for p in hidden_rng.uniform(0.1, 0.95, size=2):
        check_dropout_forward(student, x, float(p), "a hidden keep probability (x (400, 625))")


def dropout_mask_scale(out, x, p, case):
    """The common factor c of a train-mode output out = x * mask * c, after checking that out
    is one: finite, every entry 0 or c * x, and a plausible share of units kept for keep
    probability p (x has no zeros, so zeros are dropped units). Any mask is accepted; the
    scale is dropout_forward's business (checked by its own items), not the backward's."""
    # Shape first, then a float copy: a reply of any other size is never converted.
    out = expect.array(out, name="the train-mode output", shape=x.shape, case=case).astype(np.float64)
    if not np.all(np.isfinite(out)):
        raise CheckFailed(f"On {case}: the train-mode output of dropout_forward contains NaN or infinity, so its "
                          "mask cannot be used to check dropout_backward.")
    kept = out != 0
    share, sigma = float(kept.mean()), np.sqrt(p * (1 - p) / out.size)
    if not kept.any() or abs(share - p) > 6 * sigma + 1e-12:
        raise CheckFailed(f"On {case}: dropout_forward kept {share:.3f} of the units with keep probability p = "
                          f"{p:.3f}. Hint: {RESCALE_HINT}.")
    ratios = out[kept] / x[kept]
    expect.close(ratios, np.full_like(ratios, ratios[0]), name="the kept outputs over their inputs", tol=1e-12,
                 case=case, hint="the kept units are all multiplied by the same factor")
    return kept, float(ratios[0])


@pytest.mark.rubric("dropout_backward")
def test_dropout_backward(student, hidden_rng):
    # Large enough that the share of kept units pins p down (six sigma is 0.03 at most).
    for case, x, p in [("the notebook's case (x (10, 10), p = 0.2)", None, 0.2),
                       ("a hidden case", hidden_rng.normal(size=(100, 100)) + 10, float(hidden_rng.uniform(0.2, 0.9)))]:
        if x is None:
            np.random.seed(231)
            x = np.random.randn(10, 10) + 10
        dout = hidden_rng.normal(size=x.shape)
        got = student.run("layers.dropout_backward", x=x, dout=dout, p=p, seed=123)
        kept, scale = dropout_mask_scale(got.get("out"), x, p, case)
        # The gradient of out = x * mask * c is dout * mask * c, with the forward's own mask.
        expect.close(got.get("dx"), dout * kept * scale, name="dx", tol=1e-10, case=case,
                     hint="dx = dout * mask / p, with the mask of the forward pass (keep it in the cache)")
        expect.close(got.get("test_dx"), dout, name="dx in test mode", tol=0, case=case,
                     hint="in test mode the gradient passes through unchanged")


N, D, HIDDEN, C = 1, 15, [20, 30], 10  # the notebook's widths; one example per call (see test_fc_dropout)
EXAMPLES = 3


def dropout_net_inputs(rng):
    """X: (EXAMPLES, D), y: (EXAMPLES,), params of a FullyConnectedNet whose first-layer ReLUs
    are all on for every example: a first-layer unit then has a zero bias gradient exactly
    when dropout dropped it."""
    X, y = rng.normal(size=(EXAMPLES, D)), rng.integers(C, size=EXAMPLES)
    params = random_params(rng, D, HIDDEN, C)
    params["b1"] = -np.min(X @ params["W1"], axis=0) + rng.uniform(0.5, 1.0, size=HIDDEN[0])
    return X, y, params


def _expected(params, X, y, kept, keep, student_loss):
    """The trusted network's loss and gradients with the student's masks: kept units scaled by
    1 / keep, or (a dropout layer that does not rescale) by 1, whichever loss is nearer."""
    candidates = [masked_net_loss(params, X, y, [mask / scale for mask in kept]) for scale in (keep, 1.0)]
    if not isinstance(student_loss, float) or not np.isfinite(student_loss):
        return candidates[0]
    return min(candidates, key=lambda want: abs(want["loss"] - student_loss))


@pytest.mark.rubric("fc_dropout")
def test_fc_dropout(student, reference, hidden_rng):
    """The student's network with dropout is checked against the trusted side's own network
    with the masks the student's code drew. With one example per call, a hidden unit's
    bias gradient is zero exactly when its unit contributes nothing (dropped, or its ReLU
    off): those units get mask 0, the others the scale of the student's dropout layer.
    Then the loss, every gradient and the test-mode scores must be the trusted network's.
    A net without dropout, with dropout in the wrong place or an altered training loss
    cannot match; a dropout layer without the 1 / p is dropout_forward's fault, so the
    network is also accepted with kept units unscaled."""
    X, y, params = dropout_net_inputs(hidden_rng)
    plain = {"module": "classifiers.fc_net", "cls": "FullyConnectedNet", "params": params}
    for keep in (0.75, 0.5):
        case = f"the notebook's widths (D=15, hidden [20, 30], C=10) with dropout_keep_ratio={keep}, one example"
        dropped_in_first_layer = 0
        for index in range(EXAMPLES):
            Xi, yi = X[index:index + 1], y[index:index + 1]
            baseline = reference.run("models.loss", kwargs=net_kwargs(D, HIDDEN, C), X=Xi, y=yi, **plain)
            got = student.run("models.loss", kwargs=net_kwargs(D, HIDDEN, C, dropout_keep_ratio=keep), X=Xi, y=yi,
                              **plain)
            grads = {name: lookup(got, f"grads.{name}") for name in params}
            for name, value in grads.items():
                expect.equal(np.shape(value), params[name].shape, name=f"grads[{name!r}].shape", case=case)
            kept = [np.asarray(grads[f"b{layer}"]) != 0 for layer in range(1, len(HIDDEN) + 1)]
            dropped_in_first_layer += int(np.sum(~kept[0]))
            want = _expected(params, Xi, yi, kept, keep, got.get("loss"))
            expect.close_all({"loss": (got.get("loss"), want["loss"], 1e-9),
                              **{f"grads[{name!r}]": (grads[name], want["grads"][name], 1e-7, 1e-12)
                                 for name in params}},
                             case=case, hint="apply dropout after every hidden ReLU (not after the last affine "
                                             "layer), keep what it keeps multiplied by 1 / p, and backpropagate "
                                             "through dropout_backward with the cache of the same forward pass")
            expect.close(got.get("scores"), baseline["scores"], name="the test-mode scores", tol=1e-9, case=case,
                         hint="at test time (y is None) dropout must be off")
        if dropped_in_first_layer == 0:
            # Every first-layer unit kept in every example: (p = 0.75: 3e-8 for right code).
            raise CheckFailed(f"On {case}: no hidden unit was ever dropped in training mode. Hint: apply dropout "
                              "after every ReLU when dropout_keep_ratio < 1.")
