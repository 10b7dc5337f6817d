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


# ---- the ladder: 3.1 predict, 3.2 SiLU', 3.5 pos-weighted BCE, 3.6 show that ℓ'' = σ(1 − σ) -------

def sig(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # σ without overflow, independent of course_lib's code


def naive_sig(z):
    return 1.0 / (1.0 + np.exp(-z))


def test_leaky_kink_prediction_right_passes_and_none_is_not_attempted():
    assert nb03.check_leaky_kink_prediction((0.55, 0.685)).passed
    assert nb03.check_leaky_kink_prediction([0.55, 0.68501]).passed  # within 1e-4
    assert nb03.check_leaky_kink_prediction(None).status == "not attempted yet"


@pytest.mark.parametrize(
    "prediction, match",
    [
        ((0.5, 0.685), "ReLU's value"),  # ReLU's 0.5 from notebook 02 carried over: the left slope is α, not 0
        ((1.0, 1.0), "right alone"),  # the slope on the side z ≥ 0, as if the step did not straddle the kink
        ((0.1, 0.685), "left alone"),  # the backward pass's convention at z ≤ 0
        ((0.55, 0.55), "z = 3e-7"),  # the offset z inside the step ignored
        ((0.55, 1.0), "right alone"),  # 3e-7 > 0 read as "on the right of the kink"
        ((0.685, 0.55), "z = 0"),  # swapped
        (0.55, "two numbers"),  # one number where two are asked for
    ],
)
def test_leaky_kink_prediction_wrong_answers_fail(prediction, match):
    result = nb03.check_leaky_kink_prediction(prediction)
    assert result.status == "fail" and match in result.message, result


def test_silu_reference_matches_finite_differences():
    z = np.linspace(-8, 8, 801)
    h = 1e-6
    fd = ((z + h) * sig(z + h) - (z - h) * sig(z - h)) / (2 * h)
    assert rel_error(nb03._silu_derivative_reference(z), fd) < 1e-8


def stable_sig(z):  # Eq. (3.4) written out again: accurate entry by entry, σ(−40) ≈ 4.2e-18 included
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def silu_right(Z):
    s = stable_sig(Z)
    return s + Z * s * (1 - s)


def silu_naive(Z):  # the textbook σ: overflows at z = −1000
    s = naive_sig(Z)
    return s * (1 + Z * (1 - s))


def silu_clipped(Z):  # clipping z before σ: no warning, but SiLU'(−40) comes out 150× too large
    s = naive_sig(np.clip(Z, -35, 35))
    return s * (1 + Z * (1 - s))


def silu_no_product_rule(Z):  # z σ'(z): the σ(z) term of the product rule dropped
    s = sig(Z)
    return Z * s * (1 - s)


def silu_sigma_prime(Z):  # σ'(z) alone: the derivative of the wrong function
    s = sig(Z)
    return s * (1 - s)


def silu_value(Z):  # SiLU itself, not its derivative
    return Z * sig(Z)


@pytest.mark.parametrize("wrong", [silu_naive, silu_clipped, silu_no_product_rule, silu_sigma_prime, silu_value])
def test_silu_wrong_answers_fail(wrong):
    assert nb03.check_silu_derivative(wrong).status == "fail"


def test_silu_right_passes_and_template_is_not_attempted():
    assert nb03.check_silu_derivative(silu_right).passed
    assert nb03.check_silu_derivative(None).status == "not attempted yet"

    def template(Z):
        raise NotImplementedError()

    assert nb03.check_silu_derivative(template).status == "not attempted yet"


def test_pos_weight_reference_matches_finite_differences():
    for Z, T, p in nb03._pos_weight_cases()[:3]:
        Z = Z.copy()

        def loss(Z=Z, T=T, p=p):
            s = sig(Z)
            return float(np.mean(-(p * T * np.log(s) + (1 - T) * np.log(1 - s))))

        assert rel_error(numerical_grad(loss, Z), nb03._pos_weight_reference(Z, T, p)) < 1e-7


def sig_tiny(z):
    """σ accurate to its own size at large −z too (the tanh form rounds σ(−60) to 0), by Eq. (3.4)."""
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0, e) / (1.0 + e)


