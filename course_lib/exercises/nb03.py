"""Checkers for notebook 03 · Activations and losses (Eq. 3.4, 3.7, 3.10).

Each checker calls the learner's function on seeded random cases and compares it with course_lib
(the reference): `Sigmoid.fn`, `MSELoss().grad`, `BCEWithLogitsLoss().grad`.
"""

from __future__ import annotations

import re
import warnings

import numpy as np

from ..layers import LeakyReLU, Sigmoid
from ..losses import BCEWithLogitsLoss, MSELoss
from .checking import (
    FAIL,
    PASS,
    Result,
    _copied,
    _describe,
    _not_attempted,
    _type_name,
    call_learner,
    check_array,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
    random_sizes,
)

# Checkers of exercises a course update replaced. No notebook calls them; they stay so that a learner's copy
# made before the update still runs (its cell calls them). tests/exercises/test_checkers.py keeps this list
# exact: every checker is called by its notebook or listed here.
RETIRED = ('check_bce_with_logits_grad', 'check_mse_grad', 'check_stable_sigmoid')


def _check_cases(name, fn, reference, cases, random_cases, equation, *, entrywise=None, tol=1e-8,
                 random_labels=None, large_z=None) -> Result:
    """check_function's loop, with the cases drawn at call time named "(the case drawn at random)" instead of a
    number past the count the pass message gives; a failure entry by entry gets `large_z` (default `_LARGE_Z`)
    appended. With `entrywise`, an entry whose exact value underflows (below the smallest normal float, 0 included)
    must underflow in the answer too: a normal float there (a cut-off's e^(−700) where the truth is e^(−1000) ≈ 0)
    is wrong by a factor beyond any tolerance."""
    if fn is None or fn is Ellipsis:
        return _not_attempted(name)
    cases, random_cases = list(cases), list(random_cases)
    labels = [f"(case {i + 1})" for i in range(len(cases))]
    labels += random_labels or ["(the case drawn at random)"] * len(random_cases)
    for label, args in zip(labels, cases + random_cases, strict=True):
        expected = reference(*_copied(tuple(args)))
        got, verdict = call_learner(name, fn, args)
        if verdict is not None:
            if verdict.status == FAIL:
                verdict = Result(FAIL, f"{verdict.message} ({equation} gives an array of shape {expected.shape})")
            return verdict
        res = check_array(f"{name} {label}", got, expected, equation, tol, entrywise=entrywise)
        if not res.passed:
            kind = getattr(np.asarray(got) if isinstance(got, np.ndarray) else None, "dtype", None)
            if kind is not None and kind.kind == "f" and kind.itemsize < 8:  # float32 first, as check_array does
                return Result(FAIL, f"{name} {label} is {kind} (about {np.finfo(kind).precision} digits): compute in "
                                    f"float64; {equation} must hold to {entrywise or tol:.0e}")
            if "entry by entry" in res.message:
                return Result(FAIL, _more_digits(res.message, got, expected) +
                              (_LARGE_Z if large_z is None else large_z))
            return res
        if entrywise is not None:
            res = _underflow_check(f"{name} {label}", got, expected, equation)
            if res is not None:
                return Result(FAIL, res.message + (_LARGE_Z if large_z is None else large_z))
    return Result(PASS, f"{name} agrees with {equation} on {len(cases)} test cases (rel. error < {tol:.0e}, and "
                        f"every entry to {entrywise:.0e} of its own size)" if entrywise else
                  f"{name} agrees with {equation} on {len(cases)} test cases (rel. error < {tol:.0e})")


def _more_digits(message, got, expected):
    """check_array's entry-by-entry message with 10 significant digits where its 3 show the same number twice
    ("where it gives -1.66e-16 you have -1.66e-16"): the entry it names is the worst relative one, as there."""
    match = re.search(r"where it gives (\S+) you have (\S+) \(", message)
    if match is None or match.group(1) != match.group(2):
        return message
    got, expected = np.asarray(got, dtype=np.float64), np.asarray(expected, dtype=np.float64)
    nonzero = np.abs(expected) >= np.finfo(np.float64).tiny
    ratio = np.where(nonzero, np.abs(got - expected) / np.where(nonzero, np.abs(expected), 1.0), 0.0)
    i = np.unravel_index(int(np.argmax(ratio)), expected.shape)
    return message.replace(match.group(0), f"where it gives {expected[i]:.10g} you have {got[i]:.10g} (")


