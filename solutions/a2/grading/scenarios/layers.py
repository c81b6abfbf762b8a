"""Scenarios for cs231n/layers.py (numpy). Shapes as in the layers' docstrings."""


def _layer(impl, name):
    return impl.function("layers", name)


# --- batch normalisation -----------------------------------------------------------------
def batchnorm_forward(impl, x, gamma, beta, bn_param):
    """One call; returns the output and what the call wrote back into bn_param."""
    out, _ = _layer(impl, "batchnorm_forward")(x, gamma, beta, bn_param)
    return {"out": out, "running_mean": bn_param.get("running_mean"), "running_var": bn_param.get("running_var")}


def batchnorm_running(impl, xs, gamma, beta, momentum, x_test):
    """Train-mode calls on each of xs (N, D), then one test-mode call on x_test."""
    forward = _layer(impl, "batchnorm_forward")
    bn_param = {"mode": "train"}
    if momentum is not None:  # None: the layer's default (0.9)
        bn_param["momentum"] = momentum
    for x in xs:
        forward(x, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    out, _ = forward(x_test, gamma, beta, bn_param)
    return {"running_mean": bn_param.get("running_mean"), "running_var": bn_param.get("running_var"),
            "test_out": out}


def batchnorm_backward(impl, x, gamma, beta, dout, alt=False):
    """Train-mode forward, then batchnorm_backward (or _alt) on the forward's own cache."""
    _, cache = _layer(impl, "batchnorm_forward")(x, gamma, beta, {"mode": "train"})
    backward = _layer(impl, "batchnorm_backward_alt" if alt else "batchnorm_backward")
    dx, dgamma, dbeta = backward(dout, cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


def layernorm_forward(impl, x, gamma, beta, ln_param):
    out, _ = _layer(impl, "layernorm_forward")(x, gamma, beta, ln_param)
    return {"out": out}


def layernorm_backward(impl, x, gamma, beta, dout):
    _, cache = _layer(impl, "layernorm_forward")(x, gamma, beta, {})
    dx, dgamma, dbeta = _layer(impl, "layernorm_backward")(dout, cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


# --- dropout -----------------------------------------------------------------------------
def dropout_forward(impl, x, p, seed=None):
    """Train mode (twice when seeded, to see the seed honoured) and test mode."""
    forward = _layer(impl, "dropout_forward")
    param = {"mode": "train", "p": p}
    if seed is not None:
        param["seed"] = seed
    train_out, _ = forward(x, dict(param))
    again = forward(x, dict(param))[0] if seed is not None else None
    test_out, _ = forward(x, {"mode": "test", "p": p})
    return {"train_out": train_out, "train_out_again": again, "test_out": test_out}


def dropout_backward(impl, x, dout, p, seed):
    forward, backward = _layer(impl, "dropout_forward"), _layer(impl, "dropout_backward")
    out, cache = forward(x, {"mode": "train", "p": p, "seed": seed})
    dx = backward(dout, cache)
    test_out, test_cache = forward(x, {"mode": "test", "p": p})
    return {"out": out, "dx": dx, "test_dx": backward(dout, test_cache)}


# --- convolution and pooling -------------------------------------------------------------
def conv_forward(impl, x, w, b, conv_param):
    out, _ = _layer(impl, "conv_forward_naive")(x, w, b, conv_param)
    return {"out": out}


def conv_backward(impl, x, w, b, conv_param, dout):
    _, cache = _layer(impl, "conv_forward_naive")(x, w, b, conv_param)
    dx, dw, db = _layer(impl, "conv_backward_naive")(dout, cache)
    return {"dx": dx, "dw": dw, "db": db}


def max_pool_forward(impl, x, pool_param):
    out, _ = _layer(impl, "max_pool_forward_naive")(x, pool_param)
    return {"out": out}


def max_pool_backward(impl, x, pool_param, dout):
    _, cache = _layer(impl, "max_pool_forward_naive")(x, pool_param)
    return {"dx": _layer(impl, "max_pool_backward_naive")(dout, cache)}


# --- spatial normalisation ---------------------------------------------------------------
def spatial_batchnorm_forward(impl, x, gamma, beta, bn_param):
    out, _ = _layer(impl, "spatial_batchnorm_forward")(x, gamma, beta, bn_param)
    return {"out": out, "running_mean": bn_param.get("running_mean"), "running_var": bn_param.get("running_var")}


def spatial_batchnorm_running(impl, xs, gamma, beta, momentum, x_test):
    forward = _layer(impl, "spatial_batchnorm_forward")
    bn_param = {"mode": "train", "momentum": momentum}
    for x in xs:
        forward(x, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    out, _ = forward(x_test, gamma, beta, bn_param)
    return {"test_out": out}


def spatial_batchnorm_backward(impl, x, gamma, beta, dout):
    _, cache = _layer(impl, "spatial_batchnorm_forward")(x, gamma, beta, {"mode": "train"})
    dx, dgamma, dbeta = _layer(impl, "spatial_batchnorm_backward")(dout, cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}


def spatial_groupnorm_forward(impl, x, gamma, beta, G):
    out, _ = _layer(impl, "spatial_groupnorm_forward")(x, gamma, beta, G, {})
    return {"out": out}


def spatial_groupnorm_backward(impl, x, gamma, beta, G, dout):
    _, cache = _layer(impl, "spatial_groupnorm_forward")(x, gamma, beta, G, {})
    dx, dgamma, dbeta = _layer(impl, "spatial_groupnorm_backward")(dout, cache)
    return {"dx": dx, "dgamma": dgamma, "dbeta": dbeta}

