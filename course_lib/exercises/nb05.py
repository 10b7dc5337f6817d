"""Checkers for notebook 05 · Backprop through a deep network (Eq. 5.1–5.6).

Each checker compares the learner's function with course_lib on seeded random cases: `Linear.backward`
for one layer, `MLP.backward` for a whole network (and, with input_grad=True, its ∂L/∂X for the saliency
exercise), and `MLP.backward` read through `course_lib.convention` for the column convention of S4 (that
exercise now lives in notebook 11's territory; the checker stays for compatibility). The rank exercise is
checked against a measurement: `np.linalg.matrix_rank` of a real tanh network's dW on random data, where the rank
is the generic one (the bound min(B, n_in, n_out), reached with probability 1).
"""

from __future__ import annotations

import functools

import numpy as np

from ..convention import column_to_row, row_to_column
from ..gradcheck import rel_error
from ..layers import Linear
from ..network import MLP
from .checking import (
    FAIL,
    NOT_ATTEMPTED,
    PASS,
    Result,
    _copied,
    _not_attempted,
    _short,
    _type_name,
    call_learner,
    check_array,
    check_arrays,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
    random_sizes,
)

# Checkers of exercises a course update replaced. No notebook calls them; they stay so that a learner's copy
# made before the update still runs (its cell calls them). tests/exercises/test_checkers.py keeps this list
# exact: every checker is called by its notebook or listed here.
RETIRED = ('check_column_backward', 'check_linear_backward', 'check_mlp_backward')


def _compare_lists(name, fn, cases, reference, labels, equations, tol=1e-8, upstream=None, common=None,
                   random_cases=()) -> Result:
    """Call fn(*args) per case; its sequence of arrays must match reference(*args) entry by entry."""
    eqs = equations(cases[0]) if callable(equations) else equations
    res = check_function(name, fn, reference, cases, ", ".join(dict.fromkeys(eqs)), tol, labels=labels,
                         equations=equations, upstream=upstream, common=common, random_cases=random_cases)
    if res.passed:
        return Result(res.status, f"{name} agrees with course_lib on {len(cases)} test cases (rel. error < {tol:.0e})")
    return res


def check_linear_backward(fn) -> Result:
    """Check `fn(A_prev, W, Delta) -> (dW, db, dA_prev)` against `Linear.backward`, Eq. (5.2)–(5.4).

    dW = A_prevᵀΔ (n_in, n_out), db = Δᵀ1 (n_out,), dA_prev = ΔWᵀ (B, n_in).
    """
    def make(rng, shapes):
        cases = []
        for B, n_in, n_out in shapes:
            A_prev, W = rng.standard_normal((B, n_in)), rng.standard_normal((n_in, n_out))
            cases.append((A_prev, W, rng.standard_normal((B, n_out))))
        return cases

    cases = make(np.random.default_rng(50), [(4, 3, 2), (1, 5, 5), (6, 1, 3)])
    fresh = fresh_rng()

    def reference(A_prev, W, Delta):
        lin = Linear(*W.shape)
        lin.W[...] = W
        lin.forward(A_prev)
        dA = lin.backward(Delta)
        return lin.dW.copy(), lin.db.copy(), dA

    return _compare_lists(
        "linear_backward", fn, cases, reference,
        lambda args: ("dW", "db", "dA_prev"), lambda args: ("Eq. (5.2)", "Eq. (5.3)", "Eq. (5.4)"),
        random_cases=make(fresh, [random_sizes(fresh, 3, 2, 9)]),
    )


def _mlp_cases(seed, architectures, activation="relu", output_activation="identity", biases=True):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    cases = []
    for sizes in architectures:
        model = MLP(sizes, activation=activation, output_activation=output_activation, seed=int(rng.integers(1000)))
        Ws = [lin.W.copy() for lin in model.linears]
        bs = [0.1 * rng.standard_normal(lin.b.shape) if biases else np.zeros(lin.b.shape) for lin in model.linears]
        X = rng.standard_normal((5, sizes[0]))
        dY = rng.standard_normal((5, sizes[-1]))
        cases.append((Ws, bs, X, dY))
    return cases


def _mlp_reference(Ws, bs, X, dY, activation="relu", output_activation="identity"):
    sizes = [Ws[0].shape[0]] + [W.shape[1] for W in Ws]
    model = MLP(sizes, activation=activation, output_activation=output_activation)
    for lin, W, b in zip(model.linears, Ws, bs, strict=True):
        lin.W[...] = W
        lin.b[...] = b
    model.forward(X)
    model.backward(dY)
    return [g.copy() for _, g in model.parameters()]


def check_mlp_backward(fn) -> Result:
    """Check `fn(Ws, bs, X, dY) -> [dW1, db1, dW2, db2, …]` against `MLP.backward`, Eq. (5.1)–(5.5).

    The network: ReLU hidden layers, identity output; Ws[l] is (n_l, n_{l+1}), bs[l] is (n_{l+1},);
    dY = ∂L/∂Ŷ is given. The answer lists the gradients in the order of `MLP.parameters()`.
    """
    cases = _mlp_cases(51, [[3, 4, 2], [2, 5, 4, 3, 1], [4, 6, 6, 6, 2]])

    def labels(args):
        return [f"d{p}{i}" for i in range(1, len(args[0]) + 1) for p in ("W", "b")]

    def equations(args):
        return ["Eq. (5.2) with (5.5)", "Eq. (5.3) with (5.5)"] * len(args[0])

    def upstream(args):  # the backward pass: the last layer's (dW, db) first
        return [2 * l + k for l in reversed(range(len(args[0]))) for k in (0, 1)]

    extra = _mlp_cases(None, [_random_architecture()])
    return _compare_lists("mlp_backward", fn, cases, _mlp_reference, labels, equations, upstream=upstream,
                          random_cases=extra)


def _random_architecture():
    """Layer sizes of a network of depth 2 to 4 drawn at call time."""
    rng = fresh_rng()
    return random_sizes(rng, int(rng.integers(3, 6)), 1, 9, distinct=False)


