"""im2col / col2im by index arrays (pure numpy), for code that builds its own fast layers.

Layout, fixed because callers reshape the result themselves:

- rows of ``cols`` run over (channel, kernel row, kernel column), i.e.
  row = c * field_height * field_width + k * field_width + l;
- columns run over (output row, output column, sample), i.e.
  column = (i * W' + j) * N + n.

Shapes: x is (N, C, H, W); H' = (H + 2 * padding - field_height) // stride + 1 and the
same for W'; cols is (C * field_height * field_width, H' * W' * N).
"""

import numpy as np


def get_im2col_indices(x_shape, field_height, field_width, padding=1, stride=1):
    """Index arrays (k, i, j) such that x_padded[:, k, i, j] gathers every window.

    Inputs:
    - x_shape: (N, C, H, W)
    - field_height, field_width: window size
    - padding: zeros added on each side of H and W
    - stride: step between windows

    Returns (k, i, j): k is (C * fh * fw, 1) channel indices; i and j are
    (C * fh * fw, H' * W') row and column indices into the padded input.
    """
    _, channels, height, width = x_shape
    out_h = (height + 2 * padding - field_height) // stride + 1
    out_w = (width + 2 * padding - field_width) // stride + 1

    # Offsets inside one window, repeated for every channel: (C * fh * fw,)
    kernel_rows = np.tile(np.repeat(np.arange(field_height), field_width), channels)
    kernel_cols = np.tile(np.arange(field_width), field_height * channels)
    # Top-left corner of every window: (H' * W',)
    corner_rows = stride * np.repeat(np.arange(out_h), out_w)
    corner_cols = stride * np.tile(np.arange(out_w), out_h)

    i = kernel_rows[:, None] + corner_rows[None, :]
    j = kernel_cols[:, None] + corner_cols[None, :]
    k = np.repeat(np.arange(channels), field_height * field_width)[:, None]
    return k, i, j


def im2col_indices(x, field_height, field_width, padding=1, stride=1):
    """Every window of x as one column.

    Inputs:
    - x: (N, C, H, W)

    Returns cols: (C * field_height * field_width, H' * W' * N), laid out as in the
    module docstring.
    """
    x_padded = np.pad(x, ((0, 0), (0, 0), (padding, padding), (padding, padding)))
    k, i, j = get_im2col_indices(x.shape, field_height, field_width, padding, stride)
    windows = x_padded[:, k, i, j]  # (N, C * fh * fw, H' * W')
    rows = field_height * field_width * x.shape[1]
    return windows.transpose(1, 2, 0).reshape(rows, -1)


def col2im_indices(cols, x_shape, field_height=3, field_width=3, padding=1, stride=1):
    """Adjoint of im2col_indices: add every column back onto the window it came from.

    Entries that several windows share receive the sum of their columns' values, which
    is exactly the gradient of im2col.

    Inputs:
    - cols: (C * field_height * field_width, H' * W' * N)
    - x_shape: (N, C, H, W) of the original input

    Returns x: (N, C, H, W)
    """
    num, channels, height, width = x_shape
    padded_h, padded_w = height + 2 * padding, width + 2 * padding
    x_padded = np.zeros((num, channels, padded_h, padded_w), dtype=cols.dtype)
    k, i, j = get_im2col_indices(x_shape, field_height, field_width, padding, stride)
    windows = cols.reshape(channels * field_height * field_width, -1, num).transpose(2, 0, 1)
    np.add.at(x_padded, (slice(None), k, i, j), windows)
    return x_padded[:, :, padding:padding + height, padding:padding + width]
