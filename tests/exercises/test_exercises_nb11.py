"""Notebook 11's transfer checkers: the reference passes, None is "not attempted", typical wrong answers fail."""

from __future__ import annotations

import math

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
    if bug == "T as (B,)":
        G1 = (2 * (A1 @ W2 - T.ravel()) / len(X)) @ W2.T
    if bug == "W2 not transposed":
        G1 = dY @ W2
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


# ------------------------------------------------------------------ the ladder: 11.1 predict, 11.2 and 11.5 derive
def test_half_mean_fix_prediction_verdicts():
    # section 4: S2's step is ∇(½Σ/B); ½·mean = ½Σ/(B·n_out), so k = n_out = 6 and e = |k − 1| = 5
    k, e = nb11._s2_measured()
    assert abs(k - 6) < 1e-9 and abs(e - 5) < 1e-9
    assert nb11.check_half_mean_fix_prediction((6.0, 5.0)).status == PASS
    assert nb11.check_half_mean_fix_prediction([6, 5]).status == PASS
    assert nb11.check_half_mean_fix_prediction(None).status == NOT_ATTEMPTED
    wrong = {
        "Eq. (11.5) as printed, n_out/2 against mean": (3.0, 2.0),
        "the fix believed to work": (1.0, 0.0),
        "the factor inverted (1/6)": (1 / 6, 5 / 6),
        "e = k": (6.0, 6.0),
        "one output's factor": (0.5, 0.5),
        "the old question's answer (7 outputs against mean)": (3.5, 2.5),
        "a single number": 6.0,
        "a string": "6, 5",
        "infinite": (float("inf"), 5.0),
    }
    for name, answer in wrong.items():
        res = nb11.check_half_mean_fix_prediction(answer)
        assert res.status == FAIL, (name, res)
        assert "6.0" not in res.message and "= 5" not in res.message  # never gives it away
    assert "error e is not" in nb11.check_half_mean_fix_prediction((6.0, 6.0)).message
    assert "not 1" in nb11.check_half_mean_fix_prediction((1.0, 0.0)).message


def test_the_cell_after_11_1_does_not_show_the_answer():
    """The measuring cell's source holds neither number (it prints them when run); the exercise's text neither."""
    import json
    from pathlib import Path

    nb = json.loads(Path(__file__).resolve().parents[2].joinpath("notebooks", "11_reading_derivations_critically.ipynb")
                    .read_text(encoding="utf-8"))
    cells = nb["cells"]
    i = next(j for j, c in enumerate(cells) if "check_half_mean_fix_prediction" in "".join(c["source"]))
    after = "".join(cells[i + 1]["source"])
    assert "_s2_measured" not in after
    for number in ("6.0", "5.0", "- 6", "- 5", "== 6", "== 5"):
        assert number not in after, number
    before = "".join(cells[i - 1]["source"])
    assert "k = 6" not in before and "e = 5" not in before


def bce_grads(X, W1, b1, w2, b2, T, *, bug=None):
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0.0)
    z = A1 @ w2 + b2
    p = 0.5 * (1 + np.tanh(0.5 * z))
    dz = (p - T) / len(X)
    if bug == "the excerpt as printed: ∂L/∂p for ∂L/∂z":
        with np.errstate(all="ignore"):
            dz = dz / (p * (1 - p))
    if bug == "separate chain: ÷ p(1 − p), then × p(1 − p)":
        with np.errstate(all="ignore"):
            dz = dz / (p * (1 - p)) * (p * (1 - p))
    if bug == "separate chain with the textbook sigmoid":
        with np.errstate(all="ignore"):
            p = 1 / (1 + np.exp(-z))
            dz = (p - T) / (p * (1 - p)) * (p * (1 - p)) / len(X)
    if bug == "T as (B,)":
        dz = (p - T.ravel()) / len(X)
    if bug == "missing 1/B":
        dz = dz * len(X)
    if bug == "sign (t − p)":
        dz = -dz
    D1 = dz @ w2.T
    if bug != "relu' left out":
        D1 = D1 * (Z1 > 0)
    if bug == "∇b1 over the wrong axis":
        return X.T @ D1, D1.sum(axis=1)
    return X.T @ D1, D1.sum(axis=0)


