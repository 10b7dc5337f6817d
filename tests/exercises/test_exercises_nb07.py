"""The transfer exercises of notebook 07: each checker passes its reference answer, reads None as "not attempted",
and fails the typical wrong answers. The references are checked against independent measurements."""

import numpy as np
import pytest
from exercise_support import standard_checker_tests

from course_lib import MLP
from course_lib.exercises import nb07


def kinks(W1, b1, lo, hi):
    w = W1[0]
    x = -b1[w != 0] / w[w != 0]  # a unit with w = 0 never bends
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
    fixed = sizes[:-1]  # the last call is the case drawn at call time, which may by chance have none inside
    assert all(0 < k < h for k, h in fixed), sizes  # some inside, some outside: filtering matters


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


# --- The ladder: derive (7.1, 7.2, 7.4), predict (7.3), build (7.6) ----------------------------------------------


def sum_loss_lr(lr_sum, B, n_out):
    return lr_sum * B * n_out / 2


def sum_lr_eq_7_2(lr_sum, B, n_out):  # Eq. (7.2) copied: S2's convention, not this one (forgets B)
    return lr_sum * n_out / 2


def sum_lr_no_n_out(lr_sum, B, n_out):  # forgets that MSELoss also averages over the outputs
    return lr_sum * B / 2


def sum_lr_no_half(lr_sum, B, n_out):  # forgets that the ½ cancels the 2 of the square
    return lr_sum * B * n_out


def sum_lr_inverted(lr_sum, B, n_out):  # the ratio upside down
    return lr_sum * 2 / (B * n_out)


def sum_lr_hard_coded(lr_sum, B, n_out):  # right on the four fixed cases only, 1 elsewhere
    fixed = {(0.01, 20, 1): 0.1, (0.001, 32, 3): 0.048, (0.05, 1, 2): 0.05, (0.002, 7, 10): 0.07}
    return fixed.get((lr_sum, B, n_out), 1.0)


def bias_factors(c):
    return np.cumprod(c)


def bias_own_layer(c):  # each b_l scaled by its own c_l only
    return np.asarray(c, dtype=float)


def bias_total_product(c):  # every b_l scaled by the whole product ∏ c
    return np.full(len(c), np.prod(c))


def bias_unscaled(c):  # biases left alone (Eq. 7.4 applied as if there were no biases)
    return np.ones(len(c))


def bias_product_below(c):  # the product of the layers below l only: forgets c_l itself
    return np.concatenate([[1.0], np.cumprod(c)[:-1]])


def bias_first_cases_only(c):  # hard-coded to the first three cases' lengths: a fixed table
    table = {2: [2.0, 1.0], 3: [3.0, 0.75, 3.75], 5: [0.7, 0.91, 1.82, 0.728, 0.8008]}
    return np.array(table.get(len(c), np.ones(len(c))))


def _gated_solution():
    """Exercise 7.6's solution, read from the notebook's own solution cell (so the tests cover what learners see)."""
    import types

    from course_lib.exercises.solutions import solution_text
    module = types.ModuleType("nb07_gated_solution")
    module.np = np
    exec(solution_text("07", "train_gated").split("gated_result =")[0], module.__dict__)  # noqa: S102
    return module


CASES_LADDER = {
    "sum_loss_lr": (nb07.check_sum_loss_lr, sum_loss_lr,
                    [sum_lr_eq_7_2, sum_lr_no_n_out, sum_lr_no_half, sum_lr_inverted, sum_lr_hard_coded]),
    "bias_scaling": (nb07.check_bias_scaling, bias_factors,
                     [bias_own_layer, bias_total_product, bias_unscaled, bias_product_below,
                      bias_first_cases_only]),
}

(test_ladder_reference_passes, test_ladder_none_reads_not_attempted, test_ladder_template_reads_not_attempted,
 test_ladder_wrong_answers_fail) = standard_checker_tests(CASES_LADDER)


@pytest.mark.parametrize(("wrong", "says"), [(sum_lr_eq_7_2, "1/B ×"), (sum_lr_no_n_out, "1/n_out ×"),
                                            (sum_lr_no_half, "2 ×"), (sum_lr_inverted, "inverse")])
