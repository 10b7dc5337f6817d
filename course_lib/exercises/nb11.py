"""Checkers for notebook 11 · Reading derivations critically: fix the sources' formulas.

Each checker compares a learner's corrected formula with the course's reference on seeded random cases
and says pass, not attempted yet, or which equation fails and by how much.
"""

from __future__ import annotations

import math

import numpy as np

from .checking import (
    FAIL,
    PASS,
    Result,
    _not_attempted,
    call_learner,
    check_array,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
    random_sizes,
)

HINTS = {
    "half_mean_fix_prediction": [
        "Section 4 says which loss S2's step is the exact gradient of. Write that loss and ½·mean((ŷ − y)²) with the "
        "same sum Σ(ŷ − y)² over the B·n_out entries, and compare the factors in front.",
        "S2's step is ∇(½Σ(ŷ − y)²/B), and ½·mean((ŷ − y)²) = ½Σ(ŷ − y)²/(B·n_out): the same sum over another "
        "denominator. Which factor turns one gradient into the other? For parallel vectors Eq. (11.1) gives "
        "e = ‖k·g − g‖/‖g‖ = |k − 1|.",
    ],
    "bce_excerpt_grads": [
        "Check each line's shape, then each local derivative against notebook 03: the derivative of the loss with "
        "respect to which variable does each line claim to give?",
        "(p − t)/(p(1 − p)) is ∂ℓ/∂p. The chain rule through p = σ(z) multiplies by σ'(z) = p(1 − p), so "
        "∂L/∂z = (p − t)/B (Eq. 3.10). The other lines are right: G1 = ∂L/∂z w2ᵀ, Δ1 = G1 ⊙ 1[Z1 > 0], ∇W1 = XᵀΔ1, "
        "∇b1 = Σ_rows Δ1.",
    ],
    "excerpt_grad_W1": [
        "Check the shapes first, then each local derivative against notebook 03 (Eq. 3.5): which variable is each "
        "derivative written in?",
        "tanh'(Z₁) = 1 − tanh²(Z₁) = 1 − A₁², not 1 − Z₁². With that line fixed: Δ₁ = (∂L/∂Ŷ W₂ᵀ) ⊙ (1 − A₁²), "
        "∇W₁ = XᵀΔ₁, with ∂L/∂Ŷ = 2(Ŷ − T)/B.",
    ],
    "s3_learning_rates": [
        "Write S3's step and the true gradient of each loss as multiples of (y − t). The effective learning rate "
        "is lr times the ratio of the step's gradient to the true one.",
        "2(y − t) = 4 · (y − t)/2, the gradient of S3's printed loss: (a) 4·lr. And 2(y − t) = 2 · (y − t), the "
        "gradient of ½(y − t)²: (b) 2·lr.",
    ],
    "expected_floor": [
        "The best output for a label t is clip(t, lo, hi), so the loss is 0 inside [lo, hi] and grows on both "
        "sides. Split the expectation into the two tails and integrate each against the normal density φ.",
        "With φ' = −tφ: ∫_b^∞ (t − b)² φ dt = (1 + b²)(1 − Φ(b)) − bφ(b), and ∫_−∞^a (a − t)² φ dt = "
        "(1 + a²)Φ(a) + aφ(a). Add them, times ½. For the tails use math.erfc, which does not cancel: "
        "1 − Φ(b) = ½ erfc(b/√2), Φ(a) = ½ erfc(−a/√2).",
    ],
}


# Checkers of exercises a course update replaced. No notebook calls them; they stay so that a learner's copy
# made before the update still runs (its cell calls them). tests/exercises/test_checkers.py keeps this list
# exact: every checker is called by its notebook or listed here.
RETIRED = ('check_s0_layer_grad', 'check_s1_grad_H', 'check_s3_mse_grad', 'check_s4_floor')


def _rng(seed=11):
    return np.random.default_rng(seed)


def check_s1_grad_H(fn) -> Result:
    """Exercise 1: fix S1's ∇_{hᵀ}L = ∇_{yᵀ}L·S. `fn(grad_Y, S)` must return ∇_H L = ∇_Y L Sᵀ, Eq. (11.4).

    Cases use n_h ≠ n_y (where the printed formula is a shape error) and n_h = n_y (where it runs wrong).
    """
    def make(rng, shapes):  # (B, n_h, n_y)
        return [(rng.normal(size=(B, n_y)), rng.normal(size=(n_h, n_y))) for B, n_h, n_y in shapes]

    fresh = fresh_rng()
    return check_function("∇_H L", fn, lambda G, S: G @ S.T, make(_rng(), ((4, 5, 3), (1, 2, 6), (7, 4, 4))),
                          "Eq. (11.4)", random_cases=make(fresh, [random_sizes(fresh, 3, 1, 8)]))


