"""Checkers for the "Check yourself" exercises of notebook 01 (the forward pass, Eq. 1.1–1.4).

Each checker calls the learner's function on a few seeded random cases and compares the result with
course_lib (the reference): `Linear.forward` for one layer, `MLP.forward` for a whole network.
Usage in the notebook: `from course_lib.exercises import nb01; nb01.check_layer_forward(my_layer_forward)`.
"""

from __future__ import annotations

import numpy as np

from ..layers import Linear
from ..network import MLP
from . import FAIL, PASS, Result, _not_attempted, call_learner, check_function

# (B, n_in, n_out): a single sample, a square layer, a wide and a narrow one.
_LAYER_SHAPES = [(1, 3, 2), (5, 4, 4), (7, 2, 6), (16, 9, 1)]
# Networks for the forward-pass exercise: one hidden layer, two hidden layers, several outputs.
_NETWORKS = [[1, 3, 1], [2, 3, 2, 1], [4, 8, 5, 3], [3, 6, 6, 6, 2]]


def _layer_cases(seed: int = 101):
    rng = np.random.default_rng(seed)
    cases = []
    for B, n_in, n_out in _LAYER_SHAPES:
        cases.append((rng.normal(size=(B, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)))
    return cases


def _layer_reference(A_prev, W, b):
    lin = Linear(W.shape[0], W.shape[1])
    lin.W[...] = W
    lin.b[...] = b
    return lin.forward(A_prev)


def check_layer_forward(fn):
    """Exercise 1.1: `fn(A_prev, W, b)` returns Z = A_prev W + 1 bᵀ, Eq. (1.2).

    A_prev is (B, n_in), W is (n_in, n_out), b is (n_out,); the answer must be (B, n_out). Compared with
    `Linear.forward` on four seeded cases (including a batch of one sample).
    """
    return check_function("your layer forward", fn, _layer_reference, _layer_cases(), "Eq. (1.2)")


def _network_cases(seed: int = 102):
    rng = np.random.default_rng(seed)
    cases = []
    for sizes in _NETWORKS:
        weights = [rng.normal(size=(n_in, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
        biases = [rng.normal(size=n_out) for n_out in sizes[1:]]
        X = rng.normal(size=(int(rng.integers(1, 9)), sizes[0]))
        cases.append((X, weights, biases))
    return cases


def _network_reference(X, weights, biases):
    sizes = [weights[0].shape[0]] + [W.shape[1] for W in weights]
    model = MLP(sizes, activation="relu", output_activation="identity")
    for lin, W, b in zip(model.linears, weights, biases, strict=True):
        lin.W[...] = W
        lin.b[...] = b
    return model.forward(X)


def check_mlp_forward(fn):
    """Exercise 1.2: `fn(X, weights, biases)` returns Ŷ of a ReLU network with an identity output.

    weights = [W_1, …, W_L] with W_l of shape (n_{l−1}, n_l), biases = [b_1, …, b_L] with b_l of shape
    (n_l,). The answer is Ŷ = A_L with A_0 = X, Z_l = A_{l−1} W_l + 1 b_lᵀ, A_l = ReLU(Z_l) for the hidden
    layers and A_L = Z_L: Eq. (1.2)–(1.4). Compared with `MLP.forward` on four seeded networks.
    """
    return check_function("your forward pass", fn, _network_reference, _network_cases(), "Eq. (1.2)–(1.4)")


def _count_reference(layer_sizes):
    return sum(value.size for value, _ in MLP(layer_sizes).parameters())


def check_count_parameters(fn):
    """Exercise 1.3: `fn(layer_sizes)` returns how many numbers (weights and biases) the MLP learns.

    Compared exactly with the total size of `MLP(layer_sizes).parameters()`, for small networks and for
    S2's [1, 50 (×9), 1] network. A wrong count is reported with what the weights and biases alone give.
    """
    name = "your parameter count"
    if fn is None:
        return _not_attempted(name)
    cases = [[1, 3, 1], [2, 3, 2, 1], [784, 100, 10], [1] + [50] * 9 + [1]]
    for sizes in cases:
        got, verdict = call_learner(name, fn, (list(sizes),))
        if verdict is not None:
            return verdict
        expected = _count_reference(sizes)
        if isinstance(got, bool) or not isinstance(got, (int, np.integer, float, np.floating)):
            return Result(FAIL, f"{name} should return a whole number, got {type(got).__name__}")
        if got != expected:
            n_w = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
            n_b = sum(sizes[1:])
            return Result(
                FAIL,
                f"{name} gives {got!r} for layer sizes {sizes}; the network has {expected} "
                f"({n_w} weights in the W_l and {n_b} biases in the b_l)",
            )
    return Result(PASS, f"{name} is right for all {len(cases)} networks, including S2's [1, 50 (×9), 1]")


def _column_cases(seed: int = 104):
    return [(W.T.copy(), b, A_prev.T.copy()) for A_prev, W, b in _layer_cases(seed)]


def _column_reference(W_col, b, X_col):
    return _layer_reference(X_col.T, W_col.T, b).T


def check_column_forward(fn):
    """Exercise 1.4: `fn(W_col, b, X_col)` computes a layer in the column convention: Z_col = W_col X_col + b 1ᵀ.

    W_col is (n_out, n_in) (= Wᵀ), X_col is (n_in, B) with one sample per column, b is (n_out,); the
    answer must be (n_out, B). It is Eq. (1.2) transposed, so it is compared with `Linear.forward(X).T`.
    """
    return check_function(
        "your column-convention layer", fn, _column_reference, _column_cases(), "Eq. (1.2) in column form"
    )
