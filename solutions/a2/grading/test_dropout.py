"""Dropout.ipynb: inverted dropout, checked by its properties (any way of drawing the mask
that keeps each unit with probability p is right), and the network with dropout, checked
against finite differences of its own loss."""

import numpy as np
import pytest
from support.compare import lookup
from support.nets import net_kwargs, random_params

from grader.errors import CheckFailed
from grader.plugin import expect

FD_NOISE = 1e-9  # absolute: well above the rounding noise of the central differences below
RESCALE_HINT = "inverted dropout keeps a unit with probability p and divides what it keeps by p"


def check_dropout_forward(student, x, p, case):
    got = student.run("layers.dropout_forward", x=x, p=p, seed=123)
    out = np.asarray(got["train_out"])
    expect.equal(out.shape, x.shape, name="the train-mode output's shape", case=case)
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


@pytest.mark.rubric("dropout_backward")
def test_dropout_backward(student, hidden_rng):
    for case, x, p in [("the notebook's case (x (10, 10), p = 0.2)", None, 0.2),
                       ("a hidden case", hidden_rng.normal(size=(30, 20)) + 10, float(hidden_rng.uniform(0.2, 0.9)))]:
        if x is None:
            np.random.seed(231)
            x = np.random.randn(10, 10) + 10
        dout = hidden_rng.normal(size=x.shape)
        got = student.run("layers.dropout_backward", x=x, dout=dout, p=p, seed=123)
        out = np.asarray(got["out"])
        # The gradient of out = x * mask / p is dout * mask / p: recover mask / p from the
        # student's own output (x has no zeros), so any valid mask is accepted.
        expect.close(got["dx"], dout * out / x, name="dx", tol=1e-10, case=case,
                     hint="dx = dout * mask / p, with the mask of the forward pass (keep it in the cache)")
        expect.close(got["test_dx"], dout, name="dx in test mode", tol=0, case=case,
                     hint="in test mode the gradient passes through unchanged")


def smooth_probes(numeric):
    """numeric: (P, 2) central differences with steps h and h/2 -> (P,) bool.

    Where the loss is smooth the two agree to ~1e-10; a ReLU kink within h of the point
    makes them differ by a fair fraction of the gradient (0.1% of correct submissions hit
    one on some probe). Measured on 6000 reference runs: no smooth probe ever failed.
    """
    return np.abs(numeric[:, 0] - numeric[:, 1]) <= 1e-8 + 1e-4 * np.abs(numeric[:, 0])


N, D, HIDDEN, C = 2, 15, [20, 30], 10  # the notebook's network for the dropout gradient check


def dropout_net_inputs(rng):
    """X: (N, D), y: (N,), params of a FullyConnectedNet whose first-layer ReLUs are all on.

    Every first-layer pre-activation is >= 0.5: then any dropped unit changes the loss, so
    "dropout was applied" is decidable. With random biases, 1 grading in ~4000 had every
    dropped unit already zero, and a net that dropped without rescaling lost fc_dropout.
    """
    X, y = rng.normal(size=(N, D)), rng.integers(C, size=N)
    params = random_params(rng, D, HIDDEN, C)
    params["b1"] = -np.min(X @ params["W1"], axis=0) + rng.uniform(0.5, 1.0, size=HIDDEN[0])
    return X, y, params


@pytest.mark.rubric("fc_dropout")
def test_fc_dropout(student, reference, hidden_rng):
    X, y, params = dropout_net_inputs(hidden_rng)
    plain = {"module": "classifiers.fc_net", "cls": "FullyConnectedNet", "params": params, "X": X, "y": y}
    baseline = reference.run("models.loss", kwargs=net_kwargs(D, HIDDEN, C), **plain)
    h = 1e-5
    probes = [[name, int(hidden_rng.integers(np.asarray(value).size))] for name, value in sorted(params.items())
              for _ in range(4)]
    for keep in (0.75, 0.5):
        case = f"the notebook's shapes with dropout_keep_ratio={keep}, seed=123"
        got = student.run("models.loss_probes", kwargs=net_kwargs(D, HIDDEN, C, dropout_keep_ratio=keep, seed=123),
                          probes=probes, steps=[h, h / 2], **plain)
        plus, minus = np.asarray(got["plus"], dtype=float), np.asarray(got["minus"], dtype=float)
        if plus.shape != (len(probes), 2) or minus.shape != plus.shape:
            raise CheckFailed(f"On {case}: the probe losses came back with shape {plus.shape}, expected "
                              f"{(len(probes), 2)}: the model's loss did not return a scalar for every probe.")
        numeric = (plus - minus) / (2 * np.array([h, h / 2]))
        smooth = smooth_probes(numeric)
        measurable = {name for (name, _), ok in zip(probes, smooth, strict=True) if ok}
        for (name, index), estimates, is_smooth in zip(probes, numeric, smooth, strict=True):
            analytic = lookup(got, f"grads.{name}")
            if analytic is None:
                raise CheckFailed(f"On {case}: grads has no entry {name!r}.")
            if not is_smooth:
                if name not in measurable:
                    raise CheckFailed(f"On {case}: the loss is not differentiable at any probed entry of {name} "
                                      "(finite differences with steps h and h/2 disagree). Hint: the loss must be "
                                      "a smooth function of the parameters away from ReLU kinks.")
                continue  # a ReLU kink within h of this point: finite differences are meaningless here
            # The bound of the notebook's own gradient check (about 1e-6, W2 up to 1e-5). A
            # central difference of a loss near 2.3 carries ~5e-11 of rounding noise, which
            # alone exceeds 1e-5 relative on gradients below ~1e-6 (2.5% of correct
            # submissions failed without it): differences under 1e-9 absolute are noise.
            expect.close(np.asarray(analytic).reshape(-1)[index], estimates[0], name=f"grads[{name!r}]", tol=1e-5,
                         atol=FD_NOISE, case=case,
                         hint="backpropagate through dropout_backward with the cache of the same "
                              "forward pass (the checks use finite differences of your own loss)")
        if abs(got["loss"] - baseline["loss"]) < 1e-12:
            raise CheckFailed(f"On {case}: the training loss equals the loss without dropout. Hint: apply "
                              "dropout after every ReLU when dropout_keep_ratio < 1.")
        expect.close(got["scores"], baseline["scores"], name="the test-mode scores", tol=1e-9, case=case,
                     hint="at test time (y is None) dropout must be off")
