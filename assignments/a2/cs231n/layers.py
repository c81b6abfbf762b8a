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
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def affine_backward(dout, cache):
    """Backward pass of affine_forward.

    dx = dout @ w.T (in x's shape), dw = x_rows.T @ dout, db = sum_n dout.

    Inputs:
    - dout: (N, M) upstream gradient
    - cache: (x, w, b) from affine_forward

    Returns (dx, dw, db): (N, d_1, ..., d_k), (D, M), (M,)
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def relu_forward(x):
    """Rectified linear unit: out = max(0, x), elementwise.

    Inputs:
    - x: any shape

    Returns (out, cache): out has x's shape; cache is x.
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def relu_backward(dout, cache):
    """Backward pass of relu_forward: dx = dout where x > 0, else 0.

    Inputs:
    - dout: upstream gradient, x's shape
    - cache: x

    Returns dx, x's shape.
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def softmax_loss(x, y):
    """Softmax (cross-entropy) loss averaged over the minibatch.

    loss = -(1/N) sum_i log( exp(x[i, y_i]) / sum_j exp(x[i, j]) )

    Inputs:
    - x: (N, C) class scores
    - y: (N,) integer labels, 0 <= y[i] < C

    Returns (loss, dx): a float and the gradient dloss/dx of shape (N, C).
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def svm_loss(x, y):
    """Multiclass hinge (SVM) loss with margin 1, averaged over the minibatch.

    loss = (1/N) sum_i sum_{j != y_i} max(0, x[i, j] - x[i, y_i] + 1)

    Inputs:
    - x: (N, C) class scores
    - y: (N,) integer labels, 0 <= y[i] < C

    Returns (loss, dx): a float and the gradient dloss/dx of shape (N, C).
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


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
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


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
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batchnorm_forward in closed form (same cache as batchnorm_backward).

    With g = dout * gamma:
        dx = (1 / (N * s)) * (N * g - sum_n g - x_hat * sum_n (g * x_hat)),  s = sqrt(var + eps)

    Inputs:
    - dout: (N, D)
    - cache: from batchnorm_forward

    Returns (dx, dgamma, dbeta): (N, D), (D,), (D,)
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


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
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def layernorm_backward(dout, cache):
    """Backward pass of layernorm_forward: batchnorm's closed form with rows and columns swapped.

    With g = dout * gamma and s_n = sqrt(var_n + eps):
        dx[n] = (1 / (D * s_n)) * (D * g[n] - sum_d g[n] - x_hat[n] * sum_d (g[n] * x_hat[n]))

    Inputs:
    - dout: (N, D)
    - cache: from layernorm_forward

    Returns (dx, dgamma, dbeta): (N, D), (D,), (D,)
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


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

    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")

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
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


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
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def conv_backward_naive(dout, cache):
    """Backward pass of conv_forward_naive, written as loops.

    Each output position (n, f, i, j) sends dout[n, f, i, j] * w[f] back to the window of
    x_pad it read, and dout[n, f, i, j] * window to dw[f]; db[f] sums dout[:, f].

    Inputs:
    - dout: (N, F, H', W')
    - cache: (x, w, b, conv_param) from conv_forward_naive

    Returns (dx, dw, db): (N, C, H, W), (F, C, HH, WW), (F,)
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def max_pool_forward_naive(x, pool_param):
    """Max pooling over HH x WW windows (no padding), written as loops.

        out[n, c, i, j] = max_{k < HH, l < WW} x[n, c, i*stride + k, j*stride + l]

    H' = 1 + (H - HH) // stride,  W' = 1 + (W - WW) // stride.

    Inputs:
    - x: (N, C, H, W)
    - pool_param: dict with 'pool_height' (HH), 'pool_width' (WW) and 'stride'

    Returns (out, cache): out is (N, C, H', W'); cache is (x, pool_param).
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def max_pool_backward_naive(dout, cache):
    """Backward pass of max_pool_forward_naive, written as loops.

    Each dout[n, c, i, j] goes to the position of its window's maximum (the first one in
    row-major order when several entries tie); windows that overlap add up.

    Inputs:
    - dout: (N, C, H', W')
    - cache: (x, pool_param) from max_pool_forward_naive

    Returns dx: (N, C, H, W)
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalisation of image features: one mean and variance per channel,
    taken over the minibatch and both spatial dimensions (N * H * W values each).

    Inputs:
    - x: (N, C, H, W)
    - gamma, beta: (C,)
    - bn_param: as for batchnorm_forward (mode, eps, momentum, running_mean/var of (C,))

    Returns (out, cache): out is (N, C, H, W); cache feeds spatial_batchnorm_backward.
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial_batchnorm_forward.

    Inputs:
    - dout: (N, C, H, W)
    - cache: from spatial_batchnorm_forward

    Returns (dx, dgamma, dbeta): (N, C, H, W), (C,), (C,)
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


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
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")


def spatial_groupnorm_backward(dout, cache):
    """Backward pass of spatial_groupnorm_forward: the closed-form normalisation gradient,
    applied per (sample, group) over its M = (C // G) * H * W values.

    Inputs:
    - dout: (N, C, H, W)
    - cache: from spatial_groupnorm_forward

    Returns (dx, dgamma, dbeta): (N, C, H, W), (1, C, 1, 1), (1, C, 1, 1)
    """
    # TODO: Write your code here, following the instructions above.
    raise NotImplementedError("write your code here, then delete this line")
