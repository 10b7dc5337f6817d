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


# ---- the ladder: 4.1 predict (dead units), 4.2 derive (tanh + mean over samples), 4.3 show that ----

from exercise_support import standard_checker_tests  # noqa: E402

from course_lib.exercises import FAIL, NOT_ATTEMPTED  # noqa: E402


def test_dead_network_is_as_the_notebook_describes_it():
    # units 2 and 5 are off for every sample, every other unit is on for at least one: the counts follow
    X, W, b1, S, b2, T = nb04._dead_network()
    on = (X @ W + b1 > 0).sum(axis=0)
    assert on[1] == on[4] == 0 and all(on[k] > 0 for k in (0, 2, 3, 5))
    assert nb04._dead_zero_counts() == (2 * 4, 2 * 3, 2)  # two dead units × (n_x, n_y, 1)


def test_dead_units_prediction_verdicts():
    check = nb04.check_dead_units_prediction
    assert check((8, 6, 2)).passed and check([8, 6, 2]).passed and check((8.0, 6.0, 2.0)).passed
    assert check(None).status == NOT_ATTEMPTED
    wrong = {
        (2, 2, 2): "one zero per dead unit in every gradient (the column/row length forgotten)",
        (12, 6, 2): "∇W's zeros counted along n_h instead of n_x (a row of ∇W, not a column)",
        (8, 4, 2): "∇S's zeros counted as n_x per unit (∇S's rows have n_y entries)",
        (8, 0, 2): "∇S thought unaffected (H's dead column forgotten in HᵀG_Y)",
        (0, 6, 2): "∇W thought unaffected (ReLU′ = 0 forgotten)",
        (8, 6, 0): "∇b1 thought unaffected",
        (16, 12, 4): "counted for four units",
    }
    for answer, why in wrong.items():
        res = check(answer)
        assert res.status == FAIL and "8" not in res.message.split("counts")[0], (why, str(res))
    for odd in ("8, 6, 2", (8, 6), (8, 6, 2, 0), (8.5, 6, 2), (True, 6, 2), (np.nan, 6, 2), 862, {"W": 8}):
        assert check(odd).status == FAIL, odd


def tanh_mean_right(X, W, b1, S, b2, T, scale=None, tanh_prime="right", sum_db=True):
    H = np.tanh(X @ W + b1)
    G_Y = (2.0 / X.shape[0] if scale is None else scale(X, T)) * (H @ S + b2 - T)
    fp = {"right": 1 - H**2, "relu": (X @ W + b1 > 0) * 1.0, "one minus": 1 - H, "none": 1.0}[tanh_prime]
    Delta_U = (G_Y @ S.T) * fp
    agg = (lambda A: A.sum(axis=0)) if sum_db else (lambda A: A.mean(axis=0))
    return X.T @ Delta_U, agg(Delta_U), H.T @ G_Y, agg(G_Y)


def homogeneity_right(X, W, S, T):
    Y = np.maximum(X @ W, 0.0) @ S
    return float(np.sum(Y * 2.0 * (Y - T)))


def test_tanh_mean_reference_matches_finite_differences():
    for i, sizes in enumerate([(5, 4, 6, 3), (1, 3, 2, 2)]):
        X, W, b1, S, b2, T = nb04._net(80 + i, *sizes)

        def loss(X=X, W=W, b1=b1, S=S, b2=b2, T=T):
            return float(np.sum((np.tanh(X @ W + b1) @ S + b2 - T) ** 2) / X.shape[0])

        for value, grad in zip((W, b1, S, b2), nb04._tanh_mean_reference(X, W, b1, S, b2, T), strict=True):
            assert rel_error(numerical_grad(loss, value), grad) < 1e-8


