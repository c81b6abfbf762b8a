"""Torch recurrent layers of the reference rnn_layers_pytorch.py (RNN_Captioning_pytorch.ipynb)."""

import numpy as np
import pytest
import torch
from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from cs231n.rnn_layers_pytorch import (
    affine_forward,
    lstm_forward,
    lstm_step_forward,
    rnn_forward,
    rnn_step_forward,
    temporal_affine_forward,
    temporal_softmax_loss,
    word_embedding_forward,
)

PRINTED = 1e-7  # rel_error bound for arrays the seed printed with 8 digits


def _linspace(low, high, shape):
    return torch.from_numpy(np.linspace(low, high, num=int(np.prod(shape))).reshape(shape))


def _numpy_fn(layer, args, position):
    """layer as a numpy -> numpy function of its argument at `position`."""
    def f(value):
        with torch.no_grad():
            call = [torch.from_numpy(a) for a in args]
            call[position] = torch.from_numpy(value)
            return layer(*call).numpy()
    return f


def _autograd_vs_numerical(layer, args, rel_error):
    """Largest relative error between autograd and centred differences over all args."""
    tensors = [torch.from_numpy(a).requires_grad_() for a in args]
    out = layer(*tensors)
    dout = np.random.randn(*out.shape)
    out.backward(torch.from_numpy(dout))
    errors = []
    for i, tensor in enumerate(tensors):
        numerical = eval_numerical_gradient_array(_numpy_fn(layer, args, i), args[i], dout)
        errors.append(rel_error(numerical, tensor.grad.numpy()))
    return max(errors)


def test_rnn_step_forward_reproduces_seed_output(rel_error):
    N, D, H = 3, 10, 4
    next_h = rnn_step_forward(_linspace(-0.4, 0.7, (N, D)), _linspace(-0.2, 0.5, (N, H)),
                              _linspace(-0.1, 0.9, (D, H)), _linspace(-0.3, 0.7, (H, H)),
                              _linspace(-0.2, 0.4, (H,))).numpy()
    expected_next_h = np.asarray([
        [-0.58172089, -0.50182032, -0.41232771, -0.31410098],
        [0.66854692, 0.79562378, 0.87755553, 0.92795967],
        [0.97934501, 0.99144213, 0.99646691, 0.99854353]])
    # The seed prints "next_h error: 6.292421426471037e-09".
    assert rel_error(expected_next_h, next_h) < PRINTED


def test_rnn_forward_reproduces_seed_output(rel_error):
    N, T, D, H = 2, 3, 4, 5
    h = rnn_forward(_linspace(-0.1, 0.3, (N, T, D)), _linspace(-0.3, 0.1, (N, H)),
                    _linspace(-0.2, 0.4, (D, H)), _linspace(-0.4, 0.1, (H, H)),
                    _linspace(-0.7, 0.1, (H,))).numpy()
    expected_h = np.asarray([
        [[-0.42070749, -0.27279261, -0.11074945, 0.05740409, 0.22236251],
         [-0.39525808, -0.22554661, -0.0409454, 0.14649412, 0.32397316],
         [-0.42305111, -0.24223728, -0.04287027, 0.15997045, 0.35014525]],
        [[-0.55857474, -0.39065825, -0.19198182, 0.02378408, 0.23735671],
         [-0.27150199, -0.07088804, 0.13562939, 0.33099728, 0.50158768],
         [-0.51014825, -0.30524429, -0.06755202, 0.17806392, 0.40333043]]])
    # The seed prints "h error: 7.728466151011529e-08".
    assert h.shape == (N, T, H)
    assert rel_error(expected_h, h) < 2e-7


def test_word_embedding_forward_reproduces_seed_output(rel_error):
    x = torch.from_numpy(np.asarray([[0, 3, 1, 2], [2, 1, 0, 3]]))
    W = _linspace(0, 1, (5, 3))
    rows = {
        0: [0.0, 0.07142857, 0.14285714],
        1: [0.21428571, 0.28571429, 0.35714286],
        2: [0.42857143, 0.5, 0.57142857],
        3: [0.64285714, 0.71428571, 0.78571429],
    }
    expected_out = np.asarray([[rows[0], rows[3], rows[1], rows[2]],
                               [rows[2], rows[1], rows[0], rows[3]]])
    out = word_embedding_forward(x, W).numpy()
    assert rel_error(expected_out, out) < PRINTED


