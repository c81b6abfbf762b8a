"""Batch, layer, spatial batch and group normalisation of the reference layers.py.

The seeded cells of BatchNormalization.ipynb and ConvolutionalNetworks.ipynb are
replayed and their printed numbers (8 significant digits) compared with the seed's.
"""

import numpy as np
import pytest
from cs231n.gradient_check import eval_numerical_gradient_array
from cs231n.layers import (
    batchnorm_backward,
    batchnorm_backward_alt,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
    spatial_groupnorm_backward,
    spatial_groupnorm_forward,
)

PRINTED = {"rtol": 1e-6, "atol": 1e-8}  # numbers the seed printed with 8 digits


def _two_layer_activations(num, rng_seed=231):
    """The notebooks' simulated activations a = relu(X W1) W2 (seed 231, D = 50, 60, 3)."""
    np.random.seed(rng_seed)
    X = np.random.randn(num, 50)
    W1 = np.random.randn(50, 60)
    W2 = np.random.randn(60, 3)
    return np.maximum(0, X.dot(W1)).dot(W2)


# --- batchnorm --------------------------------------------------------------------------


def test_batchnorm_train_forward_reproduces_seed_statistics():
    a = _two_layer_activations(200)
    np.testing.assert_allclose(a.mean(axis=0), [-2.3814598, -13.18038246, 1.91780462], **PRINTED)
    np.testing.assert_allclose(a.std(axis=0), [27.18502186, 34.21455511, 37.68611762], **PRINTED)

    a_norm, _ = batchnorm_forward(a, np.ones(3), np.zeros(3), {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(a_norm.std(axis=0), [0.99999999, 1.0, 1.0], **PRINTED)

    gamma, beta = np.asarray([1.0, 2.0, 3.0]), np.asarray([11.0, 12.0, 13.0])
    a_norm, _ = batchnorm_forward(a, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=0), [11.0, 12.0, 13.0], rtol=1e-12)
    np.testing.assert_allclose(a_norm.std(axis=0), [0.99999999, 1.99999999, 2.99999999], **PRINTED)


def test_batchnorm_test_forward_reproduces_seed_statistics():
    np.random.seed(231)
    W1 = np.random.randn(50, 60)
    W2 = np.random.randn(60, 3)
    bn_param = {"mode": "train"}
    gamma, beta = np.ones(3), np.zeros(3)
    for _ in range(50):
        a = np.maximum(0, np.random.randn(200, 50).dot(W1)).dot(W2)
        batchnorm_forward(a, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    a = np.maximum(0, np.random.randn(200, 50).dot(W1)).dot(W2)

    a_norm, _ = batchnorm_forward(a, gamma, beta, bn_param)

    np.testing.assert_allclose(a_norm.mean(axis=0), [-0.03927354, -0.04349152, -0.10452688], **PRINTED)
    np.testing.assert_allclose(a_norm.std(axis=0), [1.01531428, 1.01238373, 0.97819988], **PRINTED)


def test_batchnorm_running_averages_are_written_back_with_momentum():
    x = np.array([[1.0, 10.0], [3.0, 30.0]])  # means (2, 20), biased variances (1, 100)
    bn_param = {"mode": "train", "momentum": 0.5}

    batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], [1.0, 10.0])
    np.testing.assert_allclose(bn_param["running_var"], [0.5, 50.0])

    bn_param = {"mode": "train"}  # default momentum 0.9
    batchnorm_forward(x, np.ones(2), np.zeros(2), bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], [0.2, 2.0])
    np.testing.assert_allclose(bn_param["running_var"], [0.1, 10.0])


def test_batchnorm_test_mode_uses_running_averages_and_eps():
    bn_param = {"mode": "test", "running_mean": np.array([1.0]), "running_var": np.array([4.0]),
                "eps": 0.0}
    out, _ = batchnorm_forward(np.array([[3.0], [5.0]]), np.array([2.0]), np.array([1.0]), bn_param)
    np.testing.assert_allclose(out, [[3.0], [5.0]])  # 2 * (x - 1) / 2 + 1
    np.testing.assert_array_equal(bn_param["running_mean"], [1.0])


def test_batchnorm_rejects_unknown_mode():
    with pytest.raises(ValueError, match="mode"):
        batchnorm_forward(np.ones((2, 3)), np.ones(3), np.zeros(3), {"mode": "eval"})


def _bn_inputs(shape):
    np.random.seed(231)
    x = 5 * np.random.randn(*shape) + 12
    gamma = np.random.randn(shape[1])
    beta = np.random.randn(shape[1])
    dout = np.random.randn(*shape)
    return x, gamma, beta, dout


