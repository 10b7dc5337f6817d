"""Checkers for notebook 11 · Reading derivations critically: fix the sources' formulas.

Each checker compares a learner's corrected formula with the course's reference on seeded random cases
and says pass, not attempted yet, or which equation fails and by how much.
"""

from __future__ import annotations

import math

import numpy as np

from . import (
    FAIL,
    PASS,
    Result,
    _not_attempted,
    check_array,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
    random_sizes,
)

HINTS = {
    "s2_error_prediction": [
        "Eq. (11.5) relates S2's step to the gradient of the loss it reports, with a factor that depends on the "
        "number of outputs. Then apply Eq. (11.1) to two parallel vectors.",
        "k = n_out/2 = 3.5 for 7 outputs. With g_S2 = k·g, Eq. (11.1) gives ‖k·g − g‖/‖g‖ = |k − 1|.",
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
        "(1 + a²)Φ(a) + aφ(a). Add them, times ½. Φ(x) = ½(1 + erf(x/√2)) (math.erf).",
    ],
}


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

    Column convention: fprime_k (n_k,), a_prev (n_{k−1},), V_k (n_k, n_L), dC_da (n_L,); the answer is
    [f'(z_k) ⊙ (V_k ∂C/∂a_L)] a_{k−1}ᵀ of shape (n_k, n_{k−1}).
    """
    def make(rng, sizes):
        return [(rng.uniform(0, 1, n_k), rng.normal(size=n_prev), rng.normal(size=(n_k, n_L)), rng.normal(size=n_L))
                for n_k, n_prev, n_L in sizes]

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
    return check_function("∇W₁", fn, _excerpt_reference, make(_rng(15), ((6, 2, 4), (3, 3, 3), (9, 1, 5))),
                          "the chain rule through tanh (Eq. 5.1 with Eq. 3.5)",
                          random_cases=make(fresh, [random_sizes(fresh, 3, 1, 9)]))


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
    learning rate lr·k_b. The factors k_a, k_b are measured here by finite differences (Eq. 2.3).
    """
    k_a, k_b = _s3_factors()

    def reference(lr):
        return np.array([k_a * lr, k_b * lr])

    cases = [(1.0,), (0.1,), (0.03,)]
    extra = [(float(fresh_rng().uniform(0.001, 0.5)),)]
    return check_function("(effective lr, equivalent lr)", fn, reference, cases, "Eq. (11.6)", tol=1e-6,
                          random_cases=extra)


# ---------------------------------------------------------------------------------------------------
# The ladder: predict S2 on 7 outputs; a second unseen derivation; the expected S4-style floor
# ---------------------------------------------------------------------------------------------------

_S2_SIZES, _S2_B = (1, 8, 8, 7), 10


def _s2_measured(sizes=_S2_SIZES, B=_S2_B, seed=7):
    """S2's step against the gradient of the loss it reports, mean((ŷ − y)²), on a network with sizes[-1] outputs:
    (ratio ⟨g_S2, g⟩/⟨g, g⟩, error Eq. 11.1). Measured with course_lib.sources and the course's MLP."""
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
    net.backward(MSELoss().grad(net.forward(X), Y))
    g = np.concatenate([lin.dW.ravel() for lin in net.linears] + [lin.db for lin in net.linears])
    return float(g_s2 @ g / (g @ g)), float(np.linalg.norm(g_s2 - g) / np.linalg.norm(g))


def check_s2_error_prediction(prediction) -> Result:
    """Exercise 11.1 (predict): S2's step on a network with 7 outputs, against the gradient of the loss it reports:
    (the factor k with g_S2 = k·g, the error e of Eq. 11.1). Measured here with S2's own backward pass; 1e-3."""
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
    return Result(FAIL, "the factor k is not right: which part of Eq. (11.5) depends on the number of outputs, and "
                        "what is it for 7?" + (" (the error e is not right either)" if not ok_e else ""))


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
    Cases include logits of ±30, where the excerpt's line divides by a p(1 − p) of 1e-13.
    """
    def make(rng, sizes, scale=1.0):
        return [(rng.normal(size=(B, n0)), rng.normal(size=(n0, n1)) * scale, rng.normal(size=n1) * 0.1,
                 rng.normal(size=(n1, 1)) * scale, rng.normal(size=1) * 0.1,
                 rng.integers(0, 2, size=(B, 1)).astype(float)) for B, n0, n1 in sizes]

    fresh = fresh_rng()
    cases = make(_rng(112), ((5, 3, 4), (1, 2, 6), (8, 4, 2))) + make(_rng(113), ((6, 3, 5),), scale=4.0)
    return check_function("bce_excerpt_grads", fn, _bce_reference, cases, "the chain rule through σ and ReLU",
                          labels=("∇W1", "∇b1"),
                          equations=("∇W1 = Xᵀ Δ1 with ∂L/∂z = (σ(z) − t)/B (Eq. 3.10)",
                                     "∇b1 = Σ_rows Δ1 with ∂L/∂z = (σ(z) − t)/B (Eq. 3.10)"),
                          common="∂L/∂z = (σ(z) − t)/B, Eq. (3.10)",
                          random_cases=make(fresh, [random_sizes(fresh, 3, 2, 8)]))


def _norm_cdf(x):
    return 0.5 * (1.0 + math.erf(x / math.sqrt(2.0)))


def _norm_pdf(x):
    return math.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)


def _expected_floor(lo, hi):
    """E[½(t − clip(t, lo, hi))²] for t ~ N(0, 1): ½[(1 + lo²)Φ(lo) + lo φ(lo) + (1 + hi²)(1 − Φ(hi)) − hi φ(hi)]."""
    upper = (1.0 + hi * hi) * (1.0 - _norm_cdf(hi)) - hi * _norm_pdf(hi)
    lower = (1.0 + lo * lo) * _norm_cdf(lo) + lo * _norm_pdf(lo)
    return 0.5 * (lower + upper)


def check_expected_floor(fn) -> Result:
    """Exercise 11.5: `fn(lo, hi)` → the expected lowest loss E[½(t − clip(t, lo, hi))²] for labels t ~ N(0, 1) and
    outputs confined to [lo, hi] (Eq. 11.7 in expectation), in closed form. Several intervals, a point interval
    (lo = hi: ½(1 + c²)), one drawn at call time; 1e-8 relative, so a Monte-Carlo estimate does not pass."""
    fresh = fresh_rng()
    lo_r = float(fresh.uniform(-2.0, 1.0))
    cases = [(0.0, 1.0), (-1.0, 1.0), (-0.5, 2.0), (0.7, 0.7), (-3.0, -1.0)]
    return check_function("expected_floor", fn, _expected_floor, cases, "E[½(t − clip(t, lo, hi))²], t ~ N(0, 1)",
                          random_cases=[(lo_r, lo_r + float(fresh.uniform(0.0, 2.0)))])


guard_checkers(globals())
