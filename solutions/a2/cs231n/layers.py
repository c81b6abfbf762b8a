"""Forward and backward passes of the layers used in this assignment (numpy).

Every ``*_forward`` returns ``(out, cache)``; the matching ``*_backward`` takes the
upstream gradient and that cache and returns one gradient per input, in the order of
the forward's inputs.

Shape legend (used in every docstring below):

    N   minibatch size
    D   input features of a fully connected layer (product of x's trailing dimensions)
    M   output features of a fully connected layer
    C   classes (losses) or input channels (convolutions, normalisation)
    F   convolution filters (output channels)
    H, W     input height and width
    HH, WW   filter or pooling window height and width
    H', W'   output height and width
    G   groups in group normalisation (G divides C)
"""

import numpy as np


def affine_forward(x, w, b):
    """Fully connected layer: out = x.reshape(N, D) @ w + b.

    Inputs:
    - x: (N, d_1, ..., d_k), each row flattened to D = d_1 * ... * d_k features
    - w: (D, M) weights
    - b: (M,) biases

    Returns (out, cache):
    - out: (N, M)
    - cache: (x, w, b)
    """
    ### BEGIN SOLUTION
    rows = x.reshape(x.shape[0], -1)
    out = rows @ w + b
    cache = (x, w, b)
    return out, cache
    ### END SOLUTION


def affine_backward(dout, cache):
    """Backward pass of affine_forward.

    dx = dout @ w.T (in x's shape), dw = x_rows.T @ dout, db = sum_n dout.

    Inputs:
    - dout: (N, M) upstream gradient
    - cache: (x, w, b) from affine_forward

    Returns (dx, dw, db): (N, d_1, ..., d_k), (D, M), (M,)
    """
    ### BEGIN SOLUTION
    x, w, b = cache
    rows = x.reshape(x.shape[0], -1)
    dx = (dout @ w.T).reshape(x.shape)
    dw = rows.T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db
    ### END SOLUTION


def relu_forward(x):
    """Rectified linear unit: out = max(0, x), elementwise.

    Inputs:
    - x: any shape

    Returns (out, cache): out has x's shape; cache is x.
    """
    ### BEGIN SOLUTION
    out = np.maximum(x, 0)
    cache = x
    return out, cache
    ### END SOLUTION


