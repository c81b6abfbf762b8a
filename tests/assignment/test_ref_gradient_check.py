"""Numerical gradient helpers of the reference gradient_check.py."""

import re

import numpy as np
import pytest
from cs231n.gradient_check import (
    eval_numerical_gradient,
    eval_numerical_gradient_array,
    eval_numerical_gradient_blobs,
    eval_numerical_gradient_net,
    grad_check_sparse,
)


def test_scalar_gradient_of_a_known_function_restores_x():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    original = x.copy()

    grad = eval_numerical_gradient(lambda v: np.sum(v**3), x, verbose=False)

    np.testing.assert_allclose(grad, 3 * original**2, rtol=1e-8)
    np.testing.assert_array_equal(x, original)


def test_scalar_gradient_perturbs_x_in_place_and_prints_when_verbose(capsys):
    x = np.array([2.0, 5.0])
    seen = []

    def f(v):
        seen.append(v is x)
        return float(v @ v)

    eval_numerical_gradient(f, x, verbose=True, h=1e-3)

    assert all(seen) and len(seen) == 1 + 2 * x.size  # once at x, then twice per entry
    assert capsys.readouterr().out.splitlines()[0].startswith("(0,)")


def test_array_gradient_is_the_vector_jacobian_product():
    x = np.array([1.0, 2.0, 3.0])
    A = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 4.0]])
    df = np.array([0.5, -2.0])

    grad = eval_numerical_gradient_array(lambda v: A @ v, x, df)

    np.testing.assert_allclose(grad, A.T @ df, rtol=1e-9)
    np.testing.assert_array_equal(x, [1.0, 2.0, 3.0])


def test_array_gradient_copes_with_f_returning_a_view_of_x():
    x = np.array([1.0, 4.0])
    grad = eval_numerical_gradient_array(lambda v: v, x, np.array([3.0, 5.0]))
    np.testing.assert_allclose(grad, [3.0, 5.0])


class Blob:
    def __init__(self, vals):
        self.vals = vals
        self.diffs = np.zeros_like(vals)


def test_blobs_and_net_gradients():
    a, b = Blob(np.array([1.0, 2.0])), Blob(np.array([3.0, -1.0]))
    out = Blob(np.zeros(2))
    out.diffs = np.array([1.0, 10.0])

    def multiply(x, y, output):
        output.vals = x.vals * y.vals

    da, db = eval_numerical_gradient_blobs(multiply, (a, b), out)
    np.testing.assert_allclose(da, [3.0, -10.0])
    np.testing.assert_allclose(db, [1.0, 20.0])

    class Net:
        def forward(self):
            multiply(a, b, out)

    np.testing.assert_allclose(eval_numerical_gradient_net(Net(), (a, b), out)[0], [3.0, -10.0])


def test_grad_check_sparse_prints_each_check_and_leaves_numpy_rng_alone(capsys):
    x = np.array([[1.0, 2.0], [3.0, 4.0]])
    np.random.seed(0)
    grad_check_sparse(lambda v: np.sum(v**2), x, 2 * x, num_checks=5)
    after = np.random.rand()
    np.random.seed(0)
    assert after == np.random.rand()

    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 5
    for line in lines:
        match = re.fullmatch(r"numerical: (\S+) analytic: (\S+), relative error: (\S+)", line)
        assert match and float(match.group(3)) < 1e-8
        assert float(match.group(1)) == pytest.approx(float(match.group(2)))