_LARGE_Z = (". At large |z| the exact values are tiny but not zero, and float64 holds them to full relative "
            "accuracy: compute each factor so that it never rounds to 0 or 1 there (the stable σ of Eq. 3.4, "
            "σ(−z) for 1 − σ(z)), and do not cut them off at some |z|")


def _underflow_check(name, got, expected, equation):
    """None, or a failure where the exact value underflows (|value| below the smallest normal float) but the
    answer is a normal float (far too large, relatively); the answer has passed check_array's checks already."""
    tiny = np.finfo(np.float64).tiny
    got = np.asarray(got, dtype=np.float64)
    bad = (np.abs(expected) < tiny) & (np.abs(got) >= tiny)
    if not np.any(bad):
        return None
    i = tuple(np.argwhere(bad)[0])
    return Result(FAIL, f"{name} fails {equation} entry by entry: where it gives {expected[i] + 0.0:.3g} (the exact "
                        f"value underflows) you have {got[i]:.3g}; small values must be accurate too")


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
# Transfer exercises: a new activation's derivative, a new loss's gradient.
# ---------------------------------------------------------------------------------------------------------


def _elu_derivative_reference(Z, alpha):
    return np.where(Z > 0, 1.0, alpha * np.exp(np.minimum(Z, 0.0)))


def _elu_right_at_zero(Z, alpha):
    return np.where(Z >= 0, 1.0, alpha * np.exp(np.minimum(Z, 0.0)))


_ELU_SMALL = (". For z ≤ 0 the exact value α eᶻ is tiny but not zero down to z ≈ −708, and float64 holds it to full "
              "relative accuracy: compute α·eᶻ directly (α(eᶻ − 1) + α cancels: the sum of two numbers near ∓α "
              "keeps none of eᶻ's digits), and do not cut z off at some value")


def check_elu_derivative(fn) -> Result:
    """Exercise 3.3: `fn(Z, alpha) -> ELU'(Z)` for ELU(z) = z (z > 0), α(eᶻ − 1) (z ≤ 0).

    Reference: 1 for z > 0, α eᶻ for z ≤ 0 (at z = 0 the left value α, as PyTorch does; taking the right-hand
    value 1 there is named). The cases include z = 0 with α ≠ 1, z = 1000 (where eᶻ overflows if it is computed on
    every entry without care), z between −25 and −708 (where α eᶻ is tiny but a normal float: every entry must be
    right to 1e-9 of its own size, so cutting eᶻ off below some z fails), z = −1000 (where α eᶻ underflows to 0 and
    the answer must underflow too: a cut-off's α e^(−700) there is wrong), several α and a random shape drawn at
    call time. A numpy RuntimeWarning (overflow in exp) counts as a failure, as the notebook asks.
    """
    rng = np.random.default_rng(34)
    cases = [
        (rng.standard_normal((4, 3)), 1.0),
        (3.0 * rng.standard_normal(7), 0.5),
        (np.array([[-20.0, -1.0, 0.0, 1e-3, 2.0, 30.0], [-1000.0, -750.0, -0.5, 710.0, 1000.0, 5.0]]), 2.0),
        (np.array([-600.0, -300.0, -45.0, -25.0, 0.0, 25.0]), 0.7),
        (np.array([[-708.0, -705.0, -702.0], [-1000.0, -3.0, 4.0]]), 2.0),  # α eᶻ normal down to −708; 0 at −1000
    ]
    fresh = fresh_rng()
    extra = [(5.0 * fresh.standard_normal(tuple(random_sizes(fresh, 2, 2, 9))), float(fresh.uniform(0.2, 3.0)))]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _check_cases("elu_derivative", fn, _elu_derivative_reference, cases, extra, "the ELU derivative",
                              entrywise=1e-9, large_z=_ELU_SMALL)
    if not result.passed and "rel. error" in result.message and not caught:
        at_zero = _check_cases("elu_derivative", fn, _elu_right_at_zero, cases, [], "the ELU derivative",
                               entrywise=1e-9)
        if at_zero.passed:
            return Result(FAIL, "elu_derivative takes the right-hand value 1 at z = 0; the exercise's convention is "
                                "the left-hand value α (z ≤ 0 is the exponential branch, as in PyTorch)")
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
    result = check_function("weighted_mse_grad", fn, _weighted_mse_reference, cases, "the weighted MSE's gradient",
                            random_cases=_weighted_cases(fresh, [random_sizes(fresh, 2, 2, 9)]))
    if not result.passed and "drops that axis" in result.message:  # w (B,) against (B, n): lined up with columns
        return Result(FAIL, "weighted_mse_grad fails the weighted MSE's gradient: it multiplies the (B, n_out) "
                            "residual by w of shape (B,), and numpy lines w "
                            "up with the n_out columns (and cannot, unless B = n_out), but w_r weights row r; use "
                            "w[:, None] to weight each row")
    return result


