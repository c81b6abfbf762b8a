"""First-order update rules for the Solver.

Every rule has the signature

    next_w, config = rule(w, dw, config=None)

- w: the current parameter (array of any shape)
- dw: the gradient of the loss with respect to w (w's shape)
- config: a dict of hyperparameters and state (moving averages, step count). Missing
  keys get the defaults listed in each rule; the state the rule updates is stored back
  into config, so passing the returned config to the next call continues the run.

A rule may update w in place; callers use the returned next_w.
"""

import numpy as np


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent: w <- w - learning_rate * dw.

    config: learning_rate (default 1e-2).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)

    w -= config["learning_rate"] * dw
    return w, config


def sgd_momentum(w, dw, config=None):
    """SGD with momentum:

        v <- momentum * v - learning_rate * dw
        w <- w + v

    config: learning_rate (1e-2), momentum (0.9), velocity (zeros of w's shape; stored
    back).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    velocity = config.get("velocity", np.zeros_like(w))

    velocity = config["momentum"] * velocity - config["learning_rate"] * dw
    next_w = w + velocity
    config["velocity"] = velocity
    return next_w, config


def rmsprop(w, dw, config=None):
    """RMSProp: a step scaled by a moving average of squared gradients.

        cache <- decay_rate * cache + (1 - decay_rate) * dw**2
        w <- w - learning_rate * dw / (sqrt(cache) + epsilon)

    config: learning_rate (1e-2), decay_rate (0.99), epsilon (1e-8), cache (zeros of
    w's shape; stored back).
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("cache", np.zeros_like(w))

    decay = config["decay_rate"]
    cache = decay * config["cache"] + (1 - decay) * dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    return next_w, config


def adam(w, dw, config=None):
    """Adam: moving averages of the gradient and its square, with bias correction.

        t <- t + 1                          (incremented before it is used)
        m <- beta1 * m + (1 - beta1) * dw
        v <- beta2 * v + (1 - beta2) * dw**2
        step = learning_rate * sqrt(1 - beta2**t) / (1 - beta1**t)
        w <- w - step * m / (sqrt(v) + epsilon)

    The bias correction is folded into the step size (Kingma & Ba, end of section 2);
    dividing m and v by their corrections instead differs only in where epsilon acts.

    config: learning_rate (1e-3), beta1 (0.9), beta2 (0.999), epsilon (1e-8), m and v
    (zeros of w's shape), t (0); m, v and t are stored back.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("m", np.zeros_like(w))
    config.setdefault("v", np.zeros_like(w))
    config.setdefault("t", 0)

    beta1, beta2 = config["beta1"], config["beta2"]
    t = config["t"] + 1
    m = beta1 * config["m"] + (1 - beta1) * dw
    v = beta2 * config["v"] + (1 - beta2) * dw**2
    step = config["learning_rate"] * np.sqrt(1 - beta2**t) / (1 - beta1**t)
    next_w = w - step * m / (np.sqrt(v) + config["epsilon"])
    config["t"], config["m"], config["v"] = t, m, v
    return next_w, config