def check_s0_layer_grad(fn) -> Result:
    """Exercise 2: fix S0's layer gradient. `fn(fprime_k, a_prev, V_k, dC_da)` → ∂C/∂W_k, Eq. (11.3).

    Column convention: fprime_k (n_k,), a_prev (n_{k−1},), V_k (n_k, n_D), dC_da (n_D,); the answer is
    [f'(z_k) ⊙ (V_k ∂C/∂a_D)] a_{k−1}ᵀ of shape (n_k, n_{k−1}).
    """
    def make(rng, sizes):
        return [(rng.uniform(0, 1, n_k), rng.normal(size=n_prev), rng.normal(size=(n_k, n_D)), rng.normal(size=n_D))
                for n_k, n_prev, n_D in sizes]

    cases = make(_rng(12), ((3, 4, 2), (5, 5, 3), (2, 1, 4)))
    fresh = fresh_rng()
    extra = make(fresh, [random_sizes(fresh, 3, 1, 8)])

    def reference(fprime, a_prev, V, dC):
        return np.outer(fprime * (V @ dC), a_prev)

    return check_function("∂C/∂W_k", fn, reference, cases, "Eq. (11.3)", random_cases=extra)


def check_s3_mse_grad(fn) -> Result:
    """Exercise 3: the derivative of S3's loss ((y − t)/2)² with respect to y, Eq. (11.6). `fn(y, t)` → array."""
    rng, fresh = _rng(13), fresh_rng()
    cases = [(rng.normal(size=(n, 2)), rng.normal(size=(n, 2))) for n in (1, 5, 9)]
    shape = tuple(random_sizes(fresh, 2, 3, 9))
    extra = [(fresh.normal(size=shape), fresh.normal(size=shape))]
    return check_function("∂ℓ/∂y", fn, lambda y, t: (y - t) / 2.0, cases, "Eq. (11.6)", random_cases=extra)


def check_s4_floor(answer, T) -> Result:
    """Exercise 4: the lowest loss ½·mean((y − t)²) any output y ∈ [0, 1] can reach on labels T, Eq. (11.7)."""
    T = np.asarray(T, dtype=np.float64)
    expected = 0.5 * np.mean((T - np.clip(T, 0.0, 1.0)) ** 2)
    return check_array("the loss floor", answer, expected, "Eq. (11.7)")


# ---------------------------------------------------------------------------------------------------
# Transfer exercises: an unseen derivation with one error, and S3's effective learning rate
# ---------------------------------------------------------------------------------------------------


def _excerpt_reference(X, W1, b1, W2, T):
    """∇W₁ of L = mean over the batch of (ŷ − t)² for Ŷ = tanh(XW₁ + 1b₁ᵀ)W₂ (one output), by course_lib's MLP."""
    from ..losses import MSELoss
    from ..network import MLP

    net = MLP([W1.shape[0], W1.shape[1], 1], activation="tanh", seed=0)
    net.linears[0].W[...] = W1
    net.linears[0].b[...] = b1
    net.linears[1].W[...] = W2
    net.linears[1].b[...] = 0.0  # the excerpt's output has no bias
    loss = MSELoss()  # mean over B·n_out = B entries, the excerpt's (1/B)Σ(ŷ − t)²
    net.backward(loss.grad(net.forward(X), T))
    return net.linears[0].dW.copy()


def check_excerpt_grad_W1(fn) -> Result:
    """Exercise 5: the corrected ∇W₁ of the fictional excerpt. `fn(X, W1, b1, W2, T)` → ∇W₁ (n_0, n_1).

    Network: Z₁ = XW₁ + 1b₁ᵀ, A₁ = tanh(Z₁), Ŷ = A₁W₂ (one output, no output bias), L = (1/B)Σ(ŷ − t)².
    Reference: course_lib's MLP (Eq. 5.1–5.5, checked against autograd in notebook 10) with the same
    weights and a zero output bias. The excerpt's own line Δ₁ = G₁ ⊙ (1 − Z₁²) fails.
    """
    def make(rng, sizes):
        return [(rng.normal(size=(B, n0)), rng.normal(size=(n0, n1)), rng.normal(scale=0.5, size=n1),
                 rng.normal(size=(n1, 1)), rng.normal(size=(B, 1))) for B, n0, n1 in sizes]

    fresh = fresh_rng()
    res = check_function("∇W₁", fn, _excerpt_reference, make(_rng(15), ((6, 2, 4), (3, 3, 3), (9, 1, 5))),
                         "the chain rule through tanh (Eq. 5.1 with Eq. 3.5)",
                         random_cases=make(fresh, [random_sizes(fresh, 3, 1, 9)]))
    one = make(_rng(16), ((1, 2, 4),))[0]  # one sample: a (B,) vector and a (B, 1) column broadcast harmlessly there
    return _broadcast_hint("∇W₁", fn, res, one, _excerpt_reference)


