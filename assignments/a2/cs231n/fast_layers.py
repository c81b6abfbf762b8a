"""Fast convolution and max-pooling layers (numpy only; no compile step).

Same interface as the naive layers in layers.py: ``*_forward(x, ..., param) ->
(out, cache)`` and ``*_backward(dout, cache)`` with the gradients in input order. A
cache works only with the backward of the same family (strides, im2col, reshape).

Convolution (x: (N, C, H, W), w: (F, C, HH, WW), b: (F,), conv_param with 'stride'
and 'pad'; out: (N, F, H', W'), H' = 1 + (H + 2 pad - HH) // stride):

- ``conv_forward_strides`` reads every window through a strided view of the padded
  input (no index arrays), copies the windows once into a (N, C*HH*WW + 1, H'*W')
  matrix whose last row is ones (the bias rides along in the product) and runs one
  batched matrix product. Its backward gets dw and db from the cached windows and dx
  by adding the window gradients back with HH*WW strided slice additions.
  ``conv_forward_fast`` / ``conv_backward_fast`` are these two.
- ``conv_forward_im2col`` does the same through the index arrays of im2col.py.

Max pooling (x: (N, C, H, W), pool_param with 'pool_height', 'pool_width' and
'stride'; out: (N, C, H', W'), H' = 1 + (H - HH) // stride):

- ``max_pool_forward_reshape`` needs square windows that tile the input
  (HH == WW == stride, H and W divisible by it) and takes the max over the blocks of
  a reshaped input.
- ``max_pool_forward_im2col`` accepts any window and stride: the max over the HH*WW
  strided views that hold one window position each.
- Both forward passes also record, per output, the flat input index of its window's
  first maximum in row-major order (the one max_pool_backward_naive picks, ties
  included). The backward passes put dout at those positions in one scatter: a plain
  assignment for tiling windows, np.bincount (which sums) where windows may overlap.
- ``max_pool_forward_fast`` picks reshape when it applies, im2col otherwise.
"""

import numpy as np
from numpy.lib.stride_tricks import as_strided

from .im2col import col2im_indices, im2col_indices


class PoolShapeError(ValueError):
    """The reshape pooling path was asked for windows that do not tile the input."""


def _pad_spatial(x, pad):
    if pad == 0:
        return x
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def _output_size(size, window, stride):
    return 1 + (size - window) // stride


# --- convolution: strided views ---------------------------------------------------------


def conv_forward_strides(x, w, b, conv_param):
    """Convolution by strided windows and one batched matrix product.

    Inputs: x (N, C, H, W), w (F, C, HH, WW), b (F,), conv_param {'stride', 'pad'}.
    Returns (out, cache): out (N, F, H', W'); cache for conv_backward_strides.
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    num, channels, _, _ = x.shape
    num_filters, _, filter_h, filter_w = w.shape
    x_pad = _pad_spatial(x, pad)
    out_h = _output_size(x_pad.shape[2], filter_h, stride)
    out_w = _output_size(x_pad.shape[3], filter_w, stride)
    window_size = channels * filter_h * filter_w
    positions = out_h * out_w
    dtype = np.result_type(x, w, b)

    # cols[n, k, p] holds entry k of window p of sample n, plus a last row of ones that
    # carries the bias through the product (so dw's last column is db in the backward).
    cols = np.empty((num, window_size + 1, positions), dtype=dtype)
    item = cols.itemsize
    cols_windows = as_strided(
        cols,
        shape=(num, channels, filter_h, filter_w, out_h, out_w),
        strides=(cols.strides[0], filter_h * filter_w * positions * item,
                 filter_w * positions * item, positions * item, out_w * item, item),
    )
    s_n, s_c, s_h, s_w = x_pad.strides
    windows = as_strided(
        x_pad,
        shape=(num, channels, filter_h, filter_w, out_h, out_w),
        strides=(s_n, s_c, s_h, s_w, stride * s_h, stride * s_w),
        writeable=False,
    )
    np.copyto(cols_windows, windows)  # the one copy of the forward pass
    cols[:, window_size] = 1

    w_aug = np.concatenate([w.reshape(num_filters, -1), b.reshape(num_filters, 1)], axis=1)
    out = np.matmul(w_aug.astype(dtype, copy=False), cols)
    out = out.reshape(num, num_filters, out_h, out_w)
    cache = (x.shape, x_pad.shape, w, conv_param, cols)
    return out, cache


def conv_backward_strides(dout, cache):
    """Backward pass of conv_forward_strides.

    Inputs: dout (N, F, H', W'), cache from conv_forward_strides.
    Returns (dx, dw, db): (N, C, H, W), (F, C, HH, WW), (F,).
    """
    x_shape, padded_shape, w, conv_param, cols = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    num, num_filters, out_h, out_w = dout.shape
    _, channels, filter_h, filter_w = w.shape
    _, _, height, width = x_shape

    dout_rows = dout.reshape(num, num_filters, out_h * out_w)
    # d[f, k] = sum_n sum_p dout[n, f, p] * cols[n, k, p]: dw, and db from the row of
    # ones. One small product per sample beats np.tensordot, which first copies both
    # operands into 2-D layouts.
    dw_aug = np.matmul(dout_rows, cols.transpose(0, 2, 1)).sum(axis=0)
    dw = dw_aug[:, :-1].reshape(w.shape)
    db = dw_aug[:, -1].copy()

    # Window gradients, added back onto the padded input one kernel offset at a time.
    dcols = np.matmul(w.reshape(num_filters, -1).T, dout_rows)
    dcols = dcols.reshape(num, channels, filter_h, filter_w, out_h, out_w)
    dx_pad = np.zeros(padded_shape, dtype=dcols.dtype)
    row_span, col_span = stride * out_h, stride * out_w
    for ky in range(filter_h):
        for kx in range(filter_w):
            dx_pad[:, :, ky:ky + row_span:stride, kx:kx + col_span:stride] += dcols[:, :, ky, kx]
    dx = dx_pad[:, :, pad:pad + height, pad:pad + width]
    return dx, dw, db


# --- convolution: im2col index arrays ---------------------------------------------------


def conv_forward_im2col(x, w, b, conv_param):
    """Convolution through im2col_indices and one matrix product.

    Inputs: x (N, C, H, W), w (F, C, HH, WW), b (F,), conv_param {'stride', 'pad'}.
    Returns (out, cache): out (N, F, H', W'); cache for conv_backward_im2col.
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    num, _, height, width = x.shape
    num_filters, _, filter_h, filter_w = w.shape
    out_h = _output_size(height + 2 * pad, filter_h, stride)
    out_w = _output_size(width + 2 * pad, filter_w, stride)

    x_cols = im2col_indices(x, filter_h, filter_w, padding=pad, stride=stride)
    res = w.reshape(num_filters, -1) @ x_cols + b.reshape(-1, 1)
    # Columns run over (H', W', N): see im2col.py.
    out = res.reshape(num_filters, out_h, out_w, num).transpose(3, 0, 1, 2)
    out = np.ascontiguousarray(out)
    cache = (x, w, b, conv_param, x_cols)
    return out, cache