def test_homogeneity_reference_is_euler_and_matches_the_S_side():
    rng = np.random.default_rng(5)
    for B, n_x, n_h, n_y in nb04.SIZES:
        X, W = rng.standard_normal((B, n_x)), rng.standard_normal((n_x, n_h))
        S, T = rng.standard_normal((n_h, n_y)), rng.standard_normal((B, n_y))
        ref = nb04._homogeneity_reference(X, W, S, T)
        fd = numerical_grad(lambda W=W, X=X, S=S, T=T: float(np.sum((np.maximum(X @ W, 0) @ S - T) ** 2)), W)
        assert abs(float(np.sum(W * fd)) - ref) < 1e-6 * abs(ref)
        U = X @ W
        dS = np.maximum(U, 0).T @ (2 * (np.maximum(U, 0) @ S - T))
        assert abs(float(np.sum(S * dS)) - ref) < 1e-10 * abs(ref)
        assert abs(homogeneity_right(X, W, S, T) - ref) < 1e-10 * abs(ref)


def _fixed_only(wrong):
    """Right on the checker's fixed cases (recognised by X's bytes), wrong elsewhere: the random case rejects it."""
    known = {nb04._net(70 + i, *s)[0].tobytes() for i, s in enumerate([(5, 4, 6, 3), (1, 3, 2, 2), (8, 2, 7, 2)])}

    def fn(X, *rest):
        return (nb04._tanh_mean_reference if X.tobytes() in known else wrong)(X, *rest)

    return fn


CASES = {
    "tanh_mean_grads": (nb04.check_tanh_mean_grads, tanh_mean_right, [
        lambda *a: tanh_mean_right(*a, scale=lambda X, T: 2.0 / T.size),  # 1/(B·n_y): the mean over outputs too
        lambda *a: tanh_mean_right(*a, scale=lambda X, T: 2.0),  # the sum loss of section 5: 1/B forgotten
        lambda *a: tanh_mean_right(*a, scale=lambda X, T: 1.0 / X.shape[0]),  # the 2 of the square forgotten
        lambda *a: tanh_mean_right(*a, tanh_prime="relu"),  # ReLU′ kept from section 5
        lambda *a: tanh_mean_right(*a, tanh_prime="one minus"),  # tanh′ written as 1 − tanh
        lambda *a: tanh_mean_right(*a, tanh_prime="none"),  # no f′ at all
        lambda *a: tanh_mean_right(*a, sum_db=False),  # bias gradients averaged again over the batch
        _fixed_only(lambda *a: tanh_mean_right(*a, scale=lambda X, T: 2.0)),  # hard-coded to the fixed cases
    ]),
    "homogeneity": (nb04.check_homogeneity, homogeneity_right, [
        lambda X, W, S, T: homogeneity_right(X, W, S, T) / 2,  # ⟨Y, Y − T⟩: the 2 of G_Y forgotten
        lambda X, W, S, T: 2 * homogeneity_right(X, W, S, T),  # ⟨W, ∇W⟩ + ⟨S, ∇S⟩: the two sides added
        lambda X, W, S, T: float(np.sum((np.maximum(X @ W, 0) @ S - T) ** 2)),  # L itself
        lambda X, W, S, T: float(2 * np.sum((np.maximum(X @ W, 0) @ S) * T)),  # ⟨Y, 2T⟩: the sign of T
        lambda X, W, S, T: 0.0,  # "the two sides cancel"
    ]),
}
(test_reference_answer_passes, test_none_reads_not_attempted, test_template_reads_not_attempted,
 test_typical_wrong_answers_fail) = standard_checker_tests(CASES)


def test_tanh_mean_names_the_loss_factor():
    msg = nb04.check_tanh_mean_grads(lambda *a: tanh_mean_right(*a, scale=lambda X, T: 2.0)).message
    assert "every array" in msg and "G_Y = ∂L/∂Y = 2(Y − T)/B" in msg, msg


def test_homogeneity_abs_fails_on_the_negative_cases():
    """Learner trial J: `abs(2 Σ Y ⊙ (Y − T))` passed while every case's value was positive; the fixed cases with
    T = 3Y + noise make ⟨W, ∇W L⟩ negative, so dropping the sign fails on every run."""
    for _ in range(20):
        res = nb04.check_homogeneity(lambda X, W, S, T: abs(homogeneity_right(X, W, S, T)))
        assert res.status == FAIL and "case 5" in res.message, str(res)
        assert nb04.check_homogeneity(homogeneity_right).passed
