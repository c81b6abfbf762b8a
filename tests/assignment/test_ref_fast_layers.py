"""Fast convolution and pooling (fast_layers.py, im2col.py) against the naive layers.

Every family (strides, im2col, reshape, and the *_fast entry points) must agree with
the naive layers to a relative error of 1e-9, forward and backward, with its own cache.
The seed's benchmark shapes are cut to a few samples so the naive loops stay quick.
"""

import numpy as np
import pytest
from cs231n import fast_layers
from cs231n.im2col import col2im_indices, get_im2col_indices, im2col_indices
from cs231n.layers import (
    conv_backward_naive,
    conv_forward_naive,
    max_pool_backward_naive,
    max_pool_forward_naive,
)

CONV_FAMILIES = [
    (fast_layers.conv_forward_fast, fast_layers.conv_backward_fast),
    (fast_layers.conv_forward_strides, fast_layers.conv_backward_strides),
    (fast_layers.conv_forward_im2col, fast_layers.conv_backward_im2col),
]

# (x shape, w shape, stride, pad)
CONV_CASES = {
    "seed benchmark, 4 samples": ((4, 3, 31, 31), (25, 3, 3, 3), 2, 1),
    "3x3 same": ((2, 3, 8, 8), (4, 3, 3, 3), 1, 1),
    "7x7 same (ThreeLayerConvNet)": ((2, 3, 12, 12), (5, 3, 7, 7), 1, 3),
    "rectangular, stride 3, border left over": ((2, 2, 9, 11), (3, 2, 4, 3), 3, 0),
    "stride beyond the kernel": ((2, 2, 9, 9), (2, 2, 2, 2), 4, 2),
    "1x1": ((3, 4, 5, 6), (2, 4, 1, 1), 1, 0),
    "kernel as large as the input": ((2, 1, 5, 5), (3, 1, 5, 5), 1, 0),
}


@pytest.mark.parametrize("case", CONV_CASES)
@pytest.mark.parametrize("family", CONV_FAMILIES, ids=["fast", "strides", "im2col"])
def test_conv_family_agrees_with_naive(family, case, rel_error):
    forward, backward = family
    x_shape, w_shape, stride, pad = CONV_CASES[case]
    rng = np.random.default_rng(231)
    x, w, b = rng.normal(size=x_shape), rng.normal(size=w_shape), rng.normal(size=w_shape[0])
    conv_param = {"stride": stride, "pad": pad}

    out_naive, cache_naive = conv_forward_naive(x, w, b, conv_param)
    out_fast, cache_fast = forward(x, w, b, conv_param)
    dout = rng.normal(size=out_naive.shape)
    grads_naive = conv_backward_naive(dout, cache_naive)
    grads_fast = backward(dout, cache_fast)

    assert out_fast.shape == out_naive.shape
    assert rel_error(out_naive, out_fast) <= 1e-9
    for g_naive, g_fast in zip(grads_naive, grads_fast, strict=True):
        assert g_fast.shape == g_naive.shape
        assert rel_error(g_naive, g_fast) <= 1e-9


def test_conv_fast_is_the_strides_family():
    assert fast_layers.conv_forward_fast is fast_layers.conv_forward_strides
    assert fast_layers.conv_backward_fast is fast_layers.conv_backward_strides


@pytest.mark.parametrize("family", CONV_FAMILIES[1:], ids=["strides", "im2col"])
def test_conv_fast_keeps_float32(family):
    forward, backward = family
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 7, 7)).astype(np.float32)
    w = rng.normal(size=(4, 3, 3, 3)).astype(np.float32)
    b = np.zeros(4, np.float32)
    out, cache = forward(x, w, b, {"stride": 2, "pad": 1})
    dx, dw, db = backward(np.ones_like(out), cache)
    assert out.dtype == dx.dtype == dw.dtype == db.dtype == np.float32


# (x shape, pool height, pool width, stride, path max_pool_forward_fast takes)
POOL_CASES = {
    "seed benchmark, 4 samples": ((4, 3, 32, 32), 2, 2, 2, "reshape"),
    "4x4 tiles": ((2, 2, 8, 12), 4, 4, 4, "reshape"),
    "overlapping 3x3 stride 2": ((2, 3, 9, 9), 3, 3, 2, "im2col"),
    "overlapping 2x2 stride 1": ((2, 2, 5, 6), 2, 2, 1, "im2col"),
    "3x2 windows stride 3, border left over": ((2, 2, 10, 11), 3, 2, 3, "im2col"),
    "2x2 on odd sizes": ((2, 2, 7, 9), 2, 2, 2, "im2col"),
}

