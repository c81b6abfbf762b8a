"""Recurrent layers in PyTorch: forward passes only; autograd supplies the backward.

All functions take and return torch tensors and work for float32 and float64 alike
(they never create a floating tensor of a fixed dtype).

Shape legend:

    N   minibatch size
    T   sequence length (time steps)
    D   input features per step (word vector size for captioning)
    H   hidden state size
    V   vocabulary size
    M   output features of an affine layer
"""

import torch
import torch.nn.functional as F


def affine_forward(x, w, b):
    """Fully connected layer: out = x.reshape(N, D) @ w + b.

    Inputs: x (N, d_1, ..., d_k) with D = d_1 * ... * d_k, w (D, M), b (M,).
    Returns out: (N, M).
    """
    return x.reshape(x.shape[0], -1) @ w + b


def temporal_affine_forward(x, w, b):
    """The same affine layer applied at every time step: out[n, t] = x[n, t] @ w + b.

    Inputs: x (N, T, D), w (D, M), b (M,).
    Returns out: (N, T, M).
    """
    return x @ w + b


def temporal_softmax_loss(x, y, mask, verbose=False):
    """Softmax cross-entropy over a vocabulary at every time step, masked and averaged
    over the minibatch (summed, not averaged, over time):

        loss = (1/N) sum_{n, t} mask[n, t] * -log softmax(x[n, t])[y[n, t]]

    Inputs:
    - x: (N, T, V) scores
    - y: (N, T) integer targets, 0 <= y < V
    - mask: (N, T) bool (or 0/1); entries that are False do not count (padding)
    - verbose: print the shapes involved

    Returns loss: a scalar tensor.
    """
    num, steps, vocab = x.shape
    x_flat = x.reshape(num * steps, vocab)
    y_flat = y.reshape(num * steps).long()
    mask_flat = mask.reshape(num * steps).to(x.dtype)
    if verbose:
        print(f"scores {tuple(x_flat.shape)}, targets {tuple(y_flat.shape)}, "
              f"mask {tuple(mask_flat.shape)}")
    per_step = F.cross_entropy(x_flat, y_flat, reduction="none")
    return (per_step * mask_flat).sum() / num


def rnn_step_forward(x, prev_h, Wx, Wh, b):
    """One step of a vanilla (tanh) RNN: next_h = tanh(x @ Wx + prev_h @ Wh + b).

    Inputs: x (N, D), prev_h (N, H), Wx (D, H), Wh (H, H), b (H,).
    Returns next_h: (N, H).
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def rnn_forward(x, h0, Wx, Wh, b):
    """A vanilla RNN over a whole sequence, starting from h0.

    Inputs: x (N, T, D), h0 (N, H), Wx (D, H), Wh (H, H), b (H,).
    Returns h: (N, T, H), the hidden state after every step.
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def word_embedding_forward(x, W):
    """Look up one vector per word index: out[n, t] = W[x[n, t]].

    Inputs: x (N, T) integer indices in [0, V), W (V, D).
    Returns out: (N, T, D).
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def lstm_step_forward(x, prev_h, prev_c, Wx, Wh, b):
    """One LSTM step. With a = x @ Wx + prev_h @ Wh + b split into four (N, H) blocks
    a_i, a_f, a_o, a_g (in that order along the last axis):

        i = sigmoid(a_i), f = sigmoid(a_f), o = sigmoid(a_o), g = tanh(a_g)
        next_c = f * prev_c + i * g
        next_h = o * tanh(next_c)

    Inputs: x (N, D), prev_h (N, H), prev_c (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,).
    Returns (next_h, next_c): (N, H) each.
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def lstm_forward(x, h0, Wx, Wh, b):
    """An LSTM over a whole sequence, from h0 and a zero initial cell state.

    Inputs: x (N, T, D), h0 (N, H), Wx (D, 4H), Wh (H, 4H), b (4H,).
    Returns h: (N, T, H), the hidden state after every step.
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")
