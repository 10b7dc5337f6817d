"""Checkers for notebook 04 · A two-layer network (Eq. 4.6–4.11).

The network is S1's, U = X W + 1 b₁ᵀ, H = ReLU(U), Y = H S + 1 b₂ᵀ, with L = Σ(Y − T)² (sum of squares).
Every checker compares the learner's function with course_lib on seeded random cases:
`MLP([n_x, n_h, n_y])` with the same weights and `MSELoss("sum")` is the reference.
"""

from __future__ import annotations

import numpy as np

from ..losses import MSELoss
from ..network import MLP
from .checking import (
    FAIL,
    PASS,
    Result,
    _describe,
    _not_attempted,
    _short,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
    random_sizes,
)

# Checkers of exercises a course update replaced. No notebook calls them; they stay so that a learner's copy
# made before the update still runs (its cell calls them). tests/exercises/test_checkers.py keeps this list
# exact: every checker is called by its notebook or listed here.
RETIRED = ('check_grad_S', 'check_hidden_delta', 'check_two_layer_grads')


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
# Transfer exercises: one weight used twice; per-sample gradients.
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
    checked against central differences in tests/exercises/test_exercises_nb04.py. One case has n = h, where a
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


# ---------------------------------------------------------------------------------------------------------
# The ladder: predict (dead units), derive (tanh hidden layer with the mean loss; a "show that"
# from the ReLU's homogeneity), plus the two transfer exercises above.
# ---------------------------------------------------------------------------------------------------------

DEAD_SETUP = {"B": 8, "n_x": 4, "n_h": 6, "n_y": 3, "seed": 4, "dead": (1, 4)}
"""Exercise 4.1's network, as the notebook describes it: X, T, W, S drawn from N(0, 1) by
np.random.default_rng(4) in that order, b1 = 0 except b1[1] = b1[4] = −100 (units 2 and 5), b2 = 0."""


def _dead_network():
    s = DEAD_SETUP
    rng = np.random.default_rng(s["seed"])
    X, T = rng.standard_normal((s["B"], s["n_x"])), rng.standard_normal((s["B"], s["n_y"]))
    W, S = rng.standard_normal((s["n_x"], s["n_h"])), rng.standard_normal((s["n_h"], s["n_y"]))
    b1 = np.zeros(s["n_h"])
    b1[list(s["dead"])] = -100.0
    return X, W, b1, S, np.zeros(s["n_y"]), T


def _dead_zero_counts():
    """(zeros in ∇W, zeros in ∇S, zeros in ∇b1), measured with course_lib.MLP on Exercise 4.1's network."""
    dW, db1, dS, _ = _reference_grads(*_dead_network())
    return tuple(int(np.sum(g == 0.0)) for g in (dW, dS, db1))


def check_dead_units_prediction(prediction) -> Result:
    """Exercise 4.1 (predict): the number of entries that are exactly 0 in ∇W, ∇S and ∇b1 of the network in
    DEAD_SETUP (two hidden units whose pre-activation is below 0 for every sample), as a tuple of 3 whole numbers.

    The checker measures the three counts itself (course_lib.MLP, MSELoss("sum")); each must match exactly. A
    failure says which count is wrong and what the unit's column or row of that gradient is, never the number.
    """
    name = "my_prediction"
    if prediction is None or prediction is Ellipsis:
        return _not_attempted(name)
    if not isinstance(prediction, (tuple, list)) or len(prediction) != 3:
        return Result(FAIL, f"{name} should be a tuple of 3 whole numbers (zeros in ∇W, in ∇S, in ∇b1), got "
                            f"{_describe(prediction)}")
    numbers = [exact_number(v) for v in prediction]
    if any(v is None or (isinstance(v, float) and not (np.isfinite(v) and v == int(v))) for v in numbers):
        return Result(FAIL, f"{name} should hold 3 whole numbers (counts of entries), got {_short(prediction)}")
    measured = _dead_zero_counts()
    why = {0: "∇W = XᵀΔ_U (4.9): which columns of Δ_U does a unit that is off for every sample zero out, and how "
              "long is a column of ∇W?",
           1: "∇S = HᵀG_Y (4.6): which rows of Hᵀ are zero when a unit outputs 0 for every sample, and how long is "
              "a row of ∇S?",
           2: "∇b1 = Δ_Uᵀ1 (4.11): one entry per hidden unit"}
    for k, label in enumerate(("∇W", "∇S", "∇b1")):
        if int(numbers[k]) != measured[k]:
            return Result(FAIL, f"your count of zeros in {label} is not the measured one. {why[k]}")
    return Result(PASS, "all three counts match the measurement: a unit that is off for every sample gets a zero "
                        "column of ∇W, a zero row of ∇S and a zero entry of ∇b1")


