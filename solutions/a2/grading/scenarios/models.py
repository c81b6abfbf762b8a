"""Scenarios for the numpy models: FullyConnectedNet (fc_net.py), ThreeLayerConvNet (cnn.py).

Parameters are set explicitly from the inputs rather than drawn by the constructor, so a
correct model that initialises in another order gets the same numbers as the reference.
"""

import numpy as np

DTYPES = {"float32": np.float32, "float64": np.float64}


def _build(impl, module, cls, kwargs):
    kwargs = dict(kwargs)
    if "dtype" in kwargs:
        kwargs["dtype"] = DTYPES[kwargs["dtype"]]
    if "hidden_dims" in kwargs:
        kwargs["hidden_dims"] = list(kwargs["hidden_dims"])
    if "input_dim" in kwargs and isinstance(kwargs["input_dim"], list):
        kwargs["input_dim"] = tuple(kwargs["input_dim"])
    return impl.function(module, cls)(**kwargs)


def _with_params(model, params):
    for name, value in params.items():
        model.params[name] = np.array(value, copy=True)
    return model


def init(impl, module, cls, kwargs):
    """What the constructor makes: parameter names, shapes, dtypes and values."""
    model = _build(impl, module, cls, kwargs)
    return {"params": {name: np.asarray(value) for name, value in model.params.items()}}


def loss(impl, module, cls, kwargs, params, X, y):
    """Loss and gradients for (X, y), and the scores for X alone (test mode)."""
    model = _with_params(_build(impl, module, cls, kwargs), params)
    value, grads = model.loss(X, y)
    scores = model.loss(X)
    return {"loss": float(value), "grads": {k: np.asarray(v) for k, v in grads.items()},
            "scores": np.asarray(scores)}


def loss_probes(impl, module, cls, kwargs, params, X, y, probes, steps):
    """Analytic gradients, plus the loss at params ± step along each probed coordinate.

    probes: list of [param name, flat index]; steps: the finite-difference steps. Returns
    plus, minus: (len(probes), len(steps)). The trusted side turns these into centred
    differences of this model's own loss, so a model with random behaviour (dropout with
    a fixed seed) is checked against itself.
    """
    model = _with_params(_build(impl, module, cls, kwargs), params)
    value, grads = model.loss(X, y)
    plus = np.zeros((len(probes), len(steps)))
    minus = np.zeros((len(probes), len(steps)))
    for i, (name, index) in enumerate(probes):
        flat = model.params[name].reshape(-1)
        original = flat[index]
        for j, step in enumerate(steps):
            flat[index] = original + step
            plus[i, j] = float(model.loss(X, y)[0])
            flat[index] = original - step
            minus[i, j] = float(model.loss(X, y)[0])
        flat[index] = original
    return {"loss": float(value), "grads": {k: np.asarray(v) for k, v in grads.items()},
            "plus": plus, "minus": minus, "scores": np.asarray(model.loss(X))}


def train(impl, module, cls, kwargs, data, solver_kwargs, X_eval, seed):
    """Train with the course's Solver (our pristine copy); predict the classes of X_eval.

    data: X_train, y_train, X_val, y_val for the Solver's own bookkeeping (its "val" split
    is a slice of the training images: the real validation labels stay with the trusted
    side, which scores the predictions). Returns the loss history and the predictions.
    """
    np.random.seed(seed)
    model = _build(impl, module, cls, kwargs)
    solver = impl.function("solver", "Solver")(model, data, verbose=False, **solver_kwargs)
    solver.train()
    predictions = np.concatenate([np.argmax(model.loss(X_eval[i:i + 100]), axis=1)
                                  for i in range(0, len(X_eval), 100)])
    return {"loss_history": np.asarray(solver.loss_history, dtype=np.float64),
            "predictions": predictions.astype(np.int64)}
