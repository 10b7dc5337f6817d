"""Checkers of notebook 03's transfer exercises (3.4 ELU', 3.5 weighted MSE): the reference passes, None is
"not attempted", typical wrong answers fail. The references are checked against central differences."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.exercises import nb03
from course_lib.gradcheck import numerical_grad, rel_error


def elu(z, alpha):
    return np.where(z > 0, z, alpha * (np.exp(np.minimum(z, 0.0)) - 1.0))


def elu_derivative_right(z, alpha):
    return np.where(z > 0, 1.0, alpha * np.exp(np.minimum(z, 0.0)))


def test_elu_reference_matches_finite_differences():
    z = np.linspace(-5, 5, 1001)
    z = z[np.abs(z) > 1e-3]
    h = 1e-6
    for alpha in (0.5, 1.0, 2.0):
        fd = (elu(z + h, alpha) - elu(z - h, alpha)) / (2 * h)
        assert rel_error(nb03._elu_derivative_reference(z, alpha), fd) < 1e-8


def test_elu_right_answers_pass():
    assert nb03.check_elu_derivative(elu_derivative_right).passed
    # the other closed form, ELU(z) + α on the negative side
    assert nb03.check_elu_derivative(lambda z, a: np.where(z > 0, 1.0, elu(z, a) + a)).passed


@pytest.mark.parametrize(
    "wrong",
    [
        lambda z, a: np.where(z > 0, 1.0, a * (np.exp(np.minimum(z, 0)) - 1)),  # the function, not its slope
        lambda z, a: np.where(z > 0, 1.0, np.exp(np.minimum(z, 0))),  # α forgotten
        lambda z, a: (z > 0) * 1.0,  # ReLU's derivative
        lambda z, a: np.where(z > 0, 1.0, a * np.exp(-np.abs(z)) * -1),  # sign
    ],
)
def test_elu_wrong_answers_fail(wrong):
    assert nb03.check_elu_derivative(wrong).status == "fail"


def weighted_right(Y, T, w):
    return 2.0 * w[:, None] * (Y - T) / Y.size


def test_weighted_mse_reference_matches_finite_differences():
    rng = np.random.default_rng(0)
    Y, T, w = rng.standard_normal((4, 3)), rng.standard_normal((4, 3)), rng.uniform(0.1, 2, 4)
    fd = numerical_grad(lambda: float(np.sum(w[:, None] * (Y - T) ** 2) / Y.size), Y)
    assert rel_error(nb03._weighted_mse_reference(Y, T, w), fd) < 1e-8


@pytest.mark.parametrize("check", [nb03.check_elu_derivative, nb03.check_weighted_mse_grad])
def test_none_is_not_attempted(check):
    assert check(None).status == "not attempted yet"


def test_weighted_mse_right_answer_passes():
    assert nb03.check_weighted_mse_grad(weighted_right).passed


@pytest.mark.parametrize(
    "wrong",
    [
        lambda Y, T, w: 2.0 * w * (Y - T) / Y.size,  # broadcasts along columns (or raises)
        lambda Y, T, w: w[:, None] * (Y - T) / Y.size,  # factor 2
        lambda Y, T, w: 2.0 * (Y - T) / Y.size,  # weights forgotten
        lambda Y, T, w: 2.0 * w[:, None] * (Y - T) / (w.sum() * Y.shape[1]),  # normalised by Σw
        lambda Y, T, w: 2.0 * w[:, None] * (T - Y) / Y.size,  # sign
    ],
)
def test_weighted_mse_wrong_answers_fail(wrong):
    assert nb03.check_weighted_mse_grad(wrong).status == "fail"