def _weighted_cases(rng, shapes):
    return [(rng.standard_normal((B, n)), rng.standard_normal((B, n)), rng.uniform(0.1, 3.0, B)) for B, n in shapes]


# ---------------------------------------------------------------------------------------------------------
# The ladder: predict a finite difference across a kink; derive SiLU', a pos-weighted BCE gradient,
# and show that the BCE curvature is σ(1 − σ) whatever the target.
# ---------------------------------------------------------------------------------------------------------

_KINK_ALPHA, _KINK_H, _KINK_Z = 0.1, 1e-6, (0.0, 3e-7)


def _kink_truth():
    act = LeakyReLU(_KINK_ALPHA)
    return [float((act.fn(np.array(z + _KINK_H)) - act.fn(np.array(z - _KINK_H))) / (2 * _KINK_H))
            for z in _KINK_Z]


def check_leaky_kink_prediction(prediction) -> Result:
    """Exercise 3.1 (predict): the central difference (2.5) of LeakyReLU_0.1 with h = 1e-6 at z = 0 and at z = 3e-7.

    The truth is measured on course_lib's LeakyReLU(0.1); each prediction must be within 1e-4 (the text asks for 4
    decimals; within 2 % but outside, "close: give more digits"). Predicting a
    one-sided slope (1 or α) or ReLU's 0.5 is named.
    """
    name = "your pair of predictions"
    if prediction is None or prediction is Ellipsis:
        return _not_attempted(name)
    if not isinstance(prediction, (tuple, list)) or len(prediction) != 2:
        return Result(FAIL, f"{name} should be two numbers (at z = 0, at z = 3e-7), got {_describe(prediction)}")
    for z, guess, truth in zip(_KINK_Z, prediction, _kink_truth(), strict=True):
        number = exact_number(guess)
        if number is None or not np.isfinite(number):
            return Result(FAIL, f"each prediction should be a number, got {_type_name(guess)}")
        if abs(number - truth) > 1e-4:
            where = "z = 0" if z == 0.0 else "z = 3e-7"
            if abs(number - truth) <= 0.02 * abs(truth):
                return Result(FAIL, f"your prediction at {where} is close, but the exercise asks for 4 decimals "
                                    "(within 1e-4): give more digits")
            slip = {1.0: "that is the slope on the right alone", _KINK_ALPHA: "that is the slope on the left alone",
                    0.5: "that is ReLU's value; here the left slope is α = 0.1, not 0"}
            why = next((f" ({text})" for value, text in slip.items() if abs(number - value) < 1e-9), "")
            return Result(FAIL, f"your prediction at {where} is off by more than 1e-4{why}: the step from z − h to "
                                "z + h straddles the kink; write f(z + h) and f(z − h) with the branch each one uses")
    return Result(PASS, "both predictions match the measured central differences to 1e-4")


