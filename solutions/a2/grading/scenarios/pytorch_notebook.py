"""Scenarios for PyTorch.ipynb: the student's functions and classes from the notebook.

The notebook is loaded by definitions only (no cell runs). Training uses the loop the
notebook provides, re-written here. Images arrive as uint8 (N, 3, 32, 32) (a read-only
memory map when large) and are normalised per batch as the notebook's transform does.
What decides a result is computed on the trusted side: trained parameters go back and
are scored there with the reference model (``predict_*`` run on the reference only);
the free-form Part V model's predictions of images the student cannot look up go back
instead. Labels of evaluation images never enter the sandbox.
"""

import numpy as np

NOTEBOOK = "PyTorch"


def _torch():
    import torch

    return torch


def _nb(impl):
    torch = _torch()
    impl.notebook_globals.update(device=torch.device(impl.device), dtype=torch.float32, print_every=10**9)
    notebook = impl.notebook(NOTEBOOK)
    if "__course_builders__" not in notebook.namespace:
        # A notebook written against the course's starter builds Parts II-V in top-level
        # cells: turn those cells into the functions the checks call.
        from scenarios.course_notebook import add_missing_builders

        add_missing_builders(notebook, impl.notebook_cells(NOTEBOOK), impl.parse_cell)
        notebook.namespace["__course_builders__"] = True
    return notebook


def three_layer_convnet(impl, x, params):
    """scores = three_layer_convnet(x, params) for given parameters."""
    torch = _torch()
    function = _nb(impl).get("three_layer_convnet")
    tensors = [torch.from_numpy(np.asarray(p)) for p in params]
    with torch.no_grad():
        scores = function(torch.from_numpy(x), tensors)
    return {"scores": scores}


def init_params(impl, channel_1, channel_2, seed):
    torch = _torch()
    torch.manual_seed(seed)
    params = _nb(impl).get("init_three_layer_convnet_params")(channel_1=channel_1, channel_2=channel_2)
    return {"params": [p.detach() for p in params]}


def module_convnet(impl, in_channel, channel_1, channel_2, num_classes, x, weights):
    """Build ThreeLayerConvNet; report its parameter shapes, and the scores of x (N, C, H, W)
    after its parameters are set to ``weights`` (each to the one of its shape), so that any
    registration order and initialisation give the same scores. No scores when the shapes
    are not those of ``weights``."""
    torch = _torch()
    model = _nb(impl).get("ThreeLayerConvNet")(in_channel, channel_1, channel_2, num_classes)
    parameters = list(model.parameters())
    shapes = [list(p.shape) for p in parameters]
    remaining = [np.asarray(w, dtype=np.float32) for w in weights]
    if sorted(tuple(shape) for shape in shapes) != sorted(w.shape for w in remaining):
        return {"shapes": shapes, "scores": None}
    with torch.no_grad():
        for parameter in parameters:
            index = next(i for i, w in enumerate(remaining) if w.shape == tuple(parameter.shape))
            parameter.copy_(torch.from_numpy(remaining.pop(index)))
        scores = model(torch.from_numpy(np.asarray(x, dtype=np.float32)))
    return {"shapes": shapes, "scores": scores}


def _batches(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _images(torch, X, index, normalize, device):
    """Rows ``index`` of uint8 images X (N, 3, 32, 32), as the notebook's transform gives
    them: float32 in [0, 1], minus normalize["mean"], over normalize["std"] (per channel)."""
    mean = np.asarray(normalize["mean"], dtype=np.float32)[None, :, None, None]
    std = np.asarray(normalize["std"], dtype=np.float32)[None, :, None, None]
    batch = (np.asarray(X[index], dtype=np.float32) / np.float32(255.0) - mean) / std
    return torch.from_numpy(batch.astype(np.float32)).to(device)


def _train_module(torch, model, optimizer, X, y, normalize, epochs, batch_size, rng, device):
    """The notebook's train_part34: cross-entropy, zero_grad / backward / step per batch."""
    import torch.nn.functional as F

    model = model.to(device)
    losses = []
    y_t = torch.from_numpy(np.asarray(y, dtype=np.int64))
    for _ in range(epochs):
        for index in _batches(len(X), batch_size, rng):
            model.train()
            xb, yb = _images(torch, X, index, normalize, device), y_t[index].to(device)
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.item()))
    return losses


def _predict(torch, forward, X, normalize, device):
    """argmax class (N,) of forward(images) for uint8 X, or for float X when normalize is None."""
    predictions = []
    with torch.no_grad():
        for start in range(0, len(X), 256):
            index = slice(start, start + 256)
            xb = (_images(torch, X, index, normalize, device) if normalize is not None
                  else torch.from_numpy(np.array(X[index], dtype=np.float32)).to(device))
            predictions.append(forward(xb).argmax(dim=1).cpu().numpy())
    return np.concatenate(predictions).astype(np.int64) if predictions else np.zeros(0, dtype=np.int64)