def _broadcast_hint(name, fn, res: Result, one_sample, reference) -> Result:
    """A shape error on batches that disappears on one sample: a (B,) vector met a (B, 1) column and broadcast to
    (B, B) (for B = 1 both are (1, 1)), which call_learner can only call "a missing transpose?". Named here."""
    if res.passed or not any(w in res.message for w in ("shape mismatch", "do not fit")):
        return res
    got, verdict = call_learner(name, fn, one_sample)
    if verdict is not None or not check_array(name, got, reference(*one_sample), "").passed:
        return res
    return Result(FAIL, f"{name} is right for one sample but hits a shape error on a batch: somewhere a (B,) vector "
                        "meets a (B, 1) column and broadcasts to (B, B) (T.ravel(), a sum without keepdims=True?); "
                        "keep every per-sample quantity a (B, 1) column like T")


def _s3_factors():
    """Measured, not typed: S3's printed gradient divided by (a) the derivative of its printed loss, by
    central finite differences, and (b) y − t, the gradient of ½(y − t)²."""
    from ..gradcheck import numerical_grad
    from ..sources import s3_mse, s3_mse_grad

    y, t = np.array([[0.7], [-1.2], [2.5]]), np.array([[0.1], [0.4], [-0.3]])
    g = s3_mse_grad(y, t)
    fd = numerical_grad(lambda: float(np.sum(s3_mse(y, t))), y)  # perturbs y in place and restores it
    return float(np.vdot(g, fd) / np.vdot(fd, fd)), float(np.vdot(g, y - t) / np.vdot(y - t, y - t))


def check_s3_learning_rates(fn) -> Result:
    """Exercise 6: `fn(lr)` → (effective lr on S3's reported loss, lr for the pair ½(y − t)², y − t).

    S3 steps θ ← θ − lr·g with g = 2(y − t), while its loss is ((y − t)/2)². Against that loss the step is
    lr·k_a times its gradient, and the consistent pair ½(y − t)² / (y − t) makes the same step with
    learning rate lr·k_b. The factors k_a, k_b are measured here by finite differences (Eq. 2.5).
    """
    k_a, k_b = _s3_factors()

    def reference(lr):
        return np.array([k_a * lr, k_b * lr])

    cases = [(1.0,), (0.1,), (0.03,)]
    extra = [(float(fresh_rng().uniform(0.001, 0.5)),)]
    res = check_function("(effective lr, equivalent lr)", fn, reference, cases, "Eq. (11.6)", tol=1e-6,
                         random_cases=extra)
    if res.passed or "fails Eq. (11.6)" not in res.message:
        return res
    which = _which_rate_is_wrong(fn, reference, cases + extra)
    if which == "both":
        return Result(FAIL, res.message + "; both (a) and (b) are off: write S3's step lr · 2(y − t) and each loss's "
                                          "gradient as multiples of (y − t)")
    return which or res


def _which_rate_is_wrong(fn, reference, cases):
    """For a pair that fails: which of (a), (b) is wrong at the first case where the pair is wrong, or swapped."""
    for args in cases:
        got, verdict = call_learner("s3_learning_rates", fn, args)
        if verdict is not None or not isinstance(got, (tuple, list, np.ndarray)) or len(got) != 2:
            return None
        a, b = (exact_number(v) for v in got)
        if a is None or b is None:
            return None
        want_a, want_b = reference(*args)

        def near(x, w):
            return abs(x - w) <= 1e-6 * abs(w)

        if near(a, want_a) and near(b, want_b):
            continue
        if near(a, want_b) and near(b, want_a):
            return Result(FAIL, "(a) and (b) are swapped: (a) is the rate against S3's printed loss ((y − t)/2)², "
                                "(b) the rate that makes the same steps with the pair ½(y − t)², y − t (Eq. (11.6))")
        if near(a, want_a):
            return Result(FAIL, "(a) is right, (b) is not: which learning rate makes the step of the pair "
                                "½(y − t)², y − t equal to S3's step lr · 2(y − t)? (Eq. (11.6))")
        if near(b, want_b):
            return Result(FAIL, "(b) is right, (a) is not: (a) is S3's step lr · 2(y − t) divided by the gradient of "
                                "the loss it prints, ((y − t)/2)² (Eq. (11.6))")
        return "both"
    return None