def _silu_derivative_reference(Z):
    # SiLU(z) = z σ(z): product rule, σ' = σ(1 − σ) (3.3): SiLU'(z) = σ(z) (1 + z (1 − σ(z))), σ by Eq. (3.4)
    s = Sigmoid.fn(Z)
    return s * (1.0 + Z * (1.0 - s))


def check_silu_derivative(fn) -> Result:
    """Exercise 3.2 (derive): `fn(Z) -> SiLU'(Z)` for SiLU(z) = z σ(z), entry by entry.

    Reference: σ(z)(1 + z(1 − σ(z))) with the stable σ of Eq. (3.4). The cases include z = ±1000, ±745, ±40, and
    z from −45 to −712 (where SiLU' is tiny but a normal float), and one random shape drawn at call time; a numpy
    RuntimeWarning (overflow) that reaches the checker fails, and every entry must be right to 1e-9 of its own size
    (SiLU'(−40) ≈ −1.7e-16 and SiLU'(−700) ≈ −6.9e-302 included); where the exact value underflows the answer
    must underflow too.
    """
    rng = np.random.default_rng(36)
    cases = [
        (np.array([-1000.0, -40.0, -2.0, 0.0, 1.5, 40.0, 1000.0]),),
        (4.0 * rng.standard_normal((3, 5)),),
        (np.array([[-745.0, -30.0], [30.0, 745.0]]),),
        # between −40 and −712 SiLU'(z) ≈ z eᶻ is tiny but a normal float: a σ computed on a clipped z, or a cut-off,
        # is wrong here (the random case stays within ±60, so the verdict is the same on every run)
        (np.array([[-45.0, -60.0, -100.0, -150.0, -200.0, -300.0, -400.0],
                   [-500.0, -600.0, -650.0, -700.0, -705.0, -710.0, -712.0]]),),
    ]
    fresh = fresh_rng()
    extra = [(np.concatenate([[-50.0], np.clip(20.0 * fresh.standard_normal(int(fresh.integers(2, 9))), -60, 60)])
              .reshape(1, -1).repeat(int(fresh.integers(2, 4)), axis=0),)]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = _check_cases("silu_derivative", fn, _silu_derivative_reference, cases, extra,
                              "the SiLU derivative", entrywise=1e-9)
    overflow = [w for w in caught if issubclass(w.category, RuntimeWarning)]
    if result.passed and overflow:
        return Result(FAIL, f"silu_derivative gives the right values but numpy warned: {overflow[0].message} "
                            "(compute σ with Eq. (3.4), which never exponentiates a positive number)")
    return result


def _pos_weight_cases(seed: int | None = 37):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    shapes = [(4, 3), (3, 3), (2, 5)] if seed is not None else [tuple(random_sizes(rng, 2, 2, 9))]
    cases = []
    for B, n in shapes:
        Z = 3.0 * rng.standard_normal((B, n))
        T = (rng.random((B, n)) < 0.5).astype(np.float64)
        cases.append((Z, T, rng.uniform(0.5, 5.0, n)))
    if seed is not None:  # saturated logits with both targets: a gradient through log σ and log(1 − σ) is NaN here
        Z = np.array([[-60.0, -40.0, 40.0, 60.0], [-60.0, -40.0, 40.0, 60.0], [0.5, -1.0, 2.0, -3.0]])
        T = np.array([[0.0, 0.0, 0.0, 0.0], [1.0, 1.0, 1.0, 1.0], [1.0, 0.0, 0.0, 1.0]])
        cases.append((Z, T, np.array([3.0, 0.5, 2.0, 10.0])))
        # soft targets t ∈ (0, 1) (the loss is defined for them, as PyTorch's is): a formula that holds only for
        # t ∈ {0, 1} (one that uses t² = t) fails here
        Z = 3.0 * rng.standard_normal((3, 4))
        cases.append((Z, rng.uniform(0.05, 0.95, (3, 4)), rng.uniform(0.5, 5.0, 4)))
    return cases