def check_column_backward(fn) -> Result:
    """Check `fn(Ws_col, X_col, T_col) -> [∇W1, ∇W2, …]` for S4's column network, Eq. (5.6).

    The network: o_0 = X_col (n_0, B), a_l = W_l o_{l−1}, o_l = σ(a_l) on every layer (also the output),
    no biases, L = ½ Σ (o_D − T_col)² for D layers. Ws_col[l] is (n_{l+1}, n_l); each ∇W_l has W_l's shape.
    Reference: course_lib.MLP with W_row = W_colᵀ (course_lib.convention), gradients translated back.
    """
    def make(rows, rng):
        cases = []
        for Ws, _, X, _ in rows:
            Ws_col = [row_to_column({"W": W})["W"] for W in Ws]
            cases.append((Ws_col, X.T.copy(), rng.standard_normal((Ws[-1].shape[1], X.shape[0]))))
        return cases

    rows = _mlp_cases(52, [[3, 4, 2], [5, 6, 4, 1], [10, 6, 14, 5, 3, 1]], "sigmoid", "sigmoid", biases=False)
    cases = make(rows, np.random.default_rng(53))
    extra = make(_mlp_cases(None, [_random_architecture()], "sigmoid", "sigmoid", biases=False), fresh_rng())

    def reference(Ws_col, X_col, T_col):
        Ws = [column_to_row({"W": W})["W"] for W in Ws_col]
        sizes = [Ws[0].shape[0]] + [W.shape[1] for W in Ws]
        model = MLP(sizes, activation="sigmoid", output_activation="sigmoid")
        for lin, W in zip(model.linears, Ws, strict=True):
            lin.W[...] = W
        Y = model.forward(X_col.T)
        model.backward(Y - T_col.T)  # ∂(½Σ(Y−T)²)/∂Y
        return [row_to_column({"W": lin.dW})["W"] for lin in model.linears]

    def labels(args):
        return [f"∇W{i}" for i in range(1, len(args[0]) + 1)]

    def equations(args):
        return ["Eq. (5.6)"] * len(args[0])

    def upstream(args):  # the backward pass: the last layer first
        return list(reversed(range(len(args[0]))))

    return _compare_lists("column_backward", fn, cases, reference, labels, equations, upstream=upstream,
                          common="the output's g = (o_D − t) ⊙ σ'(a_D), Eq. (5.6)", random_cases=extra)


# ---- transfer exercises (derive or predict something the notebook does not show) -----------------------


def _saliency_cases(seed: int | None = 54):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    cases = []
    fixed = ([3, 4, 2], [5, 6, 6, 3], [2, 7, 5, 4, 1], [4, 4, 4])
    for sizes in fixed if seed is not None else [_random_architecture()]:
        Ws = [rng.standard_normal((m, n)) / np.sqrt(m) for m, n in zip(sizes[:-1], sizes[1:], strict=True)]
        bs = [0.3 * rng.standard_normal(n) for n in sizes[1:]]
        X = rng.standard_normal((6, sizes[0]))
        cases.append((Ws, bs, X, rng.standard_normal((6, sizes[-1]))))
    return cases


def _saliency_reference(Ws, bs, X, T):
    # course_lib's MLP with tanh hidden layers and identity output; L = ½ Σ (Ŷ − T)², so ∂L/∂Ŷ = Ŷ − T,
    # and MLP.backward(..., input_grad=True) returns ∂L/∂X (Eq. 5.4 applied at the bottom).
    sizes = [Ws[0].shape[0]] + [W.shape[1] for W in Ws]
    model = MLP(sizes, activation="tanh", output_activation="identity")
    for lin, W, b in zip(model.linears, Ws, bs, strict=True):
        lin.W[...] = W
        lin.b[...] = b
    Y = model.forward(X)
    return model.backward(Y - T, input_grad=True)


def check_input_gradient(fn) -> Result:
    """Exercise 5.3: `fn(Ws, bs, X, T)` returns ∂L/∂X (B, n_0) for a tanh MLP with identity output and
    L = ½ Σ (Ŷ − T)², Eq. (5.5) then Eq. (5.4) once more at the input (no f′ there: X is not an activation).

    Ws[l] is (n_l, n_{l+1}), bs[l] is (n_{l+1},). Compared with what `MLP.backward(..., input_grad=True)`
    returns on four seeded networks of depth 2 to 4 (one with equal widths, where a missing transpose still runs).
    """
    return check_function("your ∂L/∂X", fn, _saliency_reference, _saliency_cases(), "Eq. (5.5) and (5.4)",
                          random_cases=_saliency_cases(None))


# the last size has B, n_in, n_out all above 8, so a formula capped at a constant (min(B, n_in, n_out, 8)) fails
_RANK_SIZES = [(1, 6, 4), (2, 6, 4), (3, 5, 5), (8, 6, 4), (1, 3, 7), (5, 3, 7), (12, 15, 20)]


def _measured_rank(B, n_in, n_out, seed=55):
    # The rank of a real ∇W: layer 2 of a tanh MLP [3, n_in, n_out] after one backward pass on a batch of B.
    rng = np.random.default_rng(seed + 10 * B + n_in)
    model = MLP([3, n_in, n_out], activation="tanh", seed=int(rng.integers(1000)))
    Y = model.forward(rng.standard_normal((B, 3)))
    model.backward(rng.standard_normal(Y.shape))
    return float(np.linalg.matrix_rank(model.linears[1].dW))


def check_rank_prediction(fn) -> Result:
    """Exercise 5.4: `fn(B, n_in, n_out)` predicts the rank of ∇W = A_prevᵀ Δ for a batch of B samples.

    The checker measures: it runs a real network (course_lib.MLP, tanh, random data) for each size and takes
    `np.linalg.matrix_rank` of the layer's dW; your formula must give the measured rank for all seven sizes
    (batch sizes 1 to 12, both B below and above the layer's widths, one with B, n_in, n_out all above 8) and for
    one size drawn at call time.
    The rank asked for is the generic one: min(B, n_in, n_out) is only an upper bound, reached with probability 1
    when the inputs, weights and ∂L/∂Ŷ are drawn from continuous distributions through a smooth activation (tanh,
    as here). Dead ReLU units or repeated samples give a lower rank (notebook 05 shows both), so the checker never
    uses ReLU or a batch with repeated rows.
    A failure states the measured rank.
    """
    name = "your predicted_rank"
    if fn is None or fn is Ellipsis:
        return _not_attempted(name)
    extra = tuple(random_sizes(fresh_rng(), 3, 1, 9))
    for B, n_in, n_out in _RANK_SIZES + [extra]:  # one size at a time, so a failure names the size
        got, verdict = call_learner(name, fn, (B, n_in, n_out))
        if verdict is not None:
            return verdict
        measured = int(_measured_rank(B, n_in, n_out))
        number = exact_number(got)
        if number is None:
            return Result(FAIL, f"{name} should return a whole number (a rank), got {_type_name(got)}")
        if number != measured:
            return Result(FAIL, f"for B = {B}, n_in = {n_in}, n_out = {n_out} the measured rank of ∇W is {measured}, "
                                f"your formula gives {_short(number)}")
    return Result(PASS, f"your formula predicts the measured rank of ∇W for all {len(_RANK_SIZES)} sizes and 1 "
                        "drawn at random (random inputs and weights: the generic rank)")


