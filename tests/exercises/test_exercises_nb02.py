"""The transfer-exercise checkers of notebook 02: the right answer passes, None is "not attempted", and the
typical wrong answers (factor 2, a missing term, a missing transpose, the layout mix-up) fail.

The references are not trusted on their own: each is compared with finite differences of the loss it
claims to differentiate.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.exercises import NOT_ATTEMPTED, nb02
from course_lib.gradcheck import numerical_grad, rel_error


def ridge_right(X, W, Y, lam):
    return 2 * X.T @ (X @ W - Y) + 2 * lam * W


def test_ridge_reference_matches_finite_differences():
    for X, W, Y, lam in nb02._ridge_cases():
        W = W.copy()

        def loss(X=X, W=W, Y=Y, lam=lam):
            return np.sum((X @ W - Y) ** 2) + lam * np.sum(W**2)

        assert rel_error(numerical_grad(loss, W), nb02._ridge_reference(X, W, Y, lam)) < 1e-8


def test_ridge_right_answer_passes_and_none_is_not_attempted():
    assert nb02.check_ridge_grad(ridge_right).passed
    assert nb02.check_ridge_grad(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, W, Y, lam: X.T @ (X @ W - Y) + lam * W,  # the factor 2 of the squares forgotten
        lambda X, W, Y, lam: 2 * X.T @ (X @ W - Y),  # the weight-decay term forgotten
        lambda X, W, Y, lam: 2 * X.T @ (X @ W - Y) + lam * W,  # the 2 of λ‖W‖² forgotten
        lambda X, W, Y, lam: 2 * (X @ W - Y).T @ X + 2 * lam * W.T,  # numerator layout (transposed)
        lambda X, W, Y, lam: 2 * X.T @ (Y - X @ W) + 2 * lam * W,  # sign of the residual
    ],
)
def test_ridge_wrong_answers_fail(wrong):
    res = nb02.check_ridge_grad(wrong)
    assert res.status == "fail", res


def fixed_right(x, W, t):
    a = np.tanh(W.T @ x)
    d = (a - t) * (1 - a**2)
    return W @ d, np.outer(x, d)


def test_fixed_grads_reference_matches_finite_differences():
    for x, W, t in nb02._bug_cases():
        x, W = x.copy(), W.copy()

        def loss(x=x, W=W, t=t):
            return 0.5 * np.sum((np.tanh(W.T @ x) - t) ** 2)

        dx, dW = nb02._fixed_reference(x, W, t)
        assert rel_error(numerical_grad(loss, x), dx) < 1e-8
        assert rel_error(numerical_grad(loss, W), dW) < 1e-8


def test_fixed_grads_right_answer_passes_and_none_is_not_attempted():
    assert nb02.check_fixed_grads(fixed_right).passed
    assert nb02.check_fixed_grads(None).status == NOT_ATTEMPTED


def _buggy(x, W, t):  # the printed derivation, as it stands
    a = np.tanh(W.T @ x)
    d = (a - t) * (1 - a**2)
    return W.T @ d, np.outer(d, x)


@pytest.mark.parametrize(
    "wrong",
    [
        _buggy,
        lambda x, W, t: (fixed_right(x, W, t)[0], _buggy(x, W, t)[1]),  # only ∂L/∂x fixed
        lambda x, W, t: (_buggy(x, W, t)[0], fixed_right(x, W, t)[1]),  # only ∂L/∂W fixed
        lambda x, W, t: (W @ (np.tanh(W.T @ x) - t), np.outer(x, np.tanh(W.T @ x) - t)),  # tanh' left out
        lambda x, W, t: fixed_right(x, W, t)[1],  # a single array instead of the pair
    ],
)
def test_fixed_grads_wrong_answers_fail(wrong):
    res = nb02.check_fixed_grads(wrong)
    assert res.status == "fail", res


# ---- the ladder: 2.1 predict, 2.3 and 2.5 derive, 2.7–2.8 the gradient-check capstone ----------

def test_rel_error_prediction_right_answer_passes_and_none_is_not_attempted():
    assert nb02.check_rel_error_prediction((0.5, 1 / 3)).passed
    assert nb02.check_rel_error_prediction([0.5, 0.3333]).passed  # within 1e-3
    assert nb02.check_rel_error_prediction(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize(
    "prediction, match",
    [
        ((2.0, 0.5), "divides by ‖a‖ + ‖b‖"),  # ‖a − b‖/‖b‖ = |k − 1|: the denominator of (2.6) forgotten
        ((0.5, 0.5), "g/2"),  # g/2 guessed as symmetric to 2g
        ((0.75, 1 / 3), "3g"),  # |k − 1|/(k + 1) misread as (k − 1)/(k + 1) · something
        ((1 / 3, 0.5), "3g"),  # the two numbers swapped
        (0.5, "should be two numbers"),  # one number where two are asked for
        (("0.5", "0.33"), "should be a number"),  # strings
        ((float("nan"), 1 / 3), "finite number, got nan"),  # NaN can never be within 1e-3
    ],
)
def test_rel_error_prediction_wrong_answers_fail(prediction, match):
    result = nb02.check_rel_error_prediction(prediction)
    assert result.status == "fail" and match in result.message, result


def test_mixing_reference_matches_finite_differences():
    for M, X, W, Delta in nb02._mixing_cases():
        X, W = X.copy(), W.copy()

        def loss(M=M, X=X, W=W, Delta=Delta):
            return float(np.sum(Delta * (M @ X @ W)))  # ∂L/∂Z = Δ for this L

        dW, dX = nb02._mixing_reference(M, X, W, Delta)
        assert rel_error(numerical_grad(loss, W), dW) < 1e-8
        assert rel_error(numerical_grad(loss, X), dX) < 1e-8


def mixing_right(M, X, W, D):
    return (M @ X).T @ D, M.T @ D @ W.T


@pytest.mark.parametrize(
    "wrong",
    [
        lambda M, X, W, D: ((M @ X).T @ D, M @ D @ W.T),  # no transpose on M (right only for a symmetric M)
        lambda M, X, W, D: (X.T @ D, D @ W.T),  # M ignored: the sample-wise (2.7)/(2.8)
        lambda M, X, W, D: (X.T @ M @ D, M.T @ D @ W.T),  # Xᵀ M Δ: M's transpose lost in dW
        lambda M, X, W, D: ((M @ X).T @ D, M.T @ D @ W),  # W's transpose lost (runs in the square case)
        lambda M, X, W, D: (D.T @ (M @ X), M.T @ D @ W.T),  # dW transposed (n_out × n_in)
    ],
)
def test_mixing_wrong_answers_fail(wrong):
    assert nb02.check_mixing_layer_grads(wrong).status == "fail"


def test_mixing_right_passes_and_template_is_not_attempted():
    assert nb02.check_mixing_layer_grads(mixing_right).passed
    assert nb02.check_mixing_layer_grads(None).status == NOT_ATTEMPTED

    def template(*args):
        raise NotImplementedError()

    assert nb02.check_mixing_layer_grads(template).status == NOT_ATTEMPTED


def minimiser_right(X, Y, lam):
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ Y)


def test_minimiser_reference_zeroes_the_gradient():
    for X, Y, lam in nb02._minimiser_cases():
        W = nb02._minimiser_reference(X, Y, lam)
        assert np.abs(ridge_right(X, W, Y, lam)).max() < 1e-10


@pytest.mark.parametrize(
    "wrong",
    [
        lambda X, Y, lam: np.linalg.solve(X.T @ X, X.T @ Y),  # λ dropped: singular for B < n_in, biased otherwise
        lambda X, Y, lam: np.linalg.solve(X.T @ X + 2 * lam * np.eye(X.shape[1]), X.T @ Y),  # 2λ: the 2s not cancelled
        lambda X, Y, lam: np.linalg.pinv(X) @ Y,  # the unregularised least-squares solution
        lambda X, Y, lam: np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ Y).T,  # transposed
        lambda X, Y, lam: np.linalg.solve(X.T @ X - lam * np.eye(X.shape[1]), X.T @ Y),  # sign of λ
    ],
)
def test_minimiser_wrong_answers_fail(wrong):
    assert nb02.check_ridge_minimiser(wrong).status == "fail"


def test_minimiser_right_passes_and_none_is_not_attempted():
    assert nb02.check_ridge_minimiser(minimiser_right).passed
    assert nb02.check_ridge_minimiser(None).status == NOT_ATTEMPTED


def numgrad_right(f, x, h=1e-5):
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        fp = f(x)
        x[idx] = old - h
        fm = f(x)
        x[idx] = old
        grad[idx] = (fp - fm) / (2 * h)
    return grad


def numgrad_forward(f, x, h=1e-5):  # one-sided: error O(h), measurable as a 10× (not 100×) drop per decade
    grad, f0 = np.zeros(x.shape), f(x)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        grad[idx] = (f(x) - f0) / h
        x[idx] = old
    return grad


def numgrad_tiny_forward(f, x, h=1e-5):  # one-sided with a hard-coded tiny step: accurate-looking, ignores h
    return numgrad_forward(f, x, 1e-8)


def numgrad_drifting(f, x, h=1e-5):  # += h, −= 2h, += h: x does not come back bit for bit
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        x[idx] += h
        fp = f(x)
        x[idx] -= 2 * h
        fm = f(x)
        x[idx] += h
        grad[idx] = (fp - fm) / (2 * h)
    return grad


def numgrad_copies(f, x, h=1e-5):  # the section-3 naive version: f never sees x itself
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        xp, xm = x.copy(), x.copy()
        xp[idx] += h
        xm[idx] -= h
        grad[idx] = (f(xp) - f(xm)) / (2 * h)
    return grad


def numgrad_flat(f, x, h=1e-5):  # assumes a 1-d x: flattens it and hands f the wrong shape
    flat = x.reshape(-1)
    grad = np.zeros(flat.size)
    for i in range(flat.size):
        old = flat[i]
        flat[i] = old + h
        fp = f(flat)
        flat[i] = old - h
        fm = f(flat)
        flat[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def numgrad_2d_only(f, x, h=1e-5):  # two nested loops: right for matrices, wrong for a 3-d x
    grad = np.zeros(x.shape)
    for i in range(x.shape[0]):
        for j in range(x.shape[1]):
            old = x[i, j]
            x[i, j] = old + h
            fp = f(x)
            x[i, j] = old - h
            fm = f(x)
            x[i, j] = old
            grad[i, j] = (fp - fm) / (2 * h)
    return grad


def numgrad_no_half(f, x, h=1e-5):  # divides by h instead of 2h: 2 × the gradient
    return 2 * numgrad_right(f, x, h)


@pytest.mark.parametrize(
    "wrong, match",
    [
        (numgrad_forward, "one-sided"),
        (numgrad_tiny_forward, "use the argument h"),
        (numgrad_drifting, "changed x"),
        (numgrad_copies, "other than x"),
        (numgrad_flat, "f expects an array of shape"),
        (numgrad_2d_only, "x of shape (2, 3, 2)"),  # x[i, j] on a 3-d x moves a whole row
        (numgrad_no_half, "2 ×"),
    ],
)
def test_numerical_grad_wrong_answers_fail(wrong, match):
    result = nb02.check_numerical_grad(wrong)
    assert result.status == "fail" and match in result.message, result


def test_numerical_grad_right_passes_and_template_is_not_attempted():
    assert nb02.check_numerical_grad(numgrad_right).passed
    assert nb02.check_numerical_grad(None).status == NOT_ATTEMPTED

    def template(f, x, h=1e-5):
        raise NotImplementedError()

    assert nb02.check_numerical_grad(template).status == NOT_ATTEMPTED


def test_probe_gradients_are_exact():
    # the checker's own exact gradients, against course_lib's numerical_grad
    rng = np.random.default_rng(0)
    for probe in nb02._probes(rng, True) + nb02._probes(rng, False):
        x = probe.x.copy()
        assert rel_error(numerical_grad(lambda probe=probe, x=x: probe(x), x), probe.grad(probe.x)) < 1e-8


def verify_right(grad_fn, X, W, Y, lam):
    def loss(W_):
        return np.sum((X @ W_ - Y) ** 2) + lam * np.sum(W_**2)

    return rel_error(grad_fn(X, W, Y, lam), numgrad_right(loss, W.copy()))


def verify_without_lambda(grad_fn, X, W, Y, lam):  # the loss without its λ term
    def loss(W_):
        return np.sum((X @ W_ - Y) ** 2)

    return rel_error(grad_fn(X, W, Y, lam), numgrad_right(loss, W.copy()))


def verify_half_loss(grad_fn, X, W, Y, lam):  # ½‖XW − Y‖²: a different loss than the one of 2.4
    def loss(W_):
        return 0.5 * np.sum((X @ W_ - Y) ** 2) + lam * np.sum(W_**2)

    return rel_error(grad_fn(X, W, Y, lam), numgrad_right(loss, W.copy()))


def verify_always_zero(grad_fn, X, W, Y, lam):  # a check that accepts everything
    return 0.0


def verify_forward(grad_fn, X, W, Y, lam):  # a one-sided check with a coarse step: rejects right gradients
    def loss(W_):
        return np.sum((X @ W_ - Y) ** 2) + lam * np.sum(W_**2)

    return rel_error(grad_fn(X, W, Y, lam), numgrad_forward(loss, W.copy(), 1e-3))


def verify_returns_array(grad_fn, X, W, Y, lam):  # returns the difference, not the relative error (2.6)
    def loss(W_):
        return np.sum((X @ W_ - Y) ** 2) + lam * np.sum(W_**2)

    return grad_fn(X, W, Y, lam) - numgrad_right(loss, W.copy())


@pytest.mark.parametrize(
    "wrong, match",
    [
        (verify_without_lambda, "rejects a RIGHT gradient"),
        (verify_half_loss, "rejects a RIGHT gradient"),
        (verify_always_zero, "accepts a WRONG gradient"),
        (verify_forward, "rejects a RIGHT gradient"),
        (verify_returns_array, "relative error"),
    ],
)
def test_ridge_verification_wrong_answers_fail(wrong, match):
    result = nb02.check_ridge_verification(wrong, ridge_right)
    assert result.status == "fail" and match in result.message, result


def test_ridge_verification_runs_the_learners_check_on_the_learners_gradient():
    assert nb02.check_ridge_verification(verify_right, ridge_right).passed
    assert nb02.check_ridge_verification(verify_right).passed  # without a gradient of 2.4 to verify
    assert nb02.check_ridge_verification(None, ridge_right).status == NOT_ATTEMPTED

    def template(*args):
        raise NotImplementedError()

    assert nb02.check_ridge_verification(verify_right, template).status == NOT_ATTEMPTED  # 2.4 not written yet
    assert nb02.check_ridge_verification(template, template).status == NOT_ATTEMPTED
    # a right check on a wrong gradient of 2.4: the learner's own check catches the learner's own mistake
    result = nb02.check_ridge_verification(verify_right, lambda X, W, Y, lam: 2 * X.T @ (X @ W - Y) + lam * W)
    assert result.status == "fail" and "rejects your my_ridge_grad" in result.message


def test_hints_cover_every_exercise_of_notebook_02():
    from course_lib.exercises.solutions import exercises

    ids = [ex["id"] for ex in exercises("02")]
    assert ids == ["rel_error_prediction", "jacobian", "mixing_layer_grads", "ridge_grad", "ridge_minimiser",
                   "column_layer_grads", "numerical_grad", "ridge_verification"]
    for ex_id in ids:
        nudge, key = nb02.HINTS[ex_id]
        assert nudge and key and nudge != key


def jacobian_right(W, b, x):
    a = np.tanh(W.T @ x + b)
    return (1 - a**2)[:, None] * W.T


@pytest.mark.parametrize(
    "wrong",
    [
        lambda W, b, x: W.T,  # the diagonal tanh' factor left out: the Jacobian of z, not of a
        lambda W, b, x: jacobian_right(W, b, x).T,  # gradient (denominator) layout instead of numerator layout
        lambda W, b, x: W.T * (1 - np.tanh(W.T @ x + b) ** 2),  # tanh' along the wrong axis (scales columns)
        lambda W, b, x: (1 - np.tanh(W.T @ x) ** 2)[:, None] * W.T,  # b forgotten inside tanh
        lambda W, b, x: (1 - (W.T @ x + b) ** 2)[:, None] * W.T,  # 1 − z² instead of 1 − tanh²(z)
    ],
)
def test_jacobian_wrong_answers_fail(wrong):
    assert nb02.check_jacobian(wrong).status == "fail"


def test_jacobian_right_passes():
    assert nb02.check_jacobian(jacobian_right).passed


# ---- the learner trial's false passes and messages (2.1, 2.2, 2.7, 2.8) --------------------------------------

def test_rel_error_prediction_accepts_any_pair_of_real_numbers():
    # The right values in the forms a learner writes them: a numpy array, exact fractions, ints mixed with floats.
    from fractions import Fraction

    assert nb02.check_rel_error_prediction(np.array([0.5, 1 / 3])).passed
    assert nb02.check_rel_error_prediction((Fraction(1, 2), Fraction(1, 3))).passed
    assert nb02.check_rel_error_prediction([np.float32(0.5), 1 / 3]).passed


def test_rel_error_prediction_names_a_swapped_pair():
    # (1/3, 1/2) holds both right numbers in the wrong order: the message says so rather than "off by 1e-3".
    result = nb02.check_rel_error_prediction(np.array([1 / 3, 0.5]))
    assert result.status == "fail" and "wrong order" in result.message, result


def jacobian_by_finite_differences(W, b, x, h=1e-6):  # what the exercise forbids: (2.5) column by column
    J = np.zeros((W.shape[1], x.size))
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h
        J[:, i] = (np.tanh(W.T @ (x + e) + b) - np.tanh(W.T @ (x - e) + b)) / (2 * h)
    return J


def test_jacobian_by_finite_differences_is_rejected_and_named():
    # Central differences agree to ~1e-10 (rounding/h + h²), an analytic Jacobian to ~1e-15; the exercise asks for
    # the chain rule, and the checker's 1e-11 separates the two.
    case = nb02._jacobian_cases()[0]
    err = rel_error(jacobian_by_finite_differences(*case), jacobian_right(*case))
    assert 1e-11 < err < 1e-5
    result = nb02.check_jacobian(jacobian_by_finite_differences)
    assert result.status == "fail" and "central differences (2.5)" in result.message, result


def test_jacobian_other_analytic_forms_pass():
    # sech² and the diag product: the same analytic answer, rounded differently (still ~1e-15).
    assert nb02.check_jacobian(lambda W, b, x: np.diag(1 / np.cosh(W.T @ x + b) ** 2) @ W.T).passed


def numgrad_no_argument(f, x, h=1e-5):  # calls f() the way course_lib.numerical_grad does
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old = x[idx]
        x[idx] = old + h
        f_plus = f()
        x[idx] = old - h
        f_minus = f()
        x[idx] = old
        grad[idx] = (f_plus - f_minus) / (2 * h)
    return grad


def test_numerical_grad_calling_f_without_x_is_told_how_to_call_it():
    result = nb02.check_numerical_grad(numgrad_no_argument)
    assert result.status == "fail" and "f takes x: call f(x)" in result.message, result
    assert "_Probe" not in result.message


def _verify_with(measure):
    def verify(grad_fn, X, W, Y, lam):
        def loss(W_):
            return np.sum((X @ W_ - Y) ** 2) + lam * np.sum(W_**2)

        a, num = grad_fn(X, W, Y, lam), numgrad_right(loss, W.copy())
        return measure(a, num)

    return verify


@pytest.mark.parametrize(
    "measure",
    [
        lambda a, num: np.linalg.norm(a - num),  # an absolute error: tiny for the right gradient, not Eq. (2.6)
        lambda a, num: np.sum((a - num) ** 2),  # a sum of squares
        lambda a, num: np.max(np.abs(a - num)),  # the largest entry of the difference
        lambda a, num: abs(np.mean(a - num)),  # the mean difference
        lambda a, num: np.linalg.norm(a - num) / np.linalg.norm(num),  # ‖a − n‖/‖n‖: 1/2 for the half, not 1/3
    ],
)
def test_ridge_verification_rejects_numbers_that_are_not_the_relative_error(measure):
    # Each is < 1e-6 for the right gradient and > 1e-4 for the wrong ones, so a threshold alone passes it; but for
    # the half gradient Eq. (2.6) is exactly 1/3 whatever the data, and none of these gives 1/3 ± 5 %.
    result = nb02.check_ridge_verification(_verify_with(measure), ridge_right)
    assert result.status == "fail" and "Eq. (2.6)" in result.message, result


def test_ridge_verification_planted_errors_are_what_eq_2_4_says():
    # The checker's own measurement: the half gradient is 1/3 by Eq. (2.6) (a = g/2, b = g), independently of g.
    for X, W, Y, lam in nb02._ridge_cases(211):
        assert abs(nb02._true_error(nb02._ridge_wrong("half"), X, W, Y, lam) - 1 / 3) < 1e-8
        assert nb02._true_error(nb02._ridge_wrong("no λ term"), X, W, Y, lam) > 1e-3 or lam == 0


def test_ridge_verification_with_a_stub_numerical_grad_names_exercise_2_7():
    def stub_numgrad(f, x, h=1e-5):
        raise NotImplementedError()

    def verify(grad_fn, X, W, Y, lam):
        return rel_error(grad_fn(X, W, Y, lam), stub_numgrad(lambda W_: 0.0, W.copy()))

    result = nb02.check_ridge_verification(verify, ridge_right)
    assert result.status == NOT_ATTEMPTED and "2.7" in result.message and "stub_numgrad" in result.message, result


@pytest.mark.parametrize("value, shown", [(float("nan"), "got nan"), (-0.3, "got −0.3")])
def test_ridge_verification_names_a_nan_or_negative_number(value, shown):
    result = nb02.check_ridge_verification(lambda grad_fn, X, W, Y, lam: value, ridge_right)
    assert result.status == "fail" and shown in result.message, result


# ---- 2.6 in the column convention: section 3's table, copied with V for W, is the bug -------------------------

def column_right(x, V, t):
    a = np.tanh(V @ x)
    d = (a - t) * (1 - a**2)
    return V.T @ d, np.outer(d, x)


def test_column_reference_matches_finite_differences():
    for x, V, t in nb02._column_cases():
        x, V = x.copy(), V.copy()

        def loss(x=x, V=V, t=t):
            return 0.5 * np.sum((np.tanh(V @ x) - t) ** 2)

        dx, dV = nb02._column_reference(x, V, t)  # central differences reach ~1e-8 here; a wrong formula ≥ 1e-2
        assert rel_error(numerical_grad(loss, x), dx) < 1e-7
        assert rel_error(numerical_grad(loss, V), dV) < 1e-7


def test_column_right_passes_and_none_is_not_attempted():
    assert nb02.check_column_layer_grads(column_right).passed
    assert nb02.check_column_layer_grads(None).status == NOT_ATTEMPTED


def _column_with(dx_of, dV_of):
    def grads(x, V, t):
        a = np.tanh(V @ x)
        d = (a - t) * (1 - a**2)
        return dx_of(x, V, d), dV_of(x, V, d)

    return grads


@pytest.mark.parametrize(
    "wrong",
    [
        _column_with(lambda x, V, d: V @ d, lambda x, V, d: np.outer(x, d)),  # the printed bug: the table with V for W
        _column_with(lambda x, V, d: V.T @ d, lambda x, V, d: np.outer(x, d)),  # only step 2 fixed: ∂L/∂V is (V's)ᵀ
        _column_with(lambda x, V, d: V @ d, lambda x, V, d: np.outer(d, x)),  # only step 3 fixed: J not transposed
        lambda x, V, t: (V.T @ (np.tanh(V @ x) - t), np.outer(np.tanh(V @ x) - t, x)),  # tanh' dropped from δ
        lambda x, V, t: (V.T @ ((np.tanh(V @ x) - t) * (1 - (V @ x) ** 2)),  # 1 − z² for tanh'(z) = 1 − a²
                         np.outer((np.tanh(V @ x) - t) * (1 - (V @ x) ** 2), x)),
    ],
)
def test_column_wrong_answers_fail(wrong):
    # Two fixed cases have a square V, where every one of these runs; the others are caught by their values.
    assert nb02.check_column_layer_grads(wrong).status == "fail"


# ---- learner trial E: 2.7's order test and messages, 2.8's one-sided diagnosis ---------------------------------

def numgrad_five_point(f, x, h=1e-5):  # a higher-order stencil, error O(h⁴): more accurate than (2.5), accepted
    grad = np.zeros(x.shape)
    for idx in np.ndindex(x.shape):
        old, values = x[idx], []
        for k in (2, 1, -1, -2):
            x[idx] = old + k * h
            values.append(f(x))
        x[idx] = old
        grad[idx] = (-values[0] + 8 * values[1] - 8 * values[2] + values[3]) / (12 * h)
    return grad


def numgrad_first_axis(f, x, h=1e-5):  # loops over the first axis only: wrong at every h, h is used
    grad = np.zeros(x.shape)
    for i in range(len(x)):
        old = x[i].copy()
        x[i] = old + h
        fp = f(x)
        x[i] = old - h
        fm = f(x)
        x[i] = old
        grad[i] = (fp - fm) / (2 * h)
    return grad


def test_numerical_grad_five_point_stencil_passes():
    for _ in range(3):
        assert nb02.check_numerical_grad(numgrad_five_point).passed


def test_numerical_grad_wrong_at_every_h_does_not_ask_about_h():
    result = nb02.check_numerical_grad(numgrad_first_axis)
    assert result.status == "fail" and "use the argument h" not in result.message and "one-sided" not in \
        result.message, result


def test_numerical_grad_complex_step_is_refused_without_a_warning_from_the_checker():
    import warnings

    def complex_in_place(f, x, h=1e-5):
        return np.array([f(x + 1e-20j) for _ in range(1)])

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a ComplexWarning from the checker's own f would raise here
        result = nb02.check_numerical_grad(complex_in_place)
    assert result.status == "fail" and "f takes a real array" in result.message, result


def verify_forward_fine(grad_fn, X, W, Y, lam):  # the learner's one-sided check with h = 1e-5: error ~1e-6
    def loss(W_):
        return np.sum((X @ W_ - Y) ** 2) + lam * np.sum(W_**2)

    return rel_error(grad_fn(X, W, Y, lam), numgrad_forward(loss, W.copy(), 1e-5))


def test_ridge_verification_one_sided_check_is_named():
    result = nb02.check_ridge_verification(verify_forward_fine, ridge_right)
    assert result.status == "fail" and "one-sided" in result.message and "exactly ‖XW" not in result.message, result


# ---- learner trial I: 2.8 compared with an analytic gradient; a my_ridge_grad that writes into W; 2.1 rounding ---

def _notebook_namespace(verify_source):
    """verify_ridge_grad defined the way a notebook defines it: in a namespace that holds my_numerical_grad (2.7)
    and my_ridge_grad (2.4), both right."""
    space = {"np": np, "rel_error": rel_error, "my_numerical_grad": numgrad_right, "my_ridge_grad": ridge_right}
    exec(verify_source, space)  # noqa: S102 - the test's own source, as a notebook cell would define it
    return space


ANALYTIC_VERIFY = '''
def verify_ridge_grad(grad_fn, X, W, Y, lam):
    return rel_error(grad_fn(X, W, Y, lam), my_ridge_grad(X, W, Y, lam))
'''

NUMERIC_VERIFY = '''
def verify_ridge_grad(grad_fn, X, W, Y, lam):
    def loss(W_):
        return np.sum((X @ W_ - Y) ** 2) + lam * np.sum(W_ ** 2)
    return rel_error(grad_fn(X, W, Y, lam), my_numerical_grad(loss, W.copy()))
'''


def test_ridge_verification_against_an_analytic_gradient_fails_every_run():
    # my_ridge_grad is right, so comparing grad_fn with it gives exactly the relative errors a numerical check gives:
    # only whether my_numerical_grad is called tells them apart; it never is, so this verifies nothing
    space = _notebook_namespace(ANALYTIC_VERIFY)
    for _ in range(20):
        result = nb02.check_ridge_verification(space["verify_ridge_grad"], space["my_ridge_grad"])
        assert result.status == "fail" and "never calls my_numerical_grad" in result.message, result
        assert space["my_numerical_grad"] is numgrad_right  # the counting wrapper is removed again


def test_ridge_verification_with_my_numerical_grad_in_the_namespace_passes():
    space = _notebook_namespace(NUMERIC_VERIFY)
    for _ in range(3):
        assert nb02.check_ridge_verification(space["verify_ridge_grad"], space["my_ridge_grad"]).passed
    assert space["my_numerical_grad"] is numgrad_right


def test_ridge_verification_names_a_my_ridge_grad_that_writes_into_w():
    # this my_ridge_grad returns the right gradient (2.4 passes: the learner gets copies) but overwrites W, so a right
    # verify differentiates the loss at another W: the diagnosis is "changes W", not "the derivation has a mistake"
    def ridge_overwrites_w(X, W, Y, lam):
        g = 2 * X.T @ (X @ W - Y)
        W *= 2 * lam
        W += g
        return W

    assert nb02.check_ridge_grad(ridge_overwrites_w).passed
    for _ in range(20):
        result = nb02.check_ridge_verification(verify_right, ridge_overwrites_w)
        assert result.status == "fail" and "my_ridge_grad changes W" in result.message, result
        assert "derivation of 2.4 has a mistake" not in result.message


@pytest.mark.parametrize("pair, which", [((0.5, 0.33), "g/2"), ((0.505, 1 / 3), "3g"), ((0.5, 0.3367), "g/2")])
def test_rel_error_prediction_rounded_is_told_to_give_more_digits(pair, which):
    # within 2 % but outside the 1e-3 the text states: a rounding, not a derivation mistake
    for _ in range(20):
        result = nb02.check_rel_error_prediction(pair)
        assert result.status == "fail" and "give more digits" in result.message and which in result.message, result
    assert nb02.check_rel_error_prediction((0.5, 0.333)).passed and nb02.check_rel_error_prediction((0.5, 0.3)).status \
        == "fail" and "give more digits" not in nb02.check_rel_error_prediction((0.5, 0.3)).message