def _pos_weight_reference(Z, T, pos_weight):
    # ℓ = −[p t log σ(z) + (1 − t) log(1 − σ(z))]; d/dz log σ = 1 − σ, d/dz log(1 − σ) = −σ, so
    # ∂ℓ/∂z = −p t (1 − σ) + (1 − t) σ, with 1 − σ(z) = σ(−z) exactly: each term keeps its digits at large |z| (the
    # expanded σ (1 + (p − 1) t) − p t gives 0 at z = 60, t = 1, where the value is −p σ(−60)/(B·n_out) ≈ −1e-26).
    # The mean divides by B·n_out. p broadcasts by column.
    return ((1.0 - T) * Sigmoid.fn(Z) - pos_weight * T * Sigmoid.fn(-Z)) / Z.size


def check_pos_weight_bce_grad(fn) -> Result:
    """Exercise 3.5 (derive): `fn(Z, T, pos_weight) -> ∂L/∂Z` for the mean binary cross-entropy on logits in which
    the positive targets of output j are weighted by pos_weight[j] (PyTorch's BCEWithLogitsLoss(pos_weight=…)).

    Reference: ((1 − T) ⊙ σ(Z) − p ⊙ T ⊙ σ(−Z))/(B·n_out), p of shape (n_out,) broadcast down the rows. The
    cases include saturated logits ±40, ±60 with t = 0 and 1, a square case (B = n_out, where p broadcast along
    the wrong axis still runs), soft targets t ∈ (0, 1) (case 5) and one drawn at call time. Every entry must be
    right to 1e-9 of its own size, as in 3.2, 3.3 and 3.6 (z = 60, t = 1, p = 2 gives −2σ(−60)/(B·n_out), tiny but
    a normal float: 1 − σ(60), which rounds to 0, fails there).
    """
    result = _check_cases("pos_weight_bce_grad", fn, _pos_weight_reference, _pos_weight_cases(),
                          _pos_weight_cases(None), "the pos-weighted BCE gradient", entrywise=1e-9)
    if not result.passed and "(case 5)" in result.message:
        return Result(FAIL, result.message + ". Case 5 has soft targets t between 0 and 1 (the loss is defined for "
                                             "them): keep t a number in the derivation; a step that holds only for "
                                             "t = 0 or 1 (such as t² = t) is not allowed")
    return result


def _curvature_cases(seed: int | None = 38):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    shapes = [(3, 4), (5, 1), (2, 2)] if seed is not None else [tuple(random_sizes(rng, 2, 2, 9))]
    cases = []
    for k, (B, n) in enumerate(shapes):
        Z = 4.0 * rng.standard_normal((B, n))
        T = rng.random((B, n)) if k == 2 else (rng.random((B, n)) < 0.5).astype(np.float64)  # soft targets once
        cases.append((Z, T))
        cases.append((Z.copy(), 1.0 - T))  # the same logits with the targets flipped: the answer must not move
    if seed is not None:  # saturated logits: σ(z)(1 − σ(z)) is tiny but a normal float up to |z| ≈ 708
        cases.append((np.array([[-60.0, -20.0, 0.0, 20.0, 60.0], [-300.0, -40.0, 38.0, 45.0, 300.0],
                                [-400.0, -600.0, -700.0, -708.0, 360.0], [400.0, 600.0, 700.0, 708.0, -360.0]]),
                      np.array([[1.0, 0.0, 1.0, 0.0, 1.0], [0.0, 1.0, 0.0, 1.0, 0.5],
                                [1.0, 0.0, 0.5, 1.0, 0.0], [0.0, 1.0, 0.5, 0.0, 1.0]])))
    return cases


def _curvature_reference(Z, T):
    # ∂ℓ/∂z = σ(z) − t (3.10, sum reduction); differentiate once more: ∂²ℓ/∂z² = σ'(z) = σ(z)(1 − σ(z)) (3.3).
    # 1 − σ(z) = σ(−z) exactly; written so, with the stable σ of (3.4), both factors keep their digits at large |z|
    # (1 − σ(z) itself rounds to 0 from z ≈ 37).
    return Sigmoid.fn(Z) * Sigmoid.fn(-Z)