@pytest.mark.parametrize("backward", [batchnorm_backward, batchnorm_backward_alt])
def test_batchnorm_backward_matches_numerical_gradient(backward, rel_error):
    x, gamma, beta, dout = _bn_inputs((4, 5))
    bn_param = {"mode": "train"}
    dx_num = eval_numerical_gradient_array(lambda v: batchnorm_forward(v, gamma, beta, bn_param)[0], x, dout)
    dg_num = eval_numerical_gradient_array(lambda v: batchnorm_forward(x, v, beta, bn_param)[0], gamma.copy(), dout)
    db_num = eval_numerical_gradient_array(lambda v: batchnorm_forward(x, gamma, v, bn_param)[0], beta.copy(), dout)

    _, cache = batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = backward(dout, cache)

    # "You should expect to see relative errors between 1e-13 and 1e-8."
    assert rel_error(dx_num, dx) < 1e-8
    assert rel_error(dg_num, dgamma) < 1e-8
    assert rel_error(db_num, dbeta) < 1e-8


def test_batchnorm_backward_versions_agree(rel_error):
    x, gamma, beta, dout = _bn_inputs((100, 500))
    _, cache = batchnorm_forward(x, gamma, beta, {"mode": "train"})

    dx1, dgamma1, dbeta1 = batchnorm_backward(dout, cache)
    dx2, dgamma2, dbeta2 = batchnorm_backward_alt(dout, cache)

    assert rel_error(dx1, dx2) < 1e-10  # the seed prints 1.1e-12
    assert rel_error(dgamma1, dgamma2) == 0.0
    assert rel_error(dbeta1, dbeta2) == 0.0


# --- layernorm --------------------------------------------------------------------------


def test_layernorm_forward_reproduces_seed_statistics():
    a = _two_layer_activations(4)
    np.testing.assert_allclose(a.mean(axis=1), [-59.06673243, -47.60782686, -43.31137368, -26.40991744], **PRINTED)
    np.testing.assert_allclose(a.std(axis=1), [10.07429373, 28.39478981, 35.28360729, 4.01831507], **PRINTED)

    a_norm, _ = layernorm_forward(a, np.ones(3), np.zeros(3), {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(a_norm.std(axis=1), [0.99999995, 0.99999999, 1.0, 0.99999969], **PRINTED)

    a_norm, _ = layernorm_forward(a, np.full(3, 3.0), np.full(3, 5.0), {"mode": "train"})
    np.testing.assert_allclose(a_norm.mean(axis=1), 5.0, rtol=1e-12)
    np.testing.assert_allclose(a_norm.std(axis=1), [2.99999985, 2.99999998, 2.99999999, 2.99999907], **PRINTED)


def test_layernorm_backward_matches_numerical_gradient(rel_error):
    x, gamma, beta, dout = _bn_inputs((4, 5))
    ln_param = {}
    dx_num = eval_numerical_gradient_array(lambda v: layernorm_forward(v, gamma, beta, ln_param)[0], x, dout)
    dg_num = eval_numerical_gradient_array(lambda v: layernorm_forward(x, v, beta, ln_param)[0], gamma.copy(), dout)
    db_num = eval_numerical_gradient_array(lambda v: layernorm_forward(x, gamma, v, ln_param)[0], beta.copy(), dout)

    _, cache = layernorm_forward(x, gamma, beta, ln_param)
    dx, dgamma, dbeta = layernorm_backward(dout, cache)

    # "You should expect to see relative errors between 1e-12 and 1e-8."
    assert rel_error(dx_num, dx) < 1e-8
    assert rel_error(dg_num, dgamma) < 1e-8
    assert rel_error(db_num, dbeta) < 1e-8


def test_layernorm_reads_eps():
    x = np.array([[0.0, 2.0]])  # mean 1, biased variance 1
    out, _ = layernorm_forward(x, np.ones(2), np.zeros(2), {"eps": 3.0})
    np.testing.assert_allclose(out, [[-0.5, 0.5]])


# --- spatial batchnorm ------------------------------------------------------------------


def test_spatial_batchnorm_train_forward_reproduces_seed_statistics():
    np.random.seed(231)
    x = 4 * np.random.randn(2, 3, 4, 5) + 10
    np.testing.assert_allclose(x.mean(axis=(0, 2, 3)), [9.33463814, 8.90909116, 9.11056338], **PRINTED)

    out, _ = spatial_batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "train"})
    assert out.shape == x.shape
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), [0.99999962, 0.99999951, 0.9999996], **PRINTED)

    out, _ = spatial_batchnorm_forward(x, np.asarray([3, 4, 5]), np.asarray([6, 7, 8]), {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), [6.0, 7.0, 8.0], rtol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), [2.99999885, 3.99999804, 4.99999798], **PRINTED)


def test_spatial_batchnorm_test_forward_reproduces_seed_statistics():
    np.random.seed(231)
    num, channels, height, width = 10, 4, 11, 12
    bn_param = {"mode": "train"}
    gamma, beta = np.ones(channels), np.zeros(channels)
    for _ in range(50):
        x = 2.3 * np.random.randn(num, channels, height, width) + 13
        spatial_batchnorm_forward(x, gamma, beta, bn_param)
    bn_param["mode"] = "test"
    x = 2.3 * np.random.randn(num, channels, height, width) + 13

    a_norm, _ = spatial_batchnorm_forward(x, gamma, beta, bn_param)

    assert bn_param["running_mean"].shape == (channels,)
    np.testing.assert_allclose(
        a_norm.mean(axis=(0, 2, 3)), [-0.08034406, 0.07562881, 0.05716371, 0.04378383], **PRINTED
    )
    np.testing.assert_allclose(
        a_norm.std(axis=(0, 2, 3)), [0.96718744, 1.0299714, 1.02887624, 1.00585577], **PRINTED
    )


