"""Inputs for the numpy networks: constructor arguments and explicitly set parameters."""

from __future__ import annotations


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