# ---------------------------------------------------------------------------------------------------
# The ladder: predict S2 on 7 outputs; a second unseen derivation; the expected S4-style floor
# ---------------------------------------------------------------------------------------------------

_S2_SIZES, _S2_B = (1, 8, 8, 6), 10


def _s2_measured(sizes=_S2_SIZES, B=_S2_B, seed=7, scale=0.5):
    """S2's step against the gradient of scale · mean((ŷ − y)²) on a network with sizes[-1] outputs (scale ½: the
    "report ½·mean" fix of the S2 pitfall; scale 1: the loss S2 reports): (ratio ⟨g_S2, g⟩/⟨g, g⟩, error Eq. 11.1).
    Measured with course_lib.sources and the course's MLP."""
    from ..losses import MSELoss
    from ..network import MLP
    from ..sources import s2_backward, s2_forward, s2_init

    rng = np.random.default_rng(seed)
    Ws, bs = s2_init(list(sizes), rng)
    bs = [rng.normal(scale=0.1, size=b.shape) for b in bs]
    X, Y = rng.uniform(-5, 5, size=(B, sizes[0])), rng.normal(size=(B, sizes[-1]))
    _, As, Zs = s2_forward(X, Ws, bs)
    dWs, dbs = s2_backward(Y, As, Zs, Ws)
    g_s2 = np.concatenate([d.ravel() for d in dWs + dbs])
    net = MLP(list(sizes), activation="relu", seed=0)
    for lin, W, b in zip(net.linears, Ws, bs, strict=True):
        lin.W[...] = W
        lin.b[...] = b.ravel()
    net.backward(scale * MSELoss().grad(net.forward(X), Y))
    g = np.concatenate([lin.dW.ravel() for lin in net.linears] + [lin.db for lin in net.linears])
    return float(g_s2 @ g / (g @ g)), float(np.linalg.norm(g_s2 - g) / np.linalg.norm(g))


def check_half_mean_fix_prediction(prediction) -> Result:
    """Exercise 11.1 (predict): the S2 pitfall's first fix, "report ½·mean((ŷ − y)²)", on a network with 6 outputs:
    (the factor k with g_S2 = k·∇(½·mean), the error e of Eq. 11.1). Measured here with S2's own backward pass
    (k = n_out = 6: S2's step is the gradient of ½Σ/B, and ½·mean divides that sum by B·n_out); 1e-3 relative."""
    if prediction is None or prediction is Ellipsis:
        return _not_attempted("my_prediction")
    if isinstance(prediction, (str, bytes, dict, set)) or not isinstance(prediction, (tuple, list, np.ndarray)) \
            or len(prediction) != 2:
        return Result(FAIL, "my_prediction should be a pair of numbers (factor k, error e)")
    k, e = (exact_number(v) for v in prediction)
    if k is None or e is None or not (np.isfinite(k) and np.isfinite(e)):
        return Result(FAIL, "my_prediction should hold two finite numbers (factor k, error e)")
    want_k, want_e = _s2_measured()
    ok_k, ok_e = abs(k - want_k) <= 1e-3 * want_k, abs(e - want_e) <= 1e-3 * want_e
    if ok_k and ok_e:
        return Result(PASS, "my_prediction: the factor and the error of Eq. (11.1) both agree with the measurement")
    if ok_k:
        return Result(FAIL, "the factor k is right, the error e is not: for g_claimed = k·g_true, what is "
                            "‖k·g − g‖ / ‖g‖ (Eq. 11.1)?")
    if abs(k - 1.0) <= 1e-3:
        return Result(FAIL, "the factor k is not 1: the fix works for S2's one output only. Which loss is S2's step "
                            "the exact gradient of (section 4), and how does ½·mean((ŷ − y)²) divide it?")
    return Result(FAIL, "the factor k is not right: S2's step is the exact gradient of which loss (section 4), and "
                        "what does ½·mean((ŷ − y)²) divide by with 6 outputs?"
                        + (" (the error e is not right either)" if not ok_e else ""))