POOL_FAMILIES = {
    "fast": (fast_layers.max_pool_forward_fast, fast_layers.max_pool_backward_fast),
    "im2col": (fast_layers.max_pool_forward_im2col, fast_layers.max_pool_backward_im2col),
    "reshape": (fast_layers.max_pool_forward_reshape, fast_layers.max_pool_backward_reshape),
}


# Reshape pooling only takes windows that tile the input.
POOL_RUNS = [
    (family, case)
    for family in POOL_FAMILIES
    for case, (*_, path) in POOL_CASES.items()
    if family != "reshape" or path == "reshape"
]


@pytest.mark.parametrize("ties", [False, True], ids=["random", "ties"])
@pytest.mark.parametrize(("family", "case"), POOL_RUNS)
def test_pool_family_agrees_with_naive(family, case, ties, rel_error):
    x_shape, pool_h, pool_w, stride, path = POOL_CASES[case]
    forward, backward = POOL_FAMILIES[family]
    rng = np.random.default_rng(231)
    # Small integers make most windows hold several maxima: the gradient must still go
    # to the same (first) one as in the naive layer.
    x = rng.integers(0, 3, size=x_shape).astype(float) if ties else rng.normal(size=x_shape)
    pool_param = {"pool_height": pool_h, "pool_width": pool_w, "stride": stride}

    out_naive, cache_naive = max_pool_forward_naive(x, pool_param)
    out_fast, cache_fast = forward(x, pool_param)
    dout = rng.normal(size=out_naive.shape)
    dx_naive = max_pool_backward_naive(dout, cache_naive)
    dx_fast = backward(dout, cache_fast)

    np.testing.assert_array_equal(out_fast, out_naive)
    assert rel_error(dx_naive, dx_fast) <= 1e-9
    if family == "fast":
        assert cache_fast[0] == path


def test_reshape_pool_refuses_windows_that_do_not_tile():
    with pytest.raises(fast_layers.PoolShapeError, match="max_pool_forward_im2col"):
        fast_layers.max_pool_forward_reshape(
            np.zeros((1, 1, 5, 5)), {"pool_height": 2, "pool_width": 2, "stride": 2}
        )
    assert issubclass(fast_layers.PoolShapeError, ValueError)


def test_pool_fast_keeps_float32():
    x = np.random.default_rng(0).normal(size=(2, 3, 8, 8)).astype(np.float32)
    for forward, backward in POOL_FAMILIES.values():
        out, cache = forward(x, {"pool_height": 2, "pool_width": 2, "stride": 2})
        dx = backward(np.ones_like(out), cache)
        assert out.dtype == dx.dtype == np.float32


# --- im2col.py --------------------------------------------------------------------------


def test_im2col_layout():
    x = np.arange(2 * 2 * 3 * 3, dtype=float).reshape(2, 2, 3, 3)  # N=2, C=2, 3x3
    cols = im2col_indices(x, 2, 2, padding=0, stride=1)  # H' = W' = 2

    assert cols.shape == (2 * 2 * 2, 2 * 2 * 2)
    # Rows run over (c, kernel row, kernel column); columns over (i, j, n).
    column = (1 * 2 + 0) * 2 + 1  # output position (i=1, j=0) of sample n=1
    np.testing.assert_array_equal(cols[:, column], np.concatenate([
        x[1, 0, 1:3, 0:2].ravel(), x[1, 1, 1:3, 0:2].ravel()
    ]))
    k, i, j = get_im2col_indices(x.shape, 2, 2, padding=0, stride=1)
    assert k.shape == (8, 1) and i.shape == j.shape == (8, 4)


@pytest.mark.parametrize(("padding", "stride"), [(1, 1), (0, 2), (2, 3)])
def test_col2im_is_the_adjoint_of_im2col(padding, stride):
    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 3, 7, 8))
    cols = im2col_indices(x, 3, 3, padding=padding, stride=stride)
    c = rng.normal(size=cols.shape)

    back = col2im_indices(c, x.shape, 3, 3, padding=padding, stride=stride)

    assert back.shape == x.shape
    assert np.sum(c * cols) == pytest.approx(np.sum(back * x), rel=1e-12)
