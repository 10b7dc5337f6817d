"""Checkers for the "Check yourself" exercises of notebook 02 (matrix calculus, Eq. 2.1–2.6).

Each checker calls the learner's function on seeded random cases and compares it with course_lib: the
Jacobian of a tanh layer (Eq. 2.1) with `Tanh.derivative`, and the gradients of Eq. (2.5) and (2.6) with
what `Linear.backward` (after `Tanh.backward` for the last exercise) computes.
Usage in the notebook: `from course_lib.exercises import nb02; nb02.check_grad_W(my_grad_W)`.
"""

from __future__ import annotations

import numpy as np

from ..layers import Linear, Tanh
from . import PASS, Result, check_function, fresh_rng, guard_checkers, random_sizes


def _jacobian_cases(seed: int | None = 201):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    cases = []
    for n_in, n_out in [(4, 3), (2, 5), (6, 6), (1, 4)] if seed is not None else [random_sizes(rng, 2, 2, 8)]:
        cases.append((rng.normal(size=(n_in, n_out)), rng.normal(size=n_out), rng.normal(size=n_in)))
    return cases


def _jacobian_reference(W, b, x):
    # z = Wᵀx + b has Jacobian Wᵀ (Eq. 2.1); the element-wise tanh multiplies row j by tanh'(z_j).
    z = W.T @ x + b
    return Tanh.derivative(z)[:, None] * W.T


def check_jacobian(fn):
    """Exercise 2.1: `fn(W, b, x)` returns the Jacobian of x ↦ tanh(Wᵀx + b) at x, Eq. (2.1).

    One sample in the row convention: x is (n_in,), W is (n_in, n_out), b is (n_out,). The answer is
    (n_out, n_in) in numerator layout, J[j, i] = ∂a_j/∂x_i. Compared with diag(tanh'(z)) Wᵀ built from
    `course_lib.Tanh.derivative`, on four seeded cases (one with a square W).
    """
    return check_function("your Jacobian", fn, _jacobian_reference, _jacobian_cases(), "Eq. (2.1)",
                          random_cases=_jacobian_cases(None))


# (B, n_in, n_out) for the layer-gradient exercises.
_SHAPES = [(1, 3, 2), (6, 4, 4), (5, 2, 7), (32, 10, 3)]


def _linear_backward(X, W, G):
    """(dW, dX) from course_lib's Linear for Z = XW (its bias plays no part in either)."""
    lin = Linear(W.shape[0], W.shape[1])
    lin.W[...] = W
    lin.forward(X)
    dX = lin.backward(G)
    return lin.dW.copy(), dX


