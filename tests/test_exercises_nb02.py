"""The transfer-exercise checkers of notebook 02: the right answer passes, None is "not attempted", and the
typical wrong answers (factor 2, a missing term, a missing transpose, the layout mix-up) fail.

The references are not trusted on their own: each is compared with finite differences of the loss it
claims to differentiate.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.exercises import NOT_ATTEMPTED, nb02
from course_lib.gradcheck import numerical_grad, rel_error


def ridge_right(X, W, Y, lam):
    return 2 * X.T @ (X @ W - Y) + 2 * lam * W


def test_ridge_reference_matches_finite_differences():
    for X, W, Y, lam in nb02._ridge_cases():
        W = W.copy()

        def loss(X=X, W=W, Y=Y, lam=lam):
            return np.sum((X @ W - Y) ** 2) + lam * np.sum(W**2)

        assert rel_error(numerical_grad(loss, W), nb02._ridge_reference(X, W, Y, lam)) < 1e-8


def test_ridge_right_answer_passes_and_none_is_not_attempted():
    assert nb02.check_ridge_grad(ridge_right).passed
    assert nb02.check_ridge_grad(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, W, Y, lam: X.T @ (X @ W - Y) + lam * W,  # the factor 2 of the squares forgotten
        lambda X, W, Y, lam: 2 * X.T @ (X @ W - Y),  # the weight-decay term forgotten
        lambda X, W, Y, lam: 2 * X.T @ (X @ W - Y) + lam * W,  # the 2 of λ‖W‖² forgotten
        lambda X, W, Y, lam: 2 * (X @ W - Y).T @ X + 2 * lam * W.T,  # numerator layout (transposed)
        lambda X, W, Y, lam: 2 * X.T @ (Y - X @ W) + 2 * lam * W,  # sign of the residual
    ],
)
def test_ridge_wrong_answers_fail(wrong):
    res = nb02.check_ridge_grad(wrong)
    assert res.status == "fail", res


def fixed_right(x, W, t):
    a = np.tanh(W.T @ x)
    d = (a - t) * (1 - a**2)
    return W @ d, np.outer(x, d)


def test_fixed_grads_reference_matches_finite_differences():
    for x, W, t in nb02._bug_cases():
        x, W = x.copy(), W.copy()

        def loss(x=x, W=W, t=t):
            return 0.5 * np.sum((np.tanh(W.T @ x) - t) ** 2)

        dx, dW = nb02._fixed_reference(x, W, t)
        assert rel_error(numerical_grad(loss, x), dx) < 1e-8
        assert rel_error(numerical_grad(loss, W), dW) < 1e-8


def test_fixed_grads_right_answer_passes_and_none_is_not_attempted():
    assert nb02.check_fixed_grads(fixed_right).passed
    assert nb02.check_fixed_grads(None).status == NOT_ATTEMPTED


def _buggy(x, W, t):  # the printed derivation, as it stands
    a = np.tanh(W.T @ x)
    d = (a - t) * (1 - a**2)
    return W.T @ d, np.outer(d, x)


@pytest.mark.parametrize(
    "wrong",
    [
        _buggy,
        lambda x, W, t: (fixed_right(x, W, t)[0], _buggy(x, W, t)[1]),  # only ∂L/∂x fixed
        lambda x, W, t: (_buggy(x, W, t)[0], fixed_right(x, W, t)[1]),  # only ∂L/∂W fixed
        lambda x, W, t: (W @ (np.tanh(W.T @ x) - t), np.outer(x, np.tanh(W.T @ x) - t)),  # tanh' left out
        lambda x, W, t: fixed_right(x, W, t)[1],  # a single array instead of the pair
    ],
)
def test_fixed_grads_wrong_answers_fail(wrong):
    res = nb02.check_fixed_grads(wrong)
    assert res.status == "fail", res
