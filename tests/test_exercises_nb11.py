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
def test_s2_error_prediction_verdicts():
    k, e = nb11._s2_measured()
    assert abs(k - 3.5) < 1e-9 and abs(e - 2.5) < 1e-9  # Eq. (11.5) with n_out = 7, then Eq. (11.1)
    assert nb11.check_s2_error_prediction((3.5, 2.5)).status == PASS
    assert nb11.check_s2_error_prediction([3.5, 2.5]).status == PASS
    assert nb11.check_s2_error_prediction(None).status == NOT_ATTEMPTED
    wrong = {
        "one output's factor (0.5, 0.5)": (0.5, 0.5),
        "the factor inverted (2/7)": (2 / 7, 5 / 7),
        "e as the symmetric error of Eq. (2.4)": (3.5, 2.5 / 4.5),
        "e = k": (3.5, 3.5),
        "k = n_out": (7.0, 6.0),
        "a single number": 3.5,
        "a string": "3.5, 2.5",
        "infinite": (float("inf"), 2.5),
    }
    for name, answer in wrong.items():
        res = nb11.check_s2_error_prediction(answer)
        assert res.status == FAIL, (name, res)
    assert "error e is not" in nb11.check_s2_error_prediction((3.5, 3.5)).message


def bce_grads(X, W1, b1, w2, b2, T, *, bug=None):
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0.0)
    z = A1 @ w2 + b2
    p = 0.5 * (1 + np.tanh(0.5 * z))
    dz = (p - T) / len(X)
    if bug == "the excerpt as printed: ∂L/∂p for ∂L/∂z":
        with np.errstate(all="ignore"):
            dz = dz / (p * (1 - p))
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
            "∇b1 over the wrong axis"]


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


def floor_closed_form(lo, hi):
    return 0.5 * ((1 + lo * lo) * Phi(lo) + lo * phi(lo) + (1 + hi * hi) * (1 - Phi(hi)) - hi * phi(hi))


def floor_by_quadrature(lo, hi):
    t = np.linspace(-12, 12, 400001)
    return float(np.trapezoid(0.5 * (t - np.clip(t, lo, hi)) ** 2 * np.exp(-t * t / 2) / np.sqrt(2 * np.pi), t))


@pytest.mark.parametrize("lo, hi", [(0.0, 1.0), (-1.0, 1.0), (-0.5, 2.0), (0.7, 0.7), (-3.0, -1.0), (1.5, 4.0)])
def test_expected_floor_reference_agrees_with_quadrature(lo, hi):
    assert abs(nb11._expected_floor(lo, hi) - floor_by_quadrature(lo, hi)) < 1e-10


FLOOR_WRONG = {
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


@pytest.mark.parametrize("answer", [None, lambda lo, hi: (_ for _ in ()).throw(NotImplementedError())])
def test_expected_floor_not_attempted(answer):
    assert nb11.check_expected_floor(answer).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(FLOOR_WRONG))
def test_expected_floor_wrong_answers_fail(name):
    res = nb11.check_expected_floor(FLOOR_WRONG[name])
    assert res.status == FAIL, (name, res)