def _tanh_mean_reference(X, W, b1, S, b2, T):
    """(dW, db1, dS, db2) for H = tanh(XW + b1), Y = HS + b2, L = (1/B) Σ_r ‖y_r − t_r‖² (a mean over samples)."""
    H = np.tanh(X @ W + b1)
    G_Y = 2.0 * (H @ S + b2 - T) / X.shape[0]  # (4.5) with 1/B
    Delta_U = (G_Y @ S.T) * (1.0 - H**2)  # (4.7), (4.8) with tanh′ = 1 − tanh²
    return X.T @ Delta_U, Delta_U.sum(axis=0), H.T @ G_Y, G_Y.sum(axis=0)


def check_tanh_mean_grads(fn) -> Result:
    """Exercise 4.2 (derive): `fn(X, W, b1, S, b2, T) -> (dW, db1, dS, db2)` for a tanh hidden layer and the loss
    L = (1/B) Σ_r ‖y_r − t_r‖², the sum over outputs and the mean over samples.

    Reference: the same steps as (4.5)–(4.11) with G_Y = 2(Y − T)/B and f′ = 1 − tanh² (checked by finite
    differences in tests/exercises/test_exercises_nb04.py); three seeded networks with n_y > 1 (so 1/B and 1/(B·n_y)
    differ) and one drawn at call time.
    """
    cases = [_net(70 + i, *sizes) for i, sizes in enumerate([(5, 4, 6, 3), (1, 3, 2, 2), (8, 2, 7, 2)])]
    fresh = fresh_rng()
    extra = [_net(None, int(fresh.integers(2, 9)), *random_sizes(fresh, 2, 1, 9), int(fresh.integers(2, 6)))]
    return check_function(
        "tanh_mean_grads", fn, _tanh_mean_reference, cases, "Eq. (4.6)–(4.11) with tanh and the mean over samples",
        labels=("dW", "db1", "dS", "db2"),
        equations=("Eq. (4.9) with (4.8), f′ = tanh′", "Eq. (4.11) with (4.8), f′ = tanh′", "Eq. (4.6)", "Eq. (4.10)"),
        upstream=(3, 2, 1, 0), common="Eq. (4.5) for this loss, G_Y = ∂L/∂Y = 2(Y − T)/B",
        random_cases=extra,
    )


def _homogeneity_reference(X, W, S, T):
    """⟨W, ∇W L⟩ for Y = ReLU(XW) S, L = Σ(Y − T)²: by Euler's theorem it is ⟨Y, G_Y⟩ = 2 Σ Y ⊙ (Y − T). Computed
    here the long way, from the gradient (4.9), so the identity itself is what the tests check."""
    U = X @ W
    G_Y = 2.0 * (np.maximum(U, 0.0) @ S - T)
    return np.float64(np.sum(W * (X.T @ ((G_Y @ S.T) * (U > 0)))))