def pos_weight_right(Z, T, p):
    return ((1 - T) * sig_tiny(Z) - p * T * sig_tiny(-Z)) / Z.size


@pytest.mark.parametrize(
    "wrong",
    [
        lambda Z, T, p: p * (sig(Z) - T) / Z.size,  # p multiplies the negatives' term too
        lambda Z, T, p: (sig(Z) - T) / Z.size,  # p ignored: plain (3.10)
        lambda Z, T, p: ((1 - T) * p * sig(Z) - T * (1 - sig(Z))) / Z.size,  # p on the negatives instead
        lambda Z, T, p: sig(Z) * (1 + (p - 1) * T) - p * T,  # the mean's 1/(B·n_out) forgotten
        lambda Z, T, p: (sig(Z) * (1 + (p[:, None] - 1) * T) - p[:, None] * T) / Z.size,  # p as a column
        lambda Z, T, p: (-p * T / naive_sig(Z) + (1 - T) / (1 - naive_sig(Z)))  # through log σ: NaN at ±60
        * naive_sig(Z) * (1 - naive_sig(Z)) / Z.size,
        lambda Z, T, p: (p * T - sig(Z) * (1 + (p - 1) * T)) / Z.size,  # sign
    ],
)
def test_pos_weight_wrong_answers_fail(wrong):
    with np.errstate(all="ignore"):
        assert nb03.check_pos_weight_bce_grad(wrong).status == "fail"


def test_pos_weight_right_passes_and_none_is_not_attempted():
    assert nb03.check_pos_weight_bce_grad(pos_weight_right).passed
    assert nb03.check_pos_weight_bce_grad(None).status == "not attempted yet"


def test_curvature_reference_matches_finite_differences_of_the_gradient():
    z = np.linspace(-10, 10, 401)
    h = 1e-5
    for t in (0.0, 0.3, 1.0):
        fd = ((sig(z + h) - t) - (sig(z - h) - t)) / (2 * h)  # the derivative of (3.10) with the sum reduction
        assert rel_error(nb03._curvature_reference(z, np.full_like(z, t)), fd) < 1e-8


@pytest.mark.parametrize(
    "wrong",
    [
        lambda Z, T: sig(Z) - T,  # the first derivative (3.10) again
        lambda Z, T: -sig(Z) * (1 - sig(Z)),  # sign: would make the loss concave
        lambda Z, T: sig(Z) * (1 - sig(Z)) / Z.size,  # the mean's 1/(B·n_out), which the item excludes
        lambda Z, T: np.where(T > 0.5, sig(Z) * (1 - sig(Z)), sig(Z)),  # depends on the target
        lambda Z, T: 1 - np.tanh(Z) ** 2,  # tanh' instead of σ'
        lambda Z, T: T * (1 - sig(Z)) + (1 - T) * sig(Z),  # |∂ℓ/∂z|, not its derivative
    ],
)
def test_curvature_wrong_answers_fail(wrong):
    assert nb03.check_bce_curvature(wrong).status == "fail"


def test_curvature_right_passes_and_none_is_not_attempted():
    assert nb03.check_bce_curvature(lambda Z, T: stable_sig(Z) * stable_sig(-Z)).passed
    assert nb03.check_bce_curvature(None).status == "not attempted yet"


def test_hints_cover_every_exercise_of_notebook_03():
    from course_lib.exercises.solutions import exercises

    ids = [ex["id"] for ex in exercises("03")]
    assert ids == ["leaky_kink_prediction", "silu_derivative", "elu_derivative", "weighted_mse_grad",
                   "pos_weight_bce_grad", "bce_curvature"]
    for ex_id in ids:
        nudge, key = nb03.HINTS[ex_id]
        assert nudge and key and nudge != key


