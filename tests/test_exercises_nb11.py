"""Notebook 11's transfer checkers: the reference passes, None is "not attempted", typical wrong answers fail."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.exercises import FAIL, NOT_ATTEMPTED, PASS, nb11


def excerpt(X, W1, b1, W2, T, *, bug=None):
    Z1 = X @ W1 + b1
    A1 = np.tanh(Z1)
    dY = 2 * (A1 @ W2 - T) / len(X)
    if bug == "factor 2":
        dY = dY / 2
    G1 = dY @ W2.T
    if bug == "as printed (1 − Z²)":
        return X.T @ (G1 * (1 - Z1**2))
    if bug == "sign":
        return -(X.T @ (G1 * (1 - A1**2)))
    if bug == "transposed":
        return (X.T @ (G1 * (1 - A1**2))).T
    if bug == "tanh' left out":
        return X.T @ G1
    return X.T @ (G1 * (1 - A1**2))


EXCERPT_BUGS = ["as printed (1 − Z²)", "factor 2", "sign", "transposed", "tanh' left out"]


def test_excerpt_reference_passes():
    res = nb11.check_excerpt_grad_W1(excerpt)
    assert res.status == PASS, res


def test_excerpt_none_is_not_attempted():
    assert nb11.check_excerpt_grad_W1(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize("bug", EXCERPT_BUGS)
def test_excerpt_wrong_answers_fail(bug):
    res = nb11.check_excerpt_grad_W1(lambda *args: excerpt(*args, bug=bug))
    assert res.status == FAIL, (bug, res)


def test_s3_learning_rates_reference_passes():
    res = nb11.check_s3_learning_rates(lambda lr: (4 * lr, 2 * lr))
    assert res.status == PASS, res


def test_s3_learning_rates_none_is_not_attempted():
    assert nb11.check_s3_learning_rates(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong",
    [lambda lr: (lr, lr), lambda lr: (2 * lr, 4 * lr), lambda lr: (lr / 4, lr / 2), lambda lr: (4 * lr, 4 * lr),
     lambda lr: 4 * lr],
    ids=["unchanged", "swapped", "inverted", "both 4x", "one number"],
)
def test_s3_learning_rates_wrong_answers_fail(wrong):
    assert nb11.check_s3_learning_rates(wrong).status == FAIL


def test_s3_factors_are_measured_not_typed():
    """The checker's factors come from finite differences of course_lib.sources' S3 pair: 4 and 2."""
    k_a, k_b = nb11._s3_factors()
    assert abs(k_a - 4) < 1e-6 and abs(k_b - 2) < 1e-12