def test_spatial_batchnorm_backward_matches_numerical_gradient(rel_error):
    np.random.seed(231)
    x = 5 * np.random.randn(2, 3, 4, 5) + 12
    gamma, beta = np.random.randn(3), np.random.randn(3)
    dout = np.random.randn(2, 3, 4, 5)
    bn_param = {"mode": "train"}
    dx_num = eval_numerical_gradient_array(lambda v: spatial_batchnorm_forward(v, gamma, beta, bn_param)[0], x, dout)
    dg_num = eval_numerical_gradient_array(lambda v: spatial_batchnorm_forward(x, v, beta, bn_param)[0], gamma.copy(), dout)
    db_num = eval_numerical_gradient_array(lambda v: spatial_batchnorm_forward(x, gamma, v, bn_param)[0], beta.copy(), dout)

    _, cache = spatial_batchnorm_forward(x, gamma, beta, bn_param)
    dx, dgamma, dbeta = spatial_batchnorm_backward(dout, cache)

    # "You should expect errors of magnitudes between 1e-12~1e-06."
    assert dgamma.shape == dbeta.shape == (3,)
    assert rel_error(dx_num, dx) < 1e-6
    assert rel_error(dg_num, dgamma) < 1e-6
    assert rel_error(db_num, dbeta) < 1e-6


# --- group norm -------------------------------------------------------------------------


def test_spatial_groupnorm_forward_reproduces_seed_statistics():
    np.random.seed(231)
    num, channels, groups = 2, 6, 2
    x = 4 * np.random.randn(num, channels, 4, 5) + 10
    x_g = x.reshape(num * groups, -1)
    np.testing.assert_allclose(x_g.mean(axis=1), [9.72505327, 8.51114185, 8.9147544, 9.43448077], **PRINTED)

    gamma, beta = np.ones((1, channels, 1, 1)), np.zeros((1, channels, 1, 1))
    out, _ = spatial_groupnorm_forward(x, gamma, beta, groups, {"mode": "train"})

    out_g = out.reshape(num * groups, -1)
    np.testing.assert_allclose(out_g.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out_g.std(axis=1), [0.99999963, 0.99999948, 0.99999973, 0.99999968], **PRINTED)


def test_spatial_groupnorm_groups_are_contiguous_channels():
    x = np.zeros((1, 4, 1, 2))
    x[0, :2] = [[[0.0, 2.0]], [[4.0, 6.0]]]  # group 0: mean 3, variance 5
    x[0, 2:] = 7.0  # group 1: constant
    gamma = np.array([1.0, 1.0, 2.0, 2.0]).reshape(1, 4, 1, 1)
    beta = np.array([0.0, 0.0, 1.0, 1.0]).reshape(1, 4, 1, 1)

    out, _ = spatial_groupnorm_forward(x, gamma, beta, 2, {"eps": 1e-3})

    np.testing.assert_allclose(out[0, :2].ravel(), (np.array([0, 2, 4, 6]) - 3) / np.sqrt(5.001))
    np.testing.assert_allclose(out[0, 2:].ravel(), 1.0)  # 2 * 0 + 1


def test_spatial_groupnorm_backward_matches_numerical_gradient(rel_error):
    np.random.seed(231)
    num, channels, groups = 2, 6, 2
    x = 5 * np.random.randn(num, channels, 4, 5) + 12
    gamma = np.random.randn(1, channels, 1, 1)
    beta = np.random.randn(1, channels, 1, 1)
    dout = np.random.randn(num, channels, 4, 5)
    gn_param = {}
    dx_num = eval_numerical_gradient_array(lambda v: spatial_groupnorm_forward(v, gamma, beta, groups, gn_param)[0], x, dout)
    dg_num = eval_numerical_gradient_array(lambda v: spatial_groupnorm_forward(x, v, beta, groups, gn_param)[0], gamma.copy(), dout)
    db_num = eval_numerical_gradient_array(lambda v: spatial_groupnorm_forward(x, gamma, v, groups, gn_param)[0], beta.copy(), dout)

    _, cache = spatial_groupnorm_forward(x, gamma, beta, groups, gn_param)
    dx, dgamma, dbeta = spatial_groupnorm_backward(dout, cache)

    # "You should expect errors of magnitudes between 1e-12 and 1e-07."
    assert dgamma.shape == dbeta.shape == (1, channels, 1, 1)
    assert rel_error(dx_num, dx) < 1e-7
    assert rel_error(dg_num, dgamma) < 1e-7
    assert rel_error(db_num, dbeta) < 1e-7