# ---- the ladder: derive (residual block, one weight shared by every layer), build (the gated
# network) and verify (the learner's own gradient check of it) ---------------------------------------------


def _residual_reference(X, W, b, G):
    """Y = X + tanh(X W + b): Δ = G ⊙ (1 − tanh²(Z)) (5.1); ∇W = XᵀΔ (5.2); ∇b = Δᵀ1 (5.3); ∂L/∂X = G + ΔWᵀ
    (5.4 along the path through the layer, plus the skip path, which hands G to X unchanged)."""
    Delta = G * (1.0 - np.tanh(X @ W + b) ** 2)
    return X.T @ Delta, Delta.sum(axis=0), G + Delta @ W.T


def _residual_cases(rng, sizes):
    cases = []
    for B, n in sizes:
        cases.append((rng.standard_normal((B, n)), rng.standard_normal((n, n)) / np.sqrt(n),
                      0.5 * rng.standard_normal(n), rng.standard_normal((B, n))))
    return cases


_RESIDUAL_DIAGNOSIS = (
    (lambda X, W, b, G, D: D @ W.T, "it is the path through the layer alone: X also reaches Y directly (the skip "
                                    "path, Y = X + …), and the chain rule adds the gradients of all paths (Eq. 2.2)"),
    (lambda X, W, b, G, D: G, "it is the skip path alone: X also feeds Z = XW + b, whose path gives ΔWᵀ (Eq. 5.4)"),
    (lambda X, W, b, G, D: G + D @ W, "W needs its transpose in the path through the layer (Eq. 5.4: the sum runs "
                                      "over W's second index)"),
    (lambda X, W, b, G, D: G + (G @ W.T), "the path through the layer misses the factor tanh′(Z) (Eq. 5.1)"),
)


def check_residual_backward(fn) -> Result:
    """Exercise 5.1: `fn(X, W, b, G) -> (dW, db, dX)` for a residual block Y = X + tanh(X W + b), G = ∂L/∂Y.

    X and G are (B, n), W is (n, n), b is (n,). dX = G + ΔWᵀ with Δ = G ⊙ (1 − tanh²(XW + b)). Four seeded
    cases (B ≠ n, B = n, B = 1) and one drawn at call time; a wrong dX is diagnosed (skip path missing, path
    through the layer missing, W not transposed, tanh′ missing).
    """
    name = "residual_backward"
    if fn is None or fn is Ellipsis:
        return _not_attempted(name)
    fresh = fresh_rng()
    cases = _residual_cases(np.random.default_rng(56), [(5, 3), (4, 4), (1, 5), (6, 2)])
    extra = _residual_cases(fresh, [tuple(random_sizes(fresh, 2, 2, 8))])
    labels = ("dW", "db", "dX")
    equations = ("Eq. (5.2) with (5.1)", "Eq. (5.3) with (5.1)", "the sum of the skip path and Eq. (5.4)")
    for i, args in enumerate(cases + extra):
        expected = _residual_reference(*_copied(args))
        got, verdict = call_learner(name, fn, args)
        if verdict is not None:
            return verdict
        res = check_arrays(f"{name} (case {i + 1})", got, expected, labels, equations, upstream=(1, 0, 2))
        if res.passed:
            continue
        if isinstance(got, (tuple, list)) and len(got) == 3 and check_array("", got[0], expected[0], "").passed \
                and check_array("", got[1], expected[1], "").passed:
            X, W, b, G = args
            Delta = G * (1.0 - np.tanh(X @ W + b) ** 2)
            for wrong, why in _RESIDUAL_DIAGNOSIS:
                if check_array("", got[2], wrong(X, W, b, G, Delta), "").passed:
                    return Result(FAIL, f"{name} (case {i + 1}): dW and db are right; dX fails: {why}")
        return res
    return Result(PASS, f"{name} agrees with the skip path plus Eq. (5.1)–(5.4) on {len(cases)} test cases "
                        "(rel. error < 1e-08)")


def _shared_forward(W, bs, X):
    As = [X]
    for b in bs:
        As.append(np.tanh(As[-1] @ W + b))
    return As


def _shared_reference(W, bs, X, T):
    """∇W of L = ½ Σ (A_D − T)², A_l = tanh(A_{l−1} W + b_l), one W in every layer: Σ_l A_{l−1}ᵀ Δ_l."""
    As = _shared_forward(W, bs, X)
    G, grad = As[-1] - T, np.zeros_like(W)
    for l in range(len(bs), 0, -1):
        Delta = G * (1.0 - As[l] ** 2)  # (5.1)
        grad += As[l - 1].T @ Delta  # (5.2), one term per use of W
        G = Delta @ W.T  # (5.4)
    return grad


def _shared_cases(rng, sizes):
    cases = []
    for B, n, D in sizes:
        W = rng.standard_normal((n, n)) * (1.2 / np.sqrt(n))
        bs = [0.3 * rng.standard_normal(n) for _ in range(D)]
        cases.append((W, bs, rng.standard_normal((B, n)), rng.standard_normal((B, n))))
    return cases


