"""BatchNormalization.ipynb: batchnorm and layernorm layers, FullyConnectedNet."""

import numpy as np
import pytest
from support.compare import against_reference, gradient_hint
from support.nets import net_kwargs, random_params

from grader.errors import CheckFailed
from grader.plugin import expect

OUT_TOL = 1e-7    # outputs: the same formula in another order agrees to ~1e-12
GRAD_TOL = 1e-6   # gradients compared with the reference's, not with finite differences
# Whole networks: the notebook's own bound for the weights. A batch of two through batchnorm
# is ill-conditioned, and an equivalent variance formula (E[x^2] - E[x]^2) moves the
# gradients by ~1e-5 there; a wrong gradient is off by O(1).
NET_LOSS_TOL, NET_GRAD_TOL = 1e-7, 1e-4
ZERO_GRAD_ATOL = 1e-9  # absolute: for gradients that are zero in exact arithmetic


def notebook_activations(N=200):
    """The notebook's two-layer activations a: (N, 3), seed 231 (N = 4 in the layernorm part)."""
    np.random.seed(231)
    X = np.random.randn(N, 50)
    W1, W2 = np.random.randn(50, 60), np.random.randn(60, 3)
    return np.maximum(0, X.dot(W1)).dot(W2)


def notebook_backward_case(D=5):
    np.random.seed(231)
    N = 4
    x = 5 * np.random.randn(N, D) + 12
    gamma, beta, dout = np.random.randn(D), np.random.randn(D), np.random.randn(N, D)
    return {"x": x, "gamma": gamma, "beta": beta, "dout": dout}


def hidden_rows(rng, *, min_n=2):
    N, D = int(rng.integers(min_n, 48)), int(rng.integers(2, 16))
    x = rng.normal(size=(N, D)) * rng.uniform(0.5, 8) + rng.uniform(-20, 20)
    return x, rng.normal(size=D), rng.normal(size=D), rng.normal(size=(N, D))


# --- batchnorm forward -------------------------------------------------------------------
@pytest.mark.rubric("bn_forward")
def test_bn_forward(student, reference):
    a = notebook_activations()
    for gamma, beta in [(np.ones(3), np.zeros(3)), (np.array([1.0, 2.0, 3.0]), np.array([11.0, 12.0, 13.0]))]:
        against_reference(student, reference, "layers.batchnorm_forward",
                          {"x": a, "gamma": gamma, "beta": beta, "bn_param": {"mode": "train"}},
                          {"out": OUT_TOL}, case=f"the notebook's activations (200, 3) with gamma {gamma.tolist()}",
                          hint="normalise each feature (column) over the batch with the biased variance and eps=1e-5")


@pytest.mark.rubric("bn_forward_hidden")
def test_bn_forward_hidden(student, reference, hidden_rng):
    for eps in (1e-5, 1e-2):
        x, gamma, beta, _ = hidden_rows(hidden_rng)
        bn_param = {"mode": "train"} if eps == 1e-5 else {"mode": "train", "eps": eps}
        against_reference(student, reference, "layers.batchnorm_forward",
                          {"x": x, "gamma": gamma, "beta": beta, "bn_param": bn_param}, {"out": OUT_TOL},
                          case=f"a hidden case ({expect.describe_inputs(x=x)}, eps {eps:g})",
                          hint="use bn_param's eps when it is given")


@pytest.mark.rubric("bn_running")
def test_bn_running(student, reference, hidden_rng):
    for momentum in (None, 0.7):
        D = 4
        xs = [hidden_rng.normal(size=(16, D)) * 3 + 5 for _ in range(3)]
        inputs = {"xs": xs, "gamma": hidden_rng.normal(size=D), "beta": hidden_rng.normal(size=D),
                  "momentum": momentum, "x_test": hidden_rng.normal(size=(10, D)) * 3 + 5}
        against_reference(student, reference, "layers.batchnorm_running", inputs,
                          {"running_mean": 1e-8, "running_var": 1e-8, "test_out": OUT_TOL},
                          case=f"three training batches, then test mode ({'default momentum' if momentum is None else f'momentum {momentum}'})",
                          hint="running = momentum * running + (1 - momentum) * batch statistic, written back into "
                               "bn_param; test mode normalises with the running mean and variance")


# --- batchnorm backward ------------------------------------------------------------------
def _backward(student, reference, inputs, case, alt):
    inputs = {**inputs, "alt": alt}
    against_reference(student, reference, "layers.batchnorm_backward", inputs,
                      {"dx": GRAD_TOL, "dgamma": GRAD_TOL, "dbeta": GRAD_TOL}, case=case, hint=gradient_hint)