def check_homogeneity(fn) -> Result:
    """Exercise 4.3 (derive, "show that"): `fn(X, W, S, T) -> ⟨W, ∇_W L⟩ = Σ_ij W_ij (∇_W L)_ij` for S1's
    bias-free network Y = ReLU(XW) S, L = Σ(Y − T)².

    The exercise asks the learner to show ⟨W, ∇_W L⟩ = ⟨S, ∇_S L⟩ = ⟨Y, G_Y⟩ and to compute it from Y and T; the
    checker compares the number with the reference (the long way, through ∇W) on four seeded cases, two seeded
    cases where it is negative (T = 3Y + noise), and one drawn at call time (rel. error 1e-8).
    """
    def make(rng, sizes):
        return [(rng.standard_normal((B, n_x)), rng.standard_normal((n_x, n_h)), rng.standard_normal((n_h, n_y)),
                 rng.standard_normal((B, n_y))) for B, n_x, n_h, n_y in sizes]

    def negative(rng, sizes):
        # T = 3Y + noise: ⟨W, ∇W L⟩ = 2 Σ Y ⊙ (Y − T) ≈ −4 Σ Y² < 0, so an answer that drops the sign (abs) fails
        out = []
        for X, W, S, T in make(rng, sizes):
            out.append((X, W, S, 3.0 * (np.maximum(X @ W, 0.0) @ S) + 0.1 * T))
        return out

    fresh = fresh_rng()
    res = check_function("homogeneity", fn, _homogeneity_reference,
                         make(np.random.default_rng(71), SIZES + [(4, 3, 3, 3)])
                         + negative(np.random.default_rng(72), [(5, 3, 4, 2), (2, 4, 3, 3)]),
                         "⟨W, ∇W L⟩ (Euler's theorem for the ReLU network)",
                         random_cases=make(fresh, [_random_sizes()]))
    return res


HINTS = {
    "dead_units_prediction": [
        "A unit whose pre-activation is −100 + (something small) outputs 0 for every sample, and ReLU′ is 0 there. "
        "Which column of H, and which column of Δ_U, does that make zero?",
        "Follow one dead unit k through the backward pass: which column of H and which column of Δ_U are zero for "
        "every sample? Then read (4.9), (4.6) and (4.11): which column, row or entry of each gradient is built "
        "from that column alone, and how many entries does it hold? With random data nothing else is exactly 0.",
    ],
    "tanh_mean_grads": [
        "Only two things change from (4.5)–(4.11): the loss's gradient G_Y = ∂L/∂Y, and f′ in (4.8). Write each for "
        "this loss and this activation.",
        "Differentiate L = (1/B) Σ_r Σ_j (Y_rj − T_rj)² by one Y_rj to get G_Y (which count does the mean divide "
        "by?), and write tanh′(U) in terms of H. Put these two into (4.6)–(4.11); nothing else changes.",
    ],
    "homogeneity": [
        "ReLU(cu) = c ReLU(u) for c > 0. What happens to Y when W is replaced by cW? Now differentiate L(cW) with "
        "respect to c at c = 1, once directly and once by the chain rule through W.",
        "With Y(cW) = c·Y(W) for c > 0, differentiate L(cW) with respect to c at c = 1 in two ways: by the chain "
        "rule through the entries of W (a sum of W_ij times an entry of ∇_W L), and through Y (a sum of Y_rj times "
        "an entry of G_Y). Set the two equal, substitute G_Y from (4.5), and repeat the argument with S.",
    ],
    "tied_weights_grad": [
        "Give the two uses of W two names: W_a = W in the encoder and M = Wᵀ in the decoder. How does a variable that "
        "feeds several places collect its gradient (Eq. 2.2)?",
        "Name the two uses: W in the encoder, M = Wᵀ in the decoder. Find ∇M with (4.6) and the encoder's ∇W with "
        "(4.7)–(4.9) as if they were different matrices; then bring ∇M to W's shape (M = Wᵀ) and add the two, as "
        "(2.2) adds paths.",
    ],
    "per_sample_grads": [
        "(4.9) is a sum over samples of outer products, Σ_r x_r δ_rᵀ. Which row of X and which row of Δ_U make "
        "sample r's term?",
        "Compute Δ_U (B, n_h) as in (4.5), (4.7), (4.8), biases included. Sample r's term of (4.9) is the outer "
        "product of row r of X with row r of Δ_U; build all B of them at once by giving each array a singleton "
        "axis so that they broadcast to (B, n_x, n_h).",
    ],
}


guard_checkers(globals())
