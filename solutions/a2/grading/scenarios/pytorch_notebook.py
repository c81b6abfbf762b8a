"""Scenarios for PyTorch.ipynb: the student's functions and classes from the notebook.

The notebook is loaded by definitions only (no cell runs). Training uses the loop the
notebook provides, re-written here so that a submission cannot change how it is trained
or measured. Images arrive normalised, (N, 3, 32, 32) float32; labels of the
evaluation images never enter the sandbox: predictions go back instead.
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
    return {"params": [p.detach() for p in params],
            "requires_grad": [bool(getattr(p, "requires_grad", False)) for p in params]}


def module_convnet(impl, in_channel, channel_1, channel_2, num_classes, x, seed):
    """Build ThreeLayerConvNet; report its parameter shapes and the scores of x."""
    torch = _torch()
    torch.manual_seed(seed)
    model = _nb(impl).get("ThreeLayerConvNet")(in_channel, channel_1, channel_2, num_classes)
    with torch.no_grad():
        scores = model(torch.from_numpy(x))
    return {"shapes": [list(p.shape) for p in model.parameters()], "scores": scores}


def _batches(n, batch_size, rng):
    order = rng.permutation(n)
    return [order[i:i + batch_size] for i in range(0, n, batch_size)]


def _train_module(torch, model, optimizer, X, y, epochs, batch_size, rng, device):
    """The notebook's train_part34: cross-entropy, zero_grad / backward / step per batch."""
    import torch.nn.functional as F

    model = model.to(device)
    losses = []
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    for _ in range(epochs):
        for index in _batches(len(X), batch_size, rng):
            model.train()
            xb, yb = X_t[index].to(device), y_t[index].to(device=device, dtype=torch.long)
            loss = F.cross_entropy(model(xb), yb)
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(float(loss.item()))
    return losses


def _predict_module(torch, model, X, device):
    model.eval()
    with torch.no_grad():
        return np.concatenate([model(torch.from_numpy(X[i:i + 256]).to(device)).argmax(dim=1).cpu().numpy()
                               for i in range(0, len(X), 256)]).astype(np.int64)


def train_functional(impl, X_train, y_train, X_eval, channel_1, channel_2, learning_rate, epochs,
                     batch_size, seed):
    """Part II: the student's init and forward, trained with the notebook's manual SGD."""
    torch = _torch()
    import torch.nn.functional as F

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    notebook = _nb(impl)
    forward, init = notebook.get("three_layer_convnet"), notebook.get("init_three_layer_convnet_params")
    params = init(channel_1=channel_1, channel_2=channel_2)
    device = torch.device(impl.device)
    params = [p.detach().to(device).requires_grad_(True) for p in params]
    X_t, y_t = torch.from_numpy(X_train), torch.from_numpy(y_train)
    losses = []
    for _ in range(epochs):
        for index in _batches(len(X_train), batch_size, rng):
            loss = F.cross_entropy(forward(X_t[index].to(device), params), y_t[index].to(device=device, dtype=torch.long))
            loss.backward()
            with torch.no_grad():
                for w in params:
                    w -= learning_rate * w.grad
                    w.grad.zero_()
            losses.append(float(loss.item()))
    with torch.no_grad():
        predictions = np.concatenate([forward(torch.from_numpy(X_eval[i:i + 256]).to(device), params)
                                      .argmax(dim=1).cpu().numpy() for i in range(0, len(X_eval), 256)])
    return {"losses": np.array(losses), "predictions": predictions.astype(np.int64)}


def train_built(impl, builder, builder_kwargs, X_train, y_train, X_eval, epochs, batch_size, seed):
    """Parts III-V: (model, optimizer[, epochs]) = builder(**kwargs), trained with train_part34.

    ``epochs``: how many epochs to train here (the profile may cap what a builder asks for).
    Returns the epochs the builder asked for, the losses, the predictions for X_eval, and
    whether the model is an nn.Sequential.
    """
    torch = _torch()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    built = _nb(impl).get(builder)(**builder_kwargs)
    if not isinstance(built, (tuple, list)) or len(built) not in (2, 3):
        raise TypeError(f"{builder}() must return (model, optimizer) or (model, optimizer, num_epochs), "
                        f"got {type(built).__name__}")
    model, optimizer = built[0], built[1]
    asked = int(built[2]) if len(built) == 3 else None
    run_epochs = epochs if asked is None else min(asked, epochs)
    device = torch.device(impl.device)
    losses = _train_module(torch, model, optimizer, X_train, y_train, max(run_epochs, 1), batch_size, rng, device)
    return {"asked_epochs": asked, "losses": np.array(losses),
            "predictions": _predict_module(torch, model, X_eval, device),
            "is_sequential": isinstance(model, torch.nn.Sequential)}