@pytest.mark.rubric("bn_backward")
def test_bn_backward(student, reference):
    _backward(student, reference, notebook_backward_case(), "the notebook's case (x: (4, 5))", alt=False)


@pytest.mark.rubric("bn_backward_hidden")
def test_bn_backward_hidden(student, reference, hidden_rng):
    for _ in range(3):
        x, gamma, beta, dout = hidden_rows(hidden_rng)
        _backward(student, reference, {"x": x, "gamma": gamma, "beta": beta, "dout": dout},
                  f"a hidden case ({expect.describe_inputs(x=x)})", alt=False)


@pytest.mark.rubric("bn_backward_alt")
def test_bn_backward_alt(student, reference):
    np.random.seed(231)
    N, D = 100, 500
    inputs = {"x": 5 * np.random.randn(N, D) + 12, "gamma": np.random.randn(D), "beta": np.random.randn(D),
              "dout": np.random.randn(N, D)}
    _backward(student, reference, inputs, "the notebook's case (x: (100, 500))", alt=True)


@pytest.mark.rubric("bn_backward_alt_hidden")
def test_bn_backward_alt_hidden(student, reference, hidden_rng):
    for _ in range(3):
        x, gamma, beta, dout = hidden_rows(hidden_rng)
        _backward(student, reference, {"x": x, "gamma": gamma, "beta": beta, "dout": dout},
                  f"a hidden case ({expect.describe_inputs(x=x)})", alt=True)


# --- layernorm ---------------------------------------------------------------------------
LN_HINT = "layernorm normalises each row (one example's features), not each column"


@pytest.mark.rubric("ln_forward")
def test_ln_forward(student, reference):
    a = notebook_activations(N=4)
    for gamma, beta in [(np.ones(3), np.zeros(3)), (np.full(3, 3.0), np.full(3, 5.0))]:
        against_reference(student, reference, "layers.layernorm_forward",
                          {"x": a, "gamma": gamma, "beta": beta, "ln_param": {"mode": "train"}}, {"out": OUT_TOL},
                          case=f"the notebook's activations (4, 3) with gamma {gamma.tolist()}", hint=LN_HINT)


@pytest.mark.rubric("ln_forward_hidden")
def test_ln_forward_hidden(student, reference, hidden_rng):
    for ln_param in ({}, {"eps": 1e-3}):
        x, gamma, beta, _ = hidden_rows(hidden_rng, min_n=1)
        against_reference(student, reference, "layers.layernorm_forward",
                          {"x": x, "gamma": gamma, "beta": beta, "ln_param": ln_param}, {"out": OUT_TOL},
                          case=f"a hidden case ({expect.describe_inputs(x=x)}, ln_param {ln_param})", hint=LN_HINT)


@pytest.mark.rubric("ln_backward")
def test_ln_backward(student, reference):
    against_reference(student, reference, "layers.layernorm_backward", notebook_backward_case(),
                      {"dx": GRAD_TOL, "dgamma": GRAD_TOL, "dbeta": GRAD_TOL},
                      case="the notebook's case (x: (4, 5))", hint=gradient_hint)


@pytest.mark.rubric("ln_backward_hidden")
def test_ln_backward_hidden(student, reference, hidden_rng):
    for _ in range(3):
        x, gamma, beta, dout = hidden_rows(hidden_rng, min_n=1)
        against_reference(student, reference, "layers.layernorm_backward",
                          {"x": x, "gamma": gamma, "beta": beta, "dout": dout},
                          {"dx": GRAD_TOL, "dgamma": GRAD_TOL, "dbeta": GRAD_TOL},
                          case=f"a hidden case ({expect.describe_inputs(x=x)})", hint=gradient_hint)


# --- FullyConnectedNet -------------------------------------------------------------------
def net_cases(rng):
    """The notebook's shapes (N, D, H1, H2, C = 2, 15, 20, 30, 10) and a hidden one."""
    yield "the notebook's shapes (N=2, D=15, hidden [20, 30], C=10)", 2, 15, [20, 30], 10
    hidden = [int(h) for h in rng.integers(3, 12, size=int(rng.integers(1, 4)))]
    yield f"hidden shapes (hidden {hidden})", int(rng.integers(3, 9)), int(rng.integers(4, 12)), hidden, int(rng.integers(2, 7))


