"""Fully connected network of any depth, with optional batch/layer norm and dropout."""

import numpy as np

from ..layer_utils import *  # noqa: F403
from ..layers import *  # noqa: F403
from ..layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward_alt,
    batchnorm_forward,
    dropout_backward,
    dropout_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
)


class FullyConnectedNet:
    """A fully connected network with L = len(hidden_dims) + 1 affine layers:

        {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax

    Parameters live in ``self.params``: W1..WL of shape (in, out) and b1..bL of shape
    (out,), plus gamma1..gamma{L-1} (ones) and beta1..beta{L-1} (zeros) when a
    normalisation is used. The last affine layer has no normalisation.
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        dropout_keep_ratio=1,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        seed=None,
    ):
        """
        Inputs:
        - hidden_dims: list of hidden layer sizes
        - input_dim: D, features of one input
        - num_classes: C
        - dropout_keep_ratio: keep probability of dropout; 1 means no dropout
        - normalization: None, "batchnorm" or "layernorm"
        - reg: L2 strength; the loss adds 0.5 * reg * sum(W**2) over the weights only
        - weight_scale: standard deviation of the normal weight initialisation
        - dtype: numpy dtype of every parameter (float64 for gradient checks)
        - seed: if not None, dropout reseeds numpy with it on every call, so the
          masks repeat (for gradient checks)
        """
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        ### BEGIN SOLUTION
        # One randn draw per weight matrix, W1 first: the notebooks' fixed numbers
        # depend on exactly this order.
        dims = [input_dim, *hidden_dims, num_classes]
        for layer in range(1, self.num_layers + 1):
            fan_in, fan_out = dims[layer - 1], dims[layer]
            self.params[f"W{layer}"] = weight_scale * np.random.randn(fan_in, fan_out)
            self.params[f"b{layer}"] = np.zeros(fan_out)
            if self.normalization is not None and layer < self.num_layers:
                self.params[f"gamma{layer}"] = np.ones(fan_out)
                self.params[f"beta{layer}"] = np.zeros(fan_out)
        ### END SOLUTION

        # Dropout and normalisation state passed to every forward call of their layers.
        self.dropout_param = {}
        if self.use_dropout:
            self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
            if seed is not None:
                self.dropout_param["seed"] = seed

        self.bn_params = []
        if self.normalization == "batchnorm":
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]
        if self.normalization == "layernorm":
            self.bn_params = [{} for _ in range(self.num_layers - 1)]

        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X, y=None):
        """Class scores, or the loss and its gradients.

        Inputs:
        - X: (N, d_1, ..., d_k) input data, flattened to D features per row
        - y: (N,) integer labels, or None

        Returns:
        - y is None (test mode: dropout off, batchnorm on running averages):
          scores of shape (N, C)
        - otherwise: (loss, grads), grads a dict with the keys of self.params and
          arrays of their shapes
        """
        X = X.astype(self.dtype)
        mode = "test" if y is None else "train"

        if self.use_dropout:
            self.dropout_param["mode"] = mode
        if self.normalization == "batchnorm":
            for bn_param in self.bn_params:
                bn_param["mode"] = mode
        scores = None

        ### BEGIN SOLUTION
        # Hidden layers: affine - [norm] - relu - [dropout]; one cache tuple per layer.
        caches = []
        hidden = X
        for layer in range(1, self.num_layers):
            hidden, fc_cache = affine_forward(
                hidden, self.params[f"W{layer}"], self.params[f"b{layer}"]
            )
            norm_cache = None
            if self.normalization is not None:
                gamma, beta = self.params[f"gamma{layer}"], self.params[f"beta{layer}"]
                norm_forward = (
                    batchnorm_forward if self.normalization == "batchnorm" else layernorm_forward
                )
                hidden, norm_cache = norm_forward(hidden, gamma, beta, self.bn_params[layer - 1])
            hidden, relu_cache = relu_forward(hidden)
            dropout_cache = None
            if self.use_dropout:
                hidden, dropout_cache = dropout_forward(hidden, self.dropout_param)
            caches.append((fc_cache, norm_cache, relu_cache, dropout_cache))

        last = self.num_layers
        scores, last_cache = affine_forward(
            hidden, self.params[f"W{last}"], self.params[f"b{last}"]
        )
        ### END SOLUTION

        if mode == "test":
            return scores

        loss, grads = 0.0, {}

        ### BEGIN SOLUTION
        loss, dscores = softmax_loss(scores, y)
        for layer in range(1, self.num_layers + 1):
            w = self.params[f"W{layer}"]
            loss += 0.5 * self.reg * np.sum(w * w)

        dhidden, dw, db = affine_backward(dscores, last_cache)
        grads[f"W{last}"] = dw + self.reg * self.params[f"W{last}"]
        grads[f"b{last}"] = db
        for layer in range(self.num_layers - 1, 0, -1):
            fc_cache, norm_cache, relu_cache, dropout_cache = caches[layer - 1]
            if self.use_dropout:
                dhidden = dropout_backward(dhidden, dropout_cache)
            dhidden = relu_backward(dhidden, relu_cache)
            if self.normalization is not None:
                norm_backward = (
                    batchnorm_backward_alt
                    if self.normalization == "batchnorm"
                    else layernorm_backward
                )
                dhidden, dgamma, dbeta = norm_backward(dhidden, norm_cache)
                grads[f"gamma{layer}"], grads[f"beta{layer}"] = dgamma, dbeta
            dhidden, dw, db = affine_backward(dhidden, fc_cache)
            grads[f"W{layer}"] = dw + self.reg * self.params[f"W{layer}"]
            grads[f"b{layer}"] = db
        ### END SOLUTION

        return loss, grads
