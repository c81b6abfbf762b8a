"""Numerical gradients by centred differences, to check analytic backward passes.

    df/dx[i] ~ (f(x + h e_i) - f(x - h e_i)) / (2 h)

Every function perturbs x **in place**, one entry at a time, and restores it, so f must
read x (not a copy made before the call), and x must be a float array.
"""

from random import randrange

import numpy as np


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Gradient of a scalar function.

    Inputs:
    - f: callable taking x (any shape) and returning a scalar
    - x: float ndarray, perturbed in place and restored
    - verbose: print each index and its gradient entry
    - h: step

    Returns grad: x's shape.
    """
    f(x)  # evaluated once at x, as the course's checker does (f may draw random numbers)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        original = x[ix]
        x[ix] = original + h
        f_plus = f(x)
        x[ix] = original - h
        f_minus = f(x)
        x[ix] = original

        grad[ix] = (f_plus - f_minus) / (2 * h)
        if verbose:
            print(ix, grad[ix])
        it.iternext()
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Gradient of sum(f(x) * df) for an array-valued f: the vector-Jacobian product a
    backward pass computes for upstream gradient df.

    Inputs:
    - f: callable taking x and returning an array of df's shape
    - x: float ndarray, perturbed in place and restored
    - df: upstream gradient, f(x)'s shape
    - h: step

    Returns grad: x's shape.
    """
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"], op_flags=["readwrite"])
    while not it.finished:
        ix = it.multi_index
        original = x[ix]
        x[ix] = original + h
        plus = np.array(f(x), copy=True)
        x[ix] = original - h
        minus = np.array(f(x), copy=True)
        x[ix] = original

        grad[ix] = np.sum((plus - minus) * df) / (2 * h)
        it.iternext()
    return grad


def eval_numerical_gradient_blobs(f, inputs, output, h=1e-5):
    """Numerical gradients for layers that work on blobs (legacy interface).

    A blob has ``vals`` (its data) and ``diffs`` (its gradient, same shape). f is called
    as ``f(*inputs, output)`` and writes its result into ``output.vals``.

    Inputs:
    - f: callable as above
    - inputs: tuple of input blobs, perturbed in place and restored
    - output: the output blob; output.diffs is the upstream gradient
    - h: step

    Returns a list with one gradient array per input blob.
    """
    grads = []
    for blob in inputs:
        diff = np.zeros_like(blob.diffs)
        it = np.nditer(blob.vals, flags=["multi_index"], op_flags=["readwrite"])
        while not it.finished:
            ix = it.multi_index
            original = blob.vals[ix]
            blob.vals[ix] = original + h
            f(*(inputs + (output,)))
            plus = np.copy(output.vals)
            blob.vals[ix] = original - h
            f(*(inputs + (output,)))
            minus = np.copy(output.vals)
            blob.vals[ix] = original

            diff[ix] = np.sum((plus - minus) * output.diffs) / (2.0 * h)
            it.iternext()
        grads.append(diff)
    return grads


def eval_numerical_gradient_net(net, inputs, output, h=1e-5):
    """eval_numerical_gradient_blobs for an object whose ``forward()`` fills ``output``."""
    return eval_numerical_gradient_blobs(lambda *args: net.forward(), inputs, output, h=h)


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5):
    """Compare analytic_grad with the numerical gradient at num_checks random entries.

    Prints one line per entry: numerical and analytic values and their relative error.
    Indices come from Python's ``random`` module, so numpy's global RNG is left alone.

    Inputs:
    - f: callable taking x and returning a scalar
    - x: float ndarray, perturbed in place and restored
    - analytic_grad: x's shape
    - num_checks: how many entries to check
    - h: step
    """
    for _ in range(num_checks):
        ix = tuple(randrange(m) for m in x.shape)

        original = x[ix]
        x[ix] = original + h
        f_plus = f(x)
        x[ix] = original - h
        f_minus = f(x)
        x[ix] = original

        grad_numerical = (f_plus - f_minus) / (2 * h)
        grad_analytic = analytic_grad[ix]
        denominator = abs(grad_numerical) + abs(grad_analytic)
        rel_error = abs(grad_numerical - grad_analytic) / denominator if denominator else 0.0
        print(
            f"numerical: {grad_numerical:f} analytic: {grad_analytic:f}, "
            f"relative error: {rel_error:e}"
        )