# ---- the learner trial's false passes and messages (3.2, 3.3, 3.6) ---------------------------------------------

@pytest.mark.parametrize(
    "wrong",
    [
        # cut off below z = −20: α eᶻ is a normal float down to z ≈ −708, and 1e-9 of its own size is what the
        # notebook asks of every entry (the stable σ of Eq. 3.4 keeps it)
        lambda z, a: np.where(z < -20, 0.0, np.where(z > 0, 1.0, a * np.exp(np.minimum(z, 0.0)))),
        # ELU(z) + α: the same function on paper, but α(eᶻ − 1) + α cancels to 0 from z ≈ −37
        lambda z, a: np.where(z > 0, 1.0, elu(z, a) + a),
    ],
)
def test_elu_inaccurate_small_entries_fail_and_are_named(wrong):
    result = nb03.check_elu_derivative(wrong)
    assert result.status == "fail" and "entry by entry" in result.message and "α·eᶻ directly" in result.message, result
    assert "σ" not in result.message, result  # ELU has no σ: the advice names the cancellation, not Eq. (3.4)


def test_elu_right_hand_value_at_zero_is_named():
    # 1 at z = 0 is the right-hand derivative; the exercise fixes the left-hand value α (the case with α = 2 has a 0)
    result = nb03.check_elu_derivative(lambda z, a: np.where(z >= 0, 1.0, a * np.exp(np.minimum(z, 0.0))))
    assert result.status == "fail" and "z = 0" in result.message and "left-hand" in result.message, result


def test_naive_formulas_with_overflow_silenced_pass_only_where_their_values_are_right():
    # The decision for 3.2 and 3.3: the exercises promise right values entry by entry and that no warning reaches
    # the caller. ELU's naive np.where under np.errstate(over="ignore") gives exactly the right values (the unused
    # branch's inf is discarded by np.where), so it passes; the checker cannot honestly see inside. The naive σ of
    # SiLU does not: at z = −710, e^710 overflows, σ comes out 0 and SiLU'(−710) ≈ −3.2e-306 (a normal float) is
    # lost, so it fails on its values, not on the silenced warning.
    def silu_silenced(Z):
        with np.errstate(over="ignore"):
            s = naive_sig(Z)
        return s * (1 + Z * (1 - s))

    def elu_silenced(Z, a):
        with np.errstate(over="ignore"):
            return np.where(Z > 0, 1.0, a * np.exp(Z))

    result = nb03.check_silu_derivative(silu_silenced)
    assert result.status == "fail" and "entry by entry" in result.message, result
    assert nb03.check_elu_derivative(elu_silenced).passed


@pytest.mark.parametrize(
    "wrong",
    [
        lambda Z, T: np.where(np.abs(Z) > 20, 0.0, stable_sig(Z) * stable_sig(-Z)),  # cut off at |z| > 20
        lambda Z, T: stable_sig(Z) * (1 - stable_sig(Z)),  # 1 − σ(z) rounds to exactly 0 from z ≈ 37
    ],
)
def test_curvature_inaccurate_at_large_z_fails_and_is_named(wrong):
    # σ(z)σ(−z) at z = 45 is ≈ 2.9e-20, a normal float: 0 is wrong by 100 % of its size
    result = nb03.check_bce_curvature(wrong)
    assert result.status == "fail" and "entry by entry" in result.message and "large |z|" in result.message, result