def check_shared_weight_grad(fn) -> Result:
    """Exercise 5.2: `fn(W, bs, X, T) -> ∇W` for D layers that all use the same W (a recurrent net unrolled).

    A_0 = X (B, n), A_l = tanh(A_{l−1} W + b_l) for l = 1 … D = len(bs), Ŷ = A_D, L = ½ Σ (Ŷ − T)². ∇W (n, n) is
    the sum of the D per-layer gradients (5.2) along the recursion (5.5). Cases with D = 1 … 4, B ≠ n, and one
    drawn at call time; a failure says when the answer is one layer's term only.
    """
    name = "shared_weight_grad"
    if fn is None or fn is Ellipsis:
        return _not_attempted(name)
    fresh = fresh_rng()
    cases = _shared_cases(np.random.default_rng(57), [(5, 3, 3), (2, 4, 1), (6, 2, 4), (3, 3, 2)])
    B, n = random_sizes(fresh, 2, 1, 7)
    extra = _shared_cases(fresh, [(B, n, int(fresh.integers(2, 5)))])
    eq = "the sum over the layers of Eq. (5.2), with Δ_l from (5.5)"
    for i, args in enumerate(cases + extra):
        expected = _shared_reference(*_copied(args))
        got, verdict = call_learner(name, fn, args)
        if verdict is not None:
            return verdict
        res = check_array(f"{name} (case {i + 1})", got, expected, eq)
        if res.passed:
            continue
        W, bs, X, T = args
        D = len(bs)
        if D > 1:
            As = _shared_forward(W, bs, X)
            G, terms = As[-1] - T, []
            for l in range(D, 0, -1):
                Delta = G * (1.0 - As[l] ** 2)
                terms.append((l, As[l - 1].T @ Delta))
                G = Delta @ W.T
            for l, term in terms:
                if check_array("", got, term, "").passed:
                    return Result(FAIL, f"{name} (case {i + 1}, D = {D}): your ∇W is layer {l}'s term alone; W "
                                        f"is used by all {D} layers, and a weight used several times collects the "
                                        "sum of the gradients of every use")
        return res
    return Result(PASS, f"{name} agrees with {eq} on {len(cases)} test cases (rel. error < 1e-08)")


# ---- the capstone: the gated network, Eq. (5.8) ---------------------------------------------------------------

GATED_KEYS = ("W1", "b1", "W2", "b2", "W3", "b3")


