"""The rubric's comparisons: the notebooks' relative error, an absolute floor, and messages."""

import numpy as np
import pytest

from grader.errors import CheckFailed
from grader.plugin import expect


def test_rel_error_is_the_notebooks_definition():
    assert expect.rel_error([1.0, 2.0], [1.0, 2.0]) == 0.0
    assert expect.rel_error(1.0, 3.0) == pytest.approx(0.5)
    assert expect.rel_error(0.0, 1e-12) == pytest.approx(1e-4)  # the 1e-8 floor of the denominator


def test_a_tiny_gradient_with_finite_difference_noise_passes_only_with_an_absolute_floor():
    analytic, numeric = 2.2059e-09, 2.2204e-09  # measured: a correct net, loss ~2.3, h = 1e-5
    with pytest.raises(CheckFailed, match=r"relative error .* > 1e-05"):
        expect.close(analytic, numeric, name="grads['W3']", tol=1e-5)
    expect.close(analytic, numeric, name="grads['W3']", tol=1e-5, atol=1e-9)


def test_the_absolute_floor_does_not_excuse_a_real_error():
    got = np.array([0.5, 1e-10, 0.30])
    want = np.array([0.5, 2e-10, 0.32])
    with pytest.raises(CheckFailed) as failure:
        expect.close(got, want, name="dx", tol=1e-5, atol=1e-9, case="the hidden case", hint="check dx")
    message = str(failure.value)
    assert message.startswith("On the hidden case") and "dx differs" in message and "check dx" in message


def test_nan_and_shape_mismatches_are_named():
    with pytest.raises(CheckFailed, match="NaN"):
        expect.close(np.array([np.nan]), np.array([1.0]), name="out", tol=1e-5, atol=1.0)
    with pytest.raises(CheckFailed, match=r"expected shape \(3,\), got \(2,\)"):
        expect.close(np.zeros(2), np.zeros(3), name="out", tol=1e-5)


def test_close_all_takes_an_absolute_floor_per_output():
    """A gradient that is zero in exact arithmetic (a bias before batchnorm) differs between
    two right implementations by rounding alone; the other outputs keep the relative bound."""
    zero_by_rounding = (np.array([8.8e-12, -1e-17]), np.array([-2e-13, 3e-17]))
    with pytest.raises(CheckFailed, match=r"db1 differs"):
        expect.close_all({"db1": (*zero_by_rounding, 1e-4)})
    expect.close_all({"db1": (*zero_by_rounding, 1e-4, 1e-9), "dW1": (np.ones(2), np.ones(2), 1e-4)})
    with pytest.raises(CheckFailed, match=r"db1 matches, dW1 does not"):
        expect.close_all({"db1": (*zero_by_rounding, 1e-4, 1e-9), "dW1": (np.ones(2), np.ones(2) * 1.1, 1e-4)})


def test_a_non_finite_expectation_never_passes():
    """dropout_backward's expectation is built from the student's own forward output: a
    forward that returned NaN must not make any dx (zeros included) match."""
    want = np.zeros((2, 2)) * np.nan
    with pytest.raises(CheckFailed, match="not finite"):
        expect.close(np.zeros((2, 2)), want, name="dx", tol=1e-10)
    with pytest.raises(CheckFailed, match="not finite"):
        expect.close(np.zeros((2, 2)), np.array([[1.0, np.inf], [0, 0]]), name="dx", tol=1e-10)


def test_a_reply_of_the_wrong_shape_is_refused_before_any_arithmetic():
    huge = np.zeros((20_000_000, 1), dtype=np.int8)  # 20 MB; as float64 against (50,): 8 GB of work
    with pytest.raises(CheckFailed, match=r"expected shape \(50,\), got \(20000000, 1\)"):
        expect.close(huge, np.zeros(50), name="out", tol=1e-7)
    with pytest.raises(CheckFailed, match="list of"):
        expect.close([0.0] * 1_000_000, np.zeros(3), name="out", tol=1e-7)


@pytest.mark.parametrize("got, problem", [
    (np.zeros((20_000_000, 1), dtype=np.int64), r"expected shape \(50,\), got \(20000000, 1\)"),
    (np.zeros(50), "dtype float64"),
    (np.full(50, 10), "outside 0..9"),
    ([0] * 50, "not an array"),
])
def test_predictions_are_validated_before_they_are_scored(got, problem):
    with pytest.raises(CheckFailed, match=problem):
        expect.labels(got, 50, 10)
    assert expect.labels(np.arange(50) % 10, 50, 10).dtype == np.int64