def test_sum_loss_lr_names_the_missing_factor(wrong, says):
    assert says in str(nb07.check_sum_loss_lr(wrong))


@pytest.mark.parametrize(("B", "n_out"), [(1, 1), (5, 3), (64, 2)])
def test_sum_loss_reference_is_the_measured_gradient_ratio(B, n_out):
    """The reference measures the ratio of two course_lib gradients; it equals B·n_out/2 (so the solution is right)."""
    assert abs(nb07._sum_loss_ratio(B, n_out, seed=3) - B * n_out / 2) < 1e-9 * B * n_out


def test_bias_scaling_message_names_the_layer_where_it_starts():
    assert "b_2" in str(nb07.check_bias_scaling(bias_own_layer))
    assert "b_1" in str(nb07.check_bias_scaling(bias_product_below))


def test_negative_factors_break_the_rescaling():
    """Why the exercise says c_l > 0: with c_1 < 0 the cumulative product does not give ∏ c × the output."""
    net = MLP([2, 4, 3, 1], activation="relu", seed=0)
    rng = np.random.default_rng(0)
    for lin in net.linears:
        lin.b[:] = rng.normal(size=lin.b.shape)
    X = rng.normal(size=(20, 2))
    before = net(X)
    c = np.array([-2.0, 0.5, 3.0])
    for lin, cl, bl in zip(net.linears, c, np.cumprod(c), strict=True):
        lin.W *= cl
        lin.b *= bl
    assert np.max(np.abs(net(X) - np.prod(c) * before)) > 0.1


@pytest.mark.parametrize("value", [1 + 8 / 30, 1.267, 38 / 30])
def test_fresh_noise_prediction_passes(value):
    assert nb07.check_fresh_noise_prediction(value).passed


@pytest.mark.parametrize(("value", "why"), [
    (1.0, "Eq. 7.3"),           # σ² alone: forgets that the fit carries part of the old noise
    (22 / 30, "training MSE"),  # the training MSE of 7.2: the noise is new here
    (8 / 30, "only the fit"),   # forgets the new targets' own noise
    (1.25, "too low"),          # a rounded guess
    (1 + 8 / 29, "too high"),   # n − 1 in the denominator
    (2.0, "too high"),          # 1 + 1: "twice the noise"
])
def test_fresh_noise_wrong_predictions_fail(value, why):
    res = nb07.check_fresh_noise_prediction(value)
    assert res.status == "fail" and why in res.message, str(res)


@pytest.mark.parametrize("value", ["1.27", np.array([1.27]), True, float("nan"), 10**400])
def test_fresh_noise_odd_predictions_fail(value):
    assert nb07.check_fresh_noise_prediction(value).status == "fail"


def test_fresh_noise_none_reads_not_attempted():
    assert nb07.check_fresh_noise_prediction(None).status == "not attempted yet"


def test_fresh_noise_reference_matches_monte_carlo():
    """Independent check: least-squares fits scored against fresh noise at the same x score σ²(1 + p/n)."""
    rng = np.random.default_rng(5)
    sigma, n, p = 0.3, nb07.FRESH_N, nb07.FRESH_P
    D = np.vander(rng.uniform(-1, 1, size=n), p, increasing=True)
    old, new = rng.normal(0, sigma, size=(n, 20000)), rng.normal(0, sigma, size=(n, 20000))
    coef, *_ = np.linalg.lstsq(D, old, rcond=None)
    measured = np.mean((D @ coef - new) ** 2) / sigma**2
    assert abs(measured / nb07._fresh_noise_mse(n, p) - 1) < 0.01


# --- Exercise 7.6: the gated network ------------------------------------------------------------------------------

sol = _gated_solution()