def _sigmoid(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # = 1/(1 + e^−z), without overflow


def _gated_forward_reference(params, X):
    p = params
    return (np.tanh(X @ p["W1"] + p["b1"]) * _sigmoid(X @ p["W2"] + p["b2"])) @ p["W3"] + p["b3"]


def _gated_reference(params, X, T):
    """The gradients of L = Σ(Ŷ − T)²/(B·n_out) for Ŷ = (tanh(XW1 + b1) ⊙ σ(XW2 + b2)) W3 + b3, Eq. (5.8).

    G_Ŷ = 2(Ŷ − T)/(B n_out); ∇W3 = HᵀG_Ŷ; ∇b3 = G_Ŷᵀ1; G_H = G_Ŷ W3ᵀ; Δ1 = G_H ⊙ S ⊙ (1 − P²); Δ2 = G_H ⊙ P ⊙ S(1 − S);
    ∇W1 = XᵀΔ1, ∇b1 = Δ1ᵀ1, ∇W2 = XᵀΔ2, ∇b2 = Δ2ᵀ1 (P = tanh(XW1 + b1), S = σ(XW2 + b2), H = P ⊙ S). Checked
    against autograd and central differences in tests/exercises/test_exercises_nb05.py.
    """
    p = params
    P = np.tanh(X @ p["W1"] + p["b1"])
    S = _sigmoid(X @ p["W2"] + p["b2"])
    H = P * S
    G_Y = 2.0 * (H @ p["W3"] + p["b3"] - T) / T.size
    G_H = G_Y @ p["W3"].T
    D1 = G_H * S * (1.0 - P**2)
    D2 = G_H * P * S * (1.0 - S)
    return {"W1": X.T @ D1, "b1": D1.sum(axis=0), "W2": X.T @ D2, "b2": D2.sum(axis=0),
            "W3": H.T @ G_Y, "b3": G_Y.sum(axis=0)}


def _gated_params(rng, n_in, n_h, n_out):
    return {"W1": rng.standard_normal((n_in, n_h)) / np.sqrt(n_in), "b1": 0.5 * rng.standard_normal(n_h),
            "W2": rng.standard_normal((n_in, n_h)) / np.sqrt(n_in), "b2": 0.5 * rng.standard_normal(n_h),
            "W3": rng.standard_normal((n_h, n_out)) / np.sqrt(n_h), "b3": 0.5 * rng.standard_normal(n_out)}


def _gated_cases(rng, sizes):
    return [(_gated_params(rng, n_in, n_h, n_out), 1.5 * rng.standard_normal((B, n_in)),
             rng.standard_normal((B, n_out))) for B, n_in, n_h, n_out in sizes]


_GATED_SIZES = [(5, 3, 4, 2), (1, 2, 6, 3), (7, 4, 3, 1), (4, 4, 4, 4)]


def _saturated_case():
    """A fixed network whose gate pre-activations V reach about ±800 (half the units) and whose tanh branch sees
    ±800 too: np.exp(800) overflows, so σ(v) = e^v/(1 + e^v) gives NaN there. σ must be computed stably, Eq. (3.4);
    notebook 07 trains this network, and a large step can push V that far."""
    params, X, T = _gated_cases(np.random.default_rng(158), [(6, 3, 4, 2)])[0]
    params["b2"] = np.array([800.0, -800.0, 0.3, -0.5])
    params["b1"] = np.array([0.2, -800.0, 0.1, 800.0])
    return params, X, T


_SATURATED_CASE = len(_GATED_SIZES) + 1  # its case number in check_gated_backward's messages


def _overflow_note(res):
    """res, with the reason named when it fails on the saturated case (Eq. 3.4), else unchanged."""
    if res.passed or f"(case {_SATURATED_CASE})" not in res.message:
        return res
    return Result(FAIL, res.message + f"; case {_SATURATED_CASE} has pre-activations V = XW2 + b2 near ±800, where "
                                      "np.exp overflows (e^800 = inf, inf/inf = NaN): compute σ stably, Eq. (3.4)")

_GATED_LABELS = ("∇W1", "∇b1", "∇W2", "∇b2", "∇W3", "∇b3")
_GATED_EQS = ("the tanh branch: Δ1 = G_H ⊙ σ(V) ⊙ tanh′(U), ∇W1 = XᵀΔ1", "the tanh branch: ∇b1 = Δ1ᵀ1",
              "the gate branch: Δ2 = G_H ⊙ tanh(U) ⊙ σ′(V), ∇W2 = XᵀΔ2", "the gate branch: ∇b2 = Δ2ᵀ1",
              "the output layer: ∇W3 = HᵀG_Ŷ", "the output layer: ∇b3 = G_Ŷᵀ1")


def _changed_keys(handed, params) -> list:
    """The keys of params whose arrays differ, after the learner's call, in the dict it was handed (its copy)."""
    if not handed or not isinstance(handed[0], dict):
        return []
    out = []
    for k, v in params.items():
        now = handed[0].get(k)
        if not (isinstance(now, np.ndarray) and now.shape == v.shape and np.array_equal(now, v)):
            out.append(k)
    return out


def _as_grad_tuple(name, got):
    """The learner's dict of gradients as a tuple in GATED_KEYS order, or a failing Result."""
    if not isinstance(got, dict):
        return None, Result(FAIL, f"{name} should return a dict {{'W1': ∇W1, 'b1': ∇b1, …, 'b3': ∇b3}}, got "
                                  f"{_type_name(got)}")
    missing = [k for k in GATED_KEYS if k not in got]
    if missing:
        return None, Result(FAIL, f"{name}: the dict it returns has no key {', '.join(map(repr, missing))} (keys: "
                                  "'W1', 'b1', 'W2', 'b2', 'W3', 'b3', the parameters' names)")
    return tuple(got[k] for k in GATED_KEYS), None


def check_gated_backward(forward_fn, backward_fn=None) -> Result:
    """Exercise 5.5 (capstone): `gated_forward(params, X) -> Ŷ` and `gated_backward(params, X, T) -> dict of
    gradients` for the gated network, Eq. (5.8): H = tanh(X W1 + b1) ⊙ σ(X W2 + b2), Ŷ = H W3 + b3,
    L = Σ(Ŷ − T)²/(B·n_out) (course_lib's MSELoss).

    params holds W1, W2 (n_in, n_h), b1, b2 (n_h,), W3 (n_h, n_out), b3 (n_out,); the answer is a dict with the
    same keys, each gradient in its parameter's shape. The forward pass is checked first, then the gradients
    against an independent reference (checked by autograd in the tests) on four seeded networks (one with
    equal sizes, where a missing transpose still runs), one with pre-activations near ±800 (σ must be computed
    stably, Eq. 3.4: e^v/(1 + e^v) gives NaN there) and one drawn at call time. A failure names the
    gradient where the error starts: the output layer first, then the two branches.
    """
    if forward_fn is None or forward_fn is Ellipsis:
        return _not_attempted("gated_forward")
    fresh = fresh_rng()
    cases = _gated_cases(np.random.default_rng(58), _GATED_SIZES) + [_saturated_case()]
    extra = _gated_cases(fresh, [tuple(random_sizes(fresh, 4, 1, 7, distinct=False))])
    with np.errstate(over="ignore", invalid="ignore"):  # an overflow is judged by its result, not printed
        res = check_function("gated_forward", forward_fn, _gated_forward_reference, [c[:2] for c in cases],
                             "Eq. (5.8)", random_cases=[c[:2] for c in extra])
    if not res.passed:
        return _overflow_note(res)
    name = "gated_backward"
    if backward_fn is None or backward_fn is Ellipsis:
        return _not_attempted(name)
    for i, args in enumerate(cases + extra):
        expected = _gated_reference(*_copied(args))
        handed = []  # the params dict backward was handed (call_learner's copy): is it unchanged afterwards?

        def recorded(*a, _fn=backward_fn, _handed=handed):
            _handed.append(a[0] if a else None)
            return _fn(*a)

        if callable(backward_fn):
            recorded = functools.wraps(backward_fn)(recorded)  # messages name the learner's own parameters
        with np.errstate(over="ignore", invalid="ignore"):
            got, verdict = call_learner(name, recorded if callable(backward_fn) else backward_fn, args)
        if verdict is not None:
            return _overflow_note(Result(verdict.status, verdict.message + f" (case {i + 1})")) \
                if i + 1 == _SATURATED_CASE and verdict.status == FAIL else verdict
        moved = _changed_keys(handed, args[0])
        if moved:
            return Result(FAIL, f"{name} (case {i + 1}) changed params[{moved[0]!r}]: a backward pass only computes "
                                "the gradients and leaves params unchanged (a training loop updates them after the "
                                "whole backward pass; exercise 5.6 checks gradients at the params it was given)")
        got, verdict = _as_grad_tuple(name, got)
        if verdict is not None:
            return verdict
        res = check_arrays(f"{name} (case {i + 1})", got, tuple(expected[k] for k in GATED_KEYS), _GATED_LABELS,
                           _GATED_EQS, upstream=(4, 5, 1, 0, 3, 2),
                           common="∂L/∂Ŷ = 2(Ŷ − T)/(B·n_out), the mean over all B·n_out entries")
        if not res.passed:
            return _overflow_note(res)
    return Result(PASS, f"gated_forward and gated_backward agree with Eq. (5.8) and its gradients on "
                        f"{len(cases)} test networks (rel. error < 1e-08)")


# ---- verify: the learner's own gradient check, tried on right and planted wrong backward passes -----------------


def _acts(swapped):
    """(f1, f1′, f2, f2′) of the network a check is handed: the gated network (tanh, σ), or its mirror (σ, tanh)."""
    tanh = (np.tanh, lambda a: 1.0 - a**2)
    sigm = (_sigmoid, lambda a: a * (1.0 - a))  # derivatives from the activation's output
    return (*sigm, *tanh) if swapped else (*tanh, *sigm)


def _variant_forward(swapped):
    def forward(params, X):
        f1, _, f2, _ = _acts(swapped)
        p = params
        return (f1(X @ p["W1"] + p["b1"]) * f2(X @ p["W2"] + p["b2"])) @ p["W3"] + p["b3"]

    return forward


def _variant_backward(swapped, bug=None):
    """The gradients of the gated network (or its mirror), with an optional planted bug."""
    def backward(params, X, T):
        f1, d1, f2, d2 = _acts(swapped)
        p = params
        P, S = f1(X @ p["W1"] + p["b1"]), f2(X @ p["W2"] + p["b2"])
        H = P * S
        G_Y = 2.0 * (H @ p["W3"] + p["b3"] - T) / T.size
        G_H = G_Y @ p["W3"].T
        D1 = G_H * S * d1(P) if bug != "no gate" else G_H * d1(P)  # "no gate": the factor S forgotten
        D2 = G_H * P * d2(S) if bug != "f2 not f2′" else G_H * P * S  # f2′ taken as f2
        g = {"W1": X.T @ D1, "b1": D1.sum(axis=0), "W2": X.T @ D2, "b2": D2.sum(axis=0),
             "W3": H.T @ G_Y, "b3": G_Y.sum(axis=0)}
        if bug == "b3 twice":
            g["b3"] = 2.0 * g["b3"]
        return g

    return backward


def _planted_backwards():
    """(description, backward, the keys whose gradient is wrong) for check_gated_gradcheck."""
    return [("the right gradients", None, ()),
            ("∇W1, ∇b1 without the other branch's factor", "no gate", ("W1", "b1")),
            ("∇b3 twice too large", "b3 twice", ("b3",)),
            ("the second branch's derivative taken as the activation itself in ∇W2, ∇b2", "f2 not f2′",
             ("W2", "b2"))]


_GOOD, _BAD = 1e-7, 1e-3


def _well_conditioned(rng, draw_sizes):
    """A gated network (params, X, T) on which every gradient has an RMS of at least 1e-3 under both networks.

    Central differences are accurate to about ε·|L|/h ≈ 1e-11 absolute; a gradient of RMS 2e-5 (a saturated
    unit on a batch of one) turns that into a relative error of 3e-7, above the 1e-7 a right check must reach.
    tests/exercises/test_exercises_nb05.py measures the margin on random networks drawn this way.
    """
    for _ in range(100):
        params, X, T = _gated_cases(rng, [draw_sizes(rng)])[0]
        if all(np.sqrt(np.mean(g**2)) >= 1e-3 for swapped in (False, True)
               for g in _variant_backward(swapped)(params, X, T).values()):
            return params, X, T
    return params, X, T  # not reached in practice: most draws qualify


def _read_report(name, got):
    """The learner's {key: relative error} as {key: float}, or a failing Result."""
    if not isinstance(got, dict):
        return None, Result(FAIL, f"{name} should return a dict {{'W1': rel. error, …, 'b3': rel. error}}, got "
                                  f"{_type_name(got)}")
    out = {}
    for k in GATED_KEYS:
        if k not in got:
            return None, Result(FAIL, f"{name}: the dict it returns has no key {k!r} (one relative error per "
                                      "parameter: 'W1', 'b1', 'W2', 'b2', 'W3', 'b3')")
        v = got[k]
        if isinstance(v, np.ndarray) and v.shape == () and v.dtype.kind == "f":
            v = float(v)
        number = exact_number(v)
        if number is None or not np.isfinite(number) or number < 0:
            return None, Result(FAIL, f"{name}: the value for {k!r} should be a relative error (a number ≥ 0, "
                                      f"Eq. 2.6), got {_short(v)}")
        out[k] = float(number)
    return out, None


def _not_restored(handed, params):
    """'params['W1']' (say) if the dict the learner handed to backward ends with values other than the ones it was
    given (a perturbed entry not put back), else ''. A restore by x[i] += h; x[i] −= h may leave a rounding error;
    1e-9 relative is far above that and far below the h = 1e-5 of a step left in place."""
    for p in handed[:1]:
        if not isinstance(p, dict):
            return ""
        for k in GATED_KEYS:
            try:
                now = np.asarray(p.get(k), dtype=np.float64)
                if now.shape == params[k].shape and np.any(np.abs(now - params[k]) > 1e-9 * (1 + np.abs(params[k]))):
                    return f"params[{k!r}]"
            except (TypeError, ValueError):
                return ""
    return ""


def _one_sided_errors(forward, right, params, X, T, h):
    """{key: Eq. (2.6) relative error} of one-sided differences (L(x + h) − L(x))/h against the right gradients."""
    p = _copied(params)
    loss = lambda: float(np.mean((forward(p, X) - T) ** 2))  # noqa: E731
    out = {}
    for k in GATED_KEYS:
        x, num = p[k], np.zeros_like(p[k])
        base = loss()
        for idx in np.ndindex(x.shape):
            old = x[idx]
            x[idx] = old + h
            num[idx] = (loss() - base) / h
            x[idx] = old
        out[k] = rel_error(num, right[k])
    return out


def _step_diagnosis(report, bad, fine, forward, right, params, X, T):
    """For a check whose right gradients show an error between _GOOD and 1e-3: 'one-sided', 'large' (central
    differences with a step far above 1e-5: an O(h²) error, none where L is quadratic, in W3 and b3) or 'small'
    (an error everywhere that is not one-sided's: rounding, ε/h, of a step far below 1e-5); '' otherwise.

    One-sided differences move b3's gradient by exactly h/n_out per entry (∂²L/∂b3_j² = 2/n_out), so b3's reported
    error gives the step h; the errors one-sided differences at that h give are then compared with the report."""
    quadratic = [k for k in ("W3", "b3") if k in fine]
    if quadratic and all(report[k] < _GOOD for k in quadratic) and all(k not in quadratic for k in bad):
        return "large"  # any size of error: h = 1e-2 gives ~1e-4, h = 0.1 ~1e-2, both exact in W3 and b3
    if not (_GOOD <= report[bad[0]] < 1e-3):
        return ""
    g = right["b3"]
    h = 2.0 * report["b3"] * float(np.linalg.norm(g)) * np.sqrt(g.size)
    if h > 0:
        errs = _one_sided_errors(forward, right, params, X, T, h)
        if all(abs(report[k] - errs[k]) <= 0.3 * errs[k] for k in fine):
            return "one-sided"
    return "small"


def _why_right_flagged(where, report, bad, fine, swapped, n_entries, step=""):
    """The message for a check that flags a right gradient: the pattern of its errors names the slip."""
    k = bad[0]
    head = (f"{where}: it reports {k}'s relative error as {report[k]:.1g}, but that gradient is right: a good check "
            f"gives less than {_GOOD:g} there")
    errs = np.array([report[j] for j in fine])
    if len(bad) == len(fine) and np.all(np.abs(errs - 1.0) < 1e-6):
        return (head + "; every right gradient shows a relative error of exactly 1, so every numerical gradient "
                "is 0: the loss did not change when you perturbed an entry. Do you perturb a COPY of params[key] "
                "(.copy(), .flatten(), np.array(…)) that forward never reads? Perturb the array inside params")
    if len(bad) == len(fine) and np.ptp(errs) <= 1e-4 * np.mean(errs) and np.mean(errs) < 1.0:
        e = float(np.mean(errs))
        c = (1.0 + e) / (1.0 - e)  # rel. error of a and c·a
        if abs(c - n_entries) <= 1e-3 * n_entries:
            return (head + "; every right gradient is off by the same factor B·n_out: your loss is the sum of the "
                    "squares, not their mean over all B·n_out entries (course_lib's MSELoss)")
        return (head + f"; every right gradient is off by the same factor ({_fraction_text(c)} or its inverse): "
                "check the loss (the mean over all B·n_out entries) and the divisor 2h of Eq. (2.5)")
    if step == "one-sided":
        return head + ("; one-sided differences (f(x + h) − f(x))/h are only O(h) accurate: use central ones, "
                       "Eq. (2.5)")
    if step == "large":
        return head + ("; W3 and b3 (where L is quadratic, so central differences are exact) are fine but the "
                       "others are not: your step h is far too large; central differences err by O(h²): use "
                       "h = 1e-5")
    if step == "small":
        return head + ("; every parameter shows an error, W3 and b3 too, but not the O(h) pattern of a forward "
                       "difference: is your step h far below 1e-5? Rounding errors in L(x ± h) grow like "
                       "ε·|L|/h: use h = 1e-5, Eq. (2.5)")
    if step == "mirror":
        this, other = (("the mirror H = σ(XW1 + b1) ⊙ tanh(XW2 + b2)", "the gated network of Eq. (5.8)") if swapped
                       else ("the gated network of Eq. (5.8)", "its mirror H = σ(XW1 + b1) ⊙ tanh(XW2 + b2)"))
        return head + (f"; this network is {this}, and your numbers are those of {other}: a check must "
                       "differentiate the forward pass it is handed")
    return head


def _mirror_match(report, fine, swapped, right, params, X, T):
    """True when the errors a check reports for the right gradients are those a check of the network it was NOT
    handed gives (its gradients against the handed network's: within 5 %), i.e. it differentiated the other one."""
    other = _variant_backward(not swapped)(*_copied((params, X, T)))
    for k in fine:
        want = rel_error(other[k], right[k])
        if not abs(report[k] - want) <= 0.05 * want + 1e-9:
            return False
    return True


def _fraction_text(c):
    r = round(c)
    return f"{r} ×" if abs(c - r) < 1e-3 * c else f"{c:.3g} ×"


def _which_error(reported, a, b):
    """Name an absolute error reported in place of the relative one of Eq. (2.6)."""
    diff = np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64)
    for value, what in ((np.linalg.norm(diff), "the absolute error ‖a − b‖"),
                        (np.max(np.abs(diff)), "the largest absolute difference max |a − b|")):
        if value > 0 and abs(reported - value) <= 0.05 * value:
            return f"; your number is {what}: divide ‖a − b‖ by ‖a‖ + ‖b‖"
    return "; a relative error is ‖a − b‖ / (‖a‖ + ‖b‖)"


