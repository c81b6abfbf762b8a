"""ThreeLayerConvNet of the reference classifiers/cnn.py."""

import numpy as np
import pytest
from cs231n.classifiers.cnn import ThreeLayerConvNet
from cs231n.gradient_check import eval_numerical_gradient


def test_default_parameters():
    np.random.seed(0)
    model = ThreeLayerConvNet()
    shapes = {name: value.shape for name, value in model.params.items()}
    assert shapes == {
        "W1": (32, 3, 7, 7), "b1": (32,),
        "W2": (8192, 100), "b2": (100,),
        "W3": (100, 10), "b3": (10,),
    }
    assert all(v.dtype == np.float32 for v in model.params.values())
    assert model.params["W1"].std() == pytest.approx(1e-3, rel=0.05)
    assert not any(model.params[b].any() for b in ("b1", "b2", "b3"))


def test_weights_are_drawn_in_order_w1_w2_w3():
    np.random.seed(5)
    model = ThreeLayerConvNet(input_dim=(2, 6, 6), num_filters=3, filter_size=3,
                              hidden_dim=4, num_classes=5, weight_scale=0.1, dtype=np.float64)
    np.random.seed(5)
    np.testing.assert_array_equal(model.params["W1"], 0.1 * np.random.randn(3, 2, 3, 3))
    np.testing.assert_array_equal(model.params["W2"], 0.1 * np.random.randn(27, 4))
    np.testing.assert_array_equal(model.params["W3"], 0.1 * np.random.randn(4, 5))


def test_initial_loss_is_about_log_c_and_grows_with_reg():
    np.random.seed(231)
    model = ThreeLayerConvNet(input_dim=(3, 16, 16), num_filters=8)
    X = np.random.randn(20, 3, 16, 16)
    y = np.random.randint(10, size=20)

    loss, grads = model.loss(X, y)
    model.reg = 0.5
    reg_loss, _ = model.loss(X, y)

    # The seed prints 2.302586071243987 and, with reg 0.5, 2.508255638232932 (unseeded).
    assert loss == pytest.approx(np.log(10), abs=1e-3)
    assert reg_loss > loss
    assert set(grads) == set(model.params)
    assert model.loss(X).shape == (20, 10)


def test_gradients_match_numerical_on_the_seed_cell(rel_error):
    num_inputs, input_dim, num_classes = 2, (3, 16, 16), 10
    np.random.seed(231)
    X = np.random.randn(num_inputs, *input_dim)
    y = np.random.randint(num_classes, size=num_inputs)
    model = ThreeLayerConvNet(num_filters=3, filter_size=3, input_dim=input_dim,
                              hidden_dim=7, dtype=np.float64)

    loss, grads = model.loss(X, y)
    errors = {}
    for name in sorted(grads):
        f = lambda _: model.loss(X, y)[0]  # noqa: E731
        grad_num = eval_numerical_gradient(f, model.params[name], verbose=False, h=1e-6)
        errors[name] = rel_error(grad_num, grads[name])

    # "Correct implementations may have relative errors up to the order of e-2"; the seed
    # prints W1 3.05e-04, W2 1.82e-02, W3 3.42e-04, b1 3.40e-06, b2 2.52e-03, b3 9.71e-10.
    assert all(error <= 2e-2 for error in errors.values()), errors
    assert errors["b3"] < 1e-8


def test_regularisation_adds_half_reg_times_squared_weights():
    np.random.seed(1)
    model = ThreeLayerConvNet(input_dim=(1, 4, 4), num_filters=2, filter_size=3,
                              hidden_dim=3, num_classes=2, weight_scale=0.5, dtype=np.float64)
    X, y = np.random.randn(3, 1, 4, 4), np.array([0, 1, 1])
    base, base_grads = model.loss(X, y)
    model.reg = 0.7
    loss, grads = model.loss(X, y)

    squares = sum(np.sum(model.params[w] ** 2) for w in ("W1", "W2", "W3"))
    assert loss == pytest.approx(base + 0.35 * squares, rel=1e-12)
    np.testing.assert_allclose(grads["W2"], base_grads["W2"] + 0.7 * model.params["W2"])
    np.testing.assert_array_equal(grads["b1"], base_grads["b1"])