def check_bce_curvature(fn) -> Result:
    """Exercise 3.6 (derive, show that): `fn(Z, T) -> ∂²ℓ/∂z²` entry by entry for ℓ(z, t) of Eq. (3.9).

    Reference: σ(z)σ(−z) = σ(z)(1 − σ(z)) with the stable σ of (3.4), the same for every t. Each case is tried with
    the targets T and with 1 − T (and one with soft targets), so an answer that depends on t fails; plus saturated
    logits up to ±708 on both signs, where every entry must be right to 1e-9 of its own size (so s(1 − s), which is
    0 from z ≈ 37, exp(−z)/(1 + exp(−z))², which is 0 beyond |z| ≈ 355, and a cut-off at some |z| fail), and a case
    drawn at call time, with its targets flipped too.
    """
    return _check_cases("bce_curvature", fn, _curvature_reference, _curvature_cases(), _curvature_cases(None)[:2],
                        "the derivative of Eq. (3.10)", entrywise=1e-9,
                        random_labels=["(the case drawn at random)", "(the case drawn at random, targets flipped)"])


HINTS = {
    "leaky_kink_prediction": [
        "At z = 0 with h = 1e-6, z + h is on the right of the kink and z − h on the left. Which formula of (3.2) "
        "applies to each?",
        "At both points z − h < 0 < z + h. Write f(z + h) with the right branch (slope 1) and f(z − h) with the "
        "left branch (slope α), subtract, divide by 2h, and simplify as a function of z before you put numbers in.",
    ],
    "silu_derivative": [
        "SiLU is a product of z and σ(z): use the product rule, and (3.3) for σ'. Then think about which σ you "
        "call at z = −1000.",
        "Product rule on z·σ(z): (derivative of z)·σ(z) + z·σ′(z), with σ′ from (3.3); then factor σ(z) out. In "
        "code, compute σ once with the stable form (3.4) (or Sigmoid.fn) and reuse it, so no entry exponentiates a "
        "large positive number.",
    ],
    "elu_derivative": [
        "Differentiate each branch of ELU on its own. Then make sure the exponential is never evaluated at a large "
        "positive z, even on entries whose branch is not used (np.where evaluates both).",
        "Differentiate each branch on its own; at 0 use the left branch. In code, np.where evaluates both branches "
        "on every entry, so hand the exponential an argument that is never large and positive (cap it at 0, which "
        "changes nothing where its branch is used). Compute the small values directly, not as a difference of "
        "numbers near α.",
    ],
    "weighted_mse_grad": [
        "Differentiate the sum entry by entry: which terms contain Ŷ_rj? Then think about the shape of w and the "
        "axis it has to stretch along.",
        "Differentiate the double sum by one entry Ŷ_rj: only one term contains it, and w_r is a constant there. "
        "In code, w has one entry per row (sample): give it a shape that stretches along the columns.",
    ],
    "pos_weight_bce_grad": [
        "Follow section 4: write ℓ in terms of log σ(z) and log(1 − σ(z)), differentiate each (no division by σ), "
        "then collect terms. Which entries does p multiply?",
        "Differentiate log σ(z) and log(1 − σ(z)) with σ′ = σ(1 − σ) (3.3): each simplifies to a single term with "
        "no division by σ. Put both into ℓ; p multiplies only the t log σ term. Write 1 − σ(z) as σ(−z) so that "
        "every entry keeps its digits at large |z|. Then divide by B·n_out, with p (one entry per column) "
        "broadcast down the rows.",
    ],
    "bce_curvature": [
        "Start from the gradient (3.10) for one entry, with the sum reduction: ∂ℓ/∂z = σ(z) − t. Differentiate it "
        "once more.",
        "Differentiate the sum-reduced gradient σ(z) − t once more with respect to z (t is a constant), and use "
        "(3.3); a product of two numbers in [0, 1] is never negative. In code, write the factor 1 − σ(z) in a form "
        "that does not round to 0 at large z: by the symmetry of σ it equals σ at −z.",
    ],
}


guard_checkers(globals())