def check_gated_gradcheck(fn, forward_fn=None, backward_fn=None) -> Result:
    """Exercise 5.6: `fn(forward, backward, params, X, T) -> {key: relative error}`, the learner's own gradient
    check: central differences (Eq. 2.5) of L = mean((forward(params, X) − T)²) for every entry of every
    parameter, compared with backward(params, X, T)[key] by Eq. (2.6).

    The checker hands it a forward pass (the gated network, and its mirror H = σ(XW1 + b1) ⊙ tanh(XW2 + b2), so a
    check that ignores the forward it is given fails) and four backward passes: the right one (every
    error must be below 1e-7, which one-sided differences, O(h), do not reach) and three with planted bugs
    (the bugged parameters must show an error above 1e-3, the others below 1e-7), on a seeded network and one
    drawn at call time. With the learner's own gated_forward and gated_backward it then runs the learner's
    check on them and says whether their backward pass is verified.
    """
    name = "gated_gradcheck"
    if fn is None or fn is Ellipsis:
        return _not_attempted(name)
    fresh = fresh_rng()
    cases = [_well_conditioned(np.random.default_rng(59), lambda rng: (4, 3, 5, 2)),
             _well_conditioned(fresh, lambda rng: (int(rng.integers(2, 7)), *random_sizes(rng, 3, 1, 6, False)))]
    for i, (params, X, T) in enumerate(cases):
        swapped = i == 0  # the mirror network σ ⊙ tanh: a check must differentiate the forward it is handed
        right = _variant_backward(swapped)(*_copied((params, X, T)))
        for what, bug, wrong_keys in _planted_backwards():
            planted = _variant_backward(swapped, bug)
            handed = []  # the params dict the learner hands to backward (its copy): is it put back afterwards?

            def backward(p, X_, T_, planted=planted, handed=handed):
                handed.append(p)
                return planted(p, X_, T_)

            args = (_variant_forward(swapped), backward, params, X, T)
            got, verdict = call_learner(name, fn, args, slow=2.0)
            if verdict is not None:
                return verdict
            report, verdict = _read_report(name, got)
            if verdict is not None:
                return verdict
            where = f"{name} (network {i + 1}) handed a backward pass with {what}"
            moved = _not_restored(handed, params)
            fine = [k for k in GATED_KEYS if k not in wrong_keys]
            bad_fine = [k for k in fine if not report[k] < _GOOD]
            if bad_fine or moved:
                if moved:
                    return Result(FAIL, f"{where}: after your check, {moved} no longer holds the values it was "
                                        "handed: each perturbed entry must be put back exactly (x[i] = old) before "
                                        "the next one is perturbed, or every later difference is taken at a moved "
                                        "point")
                step = _step_diagnosis(report, bad_fine, fine, _variant_forward(swapped), right, params, X, T)
                if not step and _mirror_match(report, fine, swapped, right, params, X, T):
                    step = "mirror"
                return Result(FAIL, _why_right_flagged(where, report, bad_fine, fine, swapped, T.size, step))
            truth = _copied(right)
            for k in wrong_keys:
                expected = rel_error(planted(*_copied((params, X, T)))[k], truth[k])
                if not report[k] > _BAD:
                    return Result(FAIL, f"{name} (network {i + 1}) missed a planted bug: handed a backward pass with "
                                        f"{what}, it reports {k}'s relative error as {report[k]:.1g}; a check "
                                        f"must show more than {_BAD:g} there")
                if abs(report[k] - expected) > 0.05 * expected:
                    which = _which_error(report[k], planted(*_copied((params, X, T)))[k], truth[k])
                    return Result(FAIL, f"{where}: it reports {k}'s relative error as {report[k]:.3g}, but Eq. (2.6) "
                                        f"gives {expected:.3g} for that planted bug (the checker knows the right "
                                        f"gradient){which}")
    verdict_text = ("your gradient check passes the right gradients (< 1e-7) and catches all three planted bugs "
                    "(> 1e-3)")
    if forward_fn is None and backward_fn is None:
        return Result(PASS, verdict_text)
    if forward_fn is None or backward_fn is None:
        return Result(NOT_ATTEMPTED, verdict_text + "; gated_forward/gated_backward (exercise 5.5) are not "
                                                    "written yet, so there is nothing of yours to verify")
    for label, given in (("gated_forward", forward_fn), ("gated_backward", backward_fn)):
        if not callable(given):
            return Result(FAIL, verdict_text + f"; {label} should be a function (exercise 5.5), got "
                                               f"{_type_name(given)}")
    params, X, T = _gated_cases(np.random.default_rng(60), [(6, 3, 4, 2)])[0]
    got, verdict = call_learner(name, fn, (forward_fn, backward_fn, params, X, T), slow=2.0)
    if verdict is not None:
        if verdict.status == NOT_ATTEMPTED:
            return Result(NOT_ATTEMPTED, verdict_text + "; finish exercise 5.5 to verify your own gated network")
        return Result(FAIL, verdict_text + f"; run on your gated network: {verdict.message}")
    report, verdict = _read_report(name, got)
    if verdict is not None:
        return verdict
    bad = [k for k in GATED_KEYS if not report[k] < _GOOD]
    if bad:
        return Result(FAIL, verdict_text + f"; on YOUR gated_backward it reports errors ≥ {_GOOD:g} for "
                                           f"{', '.join(bad)}: fix those gradients (exercise 5.5)")
    return Result(PASS, verdict_text + "; on your gated_forward/gated_backward every relative error is below 1e-7: "
                                       "your backward pass is verified by your own check")