def test_curvature_names_the_random_case_as_such():
    # Hard-coded to the fixed cases: right there, zeros elsewhere. The failure is in a case drawn at call time, and
    # the message must not number it past the count ("on 7 test cases") the pass message gives.
    fixed = [Z for Z, _ in nb03._curvature_cases()]

    def memorised(Z, T):
        if any(Z.shape == F.shape and np.array_equal(Z, F) for F in fixed):
            return stable_sig(Z) * stable_sig(-Z)
        return np.zeros_like(Z)

    right = nb03.check_bce_curvature(lambda Z, T: stable_sig(Z) * stable_sig(-Z))
    assert len(fixed) == 7 and "7 test cases" in right.message
    result = nb03.check_bce_curvature(memorised)
    assert result.status == "fail" and "(the case drawn at random)" in result.message and "case 8" not in result.message


# ---- learner trial E: false passes at −745 < z < −40 and |z| > 300; soft targets in 3.5 ------------------------

def _silu_clipped_at(c):
    def fn(Z):
        s = naive_sig(np.clip(Z, -c, c))
        return s * (1 + Z * (1 - s))
    return fn


def _silu_zero_below(cut):
    def fn(Z):
        out = silu_right(Z)
        out[Z < cut] = 0.0
        return out
    return fn


@pytest.mark.parametrize("wrong", [_silu_clipped_at(c) for c in (41, 50, 60, 100, 150, 200, 300, 400, 500, 600, 700)]
                         + [_silu_zero_below(-600.0), _silu_zero_below(-700.0)])
def test_silu_clipped_or_cut_off_fails_on_every_run(wrong):
    # SiLU'(z) ≈ z eᶻ is a normal float down to z ≈ −714: a σ of a clipped z, or a cut-off, is wrong there. The
    # fixed cases hold z from −45 to −712, so the verdict never depends on the case drawn at random.
    for _ in range(3):
        result = nb03.check_silu_derivative(wrong)
        assert result.status == "fail" and "entry by entry" in result.message, result


def _curv_exp(Z, T):
    with np.errstate(all="ignore"):
        return np.exp(-Z) / (1 + np.exp(-Z)) ** 2


def _curv_exp_mirror(Z, T):
    with np.errstate(all="ignore"):
        return np.exp(Z) / (1 + np.exp(Z)) ** 2


def _curv_cut(Z, T):
    out = stable_sig(Z) * stable_sig(-Z)
    out[np.abs(Z) > 320] = 0.0
    return out


def _curv_nan_to_num(Z, T):
    return np.nan_to_num(_curv_exp(Z, T))


@pytest.mark.parametrize("wrong", [_curv_exp, _curv_exp_mirror, _curv_cut, _curv_nan_to_num])
def test_curvature_wrong_beyond_300_fails_on_every_run(wrong):
    # exp(−z)/(1 + exp(−z))² is 0 at z = −400 where σ(z)σ(−z) ≈ 1.9e-174: the fixed cases reach |z| = 708 on both signs
    for _ in range(3):
        result = nb03.check_bce_curvature(wrong)
        assert result.status == "fail" and "entry by entry" in result.message, result


@pytest.mark.parametrize("cut", [-100.0, -700.0, -708.0])
def test_elu_exponent_clipped_fails_on_every_run(cut):
    # α e^max(z, cut): wrong at z = −705 (a normal float) for cut > −705, and at z = −1000, where α eᶻ underflows to
    # 0, a cut at −708 leaves α e^(−708) ≈ 3e-308, a normal float that is not the exact value
    def fn(Z, a):
        return np.where(Z > 0, 1.0, a * np.exp(np.clip(Z, cut, 0.0)))

    for _ in range(3):
        result = nb03.check_elu_derivative(fn)
        assert result.status == "fail" and "entry by entry" in result.message, result


def test_elu_reference_underflows_where_the_exact_value_does():
    assert nb03._elu_derivative_reference(np.array([-1000.0]), 2.0)[0] == 0.0
    assert nb03._elu_derivative_reference(np.array([-708.0]), 2.0)[0] >= np.finfo(np.float64).tiny