def _adam_train(X, T, seed, steps=1500, lr=0.02, h=48):
    """The solution's training loop with its number of steps and learning rate as arguments (for wrong answers)."""
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(0, 10, size=(1, h)), "b1": rng.uniform(-10, 10, size=h),
              "W2": rng.normal(0, 10, size=(1, h)), "b2": np.zeros(h),
              "W3": rng.normal(0, 1 / np.sqrt(h), size=(h, 1)), "b3": np.zeros(1)}
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    for t in range(1, steps + 1):
        for k, g in sol.gated_backward(params, X, T).items():
            m[k] = 0.9 * m[k] + 0.1 * g
            v[k] = 0.999 * v[k] + 0.001 * g**2
            params[k] -= lr * (m[k] / (1 - 0.9**t)) / (np.sqrt(v[k] / (1 - 0.999**t)) + 1e-8)
    return params


def test_the_loop_above_is_the_solutions():
    X, T = nb07.sin_s0(64, seed=1)
    ours, theirs = _adam_train(X, T, 3, steps=20), sol.train_gated(X, T, 3)
    assert set(ours) == set(theirs) and all(ours[k].shape == theirs[k].shape for k in ours)


def test_gated_reference_backward_matches_finite_differences():
    """The checker's private backward pass against central differences of its own forward pass and MSELoss."""
    from course_lib import MSELoss, numerical_grad, rel_error
    rng = np.random.default_rng(0)
    params, X, T = nb07._gated_case(rng, 5, 3, 4, 2)
    grads = nb07._gated_backward(params, X, T)
    for key in nb07.GATED_KEYS:
        numeric = numerical_grad(lambda: MSELoss()(nb07._gated_forward(params, X), T), params[key])
        assert rel_error(grads[key], numeric) < 1e-7, key


@pytest.mark.slow  # trains or executes notebooks: `make slow`, not the fast `make unit`
def test_gated_solution_passes_on_several_call_time_seeds():
    for _ in range(3):
        res = nb07.check_train_gated(sol.gated_forward, sol.gated_backward, sol.train_gated)
        assert res.passed, str(res)


@pytest.mark.parametrize("missing", ["forward", "backward", "train"])
def test_gated_not_attempted(missing):
    fns = {"forward": sol.gated_forward, "backward": sol.gated_backward, "train": sol.train_gated}
    fns[missing] = None
    assert nb07.check_train_gated(fns["forward"], fns["backward"], fns["train"]).status == "not attempted yet"

    def template(*args):
        raise NotImplementedError()

    fns[missing] = template
    assert nb07.check_train_gated(fns["forward"], fns["backward"], fns["train"]).status == "not attempted yet"


def _backward_without_1_over_n(params, X, T):  # L = Σ (Ŷ − T)²: forgets the mean's 1/(B·n_out)
    return {k: v * T.size for k, v in sol.gated_backward(params, X, T).items()}


def _backward_no_gate_derivative(params, X, T):  # ∂S/∂Z2 forgotten: Δ2 = G_H ⊙ U (σ' dropped)
    U = np.tanh(X @ params["W1"] + params["b1"])
    S = nb07._sigmoid(X @ params["W2"] + params["b2"])
    grads = sol.gated_backward(params, X, T)
    G = 2 * ((U * S) @ params["W3"] + params["b3"] - T) / T.size
    D2 = (G @ params["W3"].T) * U
    grads["W2"], grads["b2"] = X.T @ D2, D2.sum(axis=0)
    return grads


def _backward_tanh_derivative_wrong(params, X, T):  # tanh' written as 1 − U (no square)
    U = np.tanh(X @ params["W1"] + params["b1"])
    S = nb07._sigmoid(X @ params["W2"] + params["b2"])
    grads = sol.gated_backward(params, X, T)
    G = 2 * ((U * S) @ params["W3"] + params["b3"] - T) / T.size
    D1 = (G @ params["W3"].T) * S * (1 - U)
    grads["W1"], grads["b1"] = X.T @ D1, D1.sum(axis=0)
    return grads


def _backward_sign(params, X, T):  # G = 2(T − Ŷ)/(B·n_out): the gradient of the wrong direction
    return {k: -v for k, v in sol.gated_backward(params, X, T).items()}


def _backward_W3_transposed(params, X, T):  # ∇W3 = Gᵀ H: the transpose
    grads = sol.gated_backward(params, X, T)
    grads["W3"] = grads["W3"].T
    return grads