HINTS = {
    "residual_backward": [
        "X reaches Y along two paths: directly (the skip, Y = X + …) and through Z = XW + b. Which rule of notebook 02 "
        "says what to do with two paths?",
        "Δ = G ⊙ tanh′(Z) by (5.1); dW and db follow from Δ by (5.2), (5.3). For dX add the two paths (Eq. 2.2): the "
        "skip hands G to X unchanged, the layer gives ΔWᵀ by (5.4).",
    ],
    "shared_weight_grad": [
        "W is used D times. Give each use its own name W⁽¹⁾ … W⁽ᴰ⁾, all equal to W: what is each ∇W⁽ˡ⁾, and how do "
        "they combine (notebook 04, exercise 4.4)?",
        "Run the recursion (5.5) from Δ_D = (Ŷ − T) ⊙ (1 − A_D²) down to Δ_1, always through Wᵀ, and add up "
        "A_{l−1}ᵀ Δ_l over all layers l = 1 … D.",
    ],
    "input_gradient": [
        "X enters the network like an activation A_0, but no function f is applied to it. Where does the recursion "
        "(5.5) stop, and does the last step have an f′?",
        "∂L/∂Ŷ = Ŷ − T for ½Σ(Ŷ − T)²; through each tanh layer multiply by 1 − A_l² (from the forward pass), then by "
        "W_lᵀ (5.4). The last product, Δ_1 W_1ᵀ, is already ∂L/∂X: no f′ after it.",
    ],
    "rank_prediction": [
        "∇W = A_prevᵀ Δ = Σ_r a_r δ_rᵀ (Eq. 2.7): a sum of B outer products. What is the rank of one outer product?",
        "One outer product has rank 1; a sum of B of them has rank at most B; and no matrix of shape "
        "n_in × n_out has rank above min(n_in, n_out). That bound is what the checker measures: with inputs, weights "
        "and ∂L/∂Ŷ drawn at random through tanh, it is reached with probability 1 (dead ReLU units or repeated "
        "samples can lower it).",
    ],
    "gated_backward": [
        "Name the intermediates: U = XW1 + b1, P = tanh(U), V = XW2 + b2, S = σ(V), H = P ⊙ S. The output layer is a "
        "Linear layer as in (5.2)–(5.4); the product H = P ⊙ S is the only new step: what is ∂H/∂P entry by entry?",
        "G_Ŷ = 2(Ŷ − T)/(B·n_out); G_H = G_Ŷ W3ᵀ. An entry-wise product hands each factor the other one: "
        "∂L/∂P = G_H ⊙ S and ∂L/∂S = G_H ⊙ P. Then (5.1) for each branch: Δ1 = G_H ⊙ S ⊙ (1 − P²), "
        "Δ2 = G_H ⊙ P ⊙ S(1 − S), and (5.2), (5.3) with X as the input of both.",
    ],
    "gated_gradcheck": [
        "Use only the `forward` you are handed: the loss is mean((forward(params, X) − T)²). Perturb one entry of one "
        "parameter at a time, both ways, and put it back.",
        "For each key and each entry i: L(θ + h e_i) − L(θ − h e_i) over 2h (Eq. 2.5, h = 1e-5), the entry restored "
        "exactly afterwards; then compare the array with backward(params, X, T)[key] by Eq. (2.6), "
        "‖a − b‖ / (‖a‖ + ‖b‖).",
    ],
}


guard_checkers(globals())