def relu_backward(dout, cache):
    """Backward pass of relu_forward: dx = dout where x > 0, else 0.

    Inputs:
    - dout: upstream gradient, x's shape
    - cache: x

    Returns dx, x's shape.
    """
    ### BEGIN SOLUTION
    x = cache
    dx = dout * (x > 0)
    return dx
    ### END SOLUTION


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss averaged over the minibatch.

    loss = -(1/N) sum_i log( exp(x[i, y_i]) / sum_j exp(x[i, j]) )

    Inputs:
    - x: (N, C) class scores
    - y: (N,) integer labels, 0 <= y[i] < C

    Returns (loss, dx): a float and the gradient dloss/dx of shape (N, C).
    """
    ### BEGIN SOLUTION
    num = x.shape[0]
    # Shifting each row by its maximum leaves the softmax unchanged and keeps exp finite.
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[np.arange(num), y].sum() / num
    dx = np.exp(log_probs)
    dx[np.arange(num), y] -= 1
    dx /= num
    return loss, dx
    ### END SOLUTION


def svm_loss(x, y):
    """Multiclass hinge (SVM) loss with margin 1, averaged over the minibatch.

    loss = (1/N) sum_i sum_{j != y_i} max(0, x[i, j] - x[i, y_i] + 1)

    Inputs:
    - x: (N, C) class scores
    - y: (N,) integer labels, 0 <= y[i] < C

    Returns (loss, dx): a float and the gradient dloss/dx of shape (N, C).
    """
    ### BEGIN SOLUTION
    num = x.shape[0]
    rows = np.arange(num)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1.0)
    margins[rows, y] = 0
    loss = margins.sum() / num
    active = (margins > 0).astype(x.dtype)
    dx = active
    dx[rows, y] -= active.sum(axis=1)
    dx /= num
    return loss, dx
    ### END SOLUTION


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalisation over the minibatch, one mean and variance per feature.

    Train mode, with batch statistics (variance biased, i.e. divided by N):
        mu = mean_n x,  var = mean_n (x - mu)^2
        out = gamma * (x - mu) / sqrt(var + eps) + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu   (same for var)
    Test mode: the same normalisation with running_mean / running_var in place of
    the batch statistics; the running averages are left alone.

    Inputs:
    - x: (N, D)
    - gamma, beta: (D,) scale and shift
    - bn_param: dict with
      - mode: 'train' or 'test' (required)
      - eps: added to the variance (default 1e-5)
      - momentum: of the running averages (default 0.9)
      - running_mean, running_var: (D,) (default zeros); written back every call

    Returns (out, cache): out is (N, D); cache feeds both batchnorm backward passes
    (None in test mode).

    Raises ValueError when mode is neither 'train' nor 'test'.
    """
    ### BEGIN SOLUTION
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    num_features = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(num_features, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(num_features, dtype=x.dtype))

    if mode == "train":
        mu = x.mean(axis=0)
        centred = x - mu
        var = (centred**2).mean(axis=0)
        std = np.sqrt(var + eps)
        inv_std = 1.0 / std
        x_hat = centred * inv_std
        out = gamma * x_hat + beta
        running_mean = momentum * running_mean + (1 - momentum) * mu
        running_var = momentum * running_var + (1 - momentum) * var
        cache = {"x_hat": x_hat, "centred": centred, "std": std, "inv_std": inv_std,
                 "gamma": gamma}
    elif mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        out = gamma * x_hat + beta
        cache = None
    else:
        raise ValueError(f"Invalid batchnorm mode {mode!r}: use 'train' or 'test'")

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache
    ### END SOLUTION