def _arrays(tensors):
    return [t.detach().cpu().numpy() for t in tensors]


def train_functional(impl, X_train, y_train, normalize, channel_1, channel_2, learning_rate, epochs,
                     batch_size, seed):
    """Part II: the student's init and forward, trained with the notebook's manual SGD.

    X_train: (N, 3, 32, 32) uint8, normalised per batch. The parameters are used as the
    student's init returns them (the notebook's train_part2 needs requires_grad=True).
    Returns losses (iterations,) and the trained params, in the init's order.
    """
    torch = _torch()
    import torch.nn.functional as F

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    notebook = _nb(impl)
    forward, init = notebook.get("three_layer_convnet"), notebook.get("init_three_layer_convnet_params")
    device = torch.device(impl.device)
    params = [p if p.device == device else p.detach().to(device).requires_grad_(p.requires_grad)
              for p in init(channel_1=channel_1, channel_2=channel_2)]
    y_t = torch.from_numpy(np.asarray(y_train, dtype=np.int64))
    losses = []
    for _ in range(epochs):
        for index in _batches(len(X_train), batch_size, rng):
            loss = F.cross_entropy(forward(_images(torch, X_train, index, normalize, device), params),
                                   y_t[index].to(device))
            loss.backward()
            with torch.no_grad():
                for w in params:
                    w -= learning_rate * w.grad
                    w.grad.zero_()
            losses.append(float(loss.item()))
    return {"losses": np.array(losses), "params": _arrays(params)}


def predict_functional(impl, params, X):
    """The notebook's three_layer_convnet with these params: predictions (N,) for float32 X."""
    torch = _torch()
    forward = _nb(impl).get("three_layer_convnet")
    tensors = [torch.from_numpy(np.asarray(p, dtype=np.float32)) for p in params]
    return {"predictions": _predict(torch, lambda x: forward(x, tensors), X, None, torch.device("cpu"))}


def _build(impl, builder, builder_kwargs):
    built = _nb(impl).get(builder)(**builder_kwargs)
    if not isinstance(built, (tuple, list)) or len(built) not in (2, 3):
        raise TypeError(f"{builder}() must return (model, optimizer) or (model, optimizer, num_epochs), "
                        f"got {type(built).__name__}")
    return built


#: Models whose training goes on over several requests (Part V's smoke rounds), by name.
_unfinished_training: dict = {}


def train_built(impl, builder, builder_kwargs, X_train, y_train, normalize, epochs, batch_size, seed,
                X_eval=None, with_params=True, keep_as=None, resume=False):
    """Parts III-V: (model, optimizer[, epochs]) = builder(**kwargs), trained with train_part34.

    X_train, X_eval: (N, 3, 32, 32) uint8, normalised per batch with ``normalize``.
    ``epochs``: how many epochs to train in this request (at most what the builder asks for).
    ``keep_as``: a name under which the model is kept after this request; with ``resume``,
    the model kept under that name is trained further instead of a new one being built.
    Returns the epochs the builder asked for, this request's losses, the trained parameters
    (model.parameters() order) when ``with_params``, and the predictions for X_eval.
    """
    torch = _torch()
    device = torch.device(impl.device)
    if resume:
        if keep_as not in _unfinished_training:
            raise RuntimeError("the model of the previous round is gone (the sandbox was restarted)")
        model, optimizer, asked, rng = _unfinished_training[keep_as]
    else:
        torch.manual_seed(seed)
        rng = np.random.default_rng(seed)
        built = _build(impl, builder, builder_kwargs)
        model, optimizer = built[0], built[1]
        asked = int(built[2]) if len(built) == 3 else None
    run_epochs = epochs if asked is None else min(asked, epochs)
    losses = _train_module(torch, model, optimizer, X_train, y_train, normalize, max(run_epochs, 1), batch_size,
                           rng, device)
    if keep_as is not None:
        _unfinished_training[keep_as] = (model, optimizer, asked, rng)
    result = {"asked_epochs": asked, "epochs": max(run_epochs, 1), "losses": np.array(losses)}
    if with_params:
        result["params"] = _arrays(model.parameters())
    if X_eval is not None:
        model.eval()
        result["predictions"] = _predict(torch, model, X_eval, normalize, device)
    return result


def built_shapes(impl, builder, builder_kwargs):
    """The parameter shapes, in model.parameters() order, of the model builder() makes."""
    return {"shapes": [list(p.shape) for p in _build(impl, builder, builder_kwargs)[0].parameters()]}


def predict_built(impl, builder, builder_kwargs, params, X):
    """The model builder() makes, with these params (model.parameters() order): predictions
    (N,) for float32 X."""
    torch = _torch()
    model = _build(impl, builder, builder_kwargs)[0]
    with torch.no_grad():
        for parameter, value in zip(model.parameters(), params, strict=True):
            parameter.copy_(torch.from_numpy(np.asarray(value, dtype=np.float32)))
    model.eval()
    return {"predictions": _predict(torch, model, X, None, torch.device("cpu"))}
