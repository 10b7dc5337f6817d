"""Checkers for notebook 04 · A two-layer network (Eq. 4.6–4.11).

The network is S1's, U = X W + 1 b₁ᵀ, H = ReLU(U), Y = H S + 1 b₂ᵀ, with L = Σ(Y − T)² (sum of squares).
Every checker compares the learner's function with course_lib on seeded random cases:
`MLP([n_x, n_h, n_y])` with the same weights and `MSELoss("sum")` is the reference.
"""

from __future__ import annotations

import numpy as np

from ..losses import MSELoss
from ..network import MLP
from . import Result, check_function, fresh_rng, guard_checkers, random_sizes


def _net(seed, B, n_x, n_h, n_y, biases=True):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    X = rng.standard_normal((B, n_x))
    T = rng.standard_normal((B, n_y))
    W = rng.standard_normal((n_x, n_h))
    S = rng.standard_normal((n_h, n_y)) / np.sqrt(n_h)
    b1 = 0.5 * rng.standard_normal(n_h) if biases else np.zeros(n_h)
    b2 = 0.5 * rng.standard_normal(n_y) if biases else np.zeros(n_y)
    return X, W, b1, S, b2, T


def _reference_grads(X, W, b1, S, b2, T):
    """(dW, db1, dS, db2) from course_lib.MLP with the given weights and MSELoss("sum")."""
    n_x, n_h = W.shape
    model = MLP([n_x, n_h, S.shape[1]])
    for lin, (Wl, bl) in zip(model.linears, ((W, b1), (S, b2)), strict=True):
        lin.W[...] = Wl
        lin.b[...] = bl
    loss = MSELoss("sum")
    model.backward(loss.grad(model.forward(X), T))
    return tuple(a.copy() for a in (model.linears[0].dW, model.linears[0].db, model.linears[1].dW, model.linears[1].db))


SIZES = [(5, 4, 6, 3), (1, 3, 2, 2), (8, 2, 7, 1)]


def _random_sizes():
    """(B, n_x, n_h, n_y), all different, drawn at call time."""
    return tuple(random_sizes(fresh_rng(), 4, 1, 9))


def check_grad_S(fn) -> Result:
    """Check `fn(H, dY) -> ∇_S L` for Y = H S, Eq. (4.6): ∇_S L = Hᵀ ∂L/∂Y, shape (n_h, n_y)."""
    def make(rng, sizes):
        return [(rng.standard_normal((B, n_h)), rng.standard_normal((B, n_y))) for B, _, n_h, n_y in sizes]

    return check_function("grad_S", fn, lambda H, dY: H.T @ dY, make(np.random.default_rng(40), SIZES), "Eq. (4.6)",
                          random_cases=make(fresh_rng(), [_random_sizes()]))


def check_hidden_delta(fn) -> Result:
    """Check `fn(dY, S, U) -> ∂L/∂U` for H = ReLU(U), Y = H S, Eq. (4.7) and (4.8).

    ∂L/∂U = (∂L/∂Y Sᵀ) ⊙ f'(U), shape (B, n_h). Reference: course_lib's ReLU and Linear backward. Some
    entries of U are exactly 0, where the course's convention is ReLU'(0) = 0 (notebook 03).
    """
    from ..layers import Linear, ReLU

    def reference(dY, S, U):
        lin, act = Linear(*S.shape), ReLU()
        lin.W[...] = S
        lin.forward(act.forward(U))
        return act.backward(lin.backward(dY))

    def make(rng, sizes):
        cases = []
        for B, _, n_h, n_y in sizes:
            U = rng.standard_normal((B, n_h))
            U[rng.random((B, n_h)) < 0.3] = 0.0  # ReLU'(0) = 0
            cases.append((rng.standard_normal((B, n_y)), rng.standard_normal((n_h, n_y)), U))
        return cases

    return check_function("hidden_delta", fn, reference, make(np.random.default_rng(41), SIZES + [(4, 1, 3, 3)]),
                          "Eq. (4.7)–(4.8)", random_cases=make(fresh_rng(), [_random_sizes()]))