def _backward_b_not_summed(params, X, T):  # ∇b1 as Δ1's first row instead of its column sums
    U = np.tanh(X @ params["W1"] + params["b1"])
    S = nb07._sigmoid(X @ params["W2"] + params["b2"])
    grads = sol.gated_backward(params, X, T)
    G = 2 * ((U * S) @ params["W3"] + params["b3"] - T) / T.size
    grads["b1"] = ((G @ params["W3"].T) * S * (1 - U**2))[0]
    return grads


def _forward_no_gate(params, X):  # forgets the gate: Ŷ = tanh(X W1 + b1) W3 + b3
    return np.tanh(X @ params["W1"] + params["b1"]) @ params["W3"] + params["b3"]


def _train_untrained(X, T, seed):  # initialises and returns without training
    return _adam_train(X, T, seed, steps=0)


def _train_too_short(X, T, seed):  # 100 Adam steps: far from the target
    return _adam_train(X, T, seed, steps=100)


def _train_glorot_sgd(X, T, seed, h=32):  # Glorot-small weights and plain SGD: stuck on the plateau
    rng = np.random.default_rng(seed)
    s = np.sqrt(2 / (1 + h))
    params = {"W1": rng.normal(0, s, (1, h)), "b1": np.zeros(h), "W2": rng.normal(0, s, (1, h)), "b2": np.zeros(h),
              "W3": rng.normal(0, s, (h, 1)), "b3": np.zeros(1)}
    for _ in range(1500):
        for k, g in sol.gated_backward(params, X, T).items():
            params[k] -= 0.1 * g
    return params


def _train_returns_W3_transposed(X, T, seed):
    params = _adam_train(X, T, seed, steps=5)
    params["W3"] = params["W3"].T
    return params


def _train_diverges(X, T, seed):  # lr far too large: NaN
    with np.errstate(all="ignore"):
        params = _adam_train(X, T, seed, steps=5)
        for k in params:
            params[k] = params[k] * np.nan
    return params


def _train_wrong_direction(X, T, seed):  # ascends: the sign error in the update
    return _adam_train(X, T, seed, steps=200, lr=-0.02)


def _train_missing_key(X, T, seed):
    params = _adam_train(X, T, seed, steps=5)
    del params["b3"]
    return params


@pytest.mark.parametrize(("forward", "backward", "train", "says"), [
    (None, _backward_without_1_over_n, None, "B·n_out × the right one"),
    (None, _backward_no_gate_derivative, None, "∇W2"),
    (None, _backward_tanh_derivative_wrong, None, "∇W1"),
    (None, _backward_sign, None, "−1 ×"),
    (None, _backward_W3_transposed, None, "transpose"),
    (None, _backward_b_not_summed, None, "∇b1"),
    (_forward_no_gate, None, None, "Eq. (5.8)"),
    (None, None, _train_untrained, "below 0.05"),
    (None, None, _train_too_short, "below 0.05"),
    (None, None, _train_glorot_sgd, "below 0.05"),
    (None, None, _train_returns_W3_transposed, "transpose"),
    (None, None, _train_diverges, "NaN"),
    (None, None, _train_wrong_direction, "below 0.05"),
    (None, None, _train_missing_key, "without b3"),
], ids=lambda x: getattr(x, "__name__", str(x)))
def test_gated_wrong_answers_fail(forward, backward, train, says):
    res = nb07.check_train_gated(forward or sol.gated_forward, backward or sol.gated_backward,
                                 train or sol.train_gated)
    assert res.status == "fail" and says in res.message, str(res)


def test_gated_learner_code_that_raises_or_hangs_gets_a_verdict(monkeypatch):
    import course_lib.exercises.checking as ex
    monkeypatch.setattr(ex, "TIME_LIMIT", 0.2)

    def hangs(X, T, seed):
        while True:
            pass

    def exits(X, T, seed):
        raise SystemExit(1)

    assert "did not finish" in nb07.check_train_gated(sol.gated_forward, sol.gated_backward, hangs).message
    assert "exit()" in nb07.check_train_gated(sol.gated_forward, sol.gated_backward, exits).message
    assert nb07.check_train_gated(sol.gated_forward, sol.gated_backward, lambda X, T, s: "params").status == "fail"
    assert nb07.check_train_gated(sol.gated_forward, sol.gated_backward, lambda X, T, s: {"W1": object()}).status \
        == "fail"


