"""Checkers for notebook 04 · A two-layer network (Eq. 4.6–4.11).

The network is S1's, U = X W + 1 b₁ᵀ, H = ReLU(U), Y = H S + 1 b₂ᵀ, with L = Σ(Y − T)² (sum of squares).
Every checker compares the learner's function with course_lib on seeded random cases:
`MLP([n_x, n_h, n_y])` with the same weights and `MSELoss("sum")` is the reference.
"""

from __future__ import annotations

import numpy as np

from ..losses import MSELoss
from ..network import MLP
from . import Result, check_function


def _net(seed, B, n_x, n_h, n_y, biases=True):
    rng = np.random.default_rng(seed)
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


def check_grad_S(fn) -> Result:
    """Check `fn(H, dY) -> ∇_S L` for Y = H S, Eq. (4.6): ∇_S L = Hᵀ ∂L/∂Y, shape (n_h, n_y)."""
    rng = np.random.default_rng(40)
    cases = [(rng.standard_normal((B, n_h)), rng.standard_normal((B, n_y))) for B, _, n_h, n_y in SIZES]
    return check_function("grad_S", fn, lambda H, dY: H.T @ dY, cases, "Eq. (4.6)")


def check_hidden_delta(fn) -> Result:
    """Check `fn(dY, S, U) -> ∂L/∂U` for H = ReLU(U), Y = H S, Eq. (4.7) and (4.8).

    ∂L/∂U = (∂L/∂Y Sᵀ) ⊙ f'(U), shape (B, n_h). Reference: course_lib's ReLU and Linear backward.
    """
    from ..layers import Linear, ReLU

    def reference(dY, S, U):
        lin, act = Linear(*S.shape), ReLU()
        lin.W[...] = S
        lin.forward(act.forward(U))
        return act.backward(lin.backward(dY))

    rng = np.random.default_rng(41)
    cases = [
        (rng.standard_normal((B, n_y)), rng.standard_normal((n_h, n_y)), rng.standard_normal((B, n_h)))
        for B, _, n_h, n_y in SIZES + [(4, 1, 3, 3)]
    ]
    return check_function("hidden_delta", fn, reference, cases, "Eq. (4.7)–(4.8)")


def check_two_layer_grads(fn) -> Result:
    """Check `fn(X, W, b1, S, b2, T) -> (dW, db1, dS, db2)` for L = Σ(Y − T)², Eq. (4.6)–(4.11).

    Reference: course_lib.MLP([n_x, n_h, n_y]) with the same weights, MSELoss("sum").
    """
    cases = [_net(42 + i, B, n_x, n_h, n_y) for i, (B, n_x, n_h, n_y) in enumerate(SIZES)]
    return check_function(
        "two_layer_grads", fn, _reference_grads, cases, "Eq. (4.6)–(4.11)",
        labels=("dW", "db1", "dS", "db2"), equations=("Eq. (4.9)", "Eq. (4.11)", "Eq. (4.6)", "Eq. (4.10)"),
        upstream=(2, 3, 0, 1), common="Eq. (4.5), ∂L/∂Y = 2(Y − T)",
    )
