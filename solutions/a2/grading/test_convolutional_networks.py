"""ConvolutionalNetworks.ipynb: naive conv and max-pool layers, ThreeLayerConvNet, spatial
batch and group normalisation."""

import numpy as np
import pytest
from support import trained
from support.compare import against_reference, gradient_hint
from support.data import mean_image, standardized

from grader.errors import CheckFailed
from grader.plugin import expect

OUT_TOL = 1e-7
GRAD_TOL = 1e-6
SHAPE_HINT = "H' = 1 + (H + 2 * pad - HH) / stride, and likewise for W'; pad with zeros on every side"


def linspace(low, high, shape):
    return np.linspace(low, high, num=int(np.prod(shape))).reshape(shape)


def hidden_conv_case(rng, *, demanding=False):
    """Small random shapes with a stride that divides the padded extent.

    demanding: force pad >= 1, stride >= 2 and at least two samples, channels and filters,
    so padding, striding and every axis of the sums matter."""
    while True:
        N, C, F = (int(v) for v in rng.integers(1, 4, size=3))
        HH, WW = (int(v) for v in rng.integers(1, 5, size=2))
        stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 3))
        if demanding and (pad == 0 or stride == 1 or min(N, C, F) < 2):
            continue
        H, W = (int(v) for v in rng.integers(max(HH, WW), 10, size=2))
        if (H + 2 * pad - HH) % stride == 0 and (W + 2 * pad - WW) % stride == 0 and H + 2 * pad >= HH:
            x, w, b = rng.normal(size=(N, C, H, W)), rng.normal(size=(F, C, HH, WW)), rng.normal(size=F)
            H_out, W_out = 1 + (H + 2 * pad - HH) // stride, 1 + (W + 2 * pad - WW) // stride
            return x, w, b, {"stride": stride, "pad": pad}, rng.normal(size=(N, F, H_out, W_out))


def hidden_pool_case(rng, kind="any"):
    """kind: "any", "non_square" (pool_height != pool_width) or "overlapping" (stride < pool)."""
    while True:
        ph, pw, stride = int(rng.integers(1, 4)), int(rng.integers(1, 4)), int(rng.integers(1, 3))
        if (kind == "non_square" and ph == pw) or (kind == "overlapping" and stride >= min(ph, pw)):
            continue
        H, W = int(rng.integers(max(ph, 2), 9)), int(rng.integers(max(pw, 2), 9))
        out_h, out_w = 1 + (H - ph) // stride, 1 + (W - pw) // stride
        if kind == "overlapping" and out_h == out_w == 1:
            continue  # a single window overlaps nothing
        if kind == "non_square" and (H == ph or W == pw):
            continue  # a window as wide as x: a too-wide window would be clipped to the same
        if (H - ph) % stride == 0 and (W - pw) % stride == 0 and (ph, pw) != (1, 1):
            N, C = int(rng.integers(1, 4)), int(rng.integers(1, 4))
            x = rng.normal(size=(N, C, H, W))
            if kind == "non_square":
                # The first window's maximum in its far corner, and larger values just past
                # its right and bottom edges: a window of the wrong height or width then
                # gets out[0, 0] wrong (with random x alone, 1 grading in ~400 did not).
                top = x.max()
                x[:, :, ph - 1, pw - 1] = top + 1
                x[:, :, 0, pw] = x[:, :, ph, 0] = top + 2
            if kind == "overlapping":
                # Plant one maximum shared by two neighbouring windows, so their gradients
                # must add up there: with random x alone, 1 grading in ~2000 had no shared
                # maximum and code that overwrote instead of adding passed.
                row, col = (stride, 0) if out_h > 1 else (0, stride)
                x[:, :, row, col] = x.max() + 1
            dout = rng.normal(size=(N, C, out_h, out_w))
            return x, {"pool_height": ph, "pool_width": pw, "stride": stride}, dout


HIDDEN_POOL_KINDS = ("non_square", "overlapping", "any", "any")


# --- convolution -------------------------------------------------------------------------
@pytest.mark.rubric("conv_forward")
def test_conv_forward(student, reference):
    inputs = {"x": linspace(-0.1, 0.5, (2, 3, 4, 4)), "w": linspace(-0.2, 0.3, (3, 3, 4, 4)),
              "b": np.linspace(-0.1, 0.2, num=3), "conv_param": {"stride": 2, "pad": 1}}
    against_reference(student, reference, "layers.conv_forward", inputs, {"out": OUT_TOL},
                      case="the notebook's case (x (2, 3, 4, 4), w (3, 3, 4, 4), stride 2, pad 1)", hint=SHAPE_HINT)


