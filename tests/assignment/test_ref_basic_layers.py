"""affine, relu, softmax and SVM losses of the reference layers.py."""

import numpy as np
import pytest
from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array
from cs231n.layers import (
    affine_backward,
    affine_forward,
    relu_backward,
    relu_forward,
    softmax_loss,
    svm_loss,
)


def test_affine_forward_flattens_each_row():
    x = np.arange(12, dtype=float).reshape(2, 3, 2)
    w = np.arange(12, dtype=float).reshape(6, 2) / 10
    b = np.array([1.0, -1.0])

    out, _ = affine_forward(x, w, b)

    expected = np.zeros((2, 2))
    for n in range(2):
        features = [x[n, i, j] for i in range(3) for j in range(2)]
        for m in range(2):
            expected[n, m] = sum(f * w[d, m] for d, f in enumerate(features)) + b[m]
    np.testing.assert_allclose(out, expected, rtol=1e-14)


def test_affine_backward_matches_numerical_gradient(rel_error):
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(10, 2, 3)), rng.normal(size=(6, 5)), rng.normal(size=5)
    dout = rng.normal(size=(10, 5))

    _, cache = affine_forward(x, w, b)
    dx, dw, db = affine_backward(dout, cache)

    assert dx.shape == x.shape
    assert rel_error(dx, eval_numerical_gradient_array(lambda v: affine_forward(v, w, b)[0], x, dout)) < 1e-7
    assert rel_error(dw, eval_numerical_gradient_array(lambda v: affine_forward(x, v, b)[0], w, dout)) < 1e-7
    assert rel_error(db, eval_numerical_gradient_array(lambda v: affine_forward(x, w, v)[0], b, dout)) < 1e-7


def test_relu_forward_and_backward_gate_on_positive_inputs():
    x = np.array([[-2.0, -0.0, 0.5], [3.0, -1e-9, 0.0]])
    dout = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])

    out, cache = relu_forward(x)
    dx = relu_backward(dout, cache)

    np.testing.assert_array_equal(out, [[0, 0, 0.5], [3, 0, 0]])
    np.testing.assert_array_equal(dx, [[0, 0, 3], [4, 0, 0]])


@pytest.mark.parametrize("loss_fn", [softmax_loss, svm_loss])
def test_loss_gradient_matches_numerical_gradient(loss_fn, rel_error):
    rng = np.random.default_rng(1)
    num_classes, num_inputs = 10, 50
    x = 0.001 * rng.normal(size=(num_inputs, num_classes))
    y = rng.integers(num_classes, size=num_inputs)

    loss, dx = loss_fn(x, y)
    dx_num = eval_numerical_gradient(lambda v: loss_fn(v, y)[0], x, verbose=False)

    assert rel_error(dx_num, dx) < 1e-7
    # Near-zero scores: softmax gives log(C), the hinge gives C - 1 margins of 1.
    expected = np.log(num_classes) if loss_fn is softmax_loss else num_classes - 1
    assert loss == pytest.approx(expected, rel=1e-2)


def test_softmax_loss_is_finite_for_huge_scores():
    x = np.array([[1000.0, 0.0, -1000.0]])
    loss, dx = softmax_loss(x, np.array([2]))

    assert loss == pytest.approx(2000.0)
    np.testing.assert_allclose(dx, [[1.0, 0.0, -1.0]], atol=1e-12)


def test_svm_loss_by_hand():
    x = np.array([[1.0, 2.0, 0.5], [0.0, 0.0, 3.0]])
    y = np.array([0, 2])
    # Row 0: margins max(0, 2-1+1)=2 and max(0, 0.5-1+1)=0.5; row 1: none positive.
    loss, dx = svm_loss(x, y)

    assert loss == pytest.approx(2.5 / 2)
    np.testing.assert_allclose(dx, [[-1.0, 0.5, 0.5], [0.0, 0.0, 0.0]])
