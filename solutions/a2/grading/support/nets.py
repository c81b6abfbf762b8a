"""Inputs for the numpy networks: constructor arguments and explicitly set parameters."""

from __future__ import annotations

import numpy as np


def net_kwargs(D, hidden, C, **extra):
    return {"hidden_dims": list(hidden), "input_dim": D, "num_classes": C, "weight_scale": 5e-2,
            "dtype": "float64", **extra}


def random_params(rng, D, hidden, C, normalization=None, scale=0.3):
    """Parameters set explicitly, so initialisation order plays no part."""
    dims = [D, *hidden, C]
    params = {}
    for i in range(len(dims) - 1):
        params[f"W{i + 1}"] = rng.normal(scale=scale, size=(dims[i], dims[i + 1]))
        params[f"b{i + 1}"] = rng.normal(scale=0.1, size=dims[i + 1])
        if normalization and i < len(hidden):
            params[f"gamma{i + 1}"] = 1 + rng.normal(scale=0.2, size=dims[i + 1])
            params[f"beta{i + 1}"] = rng.normal(scale=0.2, size=dims[i + 1])
    return params


def masked_net_loss(params, X, y, masks):
    """Loss and gradients of {affine - relu - (* mask)} x (L-1) - affine - softmax, no reg.

    params: W1..WL (in, out), b1..bL; X: (N, D); y: (N,); masks[l]: (N, H_l) factors applied
    to each hidden ReLU's output (0 for a dropped unit, 1 / p for a kept one).
    Returns {"loss": float, "grads": {name: array}} (mean softmax loss over N).
    """
    layers = len(masks) + 1
    hidden, cache = X, []
    for layer in range(1, layers):
        pre = hidden @ params[f"W{layer}"] + params[f"b{layer}"]
        cache.append((hidden, pre))
        hidden = np.maximum(pre, 0) * masks[layer - 1]
    scores = hidden @ params[f"W{layers}"] + params[f"b{layers}"]
    shifted = scores - scores.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    n = X.shape[0]
    loss = -float(log_probs[np.arange(n), y].mean())
    dscores = np.exp(log_probs)
    dscores[np.arange(n), y] -= 1
    dscores /= n
    grads = {f"W{layers}": hidden.T @ dscores, f"b{layers}": dscores.sum(axis=0)}
    upstream = dscores @ params[f"W{layers}"].T
    for layer in range(layers - 1, 0, -1):
        below, pre = cache[layer - 1]
        dpre = upstream * masks[layer - 1] * (pre > 0)
        grads[f"W{layer}"], grads[f"b{layer}"] = below.T @ dpre, dpre.sum(axis=0)
        upstream = dpre @ params[f"W{layer}"].T
    return {"loss": loss, "grads": grads}
