"""Checkers for notebook 05 · Backprop through a deep network (Eq. 5.1–5.6).

Each checker compares the learner's function with course_lib on seeded random cases: `Linear.backward`
for one layer, `MLP.backward` for a whole network (and, with input_grad=True, its ∂L/∂X for the saliency
exercise), and `MLP.backward` read through `course_lib.convention` for the column convention of S4 (that
exercise now lives in notebook 11's territory; the checker stays for compatibility). The rank exercise is
checked against a measurement: `np.linalg.matrix_rank` of a real network's dW.
"""

from __future__ import annotations

import numpy as np

from ..convention import column_to_row, row_to_column
from ..layers import Linear
from ..network import MLP
from . import (
    FAIL,
    PASS,
    Result,
    _not_attempted,
    _short,
    _type_name,
    call_learner,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
    random_sizes,
)


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
    no biases, L = ½ Σ (o_L − T_col)². Ws_col[l] is (n_{l+1}, n_l); each ∇W_l has W_l's shape.
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
                          common="the output's g = (o_L − t) ⊙ σ'(a_L), Eq. (5.6)", random_cases=extra)


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


_RANK_SIZES = [(1, 6, 4), (2, 6, 4), (3, 5, 5), (8, 6, 4), (1, 3, 7), (5, 3, 7)]


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
    `np.linalg.matrix_rank` of the layer's dW; your formula must give the measured rank for all six sizes
    (batch sizes 1 to 8, both B below and above the layer's widths) and for one size drawn at call time.
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
    return Result(PASS, f"your formula predicts the measured rank of ∇W for all {len(_RANK_SIZES)} sizes")


guard_checkers(globals())
