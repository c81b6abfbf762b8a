"""Update rules of the reference optim.py, on small vectors worked out by hand."""

import math

import numpy as np
from cs231n import optim


def test_sgd():
    w = np.array([1.0, -2.0])
    next_w, config = optim.sgd(w.copy(), np.array([0.5, 1.0]))
    np.testing.assert_allclose(next_w, [1.0 - 0.005, -2.0 - 0.01])
    assert config == {"learning_rate": 1e-2}


def test_sgd_momentum_two_steps():
    w, dw = np.array([1.0, 2.0]), np.array([0.1, -0.2])
    config = {"learning_rate": 0.5, "momentum": 0.5}

    w1, config = optim.sgd_momentum(w, dw, config)
    # v = 0.5*0 - 0.5*dw = (-0.05, 0.1)
    np.testing.assert_allclose(config["velocity"], [-0.05, 0.1])
    np.testing.assert_allclose(w1, [0.95, 2.1])

    w2, config = optim.sgd_momentum(w1, dw, config)
    # v = 0.5*(-0.05, 0.1) - 0.5*dw = (-0.075, 0.15)
    np.testing.assert_allclose(config["velocity"], [-0.075, 0.15])
    np.testing.assert_allclose(w2, [0.875, 2.25])


def test_sgd_momentum_defaults():
    _, config = optim.sgd_momentum(np.zeros(3), np.ones(3))
    assert config["learning_rate"] == 1e-2 and config["momentum"] == 0.9
    np.testing.assert_allclose(config["velocity"], -1e-2)


def test_rmsprop_one_step():
    w, dw = np.array([1.0, -1.0]), np.array([2.0, -0.5])
    config = {"learning_rate": 0.1, "decay_rate": 0.9, "epsilon": 0.0,
              "cache": np.array([1.0, 0.0])}

    next_w, config = optim.rmsprop(w, dw, config)

    # cache = 0.9*cache + 0.1*dw^2 = (0.9 + 0.4, 0.025)
    np.testing.assert_allclose(config["cache"], [1.3, 0.025])
    np.testing.assert_allclose(next_w, [1.0 - 0.1 * 2.0 / math.sqrt(1.3),
                                        -1.0 + 0.1 * 0.5 / math.sqrt(0.025)])


def test_rmsprop_defaults():
    _, config = optim.rmsprop(np.zeros(2), np.ones(2))
    assert (config["learning_rate"], config["decay_rate"], config["epsilon"]) == (1e-2, 0.99, 1e-8)
    np.testing.assert_allclose(config["cache"], 0.01)


def test_adam_first_step_moves_by_learning_rate():
    # At t = 1 the corrected moments are dw and dw^2, so each entry moves by lr*sign(dw).
    w, dw = np.array([0.5, -0.5, 2.0]), np.array([3.0, -0.01, 1e3])
    next_w, config = optim.adam(w, dw, {"learning_rate": 0.1, "epsilon": 0.0})
    np.testing.assert_allclose(next_w, [0.4, -0.4, 1.9], rtol=1e-12)
    assert config["t"] == 1


def test_adam_increments_t_before_using_it():
    w, dw = np.array([1.0]), np.array([0.2])
    config = {"learning_rate": 1e-2, "beta1": 0.5, "beta2": 0.75, "epsilon": 0.0,
              "m": np.array([0.4]), "v": np.array([0.04]), "t": 5}

    next_w, config = optim.adam(w, dw, config)

    m = 0.5 * 0.4 + 0.5 * 0.2  # 0.3
    v = 0.75 * 0.04 + 0.25 * 0.04  # 0.04
    step = 1e-2 * math.sqrt(1 - 0.75**6) / (1 - 0.5**6)  # t = 6, not 5
    assert config["t"] == 6
    np.testing.assert_allclose(config["m"], [m])
    np.testing.assert_allclose(config["v"], [v])
    np.testing.assert_allclose(next_w, [1.0 - step * m / math.sqrt(v)], rtol=1e-12)


def test_adam_defaults():
    _, config = optim.adam(np.zeros(2), np.ones(2))
    assert (config["learning_rate"], config["beta1"], config["beta2"], config["epsilon"]) == (
        1e-3, 0.9, 0.999, 1e-8
    )