def test_rnn_step_and_sequence_gradients(rel_error):
    np.random.seed(231)
    N, D, H = 4, 5, 6
    args = [np.random.randn(N, D), np.random.randn(N, H), np.random.randn(D, H),
            np.random.randn(H, H), np.random.randn(H)]
    # "You should see errors on the order of 1e-9 or less" (seed: at most 8.8e-10)
    assert _autograd_vs_numerical(rnn_step_forward, args, rel_error) < 1e-8

    np.random.seed(231)
    N, D, T, H = 2, 3, 10, 5
    args = [np.random.randn(N, T, D), np.random.randn(N, H), np.random.randn(D, H),
            np.random.randn(H, H), np.random.randn(H)]
    # "You should see errors on the order of 1e-6 or less" (seed: at most 1.3e-7)
    assert _autograd_vs_numerical(rnn_forward, args, rel_error) < 1e-6


def test_word_embedding_gradient(rel_error):
    np.random.seed(231)
    N, T, V, D = 50, 3, 5, 6
    x = torch.from_numpy(np.random.randint(V, size=(N, T)))
    W = torch.from_numpy(np.random.randn(V, D)).requires_grad_()
    out = word_embedding_forward(x, W)
    dout = np.random.randn(*out.shape)
    out.backward(torch.from_numpy(dout))

    f = lambda w: word_embedding_forward(x, torch.from_numpy(w)).detach().numpy()  # noqa: E731
    dW_num = eval_numerical_gradient_array(f, W.detach().numpy().copy(), dout)
    # "You should see an error on the order of 1e-11 or less" (seed: 3.3e-12)
    assert rel_error(W.grad.numpy(), dW_num) < 1e-10


def test_temporal_affine_gradient(rel_error):
    np.random.seed(231)
    N, T, D, M = 2, 3, 4, 5
    args = [np.random.randn(N, T, D), np.random.randn(D, M), np.random.randn(M)]
    # "You should see errors on the order of e-9 or less" (seed: at most 2.9e-10)
    assert _autograd_vs_numerical(temporal_affine_forward, args, rel_error) < 1e-8


def test_affine_forward_flattens_rows():
    x = torch.arange(12, dtype=torch.float64).reshape(2, 3, 2)
    w = torch.ones(6, 2, dtype=torch.float64)
    out = affine_forward(x, w, torch.tensor([0.0, 1.0], dtype=torch.float64))
    np.testing.assert_array_equal(out.numpy(), [[15.0, 16.0], [51.0, 52.0]])


def _check_loss(N, T, V, p):
    x = 0.001 * torch.from_numpy(np.random.randn(N, T, V))
    y = torch.from_numpy(np.random.randint(V, size=(N, T)))
    mask = torch.from_numpy(np.random.rand(N, T)) <= p
    return temporal_softmax_loss(x, y, mask).item()


def test_temporal_softmax_loss_sanity_values():
    np.random.seed(0)
    # "Should be about 2.3", "about 23", "within 2.2-2.4" (seed: 2.3028, 23.026, 2.2644)
    assert _check_loss(100, 1, 10, 1.0) == pytest.approx(np.log(10), abs=0.01)
    assert _check_loss(100, 10, 10, 1.0) == pytest.approx(10 * np.log(10), abs=0.1)
    assert 2.2 <= _check_loss(5000, 10, 10, 0.1) <= 2.4


def test_temporal_softmax_loss_by_hand():
    x = torch.zeros(2, 2, 3, dtype=torch.float64)
    x[0, 0, 1] = np.log(2.0)  # softmax (1/4, 1/2, 1/4) at (0, 0)
    y = torch.tensor([[1, 0], [2, 2]])
    mask = torch.tensor([[True, False], [True, False]])
    loss = temporal_softmax_loss(x, y, mask)
    # (-log(1/2) - log(1/3)) / N with N = 2; the masked steps do not count.
    assert loss.item() == pytest.approx((np.log(2) + np.log(3)) / 2, rel=1e-12)