BCE_BUGS = ["the excerpt as printed: ∂L/∂p for ∂L/∂z", "missing 1/B", "sign (t − p)", "relu' left out",
            "∇b1 over the wrong axis", "separate chain: ÷ p(1 − p), then × p(1 − p)",
            "separate chain with the textbook sigmoid"]


def test_bce_case_5_has_logits_where_sigma_rounds_to_one():
    """Case 5's logits are all above 40: σ(z) is exactly 1.0 in float64 there (1 − σ(z) = e^−z/(1 + e^−z) < 2^−53),
    so the separate chain divides 0 by 0."""
    rng = np.random.default_rng(114)
    B, n0, n1 = 7, 2, 3
    X, W1, b1 = rng.normal(size=(B, n0)), rng.normal(size=(n0, n1)), rng.normal(size=n1) * 0.1
    w2 = rng.normal(size=(n1, 1))
    z = np.maximum(X @ W1 + b1, 0) @ w2 + 60.0
    assert z.min() > 40 and np.all(1 / (1 + np.exp(-z)) == 1.0)


@pytest.mark.parametrize("bug", ["separate chain: ÷ p(1 − p), then × p(1 − p)",
                                 "separate chain with the textbook sigmoid"])
def test_bce_separate_chain_is_named(bug):
    res = nb11.check_bce_excerpt_grads(lambda *a: bce_grads(*a, bug=bug))
    assert res.status == FAIL and "NaN" in res.message and "fused" in res.message and "Eq. (3.10)" in res.message


def test_s3_learning_rates_say_which_is_wrong():
    msg = nb11.check_s3_learning_rates(lambda lr: (2 * lr, 4 * lr)).message
    assert "swapped" in msg
    msg = nb11.check_s3_learning_rates(lambda lr: (4 * lr, lr)).message
    assert msg.startswith("(a) is right, (b) is not")
    msg = nb11.check_s3_learning_rates(lambda lr: (lr, 2 * lr)).message
    assert msg.startswith("(b) is right, (a) is not")
    msg = nb11.check_s3_learning_rates(lambda lr: (lr, lr)).message
    assert "both (a) and (b)" in msg


def test_a_broadcast_to_b_by_b_is_named_not_a_transpose():
    """T.ravel() in ∂L/∂Ŷ: (B, 1) − (B,) broadcasts to (B, B), then the product with W2ᵀ fails for B > 1 only."""
    res = nb11.check_excerpt_grad_W1(lambda *a: excerpt(*a, bug="T as (B,)"))
    assert res.status == FAIL and "(B, B)" in res.message and "transpose" not in res.message, res
    # a real missing transpose still reads as one (it fails for one sample too)
    res = nb11.check_excerpt_grad_W1(lambda *a: excerpt(*a, bug="W2 not transposed"))
    assert res.status == FAIL and "transpose" in res.message and "(B, B)" not in res.message, res


@pytest.mark.parametrize("name", ["check_bce_excerpt_grads", "check_excerpt_grad_W1", "check_s3_learning_rates",
                                  "check_expected_floor"])
def test_an_endless_loop_is_stopped(name, monkeypatch):
    """Every 11.x checker calls the learner through call_learner's time limit (an endless loop fails, no hang)."""
    import course_lib.exercises.checking as ex

    monkeypatch.setattr(ex, "TIME_LIMIT", 0.2)

    def endless(*a):
        while True:
            pass

    res = getattr(nb11, name)(endless)
    assert res.status == FAIL and "did not finish" in res.message, res


def test_bce_excerpt_reference_passes():
    assert nb11.check_bce_excerpt_grads(bce_grads).status == PASS


