"""gradcheck tells the truth: unchecked parameters are not passed, tiny correct gradients are, bugs are not.

Situations that fooled earlier versions: every entry of b1 at a ReLU kink (notebook 02's example) with a
−100× wrong b1 gradient; a deep sigmoid network whose first-layer gradients are ~1e-7 (the vanishing-gradient
lesson) that used to FAIL although autograd agrees to 1e-15; bad h and non-float64 arrays. The seeded
sweep over 3000 networks is tools/gradcheck_sweep.py.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import MLP, MSELoss, check_gradients, gradcheck, numerical_grad
from course_lib.data import make_dataset
from course_lib.gradcheck import _kink_pattern


def kinked_case():
    """Notebook 02's input: sample 0 is all zeros, so every first-layer unit sits exactly at the kink."""
    rng = np.random.default_rng(0)
    model = MLP([2, 3, 1], activation="relu", seed=0)
    X = rng.normal(size=(5, 2))
    X[0] = 0.0
    return model, X, rng.normal(size=(5, 1))


def test_parameter_with_every_entry_skipped_is_not_checked_and_not_passed():
    model, X, T = kinked_case()
    report = gradcheck(model, MSELoss(), X, T)
    row = {r.name: r for r in report.rows}["b1"]
    assert row.status == "NOT CHECKED" and not row.passed and row.kinks == 3
    assert not report.passed and report.not_checked() == [row] and report.failures() == []
    text = str(report)
    assert "NOT CHECKED" in text and "NOT PASSED: b1 not checked" in text and "\nPASSED" not in text
    assert np.isfinite(report.max_rel_error) and report.max_rel_error < 1e-8  # the checked rows agree


def test_wrong_gradient_hidden_at_kinks_is_not_passed():
    model, X, T = kinked_case()
    loss = MSELoss()
    model.backward(loss.grad(model.forward(X), T))
    params = [(v, -100 * g if name == "b1" else g) for (v, g), name in zip(model.parameters(), model.parameter_names())]
    report = check_gradients(lambda: loss(model.forward(X), T), params, model.parameter_names(),
                             kink_pattern=_kink_pattern(model))
    assert not report.passed


def reproducer():
    X, T = make_dataset("sinc", 32, noise=0.1, seed=0)
    return MLP([1] + [8] * 9 + [1], activation="sigmoid", init="glorot", seed=0), X, T


def test_tiny_correct_gradients_of_a_deep_sigmoid_net_pass():
    model, X, T = reproducer()
    report = gradcheck(model, MSELoss(), X, T)
    assert report.passed, str(report)
    noisy = [r for r in report.rows if r.status == "ok within noise"]
    assert noisy, "the first layers' gradients are at the noise level: the report should say so"
    assert all(r.max_abs_diff <= r.noise for r in noisy)
    assert "agree only to within the finite-difference noise" in str(report)


@pytest.mark.parametrize("bug", ["W1 ×2", "W1 sign", "b1 ×2", "W2ᵀ in the backward pass"])
def test_bugs_in_the_vanishing_layers_still_fail(bug):
    """The noise floor does not hide a wrong gradient even where gradients are ~1e-7 (layer 1 of 10)."""
    model, X, T = reproducer()
    lin = model.linears[0] if bug != "W2ᵀ in the backward pass" else model.linears[1]
    orig = lin.backward

    def backward(Delta, **kwargs):
        out = orig(Delta, **kwargs)
        if bug == "W1 ×2":
            lin.dW *= 2
        elif bug == "W1 sign":
            lin.dW *= -1
        elif bug == "b1 ×2":
            lin.db *= 2
        else:
            return Delta @ lin.W  # W instead of Wᵀ (a square 8×8 layer)
        return out

    lin.backward = backward
    report = gradcheck(model, MSELoss(), X, T)
    assert not report.passed and report.failures(), str(report)
    assert "FAILED" in str(report)


@pytest.mark.parametrize("h", [0, 0.0, -1e-6, float("nan"), float("inf"), True, "1e-6", None])
def test_bad_h_is_refused_clearly(h):
    x = np.ones(3)
    with pytest.raises(ValueError, match="h must be a finite step > 0"):
        numerical_grad(lambda: float(np.sum(x ** 2)), x, h=h)
    model, X, T = kinked_case()
    with pytest.raises(ValueError, match="h must be"):
        gradcheck(model, MSELoss(), X, T, h=h)


def test_h_too_small_for_x_is_refused():
    x = np.array([1e12])
    with pytest.raises(ValueError, match="too small"):
        numerical_grad(lambda: float(np.sum(x ** 2)), x, h=1e-6)


@pytest.mark.parametrize("dtype", [np.int64, np.float32, np.float16, np.complex128])
def test_non_float64_arrays_are_refused(dtype):
    x = np.array([1, 2, 3], dtype=dtype)
    with pytest.raises(TypeError, match="float64"):
        numerical_grad(lambda: float(np.sum(np.abs(x) ** 2)), x)


def test_list_is_refused():
    with pytest.raises(TypeError, match="numpy array"):
        numerical_grad(lambda: 0.0, [1.0, 2.0])


def test_float64_estimate_is_right_and_x_restored():
    x = np.array([[1.0, -2.0], [0.5, 3.0]])
    before = x.copy()
    g = numerical_grad(lambda: float(np.sum(x ** 3)), x)
    assert np.array_equal(x, before)
    assert np.allclose(g, 3 * x ** 2, rtol=1e-8)


def test_rel_error_is_the_norm_of_the_difference_over_the_sum_of_the_norms():
    from course_lib import rel_error

    a, b = np.array([2.0, 0.0]), np.array([0.0, 1.0])
    assert rel_error(a, b) == pytest.approx(np.sqrt(5.0) / 3.0, rel=1e-15)  # ‖a − b‖ = √5, ‖a‖ + ‖b‖ = 3
    assert rel_error(b, a) == rel_error(a, b)  # symmetric: neither side is "the truth"
    assert rel_error(a, -a) == 1.0 and rel_error(a, a) == 0.0  # the bounds


@pytest.mark.parametrize("error, passes", [(1e-7, True), (1e-5, False), (3e-5, False)])
def test_gradcheck_holds_its_tolerance(error, passes):
    """A gradient off by a relative 1e-5 (10 × the default 1e-6) is a bug to report, however smooth the loss;
    one off by 1e-7 passes. Smooth loss, well away from rounding: the finite-difference noise is ~1e-10."""
    x = np.linspace(-1.0, 1.0, 12).reshape(3, 4)
    grad = (1.0 - np.tanh(x) ** 2) * (1.0 + 2.0 * error)  # rel. error (Eq. 2.8) of g(1 + 2e) vs g is e/(1 + e)
    report = check_gradients(lambda: float(np.sum(np.tanh(x))), [(x, grad)])
    assert report.passed is passes, str(report)