def test_temporal_softmax_loss_gradient(rel_error):
    np.random.seed(231231)
    N, T, V = 7, 8, 9
    x = torch.from_numpy(np.random.randn(N, T, V)).requires_grad_()
    y = torch.from_numpy(np.random.randint(V, size=(N, T)))
    mask = torch.from_numpy(np.random.rand(N, T) > 0.5)

    temporal_softmax_loss(x, y, mask, verbose=False).backward()
    dx_num = eval_numerical_gradient(
        lambda v: temporal_softmax_loss(torch.from_numpy(v), y, mask).numpy(),
        x.detach().numpy().copy(), verbose=False)
    # "You should see an error for dx on the order of e-7 or less" (seed: 5.5e-08)
    assert rel_error(x.grad.numpy(), dx_num) < 1e-6


def _torch_lstm_cell(Wx, Wh, b):
    """torch.nn.LSTMCell holding the same weights: torch orders the gates i, f, g, o; the
    assignment orders them i, f, o, g."""
    D, four_h = Wx.shape
    H = four_h // 4
    order = torch.cat([torch.arange(0, 2 * H), torch.arange(3 * H, 4 * H), torch.arange(2 * H, 3 * H)])
    cell = torch.nn.LSTMCell(D, H).double()
    with torch.no_grad():
        cell.weight_ih.copy_(Wx[:, order].T)
        cell.weight_hh.copy_(Wh[:, order].T)
        cell.bias_ih.copy_(b[order])
        cell.bias_hh.zero_()
    return cell


def test_lstm_matches_torch_lstm_cell():
    torch.manual_seed(0)
    N, T, D, H = 3, 4, 5, 6
    x, h0 = torch.randn(N, T, D, dtype=torch.float64), torch.randn(N, H, dtype=torch.float64)
    c0 = torch.randn(N, H, dtype=torch.float64)
    Wx, Wh = torch.randn(D, 4 * H, dtype=torch.float64), torch.randn(H, 4 * H, dtype=torch.float64)
    b = torch.randn(4 * H, dtype=torch.float64)
    cell = _torch_lstm_cell(Wx, Wh, b)

    next_h, next_c = lstm_step_forward(x[:, 0], h0, c0, Wx, Wh, b)
    ref_h, ref_c = cell(x[:, 0], (h0, c0))
    torch.testing.assert_close(next_h, ref_h.detach(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(next_c, ref_c.detach(), rtol=1e-12, atol=1e-12)

    h = lstm_forward(x, h0, Wx, Wh, b)
    state = (h0, torch.zeros_like(h0))  # lstm_forward starts from a zero cell state
    for t in range(T):
        state = cell(x[:, t], state)
        torch.testing.assert_close(h[:, t], state[0].detach(), rtol=1e-12, atol=1e-12)


def test_lstm_gradients(rel_error):
    np.random.seed(231)
    N, D, T, H = 2, 3, 4, 3
    args = [np.random.randn(N, T, D), np.random.randn(N, H), np.random.randn(D, 4 * H),
            np.random.randn(H, 4 * H), np.random.randn(4 * H)]
    assert _autograd_vs_numerical(lstm_forward, args, rel_error) < 1e-6


@pytest.mark.parametrize("layer", [rnn_forward, lstm_forward])
def test_sequence_layers_run_in_float32(layer):
    N, T, D, H = 2, 3, 4, 5
    k = 4 if layer is lstm_forward else 1
    x, h0 = torch.randn(N, T, D), torch.randn(N, H)
    h = layer(x, h0, torch.randn(D, k * H), torch.randn(H, k * H), torch.randn(k * H))
    assert h.dtype == torch.float32 and h.shape == (N, T, H)

    loss = temporal_softmax_loss(h, torch.zeros(N, T, dtype=torch.int32), torch.ones(N, T, dtype=torch.bool))
    assert loss.dtype == torch.float32 and loss.dim() == 0