def compare_net(student, reference, rng, *, normalization=None, reg=0.0, with_scores=True, extra=None):
    for case, N, D, hidden, C in net_cases(rng):
        params = random_params(rng, D, hidden, C, normalization)
        inputs = {"module": "classifiers.fc_net", "cls": "FullyConnectedNet",
                  "kwargs": net_kwargs(D, hidden, C, normalization=normalization, reg=reg, **(extra or {})),
                  "params": params, "X": rng.normal(size=(N, D)), "y": rng.integers(C, size=N)}
        tolerances = {"loss": NET_LOSS_TOL, **{f"grads.{name}": NET_GRAD_TOL for name in params}}
        if normalization == "batchnorm":
            # Batchnorm subtracts the batch mean, so the biases before it have a gradient of
            # exactly zero: what is left is rounding (up to 9e-12 over 2000 seeds of three
            # correct implementations), whose relative error failed right code 1 time in 20.
            tolerances.update({f"grads.b{layer}": (NET_GRAD_TOL, ZERO_GRAD_ATOL) for layer in range(1, len(hidden) + 1)})
        if with_scores:
            tolerances["scores"] = NET_LOSS_TOL
        against_reference(student, reference, "models.loss", inputs, tolerances,
                          case=f"{case}{f', reg {reg:g}' if reg else ''}")


@pytest.mark.rubric("fc_init")
def test_fc_init(student, hidden_rng):
    D, hidden, C, scale = 60, [50, 40], 10, float(hidden_rng.uniform(1e-2, 1e-1))
    for normalization in (None, "batchnorm", "layernorm"):
        kwargs = {**net_kwargs(D, hidden, C, normalization=normalization), "weight_scale": scale}
        params = student.run("models.init", module="classifiers.fc_net", cls="FullyConnectedNet",
                             kwargs=kwargs)["params"]
        case = f"FullyConnectedNet({hidden}, input_dim={D}, num_classes={C}, normalization={normalization!r})"
        expect.mapping(params, name="the parameters", case=case)
        dims = [D, *hidden, C]
        expected = {f"W{i + 1}": (dims[i], dims[i + 1]) for i in range(3)}
        expected.update({f"b{i + 1}": (dims[i + 1],) for i in range(3)})
        if normalization:
            expected.update({f"{g}{i + 1}": (dims[i + 1],) for i in range(2) for g in ("gamma", "beta")})
        expect.equal(sorted(params), sorted(expected), name="the parameter names", case=case,
                     hint="W1..WL and b1..bL; gamma/beta only for the hidden layers when normalising")
        for name, shape in expected.items():
            value = np.asarray(params[name])
            expect.equal(value.shape, shape, name=f"{name}.shape", case=case)
            expect.equal(str(value.dtype), "float64", name=f"{name}.dtype", case=case,
                         hint="cast every parameter to the dtype argument")
            if name.startswith("W"):
                # Six standard errors for the mean (scale / sqrt(n)); a flat 0.2 * scale was
                # four on W3 (400 entries) and failed correct code once in ~5000 gradings.
                std, mean_bound = float(value.std()), 6 * scale / np.sqrt(value.size)
                if not 0.8 * scale <= std <= 1.2 * scale or abs(float(value.mean())) > mean_bound:
                    raise CheckFailed(f"On {case}: {name} has mean {value.mean():.3g} and std {std:.3g}; "
                                             f"expected about 0 and weight_scale = {scale:.3g}.")
            elif name.startswith(("b", "beta")):
                expect.equal(value, np.zeros(shape), name=name, case=case, hint="biases and betas start at zero")
            else:
                expect.equal(value, np.ones(shape), name=name, case=case, hint="gammas start at one")


@pytest.mark.rubric("fc_loss")
def test_fc_loss(student, reference, hidden_rng):
    compare_net(student, reference, hidden_rng)


@pytest.mark.rubric("fc_reg")
def test_fc_reg(student, reference, hidden_rng):
    # Plain networks only: with normalisation in them, one wrong layernorm would cost this
    # item as well as fc_layernorm (one bug, two deductions).
    compare_net(student, reference, hidden_rng, reg=3.14)
    compare_net(student, reference, hidden_rng, reg=float(hidden_rng.uniform(0.1, 2)))


@pytest.mark.rubric("fc_batchnorm")
def test_fc_batchnorm(student, reference, hidden_rng):
    # Test-mode scores depend on running averages that a correct net may keep per layer in
    # its own way, so only the training-mode loss and gradients are compared here.
    compare_net(student, reference, hidden_rng, normalization="batchnorm", with_scores=False)


@pytest.mark.rubric("fc_layernorm")
def test_fc_layernorm(student, reference, hidden_rng):
    compare_net(student, reference, hidden_rng, normalization="layernorm")