def check_two_layer_grads(fn) -> Result:
    """Check `fn(X, W, b1, S, b2, T) -> (dW, db1, dS, db2)` for L = Σ(Y − T)², Eq. (4.6)–(4.11).

    Reference: course_lib.MLP([n_x, n_h, n_y]) with the same weights, MSELoss("sum").
    """
    cases = [_net(42 + i, B, n_x, n_h, n_y) for i, (B, n_x, n_h, n_y) in enumerate(SIZES)]
    return check_function(
        "two_layer_grads", fn, _reference_grads, cases, "Eq. (4.6)–(4.11)",
        labels=("dW", "db1", "dS", "db2"), equations=("Eq. (4.9)", "Eq. (4.11)", "Eq. (4.6)", "Eq. (4.10)"),
        upstream=(2, 3, 0, 1), common="Eq. (4.5), ∂L/∂Y = 2(Y − T)",
        random_cases=[_net(None, *_random_sizes())],
    )


# ---------------------------------------------------------------------------------------------------------
# Transfer exercises (issue 12): one weight used twice; per-sample gradients.
# ---------------------------------------------------------------------------------------------------------


def _tied_reference(X, W, T):
    """∇W of L = Σ(ReLU(XW) Wᵀ − T)²: the sum of the gradients through both uses of W."""
    U = X @ W
    H = np.maximum(U, 0.0)
    G_Y = 2.0 * (H @ W.T - T)  # (4.5)
    through_decoder = G_Y.T @ H  # Y = H M with M = Wᵀ: ∇M = Hᵀ G_Y (4.6), and ∇W gets its transpose
    through_encoder = X.T @ ((G_Y @ W) * (U > 0))  # G_H = G_Y Mᵀ = G_Y W (4.7), (4.8), (4.9)
    return through_encoder + through_decoder


def check_tied_weights_grad(fn) -> Result:
    """Exercise 4.4: `fn(X, W, T) -> ∇W` for Y = ReLU(X W) Wᵀ and L = Σ(Y − T)², one W used twice.

    X and T are (B, n), W is (n, h). Reference: Xᵀ[(G_Y W) ⊙ ReLU′(XW)] + G_Yᵀ ReLU(XW) with G_Y = 2(Y − T),
    checked against central differences in tests/test_exercises_nb04.py. One case has n = h, where a
    transposed second term still runs.
    """
    def make(rng, sizes):
        return [(rng.standard_normal((B, n)), rng.standard_normal((n, h)) / np.sqrt(n), rng.standard_normal((B, n)))
                for B, n, h in sizes]

    fresh = fresh_rng()
    return check_function("tied_weights_grad", fn, _tied_reference,
                          make(np.random.default_rng(44), [(5, 4, 3), (3, 3, 3), (6, 2, 5)]),
                          "the sum of (4.9) and the transpose of (4.6)",
                          random_cases=make(fresh, [random_sizes(fresh, 3, 1, 8)]))


def _per_sample_reference(X, W, b1, S, b2, T):
    U = X @ W + b1
    Delta_U = ((2.0 * (np.maximum(U, 0.0) @ S + b2 - T)) @ S.T) * (U > 0)  # (4.5), (4.7), (4.8)
    return X[:, :, None] * Delta_U[:, None, :]  # sample r: the outer product x_r δ_rᵀ


def check_per_sample_grads(fn) -> Result:
    """Exercise 4.5: `fn(X, W, b1, S, b2, T) -> (B, n_x, n_h)` per-sample gradients of W, summing to (4.9).

    Entry [r] is sample r's own ∇W, the outer product x_r δ_rᵀ of its input row and its row of Δ_U;
    their sum over r is Eq. (4.9).
    """
    cases = [_net(45 + i, *sizes) for i, sizes in enumerate([(5, 4, 6, 3), (3, 3, 3, 2), (1, 2, 4, 1)])]
    return check_function("per_sample_grads", fn, _per_sample_reference, cases,
                          "Eq. (4.9) sample by sample (x_r δ_rᵀ)", random_cases=[_net(None, *_random_sizes())])


guard_checkers(globals())