def test_pos_weight_binary_only_formula_fails_on_soft_targets_and_is_named():
    # (σ − t)(1 + (p − 1)t) equals the gradient only for t ∈ {0, 1} (it uses t² = t); the loss takes soft targets
    def binary_only(Z, T, p):  # (σ − t) written accurately for t ∈ {0, 1}: σ(z) at t = 0, −σ(−z) at t = 1
        return ((1 - T) * sig_tiny(Z) - T * sig_tiny(-Z)) * (1 + (p - 1) * T) / Z.size

    for _ in range(3):
        result = nb03.check_pos_weight_bce_grad(binary_only)
        assert result.status == "fail" and "soft targets" in result.message, result


def test_pos_weight_reference_matches_finite_differences_with_soft_targets():
    Z, T, p = nb03._pos_weight_cases()[4]
    assert np.all((T > 0) & (T < 1))
    Z = Z.copy()

    def loss():
        s = sig(Z)
        return float(np.mean(-(p * T * np.log(s) + (1 - T) * np.log(1 - s))))

    assert rel_error(numerical_grad(loss, Z), nb03._pos_weight_reference(Z, T, p)) < 1e-7


# ---- learner trial I: 3.5 to the standard of 3.2/3.3/3.6; messages (3.1 digits, 3.3 float32, 3.4 w, digits) ------

def test_pos_weight_expanded_formula_loses_the_tiny_entries_and_fails_every_run():
    # σ(1 + (p − 1)t) − pt is right in exact arithmetic, but at z = 60, t = 1 it is p(σ(60) − 1) = 0 in float64,
    # where the value is −pσ(−60)/(B·n_out) (−1.75e-26 for p = 2, one entry): "accurate to its own size" rejects it
    def expanded(Z, T, p):
        return (sig_tiny(Z) * (1 + (p - 1) * T) - p * T) / Z.size

    one = nb03._pos_weight_reference(np.array([[60.0]]), np.array([[1.0]]), np.array([2.0]))
    assert abs(one[0, 0] + 1.75e-26) < 1e-28
    for _ in range(20):
        result = nb03.check_pos_weight_bce_grad(expanded)
        assert result.status == "fail" and "entry by entry" in result.message and "σ(−z)" in result.message, result
        assert nb03.check_pos_weight_bce_grad(pos_weight_right).passed


@pytest.mark.parametrize("pair", [(0.55, 0.69), (0.55, 0.68), (0.56, 0.685)])
def test_leaky_kink_rounded_prediction_is_told_to_give_more_digits(pair):
    for _ in range(20):
        result = nb03.check_leaky_kink_prediction(pair)
        assert result.status == "fail" and "give more digits" in result.message, result
    assert "give more digits" not in nb03.check_leaky_kink_prediction((0.55, 1.0)).message


def test_elu_float32_answer_is_named_as_float32_first():
    def elu32(Z, a):
        return np.where(np.asarray(Z) > 0, 1.0, a * np.exp(np.minimum(Z, 0.0))).astype(np.float32)

    for _ in range(20):
        result = nb03.check_elu_derivative(elu32)
        assert result.status == "fail" and "float32" in result.message and "cancels" not in result.message, result


def test_entry_messages_show_enough_digits_to_see_the_difference():
    # α(eᶻ − 1) + α loses digits of α eᶻ; at 3 digits both numbers print the same, so 10 are shown
    def elu_cancel(Z, a):
        return np.where(np.asarray(Z) > 0, 1.0, a * np.expm1(np.minimum(Z, 0.0)) + a)

    result = nb03.check_elu_derivative(elu_cancel)
    import re
    match = re.search(r"where it gives (\S+) you have (\S+) \(", result.message)
    assert result.status == "fail" and match and match.group(1) != match.group(2), result


def test_weighted_mse_w_without_a_column_axis_is_named():
    for _ in range(20):
        result = nb03.check_weighted_mse_grad(lambda Y, T, w: 2 * w * (Y - T) / Y.size)
        assert result.status == "fail" and "w[:, None] to weight each row" in result.message, result
        assert "drops that axis" not in result.message
