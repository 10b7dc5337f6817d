"""The transfer-exercise checkers of notebook 05: the right answer passes, None is "not attempted", and the
typical wrong answers fail.

Each reference is checked independently: ∂L/∂X against finite differences of the loss; the measured rank
against min(B, n_in, n_out), the rank of a sum of B generic outer products.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.exercises import FAIL, NOT_ATTEMPTED, nb05
from course_lib.gradcheck import numerical_grad, rel_error


def _forward(Ws, bs, X):
    As = [X]
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        Z = As[-1] @ W + b
        As.append(Z if l == len(Ws) - 1 else np.tanh(Z))
    return As


def saliency_right(Ws, bs, X, T):
    As = _forward(Ws, bs, X)
    G = As[-1] - T
    for l in range(len(Ws) - 1, -1, -1):
        Delta = G if l == len(Ws) - 1 else G * (1 - As[l + 1] ** 2)
        G = Delta @ Ws[l].T
    return G


def _saliency_variant(tanh_prime_at_input=False, no_tanh_prime=False, no_transpose=False, stop_at_delta1=False,
                      factor=1.0):
    def fn(Ws, bs, X, T):
        As = _forward(Ws, bs, X)
        G = factor * (As[-1] - T)
        for l in range(len(Ws) - 1, -1, -1):
            if l == len(Ws) - 1 or no_tanh_prime:
                Delta = G
            else:
                Delta = G * (1 - As[l + 1] ** 2)
            if l == 0 and stop_at_delta1:
                return Delta
            G = Delta @ (Ws[l] if no_transpose else Ws[l].T)
        return G * (1 - np.tanh(X) ** 2) if tanh_prime_at_input else G

    return fn


def test_saliency_reference_matches_finite_differences():
    for Ws, bs, X, T in nb05._saliency_cases():
        X = X.copy()

        def loss(Ws=Ws, bs=bs, X=X, T=T):
            return 0.5 * np.sum((_forward(Ws, bs, X)[-1] - T) ** 2)

        assert rel_error(numerical_grad(loss, X), nb05._saliency_reference(Ws, bs, X, T)) < 1e-8


def test_saliency_right_answer_passes_and_none_is_not_attempted():
    assert nb05.check_input_gradient(saliency_right).passed
    assert nb05.check_input_gradient(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong",
    [
        _saliency_variant(tanh_prime_at_input=True),  # an f' at the input, which is no activation
        _saliency_variant(no_tanh_prime=True),  # the activation's factor forgotten
        _saliency_variant(no_transpose=True),  # W instead of Wᵀ (runs on the square network)
        _saliency_variant(stop_at_delta1=True),  # Δ_1 instead of ∂L/∂X
        _saliency_variant(factor=2.0),  # ∂/∂Ŷ of ½Σ(Ŷ − T)² taken as 2(Ŷ − T)
        _saliency_variant(factor=-1.0),  # sign of the residual
    ],
)
def test_saliency_wrong_answers_fail(wrong):
    assert nb05.check_input_gradient(wrong).status == FAIL


def test_measured_rank_is_the_rank_of_a_sum_of_B_outer_products():
    for B, n_in, n_out in nb05._RANK_SIZES:
        assert nb05._measured_rank(B, n_in, n_out) == min(B, n_in, n_out)


def test_rank_prediction_verdicts():
    assert nb05.check_rank_prediction(lambda B, n_in, n_out: min(B, n_in, n_out)).passed
    assert nb05.check_rank_prediction(None).status == NOT_ATTEMPTED
    for wrong in (
        lambda B, n_in, n_out: min(n_in, n_out),  # the batch size forgotten
        lambda B, n_in, n_out: B,  # the widths forgotten
        lambda B, n_in, n_out: 1,  # "an outer product has rank 1", for any batch
        lambda B, n_in, n_out: n_in * n_out,  # the number of entries
    ):
        assert nb05.check_rank_prediction(wrong).status == FAIL
