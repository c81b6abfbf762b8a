"""Inverted dropout of the reference layers.py (Dropout.ipynb's seeded cells)."""

import numpy as np
import pytest
from cs231n.gradient_check import eval_numerical_gradient_array
from cs231n.layers import dropout_backward, dropout_forward

# (keep probability, mean of the train-time output, fraction of zeros) as the seed prints them
SEED_TRAIN_OUTPUT = [
    (0.25, 10.014059116977283, 0.749784),
    (0.4, 9.977917658761159, 0.600796),
    (0.7, 9.987811912159426, 0.30074),
]


def test_dropout_forward_reproduces_seed_numbers():
    np.random.seed(231)
    x = np.random.randn(500, 500) + 10
    assert x.mean() == pytest.approx(10.000207878477502, rel=1e-12)

    for p, train_mean, zero_fraction in SEED_TRAIN_OUTPUT:
        out, _ = dropout_forward(x, {"mode": "train", "p": p})
        out_test, _ = dropout_forward(x, {"mode": "test", "p": p})

        assert out.mean() == pytest.approx(train_mean, rel=1e-12)
        assert (out == 0).mean() == zero_fraction
        assert out_test.mean() == pytest.approx(10.000207878477502, rel=1e-12)
        assert (out_test == 0).mean() == 0.0


def test_dropout_scales_kept_units_by_one_over_p():
    x = np.full((200, 200), 2.0)
    out, (_, mask) = dropout_forward(x, {"mode": "train", "p": 0.4, "seed": 0})
    assert set(np.unique(out)) == {0.0, 5.0}
    np.testing.assert_array_equal(out, x * mask)


def test_dropout_test_mode_is_identity_without_mask():
    x = np.random.randn(3, 4)
    param = {"mode": "test", "p": 0.3}
    out, cache = dropout_forward(x, param)
    np.testing.assert_array_equal(out, x)
    assert cache == (param, None)
    np.testing.assert_array_equal(dropout_backward(np.ones_like(x), cache), np.ones_like(x))


def test_dropout_seed_reseeds_numpy_on_every_call():
    x = np.random.randn(20, 30)
    param = {"mode": "train", "p": 0.5, "seed": 123}
    first, _ = dropout_forward(x, param)
    np.random.rand(7)  # moving the global stream does not matter: the call reseeds
    second, _ = dropout_forward(x, param)
    np.testing.assert_array_equal(first, second)

    # The mask is `np.random.rand(*x.shape) < p` drawn right after seeding.
    np.random.seed(123)
    expected_kept = np.random.rand(20, 30) < 0.5
    next_draw = np.random.rand()
    third, _ = dropout_forward(x, param)
    np.testing.assert_array_equal(third != 0, expected_kept)
    assert np.random.rand() == next_draw


def test_dropout_keeps_input_dtype():
    x = np.random.randn(10, 10).astype(np.float32)
    out, _ = dropout_forward(x, {"mode": "train", "p": 0.3})
    assert out.dtype == np.float32


def test_dropout_backward_matches_numerical_gradient(rel_error):
    np.random.seed(231)
    x = np.random.randn(10, 10) + 10
    dout = np.random.randn(*x.shape)
    dropout_param = {"mode": "train", "p": 0.2, "seed": 123}

    _, cache = dropout_forward(x, dropout_param)
    dx = dropout_backward(dout, cache)
    dx_num = eval_numerical_gradient_array(lambda xx: dropout_forward(xx, dropout_param)[0], x, dout)

    # "Error should be around e-10 or less."
    assert rel_error(dx, dx_num) < 1e-10
