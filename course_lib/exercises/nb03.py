"""Checkers for notebook 03 · Activations and losses (Eq. 3.4, 3.7, 3.10).

Each checker calls the learner's function on seeded random cases and compares it with course_lib
(the reference): `Sigmoid.fn`, `MSELoss().grad`, `BCEWithLogitsLoss().grad`.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..layers import Sigmoid
from ..losses import BCEWithLogitsLoss, MSELoss
from . import FAIL, Result, check_function, fresh_rng, guard_checkers, random_sizes


def _pairs(seed, shapes, scale=1.0, targets="normal"):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    cases = []
    for shape in shapes:
        Y = scale * rng.standard_normal(shape)
        if targets == "binary":
            T = (rng.random(shape) < 0.5).astype(np.float64)
        else:
            T = rng.standard_normal(shape)
        cases.append((Y, T))
    return cases


def check_stable_sigmoid(fn) -> Result:
    """Check `fn(Z) -> σ(Z)` against the stable sigmoid, Eq. (3.4).

    The cases include z = ±1000 and ±40 (where the naive formula overflows or rounds to 1), and one random
    shape drawn at call time. A numpy RuntimeWarning (overflow in exp) counts as a failure: the stable form
    never produces one. Besides the norm-wise error, every entry must be right to 1e-9 of its own size
    (σ(−40) ≈ 4.2e-18 included: that accuracy is what Eq. 3.4 keeps and a clipped z loses).
    """
    rng = np.random.default_rng(3)
    cases = [
        (np.array([-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0]),),
        (10.0 * rng.standard_normal((4, 5)),),
        (np.array([[-745.0, -700.0], [700.0, 745.0]]),),
    ]
    fresh = fresh_rng()
    extra = [(np.concatenate([[-60.0], 200.0 * fresh.standard_normal(int(fresh.integers(2, 9)))]).reshape(1, -1)
              .repeat(int(fresh.integers(2, 4)), axis=0),)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = check_function("stable_sigmoid", fn, Sigmoid.fn, cases, "Eq. (3.4)", tol=1e-12,
                                random_cases=extra, entrywise=1e-9)
    overflow = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if result.passed and overflow:
        msg = overflow[0].message
        return Result(FAIL, f"stable_sigmoid gives the right values but numpy warned: {msg} (Eq. 3.4 never does)")
    return result


def check_mse_grad(fn) -> Result:
    """Check `fn(Y, T) -> ∂L/∂Y` for the mean squared error L = Σ(Y−T)²/(B·n_out), Eq. (3.7).

    Reference: course_lib's MSELoss(reduction="mean").grad on random (B, n_out) batches.
    """
    ref = MSELoss("mean").grad
    return check_function("mse_grad", fn, ref, _pairs(30, [(4, 3), (1, 1), (7, 2)]), "Eq. (3.7)",
                          random_cases=_pairs(None, [tuple(random_sizes(fresh_rng(), 2, 2, 9))]))


def check_bce_with_logits_grad(fn) -> Result:
    """Check `fn(Z, T) -> ∂L/∂Z` for the mean binary cross-entropy on logits, Eq. (3.10).

    Reference: course_lib's BCEWithLogitsLoss(reduction="mean").grad; the cases include saturated
    logits z ∈ {±40, ±60} with t ∈ {0, 1}: σ(z) rounds to exactly 1 from z ≈ 36.8, so a separate
    sigmoid-then-log gradient gives NaN there.
    """
    ref = BCEWithLogitsLoss("mean").grad
    cases = _pairs(31, [(4, 3), (2, 1)], scale=3.0, targets="binary")
    (Z, T), = _pairs(32, [(2, 4)], scale=30.0, targets="binary")
    Z = np.vstack([[-60.0, -40.0, 40.0, 60.0], [-60.0, -40.0, 40.0, 60.0], Z])  # saturated, t = 0 and t = 1
    T = np.vstack([np.zeros(4), np.ones(4), T])
    cases.append((Z, T))
    extra = _pairs(None, [tuple(random_sizes(fresh_rng(), 2, 2, 9))], scale=30.0, targets="binary")
    return check_function("bce_with_logits_grad", fn, ref, cases, "Eq. (3.10)", random_cases=extra)


# ---------------------------------------------------------------------------------------------------------
# Transfer exercises (issue 12): a new activation's derivative, a new loss's gradient.
# ---------------------------------------------------------------------------------------------------------


def _elu_derivative_reference(Z, alpha):
    return np.where(Z > 0, 1.0, alpha * np.exp(np.minimum(Z, 0.0)))


def check_elu_derivative(fn) -> Result:
    """Exercise 3.4: `fn(Z, alpha) -> ELU'(Z)` for ELU(z) = z (z > 0), α(eᶻ − 1) (z ≤ 0).

    Reference: 1 for z > 0, α eᶻ for z ≤ 0 (at z = 0 the left value α, as PyTorch does). The cases avoid
    nothing: they include z = 0, z = 1000 (where eᶻ overflows if it is computed on every entry without
    care), several α and a random shape drawn at call time. A numpy RuntimeWarning (overflow in exp)
    counts as a failure, as the notebook asks: "do not let an unused branch overflow".
    """
    rng = np.random.default_rng(34)
    cases = [
        (rng.standard_normal((4, 3)), 1.0),
        (3.0 * rng.standard_normal(7), 0.5),
        (np.array([[-20.0, -1.0, 0.0, 1e-3, 2.0, 30.0], [-1000.0, -750.0, -0.5, 710.0, 1000.0, 5.0]]), 2.0),
    ]
    fresh = fresh_rng()
    extra = [(5.0 * fresh.standard_normal(tuple(random_sizes(fresh, 2, 2, 9))), float(fresh.uniform(0.2, 3.0)))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = check_function("elu_derivative", fn, _elu_derivative_reference, cases, "the ELU derivative",
                                random_cases=extra)
    overflow = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if result.passed and overflow:
        return Result(FAIL, f"elu_derivative gives the right values but numpy warned: {overflow[0].message} "
                            "(an unused branch overflowed at z = 1000: compute eᶻ only on values where it "
                            "cannot overflow)")
    return result


def _weighted_mse_reference(Y, T, w):
    return 2.0 * w[:, None] * (Y - T) / Y.size


def check_weighted_mse_grad(fn) -> Result:
    """Exercise 3.5: `fn(Y, T, w) -> ∂L/∂Y` for L = Σ_rj w_r (Y_rj − T_rj)² / (B·n_out), w of shape (B,).

    Reference: 2 w_r (Y_rj − T_rj)/(B·n_out), i.e. 2·w[:, None]·(Y − T)/Y.size. One case is square
    (B = n_out), where weights broadcast along the wrong axis still run.
    """
    cases = _weighted_cases(np.random.default_rng(35), [(5, 2), (3, 3), (1, 4), (6, 1)])
    fresh = fresh_rng()
    return check_function("weighted_mse_grad", fn, _weighted_mse_reference, cases, "the weighted MSE's gradient",
                          random_cases=_weighted_cases(fresh, [random_sizes(fresh, 2, 2, 9)]))


def _weighted_cases(rng, shapes):
    return [(rng.standard_normal((B, n)), rng.standard_normal((B, n)), rng.uniform(0.1, 3.0, B)) for B, n in shapes]


guard_checkers(globals())
