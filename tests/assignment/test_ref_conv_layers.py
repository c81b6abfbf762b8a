"""Naive convolution and max pooling, and the sandwich layers (ConvolutionalNetworks.ipynb)."""

import numpy as np
import pytest
from cs231n.gradient_check import eval_numerical_gradient_array
from cs231n.layer_utils import (
    conv_bn_relu_backward,
    conv_bn_relu_forward,
    conv_relu_backward,
    conv_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)
from cs231n.layers import (
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
)

SEED_CONV_OUT = np.array(
    [[[[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]],
      [[0.21027089, 0.21661097], [0.22847626, 0.23004637]],
      [[0.50813986, 0.54309974], [0.64082444, 0.67101435]]],
     [[[-0.98053589, -1.03143541], [-1.19128892, -1.24695841]],
      [[0.69108355, 0.66880383], [0.59480972, 0.56776003]],
      [[2.36270298, 2.36904306], [2.38090835, 2.38247847]]]]
)

SEED_POOL_OUT = np.array(
    [[[[-0.26315789, -0.24842105], [-0.20421053, -0.18947368]],
      [[-0.14526316, -0.13052632], [-0.08631579, -0.07157895]],
      [[-0.02736842, -0.01263158], [0.03157895, 0.04631579]]],
     [[[0.09052632, 0.10526316], [0.14947368, 0.16421053]],
      [[0.20842105, 0.22315789], [0.26736842, 0.28210526]],
      [[0.32631579, 0.34105263], [0.38526316, 0.4]]]]
)


def test_conv_forward_naive_reproduces_seed_output(rel_error):
    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)

    out, _ = conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})

    # The seed prints "difference: 2.2121476417505994e-08" (8-digit rounding of correct_out).
    assert out.shape == (2, 3, 2, 2)
    assert rel_error(out, SEED_CONV_OUT) < 1e-7


def test_conv_forward_naive_is_cross_correlation():
    x = np.arange(9.0).reshape(1, 1, 3, 3)
    w = np.zeros((1, 1, 2, 2))
    w[0, 0, 0, 1] = 1.0  # picks the top-right pixel of each window
    out, _ = conv_forward_naive(x, w, np.array([0.5]), {"stride": 1, "pad": 0})
    np.testing.assert_array_equal(out[0, 0], [[1.5, 2.5], [4.5, 5.5]])


def test_conv_forward_naive_sizes_with_uneven_stride():
    out, _ = conv_forward_naive(np.ones((1, 2, 6, 7)), np.ones((3, 2, 3, 3)), np.zeros(3),
                                {"stride": 2, "pad": 0})
    # 1 + (6 - 3) // 2 = 2 rows, 1 + (7 - 3) // 2 = 3 columns
    assert out.shape == (1, 3, 2, 3)
    np.testing.assert_array_equal(out, 18.0)


def test_conv_backward_naive_matches_numerical_gradient(rel_error):
    np.random.seed(231)
    x = np.random.randn(4, 3, 5, 5)
    w = np.random.randn(2, 3, 3, 3)
    b = np.random.randn(2)
    dout = np.random.randn(4, 2, 5, 5)
    conv_param = {"stride": 1, "pad": 1}

    dx_num = eval_numerical_gradient_array(lambda v: conv_forward_naive(v, w, b, conv_param)[0], x, dout)
    dw_num = eval_numerical_gradient_array(lambda v: conv_forward_naive(x, v, b, conv_param)[0], w, dout)
    db_num = eval_numerical_gradient_array(lambda v: conv_forward_naive(x, w, v, conv_param)[0], b, dout)

    _, cache = conv_forward_naive(x, w, b, conv_param)
    dx, dw, db = conv_backward_naive(dout, cache)

    # "Your errors should be around e-8 or less." (seed: dx 1.16e-08)
    assert rel_error(dx, dx_num) < 5e-8
    assert rel_error(dw, dw_num) < 1e-8
    assert rel_error(db, db_num) < 1e-8