def test_bce_reference_agrees_with_finite_differences():
    from course_lib.gradcheck import numerical_grad, rel_error

    rng = np.random.default_rng(0)
    X, W1, b1 = rng.normal(size=(6, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    w2, b2, T = rng.normal(size=(4, 1)), rng.normal(size=1), rng.integers(0, 2, size=(6, 1)).astype(float)

    def loss():
        z = np.maximum(X @ W1 + b1, 0) @ w2 + b2
        return float(np.mean(np.logaddexp(0, z) - T * z))  # BCE with logits, Eq. (3.9)

    gW1, gb1 = nb11._bce_reference(X, W1, b1, w2, b2, T)
    assert rel_error(gW1, numerical_grad(loss, W1)) < 1e-7 and rel_error(gb1, numerical_grad(loss, b1)) < 1e-7


@pytest.mark.parametrize("answer", [None, lambda *a: (_ for _ in ()).throw(NotImplementedError())])
def test_bce_excerpt_not_attempted(answer):
    assert nb11.check_bce_excerpt_grads(answer).status == NOT_ATTEMPTED


@pytest.mark.parametrize("bug", BCE_BUGS)
def test_bce_excerpt_wrong_answers_fail(bug):
    res = nb11.check_bce_excerpt_grads(lambda *a: bce_grads(*a, bug=bug))
    assert res.status == FAIL, (bug, res)


def test_bce_excerpt_names_the_common_factor():
    msg = nb11.check_bce_excerpt_grads(lambda *a: bce_grads(*a, bug="missing 1/B")).message
    assert "every array" in msg and "Eq. (3.10)" in msg


def Phi(x):
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def phi(x):
    return math.exp(-x * x / 2) / math.sqrt(2 * math.pi)


def Phi_erfc(x):
    """Φ(x) = ½ erfc(−x/√2): accurate in both tails (no 1 − (something near 1))."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


def floor_closed_form(lo, hi):
    return 0.5 * ((1 + lo * lo) * Phi_erfc(lo) + lo * phi(lo) + (1 + hi * hi) * Phi_erfc(-hi) - hi * phi(hi))


def floor_with_erf(lo, hi):
    """The same formula with Φ from math.erf: 1 − Φ(hi) and ½(1 + erf(lo/√2)) cancel in the far tails."""
    return 0.5 * ((1 + lo * lo) * Phi(lo) + lo * phi(lo) + (1 + hi * hi) * (1 - Phi(hi)) - hi * phi(hi))


def floor_by_quadrature(lo, hi):
    t = np.linspace(-12, 12, 400001)
    return float(np.trapezoid(0.5 * (t - np.clip(t, lo, hi)) ** 2 * np.exp(-t * t / 2) / np.sqrt(2 * np.pi), t))


@pytest.mark.parametrize("lo, hi", [(0.0, 1.0), (-1.0, 1.0), (-0.5, 2.0), (0.7, 0.7), (-3.0, -1.0), (1.5, 4.0)])
def test_expected_floor_reference_agrees_with_quadrature(lo, hi):
    assert abs(nb11._expected_floor(lo, hi) - floor_by_quadrature(lo, hi)) < 1e-10


# the floor on wide intervals, from the closed form in 50-digit arithmetic (mpmath: ncdf, npdf)
FLOOR_WIDE = {(-8.0, 8.0): 1.8075064471458499e-17, (-7.0, 9.0): 2.3792169184155569e-14}


@pytest.mark.parametrize("lo, hi", sorted(FLOOR_WIDE))
def test_expected_floor_reference_is_accurate_on_wide_intervals(lo, hi):
    assert abs(nb11._expected_floor(lo, hi) / FLOOR_WIDE[(lo, hi)] - 1) < 1e-10


FLOOR_WRONG = {
    # the natural 1 − Φ(hi) with math.erf: relative error 60 on [−8, 8], 3e-3 on [−7, 9] (cancellation)
    "1 − Φ(hi) with math.erf": floor_with_erf,
    # erfc for the upper tail but Φ(lo) = ½(1 + erf(lo/√2)) for the lower one: relative error 21 on [−8, 8]
    "lower tail with math.erf": lambda lo, hi: 0.5 * ((1 + lo * lo) * Phi(lo) + lo * phi(lo)
                                                      + (1 + hi * hi) * Phi_erfc(-hi) - hi * phi(hi)),
    # a Monte-Carlo estimate with 10⁵ labels: within 1 % but not the closed form
    "Monte Carlo": lambda lo, hi: float(np.mean(0.5 * (np.random.default_rng(0).standard_normal(100_000)
                                                       - np.clip(np.random.default_rng(0).standard_normal(100_000),
                                                                 lo, hi)) ** 2)),
    "without the ½": lambda lo, hi: 2 * floor_closed_form(lo, hi),
    "upper tail only": lambda lo, hi: floor_closed_form(-40.0, hi),
    "lower tail only": lambda lo, hi: floor_closed_form(lo, 40.0),
    # ∫(t − b)²φ dt with the −bφ(b) and +aφ(a) terms' signs flipped
    "sign of the φ terms": lambda lo, hi: floor_closed_form(lo, hi) - (lo * phi(lo) - hi * phi(hi)),
    # ½ × the probability of landing outside [lo, hi]: forgets the squared distance to the interval
    "probability outside only": lambda lo, hi: 0.5 * (Phi(lo) + 1 - Phi(hi)),
}


def test_expected_floor_reference_passes():
    assert nb11.check_expected_floor(floor_closed_form).status == PASS


@pytest.mark.parametrize("answer", [floor_with_erf, FLOOR_WRONG["lower tail with math.erf"]])
def test_expected_floor_names_cancellation_every_run(answer):
    for _ in range(20):  # the wide intervals are fixed cases: the verdict does not depend on the draw
        res = nb11.check_expected_floor(answer)
        assert res.status == FAIL and "cancellation" in res.message and "math.erfc" in res.message, res


@pytest.mark.parametrize("answer", [None, lambda lo, hi: (_ for _ in ()).throw(NotImplementedError())])
def test_expected_floor_not_attempted(answer):
    assert nb11.check_expected_floor(answer).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(FLOOR_WRONG))
def test_expected_floor_wrong_answers_fail(name):
    res = nb11.check_expected_floor(FLOOR_WRONG[name])
    assert res.status == FAIL, (name, res)


def floor_zero_when_wide(lo, hi):
    """Returns 0 on a wide interval ("the tails are negligible"): never used math.erf, so the cancellation advice
    would be wrong; the floor is 1.8e-17, not 0."""
    return 0.0 if hi - lo > 12 else floor_closed_form(lo, hi)


def floor_asymptotic_when_wide(lo, hi):
    """The leading asymptotic term ∫_h^∞ (t − h)² φ ≈ 2φ(h)/h³ for each tail on a wide interval: 9 % off on [−8, 8]
    (learner trial L's variant was 4 % off), again no math.erf."""
    if hi - lo <= 12:
        return floor_closed_form(lo, hi)
    return 0.5 * (2 * phi(hi) / hi**3 + 2 * phi(lo) / abs(lo) ** 3)


@pytest.mark.parametrize("answer", [floor_zero_when_wide, floor_asymptotic_when_wide])
def test_expected_floor_blames_cancellation_only_when_it_is_the_cause(answer):
    verdicts = {str(nb11.check_expected_floor(answer)) for _ in range(20)}
    assert len(verdicts) == 1, verdicts  # the wide intervals are fixed cases
    msg = verdicts.pop()
    assert msg.startswith("✘") and "(lo, hi) = (-8, 8)" in msg and "rel. error" in msg, msg
    assert "erf" not in msg and "cancellation" not in msg, msg


def test_expected_floor_cancellation_still_named_when_the_sign_is_hidden():
    """abs() around the erf form (the cancelled value is positive here): still the 1 − Φ(hi) value, still named."""
    res = nb11.check_expected_floor(lambda lo, hi: abs(floor_with_erf(lo, hi)))
    assert res.status == FAIL and "cancellation" in res.message, res