@pytest.mark.rubric("conv_forward_hidden")
def test_conv_forward_hidden(student, reference, hidden_rng):
    for index in range(4):
        x, w, b, conv_param, _ = hidden_conv_case(hidden_rng, demanding=index == 0)
        against_reference(student, reference, "layers.conv_forward", {"x": x, "w": w, "b": b, "conv_param": conv_param},
                          {"out": OUT_TOL}, case=f"a hidden case ({expect.describe_inputs(x=x, w=w)}, {conv_param})",
                          hint=SHAPE_HINT)


@pytest.mark.rubric("conv_backward")
def test_conv_backward(student, reference):
    np.random.seed(231)
    inputs = {"x": np.random.randn(4, 3, 5, 5), "w": np.random.randn(2, 3, 3, 3), "b": np.random.randn(2),
              "dout": np.random.randn(4, 2, 5, 5), "conv_param": {"stride": 1, "pad": 1}}
    against_reference(student, reference, "layers.conv_backward", inputs, {"dx": GRAD_TOL, "dw": GRAD_TOL, "db": GRAD_TOL},
                      case="the notebook's case (x (4, 3, 5, 5), w (2, 3, 3, 3), stride 1, pad 1)", hint=gradient_hint)


@pytest.mark.rubric("conv_backward_hidden")
def test_conv_backward_hidden(student, reference, hidden_rng):
    for index in range(3):
        x, w, b, conv_param, dout = hidden_conv_case(hidden_rng, demanding=index == 0)
        against_reference(student, reference, "layers.conv_backward",
                          {"x": x, "w": w, "b": b, "conv_param": conv_param, "dout": dout},
                          {"dx": GRAD_TOL, "dw": GRAD_TOL, "db": GRAD_TOL},
                          case=f"a hidden case ({expect.describe_inputs(x=x, w=w)}, {conv_param})", hint=gradient_hint)


# --- max pooling -------------------------------------------------------------------------
POOL_HINT = "each output is the max over a pool_height x pool_width window moved by stride in both directions"


@pytest.mark.rubric("pool_forward")
def test_pool_forward(student, reference):
    inputs = {"x": linspace(-0.3, 0.4, (2, 3, 4, 4)), "pool_param": {"pool_width": 2, "pool_height": 2, "stride": 2}}
    against_reference(student, reference, "layers.max_pool_forward", inputs, {"out": OUT_TOL},
                      case="the notebook's case (x (2, 3, 4, 4), 2x2 pools, stride 2)", hint=POOL_HINT)


@pytest.mark.rubric("pool_forward_hidden")
def test_pool_forward_hidden(student, reference, hidden_rng):
    for kind in HIDDEN_POOL_KINDS:
        x, pool_param, _ = hidden_pool_case(hidden_rng, kind)
        against_reference(student, reference, "layers.max_pool_forward", {"x": x, "pool_param": pool_param},
                          {"out": OUT_TOL}, case=f"a hidden case ({expect.describe_inputs(x=x)}, {pool_param})",
                          hint=POOL_HINT)


@pytest.mark.rubric("pool_backward")
def test_pool_backward(student, reference):
    np.random.seed(231)
    inputs = {"x": np.random.randn(3, 2, 8, 8), "dout": np.random.randn(3, 2, 4, 4),
              "pool_param": {"pool_height": 2, "pool_width": 2, "stride": 2}}
    against_reference(student, reference, "layers.max_pool_backward", inputs, {"dx": 1e-10},
                      case="the notebook's case (x (3, 2, 8, 8), 2x2 pools, stride 2)",
                      hint="route each upstream gradient to the position of its window's maximum")


@pytest.mark.rubric("pool_backward_hidden")
def test_pool_backward_hidden(student, reference, hidden_rng):
    for kind in HIDDEN_POOL_KINDS:
        x, pool_param, dout = hidden_pool_case(hidden_rng, kind)
        against_reference(student, reference, "layers.max_pool_backward",
                          {"x": x, "pool_param": pool_param, "dout": dout}, {"dx": 1e-10},
                          case=f"a hidden case ({expect.describe_inputs(x=x)}, {pool_param})",
                          hint="when windows overlap, one input can be the maximum of several: add the gradients up")


