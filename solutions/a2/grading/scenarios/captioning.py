"""Scenarios for rnn_layers_pytorch.py and CaptioningRNN (classifiers/rnn_pytorch.py).

Forward functions run in float64; gradients come from autograd on the implementation's
own forward, with the upstream gradient given, so a forward that breaks the graph (numpy
round trips, in-place edits of leaves) shows up as wrong or missing gradients.
"""

import numpy as np


def _torch():
    import torch

    return torch


def _leaves(torch, arrays):
    return [torch.from_numpy(np.array(a, copy=True)).requires_grad_(True) for a in arrays]


def _grads(tensors):
    return [None if t.grad is None else t.grad.detach().numpy() for t in tensors]


def rnn_step(impl, x, prev_h, Wx, Wh, b, dnext_h):
    torch = _torch()
    leaves = _leaves(torch, [x, prev_h, Wx, Wh, b])
    next_h = impl.function("rnn_layers_pytorch", "rnn_step_forward")(*leaves)
    next_h.backward(torch.from_numpy(dnext_h))
    return {"next_h": next_h.detach(), "grads": dict(zip(["x", "prev_h", "Wx", "Wh", "b"], _grads(leaves), strict=True))}


def rnn_sequence(impl, x, h0, Wx, Wh, b, dh):
    torch = _torch()
    leaves = _leaves(torch, [x, h0, Wx, Wh, b])
    h = impl.function("rnn_layers_pytorch", "rnn_forward")(*leaves)
    h.backward(torch.from_numpy(dh))
    return {"h": h.detach(), "grads": dict(zip(["x", "h0", "Wx", "Wh", "b"], _grads(leaves), strict=True))}


def word_embedding(impl, x, W, dout):
    torch = _torch()
    (W_t,) = _leaves(torch, [W])
    out = impl.function("rnn_layers_pytorch", "word_embedding_forward")(torch.from_numpy(x), W_t)
    out.backward(torch.from_numpy(dout))
    return {"out": out.detach(), "dW": _grads([W_t])[0]}


def _model(impl, word_to_idx, kwargs, params):
    torch = _torch()
    model = impl.function("classifiers.rnn_pytorch", "CaptioningRNN")(
        word_to_idx, dtype=torch.float64, **kwargs)
    for name, value in params.items():
        model.params[name] = torch.from_numpy(np.array(value, copy=True))
    return model


def captioning_loss(impl, word_to_idx, kwargs, params, features, captions):
    """The loss for fixed parameters, and its gradients by autograd."""
    torch = _torch()
    model = _model(impl, word_to_idx, kwargs, params)
    for value in model.params.values():
        value.requires_grad_(True)
    loss = model.loss(torch.from_numpy(features), torch.from_numpy(captions))
    if not torch.is_tensor(loss) or loss.dim() != 0:
        raise TypeError(f"CaptioningRNN.loss must return a scalar tensor, got {type(loss).__name__}")
    loss.backward()
    grads = {name: (None if v.grad is None else v.grad.detach().numpy()) for name, v in model.params.items()}
    return {"loss": float(loss.item()), "grads": grads}


def captioning_sample(impl, word_to_idx, kwargs, params, features, max_length):
    torch = _torch()
    model = _model(impl, word_to_idx, kwargs, params)
    with torch.no_grad():
        captions = model.sample(torch.from_numpy(features), max_length=max_length)
    return {"captions": np.asarray(captions.detach().cpu().numpy() if torch.is_tensor(captions) else captions)}


def captioning_overfit(impl, data, model_kwargs, solver_kwargs, seed):
    """Train with the course's CaptioningSolverPytorch (our pristine copy) on small data.

    data: train_captions, train_image_idxs, train_features, word_to_idx (+ val_* as the
    solver wants them). Returns the loss history (for the plot) and the trained
    parameters {name: array}, which the trusted side scores with the reference model.
    """
    torch = _torch()
    np.random.seed(seed)
    torch.manual_seed(seed)
    data = dict(data)
    model = impl.function("classifiers.rnn_pytorch", "CaptioningRNN")(
        word_to_idx=data["word_to_idx"], input_dim=data["train_features"].shape[1], **model_kwargs)
    solver = impl.function("captioning_solver_pytorch", "CaptioningSolverPytorch")(
        model, data, verbose=False, **solver_kwargs)
    solver.train()
    return {"loss_history": np.array([float(v) for v in solver.loss_history]),
            "params": {name: value.detach().cpu().numpy() for name, value in model.params.items()}}


def captioning_data_loss(impl, word_to_idx, kwargs, params, data):
    """The loss of CaptioningRNN with these parameters over every training caption of data
    (train_captions (M, T+1), train_image_idxs (M,), train_features (I, D)), in float64."""
    torch = _torch()
    model = _model(impl, word_to_idx, kwargs, {name: np.asarray(v, dtype=np.float64) for name, v in params.items()})
    features = np.asarray(data["train_features"], dtype=np.float64)[np.asarray(data["train_image_idxs"])]
    with torch.no_grad():
        loss = model.loss(torch.from_numpy(features), torch.from_numpy(np.asarray(data["train_captions"])))
    return {"loss": float(loss.item())}