def test_every_exercise_has_two_hint_tiers():
    from course_lib.exercises.solutions import exercises
    ids = [ex["id"] for ex in exercises("07")]
    assert sorted(ids) == sorted(nb07.HINTS) and all(len(nb07.HINTS[i]) == 2 for i in ids)


# --- the blind trial's false passes (learner D) and messages that did not point at the slip -----------------------


def sum_lr_integer_division(lr_sum, B, n_out):  # B·n_out // 2: right only when B·n_out is even
    return lr_sum * (B * n_out // 2)


def test_sum_loss_lr_integer_division_fails_on_every_run():
    """η_mean = η_sum·B·n_out/2 is not an integer multiple when B·n_out is odd; the fixed cases include odd products,
    so the verdict no longer depends on the case drawn at call time."""
    for _ in range(10):
        res = nb07.check_sum_loss_lr(sum_lr_integer_division)
        assert res.status == "fail", str(res)


def bias_in_place(c):  # the right factors, written into c itself (the next cell then sees a changed c)
    beta = c
    for i in range(1, len(beta)):
        beta[i] *= beta[i - 1]
    return beta


def test_bias_scaling_in_place_fails_with_new_array_message():
    res = nb07.check_bias_scaling(bias_in_place)
    assert res.status == "fail" and "new array" in res.message and "leave c" in res.message, str(res)
    assert nb07.check_bias_scaling(lambda c: np.cumprod(c)).passed  # np.cumprod returns a new array


def kinks_strict(W1, b1, lo, hi):  # (lo, hi) instead of [lo, hi]: drops a kink that lies exactly on an end
    x = -b1 / W1[0]
    return np.sort(x[(x > lo) & (x < hi)])


def kinks_unsorted(W1, b1, lo, hi):  # the right kinks in the order of the units
    x = -b1 / W1[0]
    return x[(x >= lo) & (x <= hi)]


def test_kink_positions_strict_bounds_fail_on_every_run():
    """The fixed cases include kinks exactly at x = 0 = lo and x = 1 = hi (−0/1 and −2/−2 are exact)."""
    for _ in range(5):
        res = nb07.check_relu_kinks(kinks_strict)
        assert res.status == "fail" and "includes its ends" in res.message, str(res)


def test_kink_positions_unsorted_is_told_to_sort():
    res = nb07.check_relu_kinks(kinks_unsorted)
    assert res.status == "fail" and "not sorted" in res.message, str(res)


def test_kink_failure_does_not_state_the_formula():
    for wrong in (kinks_sign, kinks_inverted, kinks_unfiltered):
        res = nb07.check_relu_kinks(wrong)
        assert res.status == "fail" and "−b_j / w_j" not in res.message and "-b_j / w_j" not in res.message, str(res)


def _backward_updates_params(params, X, T):  # right gradients, then a step inside the backward pass (S3's flaw)
    g = sol.gated_backward(params, X, T)
    params["W1"] -= 0.1 * g["W1"]
    return g


def test_gated_backward_that_updates_params_fails():
    res = nb07.check_train_gated(sol.gated_forward, _backward_updates_params, sol.train_gated)
    assert res.status == "fail" and "leaves params unchanged" in res.message and "'W1'" in res.message, str(res)


@pytest.mark.parametrize(("wrong", "says"), [
    (lambda s, n, p: s**2 * p / n, "σ²·p/n"),
    (lambda s, n, p: s * (n - p) / n, "like σ, not σ²"),
    (floor_ignores_parameters, "σ², Eq. (7.3)"),
    (floor_test_error, "above σ²"),
    (floor_off_by_one, "off by one"),
], ids=["p/n for 1-p/n", "sigma not squared", "sigma squared", "fresh-noise error", "off by one"])
def test_train_noise_floor_names_the_slip(wrong, says):
    res = nb07.check_train_noise_floor(wrong)
    assert res.status == "fail" and says in res.message, str(res)
    assert "(n − p)" not in res.message and "1 − p/n" not in res.message  # the diagnosis, not the answer


# --- learner G's trial: duplicate kinks and a dropped n_out ------------------------------------------------------


def kinks_unique(W1, b1, lo, hi):  # np.unique: two units bending at the same x counted once
    return np.unique(kinks(W1, b1, lo, hi))


def test_duplicate_kinks_are_kept_on_every_run():
    """The text now says one entry per unit; a fixed case has two equal kinks, so np.unique fails on every run."""
    W1, b1, lo, hi = np.array([[1.0, 2.0, -4.0, 0.5, 3.0]]), np.array([-0.5, -1.0, 1.0, 0.0, 1.0]), -0.25, 1.0
    x = kinks(W1, b1, lo, hi)
    assert len(np.unique(x)) == len(x) - 1  # the fixed case really holds one exact duplicate
    for _ in range(20):
        res = nb07.check_relu_kinks(kinks_unique)
        assert res.status == "fail" and "one entry per unit" in res.message, str(res)
        assert nb07.check_relu_kinks(kinks).passed


def _backward_mean_over_B_only(params, X, T):  # G = 2(Ŷ − T)/B: the 1/n_out of the mean dropped
    return {k: v * T.shape[1] for k, v in sol.gated_backward(params, X, T).items()}


def test_gated_backward_without_n_out_is_told_n_out():
    """Case 1 has n_out = 2 = the factor: the message says n_out ×, not just 2 ×."""
    for _ in range(20):
        res = nb07.check_train_gated(sol.gated_forward, _backward_mean_over_B_only, sol.train_gated)
        assert res.status == "fail" and "n_out × the right one" in res.message and "B·n_out" in res.message, str(res)
    res = nb07.check_train_gated(sol.gated_forward, _backward_without_1_over_n, sol.train_gated)
    assert res.status == "fail" and "B·n_out × the right one" in res.message, str(res)


# --- learner K's trial: a unit with w = 0 and b = 0, tiny but real weights, and the sign of the kink -------------


def kinks_nan_to_zero(W1, b1, lo, hi):  # −0/0 = nan becomes 0: a kink at 0 for a unit that never bends
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.nan_to_num(-b1 / W1[0])
    return np.sort(x[(x >= lo) & (x <= hi)])


def kinks_tiny_denominator(W1, b1, lo, hi):  # w = 0 replaced by 1e-300: −0/1e-300 = 0, the same false kink
    x = -b1 / np.where(W1[0] == 0, 1e-300, W1[0])
    return np.sort(x[(x >= lo) & (x <= hi)])


def kinks_zero_bias_at_zero(W1, b1, lo, hi):  # b = 0 → kink 0, whatever w is (also for w = 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        x = np.where(b1 == 0, 0.0, -b1 / W1[0])
    return np.sort(x[(x >= lo) & (x <= hi)])


def kinks_drop_small_w(W1, b1, lo, hi):  # |w| < 1e-3 treated as 0: drops a small but real kink
    w, b = W1[0], b1
    keep = np.abs(w) >= 1e-3
    x = -b[keep] / w[keep]
    return np.sort(x[(x >= lo) & (x <= hi)])


@pytest.mark.parametrize(("wrong", "says"), [
    (kinks_nan_to_zero, "never bends"), (kinks_tiny_denominator, "never bends"),
    (kinks_zero_bias_at_zero, "never bends"), (kinks_drop_small_w, "small but nonzero w"),
    (kinks_sign, "mirrored"),
], ids=["nan_to_num", "1e-300 denominator", "b == 0 gives 0", "drops |w| < 1e-3", "b/w"])
def test_kink_positions_slips_fail_on_every_run_and_are_named(wrong, says):
    """A fixed case holds a unit with w = 0, b = 0 (0 in range) and one with w = 1e-4 whose kink 0.5 is in range."""
    verdicts = {(r.status, r.message) for r in (nb07.check_relu_kinks(wrong) for _ in range(20))}
    assert len(verdicts) == 1, verdicts
    status, message = verdicts.pop()
    assert status == "fail" and says in message, message
    assert "−b_j / w_j" not in message and "−b/w" not in message and "-b / w" not in message


def test_fresh_noise_in_absolute_units_is_told_sigma_squared():
    """Learner K answered 0.0127 (the MSE for σ = 0.1) instead of 1.27 σ²: told the unit, not only 'too low'."""
    absolute = nb07._fresh_noise_mse(nb07.FRESH_N, nb07.FRESH_P) * 0.1**2
    res = nb07.check_fresh_noise_prediction(round(absolute, 4))
    assert res.status == "fail" and "units of σ²" in res.message, str(res)


# --- learner K's trial: 7.6's messages must not state exercise 5.5's answer; the missing 2; X changed in place -----


def _backward_stub(params, X, T):  # a learner who has not done 5.5: the right shapes, all zeros
    return {k: np.zeros_like(v, dtype=float) for k, v in params.items()}


def _backward_W1_only_wrong(params, X, T):  # 5.5's answer except ∇W1 (tanh' dropped)
    grads = sol.gated_backward(params, X, T)
    U = np.tanh(X @ params["W1"] + params["b1"])
    S = nb07._sigmoid(X @ params["W2"] + params["b2"])
    G = 2 * ((U * S) @ params["W3"] + params["b3"] - T) / T.size
    grads["W1"] = X.T @ ((G @ params["W3"].T) * S)
    return grads


@pytest.mark.parametrize("backward", [_backward_stub, _backward_W1_only_wrong, _backward_no_gate_derivative,
                                      _backward_tanh_derivative_wrong, _backward_b_not_summed],
                         ids=lambda f: f.__name__)
def test_gated_backward_messages_name_the_equation_not_the_formula(backward):
    """A stub must not be shown 5.5's backward pass: the message names the gradient and Eq. (5.2)/(5.3)/(5.8)."""
    res = nb07.check_train_gated(sol.gated_forward, backward, sol.train_gated)
    assert res.status == "fail" and "∇" in res.message and "Eq. (5." in res.message, str(res)
    for formula in ("Xᵀ", "Hᵀ", "⊙", "(1 − P²)", "1 − S", "2(Ŷ − T)", "column sums of"):
        assert formula not in res.message, (formula, str(res))


def _backward_missing_the_2(params, X, T):  # G = (Ŷ − T)/(B·n_out): the 2 of the square's derivative dropped
    return {k: v / 2 for k, v in sol.gated_backward(params, X, T).items()}


def test_gated_backward_missing_the_2_is_not_called_divided_twice():
    """Case 1 has n_out = 2, so ½ could be the missing 2 or an extra 1/n_out: a later case (n_out = 1) decides."""
    verdicts = {(r.status, r.message) for r in (nb07.check_train_gated(sol.gated_forward, _backward_missing_the_2,
                                                                       sol.train_gated) for _ in range(20))}
    assert len(verdicts) == 1, verdicts
    status, message = verdicts.pop()
    assert status == "fail" and "½ × the right one" in message and "square" in message, message
    assert "divided twice" not in message and "n_out ×" not in message, message


def _train_rescales_X_in_place(X, T, seed):  # standardises the inputs in place (learner K), then trains on them
    X -= 0.5
    X *= 2
    return sol.train_gated(X, T, seed)


@pytest.mark.slow  # trains or executes notebooks: `make slow`, not the fast `make unit`
def test_train_gated_that_changes_X_is_told_so():
    """It fails (the network learnt x' = 2x − 1, is measured on x); the message names the in-place change."""
    verdicts = {(r.status, r.message) for r in (nb07.check_train_gated(sol.gated_forward, sol.gated_backward,
                                                                       _train_rescales_X_in_place) for _ in range(3))}
    assert len(verdicts) == 1, verdicts
    status, message = verdicts.pop()
    assert status == "fail" and "changed its input X in place" in message, message
