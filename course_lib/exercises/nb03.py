"""Checkers for notebook 03 · Activations and losses (Eq. 3.4, 3.7, 3.10).

Each checker calls the learner's function on seeded random cases and compares it with course_lib
(the reference): `Sigmoid.fn`, `MSELoss().grad`, `BCEWithLogitsLoss().grad`.
"""

from __future__ import annotations

import warnings

import numpy as np

from ..layers import Sigmoid
from ..losses import BCEWithLogitsLoss, MSELoss
from . import FAIL, Result, check_function


def _pairs(seed, shapes, scale=1.0, targets="normal"):
    rng = np.random.default_rng(seed)
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

    The cases include z = ±1000 and ±40 (where the naive formula overflows or rounds to 1). A numpy
    RuntimeWarning (overflow in exp) counts as a failure: the stable form never produces one.
    """
    rng = np.random.default_rng(3)
    cases = [
        (np.array([-1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0]),),
        (10.0 * rng.standard_normal((4, 5)),),
        (np.array([[-745.0, -700.0], [700.0, 745.0]]),),
    ]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = check_function("stable_sigmoid", fn, Sigmoid.fn, cases, "Eq. (3.4)", tol=1e-12)
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
    return check_function("mse_grad", fn, ref, _pairs(30, [(4, 3), (1, 1), (7, 2)]), "Eq. (3.7)")


def check_bce_with_logits_grad(fn) -> Result:
    """Check `fn(Z, T) -> ∂L/∂Z` for the mean binary cross-entropy on logits, Eq. (3.10).

    Reference: course_lib's BCEWithLogitsLoss(reduction="mean").grad; the cases include saturated
    logits z ∈ {±40, ±60} with t ∈ {0, 1}: σ(z) rounds to exactly 1 from z ≈ 36.8, so a separate
    sigmoid-then-log gradient gives NaN there.
    """
    ref = BCEWithLogitsLoss("mean").grad
    cases = _pairs(31, [(4, 3), (2, 1)], scale=3.0, targets="binary")
    cases += _pairs(32, [(3, 2)], scale=30.0, targets="binary")
    saturated = np.array([[-60.0, -40.0, 40.0, 60.0]] * 2)
    cases.append((saturated, np.array([[0.0] * 4, [1.0] * 4])))
    return check_function("bce_with_logits_grad", fn, ref, cases, "Eq. (3.10)")