def batchnorm_backward(dout, cache):
    """Backward pass of batchnorm_forward (train mode), node by node through the graph.

    The forward graph is: mu = mean(x); c = x - mu; v = mean(c^2); s = sqrt(v + eps);
    q = 1 / s; x_hat = c * q; out = gamma * x_hat + beta. Each step below undoes one
    node, summing the gradients where a value feeds two nodes (c, mu).

    Inputs:
    - dout: (N, D)
    - cache: from batchnorm_forward

    Returns (dx, dgamma, dbeta): (N, D), (D,), (D,)
    """
    ### BEGIN SOLUTION
    x_hat, centred, std = cache["x_hat"], cache["centred"], cache["std"]
    inv_std, gamma = cache["inv_std"], cache["gamma"]
    num = dout.shape[0]

    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx_hat = dout * gamma
    # x_hat = centred * inv_std: both factors get a gradient.
    dinv_std = (dx_hat * centred).sum(axis=0)
    dcentred = dx_hat * inv_std
    # inv_std = 1 / std
    dstd = -dinv_std / std**2
    # std = sqrt(var + eps)
    dvar = dstd * 0.5 / std
    # var = mean(centred^2): the second path into centred.
    dcentred += 2.0 * centred * dvar / num
    # centred = x - mu
    dmu = -dcentred.sum(axis=0)
    dx = dcentred
    # mu = mean(x)
    dx = dx + dmu / num
    return dx, dgamma, dbeta
    ### END SOLUTION


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batchnorm_forward in closed form (same cache as batchnorm_backward).

    With g = dout * gamma:
        dx = (1 / (N * s)) * (N * g - sum_n g - x_hat * sum_n (g * x_hat)),  s = sqrt(var + eps)

    Inputs:
    - dout: (N, D)
    - cache: from batchnorm_forward

    Returns (dx, dgamma, dbeta): (N, D), (D,), (D,)
    """
    ### BEGIN SOLUTION
    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]
    num = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    dx = (inv_std / num) * (num * g - g.sum(axis=0) - x_hat * (g * x_hat).sum(axis=0))
    return dx, dgamma, dbeta
    ### END SOLUTION


def layernorm_forward(x, gamma, beta, ln_param):
    """Layer normalisation: each row normalised by its own mean and (biased) variance.

        mu_n = mean_d x[n], var_n = mean_d (x[n] - mu_n)^2
        out[n] = gamma * (x[n] - mu_n) / sqrt(var_n + eps) + beta

    Train and test behave the same; there are no running averages.

    Inputs:
    - x: (N, D)
    - gamma, beta: (D,)
    - ln_param: dict; only 'eps' is read (default 1e-5), other keys are ignored

    Returns (out, cache): out is (N, D); cache feeds layernorm_backward.
    """
    ### BEGIN SOLUTION
    eps = ln_param.get("eps", 1e-5)
    mu = x.mean(axis=1, keepdims=True)
    centred = x - mu
    var = (centred**2).mean(axis=1, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = centred * inv_std
    out = gamma * x_hat + beta
    cache = (x_hat, inv_std, gamma)
    return out, cache
    ### END SOLUTION


def layernorm_backward(dout, cache):
    """Backward pass of layernorm_forward: batchnorm's closed form with rows and columns swapped.

    With g = dout * gamma and s_n = sqrt(var_n + eps):
        dx[n] = (1 / (D * s_n)) * (D * g[n] - sum_d g[n] - x_hat[n] * sum_d (g[n] * x_hat[n]))

    Inputs:
    - dout: (N, D)
    - cache: from layernorm_forward

    Returns (dx, dgamma, dbeta): (N, D), (D,), (D,)
    """
    ### BEGIN SOLUTION
    x_hat, inv_std, gamma = cache
    num_features = dout.shape[1]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    g = dout * gamma
    dx = (inv_std / num_features) * (
        num_features * g
        - g.sum(axis=1, keepdims=True)
        - x_hat * (g * x_hat).sum(axis=1, keepdims=True)
    )
    return dx, dgamma, dbeta
    ### END SOLUTION


def dropout_forward(x, dropout_param):
    """Inverted dropout: keep each unit with probability p and scale the kept ones by 1/p.

    Train: mask = (U < p) / p with U ~ Uniform[0, 1) of x's shape; out = x * mask.
    Test:  out = x and mask is None (the 1/p scaling at train time makes this unbiased).

    Inputs:
    - x: any shape
    - dropout_param: dict with
      - p: probability of KEEPING a unit
      - mode: 'train' or 'test'
      - seed (optional): when present, np.random.seed(seed) is called on every call, so
        that gradient checks see the same mask each time

    Returns (out, cache): out has x's shape and dtype; cache is (dropout_param, mask).
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    out = None

    ### BEGIN SOLUTION
    if mode == "train":
        mask = (np.random.rand(*x.shape) < p) / p
        out = x * mask
    elif mode == "test":
        out = x
    ### END SOLUTION

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of dropout_forward: dx = dout * mask in train mode, dout in test mode.

    Inputs:
    - dout: upstream gradient, x's shape
    - cache: (dropout_param, mask) from dropout_forward

    Returns dx, x's shape.
    """
    ### BEGIN SOLUTION
    dropout_param, mask = cache
    if dropout_param["mode"] == "train":
        dx = dout * mask
    else:
        dx = dout
    return dx
    ### END SOLUTION


def conv_forward_naive(x, w, b, conv_param):
    """Convolution (cross-correlation, as in every deep-learning library), written as loops.

        out[n, f, i, j] = b[f] + sum_{c, k, l} x_pad[n, c, i*stride + k, j*stride + l] * w[f, c, k, l]

    where x_pad is x zero-padded by `pad` on each side of H and W.
    H' = 1 + (H + 2 * pad - HH) // stride,  W' = 1 + (W + 2 * pad - WW) // stride.

    Inputs:
    - x: (N, C, H, W)
    - w: (F, C, HH, WW)
    - b: (F,)
    - conv_param: dict with 'stride' and 'pad'

    Returns (out, cache): out is (N, F, H', W'); cache is (x, w, b, conv_param).
    """
    ### BEGIN SOLUTION
    stride, pad = conv_param["stride"], conv_param["pad"]
    num, _, height, width = x.shape
    num_filters, _, filter_h, filter_w = w.shape
    out_h = 1 + (height + 2 * pad - filter_h) // stride
    out_w = 1 + (width + 2 * pad - filter_w) // stride
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))

    out = np.zeros((num, num_filters, out_h, out_w), dtype=np.result_type(x, w))
    for n in range(num):
        for f in range(num_filters):
            for i in range(out_h):
                for j in range(out_w):
                    top, left = i * stride, j * stride
                    window = x_pad[n, :, top:top + filter_h, left:left + filter_w]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache
    ### END SOLUTION


def conv_backward_naive(dout, cache):
    """Backward pass of conv_forward_naive, written as loops.

    Each output position (n, f, i, j) sends dout[n, f, i, j] * w[f] back to the window of
    x_pad it read, and dout[n, f, i, j] * window to dw[f]; db[f] sums dout[:, f].

    Inputs:
    - dout: (N, F, H', W')
    - cache: (x, w, b, conv_param) from conv_forward_naive

    Returns (dx, dw, db): (N, C, H, W), (F, C, HH, WW), (F,)
    """
    ### BEGIN SOLUTION
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    num, _, height, width = x.shape
    num_filters, _, filter_h, filter_w = w.shape
    _, _, out_h, out_w = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))

    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    db = np.zeros_like(b)
    for n in range(num):
        for f in range(num_filters):
            for i in range(out_h):
                for j in range(out_w):
                    top, left = i * stride, j * stride
                    grad = dout[n, f, i, j]
                    window = x_pad[n, :, top:top + filter_h, left:left + filter_w]
                    dx_pad[n, :, top:top + filter_h, left:left + filter_w] += grad * w[f]
                    dw[f] += grad * window
                    db[f] += grad
    dx = dx_pad[:, :, pad:pad + height, pad:pad + width]
    return dx, dw, db
    ### END SOLUTION


def max_pool_forward_naive(x, pool_param):
    """Max pooling over HH x WW windows (no padding), written as loops.

        out[n, c, i, j] = max_{k < HH, l < WW} x[n, c, i*stride + k, j*stride + l]

    H' = 1 + (H - HH) // stride,  W' = 1 + (W - WW) // stride.

    Inputs:
    - x: (N, C, H, W)
    - pool_param: dict with 'pool_height' (HH), 'pool_width' (WW) and 'stride'

    Returns (out, cache): out is (N, C, H', W'); cache is (x, pool_param).
    """
    ### BEGIN SOLUTION
    pool_h, pool_w = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    num, channels, height, width = x.shape
    out_h = 1 + (height - pool_h) // stride
    out_w = 1 + (width - pool_w) // stride

    out = np.zeros((num, channels, out_h, out_w), dtype=x.dtype)
    for n in range(num):
        for c in range(channels):
            for i in range(out_h):
                for j in range(out_w):
                    top, left = i * stride, j * stride
                    out[n, c, i, j] = x[n, c, top:top + pool_h, left:left + pool_w].max()
    cache = (x, pool_param)
    return out, cache
    ### END SOLUTION


def max_pool_backward_naive(dout, cache):
    """Backward pass of max_pool_forward_naive, written as loops.

    Each dout[n, c, i, j] goes to the position of its window's maximum (the first one in
    row-major order when several entries tie); windows that overlap add up.

    Inputs:
    - dout: (N, C, H', W')
    - cache: (x, pool_param) from max_pool_forward_naive

    Returns dx: (N, C, H, W)
    """
    ### BEGIN SOLUTION
    x, pool_param = cache
    pool_h, pool_w = pool_param["pool_height"], pool_param["pool_width"]
    stride = pool_param["stride"]
    num, channels, out_h, out_w = dout.shape

    dx = np.zeros_like(x)
    for n in range(num):
        for c in range(channels):
            for i in range(out_h):
                for j in range(out_w):
                    top, left = i * stride, j * stride
                    window = x[n, c, top:top + pool_h, left:left + pool_w]
                    row, col = np.unravel_index(np.argmax(window), window.shape)
                    dx[n, c, top + row, left + col] += dout[n, c, i, j]
    return dx
    ### END SOLUTION


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalisation of image features: one mean and variance per channel,
    taken over the minibatch and both spatial dimensions (N * H * W values each).

    Inputs:
    - x: (N, C, H, W)
    - gamma, beta: (C,)
    - bn_param: as for batchnorm_forward (mode, eps, momentum, running_mean/var of (C,))

    Returns (out, cache): out is (N, C, H, W); cache feeds spatial_batchnorm_backward.
    """
    ### BEGIN SOLUTION
    num, channels, height, width = x.shape
    # Channels last, then every (n, h, w) position is one "sample" of C features.
    rows = x.transpose(0, 2, 3, 1).reshape(-1, channels)
    out_rows, cache = batchnorm_forward(rows, gamma, beta, bn_param)
    out = out_rows.reshape(num, height, width, channels).transpose(0, 3, 1, 2)
    return out, cache
    ### END SOLUTION


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial_batchnorm_forward.

    Inputs:
    - dout: (N, C, H, W)
    - cache: from spatial_batchnorm_forward

    Returns (dx, dgamma, dbeta): (N, C, H, W), (C,), (C,)
    """
    ### BEGIN SOLUTION
    num, channels, height, width = dout.shape
    rows = dout.transpose(0, 2, 3, 1).reshape(-1, channels)
    dx_rows, dgamma, dbeta = batchnorm_backward_alt(rows, cache)
    dx = dx_rows.reshape(num, height, width, channels).transpose(0, 3, 1, 2)
    return dx, dgamma, dbeta
    ### END SOLUTION


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Group normalisation: per sample, the C channels split into G contiguous groups of
    C // G channels, each group normalised by its own mean and (biased) variance over
    (C // G) * H * W values; then a per-channel scale and shift.

        out[n, c] = gamma[c] * (x[n, c] - mu[n, g(c)]) / sqrt(var[n, g(c)] + eps) + beta[c]

    Inputs:
    - x: (N, C, H, W)
    - gamma, beta: (1, C, 1, 1)
    - G: number of groups; must divide C
    - gn_param: dict; only 'eps' is read (default 1e-5)

    Returns (out, cache): out is (N, C, H, W); cache feeds spatial_groupnorm_backward.
    """
    ### BEGIN SOLUTION
    eps = gn_param.get("eps", 1e-5)
    num, channels, height, width = x.shape
    groups = x.reshape(num, G, -1)
    mu = groups.mean(axis=2, keepdims=True)
    centred = groups - mu
    var = (centred**2).mean(axis=2, keepdims=True)
    inv_std = 1.0 / np.sqrt(var + eps)
    x_hat = (centred * inv_std).reshape(x.shape)
    out = gamma * x_hat + beta
    cache = (x_hat, inv_std, gamma, G)
    return out, cache
    ### END SOLUTION


def spatial_groupnorm_backward(dout, cache):
    """Backward pass of spatial_groupnorm_forward: the closed-form normalisation gradient,
    applied per (sample, group) over its M = (C // G) * H * W values.

    Inputs:
    - dout: (N, C, H, W)
    - cache: from spatial_groupnorm_forward

    Returns (dx, dgamma, dbeta): (N, C, H, W), (1, C, 1, 1), (1, C, 1, 1)
    """
    ### BEGIN SOLUTION
    x_hat, inv_std, gamma, G = cache
    num = dout.shape[0]
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * x_hat).sum(axis=(0, 2, 3), keepdims=True)
    g = (dout * gamma).reshape(num, G, -1)
    x_hat_groups = x_hat.reshape(num, G, -1)
    size = g.shape[2]
    dx_groups = (inv_std / size) * (
        size * g
        - g.sum(axis=2, keepdims=True)
        - x_hat_groups * (g * x_hat_groups).sum(axis=2, keepdims=True)
    )
    dx = dx_groups.reshape(dout.shape)
    return dx, dgamma, dbeta
    ### END SOLUTION
