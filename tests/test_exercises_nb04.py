"""Checkers of notebook 04's transfer exercises (4.4 tied weights, 4.5 per-sample gradients): the reference
passes, None is "not attempted", typical wrong answers fail; the references match central differences."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.exercises import nb04
from course_lib.gradcheck import numerical_grad, rel_error


def tied_right(X, W, T):
    U = X @ W
    H = np.maximum(U, 0.0)
    G = 2.0 * (H @ W.T - T)
    return X.T @ ((G @ W) * (U > 0)) + G.T @ H


def test_tied_reference_matches_finite_differences():
    rng = np.random.default_rng(0)
    X, W, T = rng.standard_normal((6, 4)), rng.standard_normal((4, 3)), rng.standard_normal((6, 4))
    fd = numerical_grad(lambda: float(np.sum((np.maximum(X @ W, 0) @ W.T - T) ** 2)), W)
    assert rel_error(nb04._tied_reference(X, W, T), fd) < 1e-7


def test_right_answers_pass():
    assert nb04.check_tied_weights_grad(tied_right).passed
    assert nb04.check_per_sample_grads(per_sample_right).passed


@pytest.mark.parametrize("check", [nb04.check_tied_weights_grad, nb04.check_per_sample_grads])
def test_none_is_not_attempted(check):
    assert check(None).status == "not attempted yet"


def _parts(X, W, T):
    U = X @ W
    H = np.maximum(U, 0.0)
    G = 2.0 * (H @ W.T - T)
    return X.T @ ((G @ W) * (U > 0)), G.T @ H, H.T @ G


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, W, T: _parts(X, W, T)[0],  # only the encoder's use of W
        lambda X, W, T: _parts(X, W, T)[1],  # only the decoder's use
        lambda X, W, T: _parts(X, W, T)[0] + _parts(X, W, T)[2],  # decoder term not transposed
        lambda X, W, T: 0.5 * (_parts(X, W, T)[0] + _parts(X, W, T)[1]),  # factor 2 of (4.5)
    ],
)
def test_tied_wrong_answers_fail(wrong):
    assert nb04.check_tied_weights_grad(wrong).status == "fail"


def _delta_u(X, W, b1, S, b2, T):
    U = X @ W + b1
    return ((2.0 * (np.maximum(U, 0.0) @ S + b2 - T)) @ S.T) * (U > 0), U


def per_sample_right(X, W, b1, S, b2, T):
    D, _ = _delta_u(X, W, b1, S, b2, T)
    return np.einsum("ri,rj->rij", X, D)


def test_per_sample_reference_sums_to_the_batch_gradient():
    X, W, b1, S, b2, T = nb04._net(1, 5, 4, 6, 3)
    grads = nb04._reference_grads(X, W, b1, S, b2, T)
    assert rel_error(nb04._per_sample_reference(X, W, b1, S, b2, T).sum(axis=0), grads[0]) < 1e-12


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, W, b1, S, b2, T: X.T @ _delta_u(X, W, b1, S, b2, T)[0],  # summed: no sample axis
        lambda X, W, b1, S, b2, T: np.einsum("ri,rj->rji", X, _delta_u(X, W, b1, S, b2, T)[0]),  # transposed
        lambda X, W, b1, S, b2, T: np.einsum(  # ReLU mask forgotten
            "ri,rj->rij", X, (2.0 * (np.maximum(X @ W + b1, 0) @ S + b2 - T)) @ S.T),
        lambda X, W, b1, S, b2, T: per_sample_right(X, W, b1, S, b2, T) / X.shape[0],  # a mean
    ],
)
def test_per_sample_wrong_answers_fail(wrong):
    assert nb04.check_per_sample_grads(wrong).status == "fail"