def _bce_reference(X, W1, b1, w2, b2, T):
    """∇W1, ∇b1 of L = mean BCE(σ(z), t), z = relu(X W1 + b1) w2 + b2: ∂L/∂z = (σ(z) − t)/B (Eq. 3.10);
    G1 = ∂L/∂z w2ᵀ; Δ1 = G1 ⊙ 1[Z1 > 0]; ∇W1 = Xᵀ Δ1, ∇b1 = Σ_rows Δ1."""
    Z1 = X @ W1 + b1
    A1 = np.maximum(Z1, 0.0)
    z = A1 @ w2 + b2
    p = 0.5 * (1.0 + np.tanh(0.5 * z))  # σ(z) without overflow
    dz = (p - T) / len(X)
    D1 = (dz @ w2.T) * (Z1 > 0)
    return X.T @ D1, D1.sum(axis=0)


def check_bce_excerpt_grads(fn) -> Result:
    """Exercise 11.2: `fn(X, W1, b1, w2, b2, T)` → (∇W1, ∇b1) for the fictional classifier excerpt, corrected.

    X (B, n0), W1 (n0, n1), b1 (n1,), w2 (n1, 1), b2 (1,), T (B, 1) of 0/1 labels. The excerpt's wrong line is
    ∂L/∂z = (p − t)/(B p(1 − p)), which is ∂L/∂p; the chain rule through σ multiplies it by σ'(z) = p(1 − p).
    Case 5 has logits above 40 (σ rounds to 1.0): there both the excerpt's line and its separate-chain repair
    (p − t)/(p(1 − p)) · p(1 − p) give 0/0 = NaN; only the fused (p − t)/B stays finite.
    """
    def make(rng, sizes, scale=1.0):
        return [(rng.normal(size=(B, n0)), rng.normal(size=(n0, n1)) * scale, rng.normal(size=n1) * 0.1,
                 rng.normal(size=(n1, 1)) * scale, rng.normal(size=1) * 0.1,
                 rng.integers(0, 2, size=(B, 1)).astype(float)) for B, n0, n1 in sizes]

    fresh = fresh_rng()
    cases = make(_rng(112), ((5, 3, 4), (1, 2, 6), (8, 4, 2))) + make(_rng(113), ((6, 3, 5),), scale=4.0)
    big = make(_rng(114), ((7, 2, 3),))[0]  # every logit between 50 and 70: σ(z) rounds to 1.0, p(1 − p) to 0
    cases.append(big[:4] + (np.array([60.0]),) + big[5:])
    res = check_function("bce_excerpt_grads", fn, _bce_reference, cases, "the chain rule through σ and ReLU",
                          labels=("∇W1", "∇b1"),
                          equations=("∇W1 = Xᵀ Δ1 with ∂L/∂z = (σ(z) − t)/B (Eq. 3.10)",
                                     "∇b1 = Σ_rows Δ1 with ∂L/∂z = (σ(z) − t)/B (Eq. 3.10)"),
                          common="∂L/∂z = (σ(z) − t)/B, Eq. (3.10)",
                          random_cases=make(fresh, [random_sizes(fresh, 3, 2, 8)]))
    if "NaN or Inf" in res.message:
        return Result(FAIL, res.message + "; case 5 has logits above 40, where σ(z) rounds to 1.0 and p(1 − p) to 0, "
                                          "so dividing by p(1 − p) and multiplying it back gives 0/0 = NaN: cancel it "
                                          "on paper and use the fused form (σ(z) − t)/B, Eq. (3.10) (the S3 pitfall)")
    return res


def _norm_cdf(x):
    """Φ(x) = ½ erfc(−x/√2): no cancellation for x ≪ 0 (½(1 + erf(x/√2)) subtracts two numbers near 1 there)."""
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _norm_pdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _expected_floor(lo, hi):
    """E[½(t − clip(t, lo, hi))²] for t ~ N(0, 1): ½[(1 + lo²)Φ(lo) + lo φ(lo) + (1 + hi²)(1 − Φ(hi)) − hi φ(hi)]."""
    upper = (1.0 + hi * hi) * _norm_cdf(-hi) - hi * _norm_pdf(hi)  # 1 − Φ(hi) = Φ(−hi), without cancellation
    lower = (1.0 + lo * lo) * _norm_cdf(lo) + lo * _norm_pdf(lo)
    return 0.5 * (lower + upper)


