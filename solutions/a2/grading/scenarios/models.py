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


class StandardizedImages:
    """uint8 images (N, C, H, W), possibly a read-only memory map, seen as float32 minus a
    mean image, converted only for the rows asked for: get_CIFAR10_data's preprocessing
    without a float copy of the whole set (49,000 images are 0.6 GB as float32).

    Supports what the course's Solver uses: ``shape``, ``len`` and indexing by slices or
    index arrays."""

    def __init__(self, images, mean_image):
        self.images = images
        self.mean_image = np.asarray(mean_image, dtype=np.float64)
        self.shape = images.shape
        self.dtype = np.dtype(np.float32)

    def __len__(self):
        return self.shape[0]

    def __getitem__(self, index):
        return (np.asarray(self.images[index], dtype=np.float64) - self.mean_image).astype(np.float32)


def train(impl, module, cls, kwargs, data, solver_kwargs, mean_image, seed):
    """Train with the course's Solver (our pristine copy); return the trained parameters.

    data: X_train (N, C, H, W) uint8, y_train (N,) and the Solver's own "val" split
    (X_val, y_val: a slice of the training images), standardised here with mean_image
    (C, H, W) as get_CIFAR10_data does. The trusted side scores the returned parameters
    with the reference model; nothing computed here decides a result.
    Returns loss_history (iterations,) and params {name: array}.
    """
    np.random.seed(seed)
    model = _build(impl, module, cls, kwargs)
    data = {"X_train": StandardizedImages(data["X_train"], mean_image), "y_train": data["y_train"],
            "X_val": StandardizedImages(data["X_val"], mean_image), "y_val": data["y_val"]}
    solver = impl.function("solver", "Solver")(model, data, verbose=False, **solver_kwargs)
    solver.train()
    return {"loss_history": np.asarray(solver.loss_history, dtype=np.float64),
            "params": {name: np.asarray(value) for name, value in model.params.items()}}


def predict(impl, module, cls, kwargs, params, X):
    """Class predictions (N,) of the model with these parameters for X (N, C, H, W) float."""
    model = _with_params(_build(impl, module, cls, kwargs), params)
    return {"predictions": np.concatenate([np.argmax(model.loss(X[i:i + 100]), axis=1)
                                           for i in range(0, len(X), 100)]).astype(np.int64)}
