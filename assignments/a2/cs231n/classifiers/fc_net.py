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

        # TODO: Write your code here, following the instructions above.
        raise NotImplementedError("write your code here, then delete this line")

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

        # TODO: Write your code here, following the instructions above.
        raise NotImplementedError("write your code here, then delete this line")

        if mode == "test":
            return scores

        loss, grads = 0.0, {}

        # TODO: Write your code here, following the instructions above.
        raise NotImplementedError("write your code here, then delete this line")

        return loss, grads