def check_expected_floor(fn) -> Result:
    """Exercise 11.5: `fn(lo, hi)` → the expected lowest loss E[½(t − clip(t, lo, hi))²] for labels t ~ N(0, 1) and
    outputs confined to [lo, hi] (Eq. 11.7 in expectation), in closed form. Several intervals, a point interval
    (lo = hi: ½(1 + c²)), two wide ones, one drawn at call time; 1e-8 relative, so a Monte-Carlo estimate does not
    pass. On [−8, 8] and [−7, 9] the floor is about 1e-17 and 2e-14: 1 − Φ(hi) or Φ(lo) = ½(1 + erf(lo/√2))
    computed with math.erf loses all its digits to cancellation there (relative error 60 and 3e-3), math.erfc not."""
    fresh = fresh_rng()
    lo_r = float(fresh.uniform(-2.0, 1.0))
    cases = [(0.0, 1.0), (-1.0, 1.0), (-0.5, 2.0), (0.7, 0.7), (-3.0, -1.0)]
    wide = [(-8.0, 8.0), (-7.0, 9.0)]
    res = check_function("expected_floor", fn, _expected_floor, cases + wide,
                         "E[½(t − clip(t, lo, hi))²], t ~ N(0, 1)",
                         random_cases=[(lo_r, lo_r + float(fresh.uniform(0.0, 2.0)))])
    failing = [c for i, c in enumerate(wide) if res.status == FAIL and f"(case {len(cases) + i + 1})" in res.message]
    if failing:
        return _wide_verdict(fn, res, *failing[0], len(cases))
    return res


def _cancelled_floors(lo, hi):
    """What the closed form gives when 1 − Φ(hi) or Φ(lo) is computed by a subtraction that cancels: Φ from
    math.erf (½(1 + erf)), or an accurate Φ such as 1 − ½ erfc(−x/√2) (as scipy's ndtr gives) then subtracted from 1;
    each tail either way (not both exact)."""
    r2 = math.sqrt(2.0)
    ups = [_norm_cdf(-hi), 1.0 - 0.5 * (1.0 + math.erf(hi / r2)), 0.5 * (1.0 - math.erf(hi / r2)),
           1.0 - 0.5 * math.erfc(-hi / r2)]
    lows = [_norm_cdf(lo), 0.5 * (1.0 + math.erf(lo / r2)), 1.0 - 0.5 * (1.0 + math.erf(-lo / r2)),
            0.5 * (1.0 - math.erf(-lo / r2))]
    out = []
    for i, u in enumerate(ups):
        for j, lw in enumerate(lows):
            if i or j:
                out.append(0.5 * ((1.0 + hi * hi) * u - hi * _norm_pdf(hi) + (1.0 + lo * lo) * lw + lo * _norm_pdf(lo)))
    return out


def _wide_verdict(fn, res, lo, hi, n_narrow) -> Result:
    """A failure on a wide interval, named: the cancellation of 1 − Φ(hi) only when the answer is what that form
    computes; otherwise the interval and the relative error (the cases are fixed: the text is the same every run)."""
    got, verdict = call_learner("expected_floor", fn, (lo, hi))
    value = exact_number(got) if verdict is None else None
    if value is None or not math.isfinite(value):
        return res
    want = _expected_floor(lo, hi)
    err = abs(value - want) / want
    if any(abs(value - c) <= 1e-6 * abs(c) for c in _cancelled_floors(lo, hi)):
        return Result(FAIL, res.message + f" — right on the {n_narrow} narrow intervals, wrong on a wide one "
                                          "([−8, 8] or [−7, 9]), where the floor is about 1e-17: 1 − Φ(hi) with "
                                          "Φ from math.erf subtracts two numbers within 1e-15 of 1 (cancellation), "
                                          "and so does ½(1 + erf(lo/√2)) for lo ≪ 0. math.erfc(x) = 1 − erf(x) "
                                          "without it: 1 − Φ(hi) = ½ erfc(hi/√2), Φ(lo) = ½ erfc(−lo/√2)")
    return Result(FAIL, f"expected_floor is right on the {n_narrow} narrow intervals but wrong on a wide interval "
                        f"(lo, hi) = ({lo:g}, {hi:g}): it gives {value:.6g}, rel. error {err:.1e}. "
                        "The floor there is tiny but not 0, and the exercise asks for 8 significant digits on every "
                        "interval: evaluate the exact closed form, each term without losing digits")


guard_checkers(globals())
