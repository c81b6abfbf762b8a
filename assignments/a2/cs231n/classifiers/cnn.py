"""Three-layer convolutional network: conv - relu - 2x2 max pool - affine - relu - affine - softmax."""

import numpy as np

from ..fast_layers import *  # noqa: F403
from ..layer_utils import *  # noqa: F403
from ..layer_utils import (
    affine_relu_backward,
    affine_relu_forward,
    conv_relu_pool_backward,
    conv_relu_pool_forward,
)
from ..layers import *  # noqa: F403
from ..layers import affine_backward, affine_forward, softmax_loss


class ThreeLayerConvNet:
    """conv - relu - 2x2 max pool - affine - relu - affine - softmax, on (N, C, H, W) inputs.

    The convolution keeps H and W (stride 1, pad (filter_size - 1) // 2, odd filter
    sizes) and the pool halves them. Parameters in ``self.params``:
    W1 (F, C, fs, fs), b1 (F,), W2 (F * H/2 * W/2, hidden), b2 (hidden,),
    W3 (hidden, num_classes), b3 (num_classes,).
    """

    def __init__(
        self,
        input_dim=(3, 32, 32),
        num_filters=32,
        filter_size=7,
        hidden_dim=100,
        num_classes=10,
        weight_scale=1e-3,
        reg=0.0,
        dtype=np.float32,
    ):
        """
        Inputs:
        - input_dim: (C, H, W) of one input
        - num_filters: F, filters of the convolution
        - filter_size: fs, height and width of each filter
        - hidden_dim: units of the hidden affine layer
        - num_classes: scores produced by the last layer
        - weight_scale: standard deviation of the normal weight initialisation
        - reg: L2 strength; the loss adds 0.5 * reg * sum(W**2) over W1, W2, W3
        - dtype: numpy dtype of every parameter (float64 for gradient checks)
        """
        self.params = {}
        self.reg = reg
        self.dtype = dtype

        # TODO: Write your code here, following the instructions above.
        raise NotImplementedError("write your code here, then delete this line")

        for name, value in self.params.items():
            self.params[name] = value.astype(dtype)

    def loss(self, X, y=None):
        """Class scores, or the loss and its gradients.

        Inputs:
        - X: (N, C, H, W)
        - y: (N,) integer labels, or None

        Returns scores (N, num_classes) when y is None, else (loss, grads) with grads
        keyed like self.params.
        """
        W1, b1 = self.params["W1"], self.params["b1"]
        W2, b2 = self.params["W2"], self.params["b2"]
        W3, b3 = self.params["W3"], self.params["b3"]

        # Padding that keeps the spatial size through the convolution.
        filter_size = W1.shape[2]
        conv_param = {"stride": 1, "pad": (filter_size - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}

        scores = None
        # TODO: Write your code here, following the instructions above.
        raise NotImplementedError("write your code here, then delete this line")

        if y is None:
            return scores

        loss, grads = 0, {}
        # TODO: Write your code here, following the instructions above.
        raise NotImplementedError("write your code here, then delete this line")

        return loss, grads