def _layer_cases(seed: int | None):
    """The fixed cases (seeded); with seed None, one case of a random non-square shape drawn at call time."""
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    return [
        (rng.normal(size=(B, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=(B, n_out)))
        for B, n_in, n_out in (_SHAPES if seed is not None else [random_sizes(rng, 3, 2, 9)])
    ]


def _grad_W_reference(X, G):
    # ∇_W L does not depend on W, so any W of the right shape gives the reference.
    return _linear_backward(X, np.zeros((X.shape[1], G.shape[1])), G)[0]


def _grad_X_reference(G, W):
    # ∂L/∂X does not depend on X, so any X of the right shape gives the reference.
    return _linear_backward(np.zeros((G.shape[0], W.shape[0])), W, G)[1]


def check_grad_W(fn):
    """Exercise 2.2: `fn(X, G)` returns ∇_W L for Z = XW, given G = ∂L/∂Z: XᵀG = Σ_r x_r g_rᵀ, Eq. (2.5).

    X is (B, n_in), G is (B, n_out); the answer is (n_in, n_out), W's shape. Compared with the dW that
    `Linear.backward` fills, on four seeded cases (a loop of outer products is welcome).
    """
    cases = [(X, G) for X, _, G in _layer_cases(202)]
    return check_function("your ∇_W L", fn, _grad_W_reference, cases, "Eq. (2.5)",
                          random_cases=[(X, G) for X, _, G in _layer_cases(None)])


def check_grad_X(fn):
    """Exercise 2.3: `fn(G, W)` returns ∂L/∂X for Z = XW, given G = ∂L/∂Z: G Wᵀ, Eq. (2.6).

    G is (B, n_out), W is (n_in, n_out); the answer is (B, n_in), X's shape. Compared with what
    `Linear.backward` returns, on four seeded cases (one with a square W, where a missing transpose
    still runs but gives the wrong numbers).
    """
    cases = [(G, W) for _, W, G in _layer_cases(203)]
    return check_function("your ∂L/∂X", fn, _grad_X_reference, cases, "Eq. (2.6)",
                          random_cases=[(G, W) for _, W, G in _layer_cases(None)])


def _tanh_layer_reference(X, W, C):
    lin, act = Linear(W.shape[0], W.shape[1]), Tanh()
    lin.W[...] = W
    act.forward(lin.forward(X))
    lin.backward(act.backward(C))  # ∂L/∂A = C for L = Σ C ⊙ tanh(XW)
    return lin.dW.copy()


def check_tanh_layer_grad(fn):
    """Exercise 2.4: `fn(X, W, C)` returns ∇_W L for L = Σ_rj C_rj tanh((XW)_rj), via Eq. (2.5).

    X is (B, n_in), W is (n_in, n_out), C is (B, n_out); the answer is (n_in, n_out). First G = ∂L/∂Z for
    Z = XW (the tanh acts entry by entry), then Eq. (2.5). Compared with `Tanh.backward` followed by
    `Linear.backward` on four seeded cases.
    """
    cases = _layer_cases(204)
    return check_function("your ∇_W L of the tanh layer", fn, _tanh_layer_reference, cases, "Eq. (2.5)",
                          random_cases=_layer_cases(None))


# ---- transfer exercises (derive something the notebook does not show) ----------------------------------


def _ridge_cases(seed: int | None = 205):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    cases = []
    settings = zip([(5, 3, 2), (1, 4, 6), (8, 6, 6), (3, 2, 1)], [0.3, 0.0, 2.5, 1.0], strict=True) \
        if seed is not None else [(random_sizes(rng, 3, 2, 9), float(rng.uniform(0.1, 3.0)))]
    for (B, n_in, n_out), lam in settings:
        X, W, Y = rng.normal(size=(B, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=(B, n_out))
        cases.append((X, W, Y, lam))
    return cases


def _ridge_reference(X, W, Y, lam):
    # Δ = ∂/∂Z Σ(Z − Y)² = 2(Z − Y) with Z = XW; then Eq. (2.5) through course_lib's Linear; plus 2λW.
    lin = Linear(W.shape[0], W.shape[1], bias=False)
    lin.W[...] = W
    Z = lin.forward(X)
    lin.backward(2.0 * (Z - Y))
    return lin.dW + 2.0 * lam * W


def check_ridge_grad(fn):
    """Exercise 2.5: `fn(X, W, Y, lam)` returns ∂L/∂W for L(W) = ‖XW − Y‖²_F + λ‖W‖²_F.

    X is (B, n_in), W is (n_in, n_out), Y is (B, n_out), lam a float ≥ 0; the answer has W's shape:
    2Xᵀ(XW − Y) + 2λW (Eq. 2.5 with Δ = 2(XW − Y), plus the weight-decay term). Four seeded cases,
    none of them square in (B, n_in) and one with λ = 0.
    """
    cases = _ridge_cases()
    return check_function("your ∂L/∂W", fn, _ridge_reference, cases, "Eq. (2.5) plus the λ term",
                          random_cases=_ridge_cases(None))


def _bug_cases(seed: int | None = 206):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    return [
        (rng.normal(size=n_in), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out))
        for n_in, n_out in ([(3, 3), (4, 2), (2, 5), (5, 5)] if seed is not None else [random_sizes(rng, 2, 2, 8)])
    ]


def _fixed_reference(x, W, t):
    # One sample as a row through course_lib's Linear and Tanh; loss ½‖a − t‖², so ∂L/∂a = a − t.
    lin, act = Linear(W.shape[0], W.shape[1], bias=False), Tanh()
    lin.W[...] = W
    a = act.forward(lin.forward(x[None, :]))
    dx = lin.backward(act.backward(a - t[None, :]))
    return dx[0], lin.dW.copy()


def _pair(fn, which):
    def part(x, W, t):
        got = fn(x, W, t)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise TypeError(f"return the pair (dL_dx, dL_dW); got {type(got).__name__}"
                            + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""))
        return got[which]

    return part


def check_fixed_grads(fn):
    """Exercise 2.6: `fn(x, W, t)` returns the corrected pair (∂L/∂x, ∂L/∂W) for one tanh layer.

    z = Wᵀx, a = tanh(z), L = ½‖a − t‖²; x is (n_in,), W is (n_in, n_out), t is (n_out,). Both answers
    are in denominator layout: ∂L/∂x = W d (n_in,) by Eq. (2.8) and ∂L/∂W = x dᵀ (n_in, n_out) by
    Eq. (2.2), with d = (a − t) ⊙ (1 − a²). The cases include square W, where the buggy version runs.
    """
    cases, extra = _bug_cases(), _bug_cases(None)
    if fn is None:
        return check_function("your (dL_dx, dL_dW)", None, None, cases, "Eq. (2.8)")
    for which, name, eq in [(0, "your ∂L/∂x", "Eq. (2.8)"), (1, "your ∂L/∂W", "Eq. (2.2)")]:
        res = check_function(name, _pair(fn, which), lambda x, W, t, w=which: _fixed_reference(x, W, t)[w], cases, eq,
                             random_cases=extra)
        if not res.passed:
            return res
    return Result(PASS, f"both gradients agree with Eq. (2.8) and (2.2) on {len(cases)} cases (rel. error < 1e-08)")


guard_checkers(globals())