def test_max_pool_forward_naive_reproduces_seed_output(rel_error):
    x = np.linspace(-0.3, 0.4, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    out, _ = max_pool_forward_naive(x, {"pool_width": 2, "pool_height": 2, "stride": 2})
    # The seed prints "difference: 4.1666665157267834e-08".
    assert rel_error(out, SEED_POOL_OUT) < 1e-7


def test_max_pool_backward_naive_matches_numerical_gradient(rel_error):
    np.random.seed(231)
    x = np.random.randn(3, 2, 8, 8)
    dout = np.random.randn(3, 2, 4, 4)
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

    dx_num = eval_numerical_gradient_array(lambda v: max_pool_forward_naive(v, pool_param)[0], x, dout)
    _, cache = max_pool_forward_naive(x, pool_param)
    dx = max_pool_backward_naive(dout, cache)

    # "Your error should be on the order of e-12." (seed: 3.28e-12)
    assert rel_error(dx, dx_num) < 1e-11


def test_max_pool_backward_naive_adds_up_over_overlapping_windows():
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 5.0  # the maximum of all four 2x2 windows (stride 1)
    _, cache = max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 1})
    dx = max_pool_backward_naive(np.ones((1, 1, 2, 2)), cache)
    assert dx[0, 0, 1, 1] == 4.0 and dx.sum() == 4.0


def _numerical_grads(forward, args, index_of_inputs, dout):
    grads = []
    for i in index_of_inputs:
        def f(value, i=i):
            call = list(args)
            call[i] = value
            return forward(*call)[0]
        grads.append(eval_numerical_gradient_array(f, args[i], dout))
    return grads


def test_conv_relu_pool_matches_numerical_gradient(rel_error):
    np.random.seed(231)
    x = np.random.randn(2, 3, 16, 16)
    w = np.random.randn(3, 3, 3, 3)
    b = np.random.randn(3)
    dout = np.random.randn(2, 3, 8, 8)
    conv_param = {"stride": 1, "pad": 1}
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

    _, cache = conv_relu_pool_forward(x, w, b, conv_param, pool_param)
    grads = conv_relu_pool_backward(dout, cache)
    nums = _numerical_grads(conv_relu_pool_forward, (x, w, b, conv_param, pool_param), [0, 1, 2], dout)

    # "Relative errors should be around e-8 or less." (seed: dx 9.59e-09)
    for grad, num in zip(grads, nums, strict=True):
        assert rel_error(num, grad) < 5e-8


def test_conv_relu_matches_numerical_gradient(rel_error):
    np.random.seed(231)
    x = np.random.randn(2, 3, 8, 8)
    w = np.random.randn(3, 3, 3, 3)
    b = np.random.randn(3)
    dout = np.random.randn(2, 3, 8, 8)
    conv_param = {"stride": 1, "pad": 1}

    _, cache = conv_relu_forward(x, w, b, conv_param)
    grads = conv_relu_backward(dout, cache)
    nums = _numerical_grads(conv_relu_forward, (x, w, b, conv_param), [0, 1, 2], dout)

    for grad, num in zip(grads, nums, strict=True):
        assert rel_error(num, grad) < 5e-8


def test_conv_bn_relu_matches_numerical_gradient(rel_error):
    np.random.seed(231)
    x = np.random.randn(2, 3, 6, 6)
    w = np.random.randn(4, 3, 3, 3)
    b = np.random.randn(4)
    gamma, beta = np.random.randn(4), np.random.randn(4)
    dout = np.random.randn(2, 4, 6, 6)
    conv_param = {"stride": 1, "pad": 1}
    bn_param = {"mode": "train"}
    args = (x, w, b, gamma, beta, conv_param, bn_param)

    _, cache = conv_bn_relu_forward(*args)
    grads = conv_bn_relu_backward(dout, cache)
    nums = _numerical_grads(conv_bn_relu_forward, args, [0, 1, 2, 3, 4], dout)

    dx, dw, db, dgamma, dbeta = grads
    # Batchnorm removes any per-channel constant, so the conv bias has no effect at all.
    np.testing.assert_allclose(db, 0, atol=1e-12)
    np.testing.assert_allclose(nums[2], 0, atol=1e-9)
    for grad, num in zip([dx, dw, dgamma, dbeta], [nums[0], nums[1], nums[3], nums[4]], strict=True):
        assert rel_error(num, grad) < 1e-6


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_naive_layers_keep_dtype(dtype):
    x = np.random.randn(1, 2, 4, 4).astype(dtype)
    w = np.random.randn(2, 2, 3, 3).astype(dtype)
    out, _ = conv_forward_naive(x, w, np.zeros(2, dtype), {"stride": 1, "pad": 1})
    pooled, _ = max_pool_forward_naive(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert out.dtype == dtype and pooled.dtype == dtype
