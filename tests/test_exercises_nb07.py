"""The transfer exercises of notebook 07: each checker passes its reference answer, reads None as "not attempted",
and fails the typical wrong answers. The references are checked against independent measurements."""

import numpy as np
import pytest
from exercise_support import standard_checker_tests

from course_lib import MLP
from course_lib.exercises import nb07


def kinks(W1, b1, lo, hi):
    x = -b1 / W1[0]
    return np.sort(x[(x >= lo) & (x <= hi)])


def train_noise_floor(sigma, n, p):
    return sigma**2 * (n - p) / n


# --- wrong answers a learner typically writes ------------------------------------------------------------------


def kinks_sign(W1, b1, lo, hi):  # x = b/w
    x = b1 / W1[0]
    return np.sort(x[(x >= lo) & (x <= hi)])


def kinks_unfiltered(W1, b1, lo, hi):  # every unit's kink, also outside [lo, hi]
    return np.sort(-b1 / W1[0])


def kinks_inverted(W1, b1, lo, hi):  # x = −w/b
    x = -W1[0] / b1
    return np.sort(x[(x >= lo) & (x <= hi)])


def floor_ignores_parameters(sigma, n, p):  # Eq. (7.3) unchanged: σ²
    return sigma**2


def floor_test_error(sigma, n, p):  # the formula for fresh data, σ²(1 + p/n)
    return sigma**2 * (1 + p / n)


def floor_sigma_not_squared(sigma, n, p):
    return sigma * (n - p) / n


def floor_off_by_one(sigma, n, p):
    return sigma**2 * (n - p - 1) / n


CASES = {
    "relu_kinks": (nb07.check_relu_kinks, kinks, [kinks_sign, kinks_unfiltered, kinks_inverted]),
    "train_noise_floor": (nb07.check_train_noise_floor, train_noise_floor,
                          [floor_ignores_parameters, floor_test_error, floor_sigma_not_squared, floor_off_by_one]),
}


(test_reference_answer_passes, test_none_reads_not_attempted, test_template_reads_not_attempted,
 test_typical_wrong_answers_fail) = standard_checker_tests(CASES)


@pytest.mark.parametrize("seed", range(4))
def test_kink_reference_matches_the_slope_changes_of_a_course_lib_network(seed):
    """Independent check: the slope of a 1-h-1 ReLU MLP, measured on a fine grid, changes exactly next to the
    reference's kinks and nowhere else."""
    rng = np.random.default_rng(seed)
    net = MLP([1, 6, 1], activation="relu", seed=seed)
    net.linears[0].b[:] = rng.uniform(-1, 1, size=6)
    lo, hi, n = -2.0, 2.0, 400_001
    x = np.linspace(lo, hi, n).reshape(-1, 1)
    slope = np.diff(net(x).ravel()) / np.diff(x.ravel())
    changes = np.flatnonzero(np.abs(np.diff(slope)) > 1e-6)
    measured = x.ravel()[changes + 1]
    expected = nb07._reference_kinks(net.linears[0].W, net.linears[0].b, lo, hi)
    step = (hi - lo) / (n - 1)
    assert len(expected) > 0
    # each kink shows up as one or two adjacent changed slopes next to it
    for k in expected:
        assert np.min(np.abs(measured - k)) <= 2 * step
    for m in measured:
        assert np.min(np.abs(expected - m)) <= 2 * step


def test_every_kink_case_has_kinks_inside_its_interval():
    sizes = []

    def recording(W1, b1, lo, hi):
        out = kinks(W1, b1, lo, hi)
        sizes.append((len(out), W1.shape[1]))
        return out

    assert nb07.check_relu_kinks(recording).passed
    assert all(0 < k < h for k, h in sizes), sizes  # some inside, some outside: filtering matters


def test_train_floor_reference_matches_monte_carlo():
    """Independent check: least-squares polynomial fits with p coefficients to pure noise on n points leave a
    mean training MSE of σ²(n − p)/n, measured over 4000 draws (standard error ≈ 1 %)."""
    rng = np.random.default_rng(1)
    sigma, n, p = 0.1, 30, 8
    x = rng.uniform(-1, 1, size=n)
    D = np.vander(x, p, increasing=True)
    eps = rng.normal(0, sigma, size=(n, 4000))
    coef, *_ = np.linalg.lstsq(D, eps, rcond=None)
    measured = np.mean((D @ coef - eps) ** 2)
    assert abs(measured / nb07._reference_train_floor(sigma, n, p) - 1) < 0.04