# --- ThreeLayerConvNet -------------------------------------------------------------------
def cnn_shapes(C, H, W, F, fs, hidden, classes):
    return {"W1": (F, C, fs, fs), "b1": (F,), "W2": (F * (H // 2) * (W // 2), hidden), "b2": (hidden,),
            "W3": (hidden, classes), "b3": (classes,)}


@pytest.mark.rubric("cnn_init")
def test_cnn_init(student, hidden_rng):
    C, H, W, F, fs, hidden, classes = 3, 16, 16, 8, 5, 60, 7
    scale = float(hidden_rng.uniform(1e-3, 1e-1))
    kwargs = {"input_dim": [C, H, W], "num_filters": F, "filter_size": fs, "hidden_dim": hidden,
              "num_classes": classes, "weight_scale": scale, "dtype": "float64"}
    case = f"ThreeLayerConvNet(input_dim=(3, 16, 16), num_filters={F}, filter_size={fs}, hidden_dim={hidden}, num_classes={classes})"
    params = student.run("models.init", module="classifiers.cnn", cls="ThreeLayerConvNet", kwargs=kwargs)["params"]
    expect.mapping(params, name="the parameters", case=case)
    expected = cnn_shapes(C, H, W, F, fs, hidden, classes)
    expect.equal(sorted(params), sorted(expected), name="the parameter names", case=case)
    for name, shape in expected.items():
        value = np.asarray(params[name])
        expect.equal(value.shape, shape, name=f"{name}.shape", case=case,
                     hint="the 2x2 pool halves H and W before the hidden affine layer" if name == "W2" else None)
        expect.equal(str(value.dtype), "float64", name=f"{name}.dtype", case=case)
        if name.startswith("b"):
            expect.equal(value, np.zeros(shape), name=name, case=case, hint="biases start at zero")
        elif not 0.8 * scale <= float(value.std()) <= 1.2 * scale:
            raise CheckFailed(f"On {case}: {name} has std {value.std():.3g}; expected weight_scale = {scale:.3g}.")


@pytest.mark.rubric("cnn_loss")
def test_cnn_loss(student, reference, hidden_rng):
    cases = [("the notebook's gradient-check model (input (3, 16, 16), 3 filters 3x3, hidden 7)", 2, (3, 16, 16), 3, 3, 7, 0.0),
             ("a hidden model with reg 0.5", 3, (3, 8, 8), 4, 5, 9, 0.5)]
    for case, N, (C, H, W), F, fs, hidden, reg in cases:
        shapes = cnn_shapes(C, H, W, F, fs, hidden, 10)
        params = {name: hidden_rng.normal(scale=0.1 if name.startswith("W") else 0.01, size=shape)
                  for name, shape in shapes.items()}
        kwargs = {"input_dim": [C, H, W], "num_filters": F, "filter_size": fs, "hidden_dim": hidden,
                  "reg": reg, "dtype": "float64"}
        inputs = {"module": "classifiers.cnn", "cls": "ThreeLayerConvNet", "kwargs": kwargs, "params": params,
                  "X": hidden_rng.normal(size=(N, C, H, W)), "y": hidden_rng.integers(10, size=N)}
        against_reference(student, reference, "models.loss", inputs,
                          {"loss": 1e-9, "scores": 1e-9, **{f"grads.{name}": GRAD_TOL for name in shapes}}, case=case,
                          hint="conv - relu - 2x2 max pool - affine - relu - affine - softmax, with 0.5 * reg * sum(W**2)")


CNN = {"module": "classifiers.cnn", "cls": "ThreeLayerConvNet"}


def train_cnn(student, reference, cifar10, report, *, num_train, kwargs, num_epochs, case):
    """Train ThreeLayerConvNet(**kwargs) in the sandbox with the course's Solver (Adam 1e-3,
    batch 50) on the first num_train images; return the trained parameters, checked
    against the reference's shapes, the training images and labels, and their mean image."""
    X_train, y_train = cifar10.train(num_train)
    mean = mean_image(X_train)
    got = student.run("models.train", **CNN, kwargs=kwargs,
                      data={"X_train": X_train, "y_train": y_train, "X_val": X_train[:100], "y_val": y_train[:100]},
                      solver_kwargs={"num_epochs": num_epochs, "batch_size": 50, "update_rule": "adam",
                                     "optim_config": {"learning_rate": 1e-3}},
                      mean_image=mean, seed=231)
    report.series("training loss", got.get("loss_history", []))
    shapes = {name: value.shape for name, value in reference.run("models.init", **CNN, kwargs=kwargs)["params"].items()}
    return trained.named_params(got.get("params"), shapes, case=case), X_train, y_train, mean


def cnn_accuracy(reference, kwargs, params, X, y):
    """The accuracy on (X, y) of the reference ThreeLayerConvNet holding the trained params."""
    predictions = reference.run("models.predict", **CNN, kwargs=kwargs, params=params, X=X)["predictions"]
    return float(np.mean(predictions == y))


@pytest.mark.rubric("cnn_overfit")
def test_cnn_overfit(student, reference, setting, cifar10, report):
    case = f"{setting('num_train')} training images after {setting('num_epochs')} epochs"
    kwargs = {"weight_scale": 1e-2, "num_filters": setting("num_filters"), "hidden_dim": setting("hidden_dim")}
    params, X_train, y_train, mean = train_cnn(student, reference, cifar10, report, num_train=setting("num_train"),
                                               kwargs=kwargs, num_epochs=setting("num_epochs"), case=case)
    accuracy = cnn_accuracy(reference, kwargs, params, standardized(X_train, mean), y_train)
    report.metric("train_accuracy", accuracy)
    expect.at_least(accuracy, setting("min_train_accuracy"), name="the training accuracy of the trained weights",
                    case=case, hint="a correct ThreeLayerConvNet memorises a few dozen images; check the gradients first")


@pytest.mark.rubric("cnn_train")
def test_cnn_train(student, reference, setting, cifar10, report):
    case = f"{setting('num_train')} training images, one epoch, {setting('num_val')} validation images"
    kwargs = {"weight_scale": 1e-3, "hidden_dim": setting("hidden_dim"), "num_filters": setting("num_filters"),
              "reg": 1e-3}
    params, _, _, mean = train_cnn(student, reference, cifar10, report, num_train=setting("num_train"),
                                   kwargs=kwargs, num_epochs=1, case=case)
    X_val, y_val = cifar10.val(setting("num_val"))
    accuracy = cnn_accuracy(reference, kwargs, params, standardized(X_val, mean), y_val)
    report.metric("val_accuracy", accuracy)
    expect.at_least(accuracy, setting("min_val_accuracy"), name="the validation accuracy of the trained weights",
                    case=case)


# --- spatial batch normalisation ---------------------------------------------------------
@pytest.mark.rubric("sbn_forward")
def test_sbn_forward(student, reference):
    np.random.seed(231)
    x = 4 * np.random.randn(2, 3, 4, 5) + 10
    for gamma, beta in [(np.ones(3), np.zeros(3)), (np.array([3.0, 4.0, 5.0]), np.array([6.0, 7.0, 8.0]))]:
        against_reference(student, reference, "layers.spatial_batchnorm_forward",
                          {"x": x, "gamma": gamma, "beta": beta, "bn_param": {"mode": "train"}}, {"out": OUT_TOL},
                          case=f"the notebook's x (2, 3, 4, 5) with gamma {gamma.tolist()}",
                          hint="statistics per channel, over N, H and W together (reshape to (N*H*W, C))")


@pytest.mark.rubric("sbn_forward_hidden")
def test_sbn_forward_hidden(student, reference, hidden_rng):
    N, C, H, W = (int(v) for v in hidden_rng.integers(2, 7, size=4))
    gamma, beta = hidden_rng.normal(size=C), hidden_rng.normal(size=C)
    x = 2.3 * hidden_rng.normal(size=(N, C, H, W)) + 13
    against_reference(student, reference, "layers.spatial_batchnorm_forward",
                      {"x": x, "gamma": gamma, "beta": beta, "bn_param": {"mode": "train"}}, {"out": OUT_TOL},
                      case=f"a hidden case ({expect.describe_inputs(x=x)}), training mode")
    xs = [2.3 * hidden_rng.normal(size=(N, C, H, W)) + 13 for _ in range(3)]
    against_reference(student, reference, "layers.spatial_batchnorm_running",
                      {"xs": xs, "gamma": gamma, "beta": beta, "momentum": 0.8, "x_test": x}, {"test_out": OUT_TOL},
                      case=f"a hidden case ({expect.describe_inputs(x=x)}), test mode after three batches",
                      hint="reuse batchnorm_forward so the running averages behave the same way")


@pytest.mark.rubric("sbn_backward")
def test_sbn_backward(student, reference):
    np.random.seed(231)
    N, C, H, W = 2, 3, 4, 5
    inputs = {"x": 5 * np.random.randn(N, C, H, W) + 12, "gamma": np.random.randn(C), "beta": np.random.randn(C),
              "dout": np.random.randn(N, C, H, W)}
    against_reference(student, reference, "layers.spatial_batchnorm_backward", inputs,
                      {"dx": GRAD_TOL, "dgamma": GRAD_TOL, "dbeta": GRAD_TOL},
                      case="the notebook's case (x (2, 3, 4, 5))", hint=gradient_hint)


@pytest.mark.rubric("sbn_backward_hidden")
def test_sbn_backward_hidden(student, reference, hidden_rng):
    for _ in range(2):
        N, C, H, W = (int(v) for v in hidden_rng.integers(2, 6, size=4))
        inputs = {"x": 3 * hidden_rng.normal(size=(N, C, H, W)) + 4, "gamma": hidden_rng.normal(size=C),
                  "beta": hidden_rng.normal(size=C), "dout": hidden_rng.normal(size=(N, C, H, W))}
        against_reference(student, reference, "layers.spatial_batchnorm_backward", inputs,
                          {"dx": GRAD_TOL, "dgamma": GRAD_TOL, "dbeta": GRAD_TOL},
                          case=f"a hidden case (x {(N, C, H, W)})", hint=gradient_hint)


# --- spatial group normalisation ---------------------------------------------------------
GN_HINT = ("split the C channels of each example into G contiguous groups and normalise each group over its "
           "channels and H, W; gamma and beta are (1, C, 1, 1)")


def hidden_group_case(rng, *, min_groups=1):
    G = int(rng.integers(min_groups, 4))
    C = G * int(rng.integers(2, 4))
    N, H, W = (int(v) for v in rng.integers(1, 5, size=3))
    return (5 * rng.normal(size=(N, C, H, W)) + 3, rng.normal(size=(1, C, 1, 1)), rng.normal(size=(1, C, 1, 1)),
            G, rng.normal(size=(N, C, H, W)))


@pytest.mark.rubric("gn_forward")
def test_gn_forward(student, reference):
    np.random.seed(231)
    N, C, H, W, G = 2, 6, 4, 5, 2
    x = 4 * np.random.randn(N, C, H, W) + 10
    against_reference(student, reference, "layers.spatial_groupnorm_forward",
                      {"x": x, "gamma": np.ones((1, C, 1, 1)), "beta": np.zeros((1, C, 1, 1)), "G": G},
                      {"out": OUT_TOL}, case="the notebook's x (2, 6, 4, 5) with G = 2", hint=GN_HINT)


@pytest.mark.rubric("gn_forward_hidden")
def test_gn_forward_hidden(student, reference, hidden_rng):
    for index in range(3):
        x, gamma, beta, G, _ = hidden_group_case(hidden_rng, min_groups=2 if index == 0 else 1)
        against_reference(student, reference, "layers.spatial_groupnorm_forward",
                          {"x": x, "gamma": gamma, "beta": beta, "G": G}, {"out": OUT_TOL},
                          case=f"a hidden case ({expect.describe_inputs(x=x)}, G = {G})", hint=GN_HINT)


@pytest.mark.rubric("gn_backward")
def test_gn_backward(student, reference):
    np.random.seed(231)
    N, C, H, W, G = 2, 6, 4, 5, 2
    inputs = {"x": 5 * np.random.randn(N, C, H, W) + 12, "gamma": np.random.randn(1, C, 1, 1),
              "beta": np.random.randn(1, C, 1, 1), "dout": np.random.randn(N, C, H, W), "G": G}
    against_reference(student, reference, "layers.spatial_groupnorm_backward", inputs,
                      {"dx": GRAD_TOL, "dgamma": GRAD_TOL, "dbeta": GRAD_TOL},
                      case="the notebook's case (x (2, 6, 4, 5), G = 2)", hint=gradient_hint)


@pytest.mark.rubric("gn_backward_hidden")
def test_gn_backward_hidden(student, reference, hidden_rng):
    for index in range(3):
        x, gamma, beta, G, dout = hidden_group_case(hidden_rng, min_groups=2 if index == 0 else 1)
        against_reference(student, reference, "layers.spatial_groupnorm_backward",
                          {"x": x, "gamma": gamma, "beta": beta, "G": G, "dout": dout},
                          {"dx": GRAD_TOL, "dgamma": GRAD_TOL, "dbeta": GRAD_TOL},
                          case=f"a hidden case ({expect.describe_inputs(x=x)}, G = {G})", hint=gradient_hint)