def conv_backward_im2col(dout, cache):
    """Backward pass of conv_forward_im2col.

    Inputs: dout (N, F, H', W'), cache from conv_forward_im2col.
    Returns (dx, dw, db): (N, C, H, W), (F, C, HH, WW), (F,).
    """
    x, w, b, conv_param, x_cols = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    num_filters, _, filter_h, filter_w = w.shape

    db = dout.sum(axis=(0, 2, 3))
    dout_rows = dout.transpose(1, 2, 3, 0).reshape(num_filters, -1)
    dw = (dout_rows @ x_cols.T).reshape(w.shape)
    dx_cols = w.reshape(num_filters, -1).T @ dout_rows
    dx = col2im_indices(dx_cols, x.shape, filter_h, filter_w, padding=pad, stride=stride)
    return dx, dw, db


conv_forward_fast = conv_forward_strides
conv_backward_fast = conv_backward_strides


# --- max pooling ------------------------------------------------------------------------


def _pool_geometry(x_shape, pool_param):
    pool_h, pool_w = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    _, _, height, width = x_shape
    out_h = _output_size(height, pool_h, stride)
    out_w = _output_size(width, pool_w, stride)
    return pool_h, pool_w, stride, out_h, out_w


def _windows_tile(x_shape, pool_param):
    """Whether the windows are squares as wide as the stride that tile the input exactly:
    the case max_pool_forward_reshape handles."""
    pool_h, pool_w, stride, _, _ = _pool_geometry(x_shape, pool_param)
    _, _, height, width = x_shape
    return pool_h == pool_w == stride and height % pool_h == 0 and width % pool_w == 0


def _window_views(x, pool_h, pool_w, stride, out_h, out_w):
    """[(offset, view)] for every window position (ky, kx) in row-major order, where
    view[n, c, i, j] = x[n, c, i*stride + ky, j*stride + kx] and offset = ky*W + kx is
    that position's distance from the window's corner in a flattened image."""
    width = x.shape[3]
    return [
        (ky * width + kx,
         x[:, :, ky:ky + stride * out_h:stride, kx:kx + stride * out_w:stride])
        for ky in range(pool_h)
        for kx in range(pool_w)
    ]


def _max_and_argmax(x, views, stride):
    """Max over the window views, and for every output the flat index into x of its
    window's first maximum (row-major in the window, as max_pool_backward_naive picks).

    Returns (out, index): both (N, C, H', W'); index is an intp array into x.ravel().
    """
    out = views[0][1].copy()
    for _, view in views[1:]:
        np.maximum(out, view, out=out)

    # The first maximum's position = how many positions come before it; counting the
    # positions passed while no hit was found uses only whole-array boolean arithmetic.
    found = views[0][1] == out
    first = (~found).astype(np.intp)
    for _, view in views[1:-1]:
        found |= view == out
        first += ~found
    offsets = np.array([offset for offset, _ in views], dtype=np.intp)

    num, channels, height, width = x.shape
    _, _, out_h, out_w = out.shape
    corner = (np.arange(out_h)[:, None] * (stride * width) + np.arange(out_w) * stride).ravel()
    plane = np.arange(num * channels) * (height * width)
    index = np.add.outer(plane, corner).reshape(out.shape)
    index += offsets[first]
    return out, index


def _scatter_to_argmax(dout, x_shape, x_dtype, index):
    """dx: every dout entry added onto the input position its window took its max from
    (several entries add up where windows overlap)."""
    dx = np.bincount(index.ravel(), weights=dout.ravel(), minlength=int(np.prod(x_shape)))
    return dx.reshape(x_shape).astype(x_dtype, copy=False)


def max_pool_forward_reshape(x, pool_param):
    """Max pooling for square windows that tile the input, by reshaping.

    Needs pool_height == pool_width == stride and H, W divisible by it.
    Inputs: x (N, C, H, W), pool_param. Returns (out, cache): out (N, C, H', W').
    Raises PoolShapeError (a ValueError) when the windows do not tile the input.
    """
    pool_h, pool_w, stride, out_h, out_w = _pool_geometry(x.shape, pool_param)
    num, channels, height, width = x.shape
    if not _windows_tile(x.shape, pool_param):
        raise PoolShapeError(
            f"reshape pooling needs square windows equal to the stride that tile the input; "
            f"got {pool_h}x{pool_w} stride {stride} on {height}x{width}: "
            f"use max_pool_forward_im2col (or max_pool_forward_fast, which chooses)"
        )
    blocks = x.reshape(num, channels, out_h, pool_h, out_w, pool_w)
    # Block (ky, kx) of every window; numpy reduces a short middle axis
    # (blocks.max(axis=(3, 5))) several times slower than elementwise maxima of these.
    views = [
        (ky * width + kx, blocks[:, :, :, ky, :, kx])
        for ky in range(pool_h)
        for kx in range(pool_w)
    ]
    out, index = _max_and_argmax(x, views, stride)
    cache = (x.shape, x.dtype, index)
    return out, cache


def max_pool_backward_reshape(dout, cache):
    """Backward pass of max_pool_forward_reshape. Returns dx (N, C, H, W)."""
    x_shape, x_dtype, index = cache
    # Tiling windows never share an input, so a plain assignment does (no summing).
    dx = np.zeros(int(np.prod(x_shape)), dtype=x_dtype)
    dx[index.ravel()] = dout.ravel()
    return dx.reshape(x_shape)


def max_pool_forward_im2col(x, pool_param):
    """Max pooling for any window and stride (windows may overlap or leave a border).

    Inputs: x (N, C, H, W), pool_param. Returns (out, cache): out (N, C, H', W').
    """
    pool_h, pool_w, stride, out_h, out_w = _pool_geometry(x.shape, pool_param)
    views = _window_views(x, pool_h, pool_w, stride, out_h, out_w)
    out, index = _max_and_argmax(x, views, stride)
    cache = (x.shape, x.dtype, index)
    return out, cache


def max_pool_backward_im2col(dout, cache):
    """Backward pass of max_pool_forward_im2col. Returns dx (N, C, H, W)."""
    x_shape, x_dtype, index = cache
    return _scatter_to_argmax(dout, x_shape, x_dtype, index)


def max_pool_forward_fast(x, pool_param):
    """Max pooling: the reshape path when the windows tile the input, im2col otherwise.

    Inputs: x (N, C, H, W), pool_param. Returns (out, cache): out (N, C, H', W');
    cache is (method, inner cache) for max_pool_backward_fast.
    """
    if _windows_tile(x.shape, pool_param):
        out, inner = max_pool_forward_reshape(x, pool_param)
        return out, ("reshape", inner)
    out, inner = max_pool_forward_im2col(x, pool_param)
    return out, ("im2col", inner)


def max_pool_backward_fast(dout, cache):
    """Backward pass of max_pool_forward_fast. Returns dx (N, C, H, W)."""
    method, inner = cache
    if method == "reshape":
        return max_pool_backward_reshape(dout, inner)
    if method == "im2col":
        return max_pool_backward_im2col(dout, inner)
    raise ValueError(f"Unrecognized pooling cache method {method!r}: pass the cache that "
                     f"max_pool_forward_fast returned")
