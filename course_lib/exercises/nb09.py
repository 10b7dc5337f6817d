"""Checkers for notebook 09 · Graph networks (Eq. 9.1–9.4, the topological order, source S3's MSE).

Each checker runs the learner's function on seeded random cases and compares it with course_lib:
`course_lib.graph.Graph` (forward for Eq. 9.1, backward for Eq. 9.2), the validity rule of a topological
order (every connection points forward; `Graph.topological_order` is one such order), and central finite
differences (Eq. 2.3) of S3's printed loss from `course_lib.sources`. Inputs are copied before every call.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import numerical_grad
from ..graph import Graph
from ..losses import MSELoss
from ..sources import s3_mse
from . import FAIL, PASS, Result, _not_attempted, call_learner, check_function


def _fan_in_graph(As_sizes, n_v):
    """Inputs u0, u1, … (one per parent) all connected to one identity output "v"."""
    g = Graph(seed=0)
    for k, n_u in enumerate(As_sizes):
        g.add_input(f"u{k}", n_u)
    g.add_output("v", n_v, activation="identity", loss="mse")
    for k in range(len(As_sizes)):
        g.connect(f"u{k}", "v")
    return g


def check_node_forward(fn) -> Result:
    """fn(As, Ws, b) -> Z_v, the pre-activation of a node with parents u_1…u_k, Eq. (9.1).

    As[k]: (B, n_k) the parents' outputs, Ws[k]: (n_k, n_v) the weights on u_k → v, b: (n_v,).
    Z_v = Σ_k As[k] Ws[k] + 1 bᵀ : (B, n_v). Reference: course_lib.graph.Graph.forward on a graph whose
    inputs u_k all feed one output v with the identity activation (so its output is Z_v).
    """
    rng = np.random.default_rng(901)
    cases = []
    for B, sizes, n_v in ((4, [3], 2), (5, [2, 3], 4), (1, [1, 4, 2], 3)):
        As = [rng.normal(size=(B, n)) for n in sizes]
        Ws = [rng.normal(size=(n, n_v)) for n in sizes]
        cases.append((As, Ws, rng.normal(size=n_v)))

    def reference(As, Ws, b):
        g = _fan_in_graph([A.shape[1] for A in As], b.size)
        for k, W in enumerate(Ws):
            g.edges[(f"u{k}", "v")].W[...] = W
        g.nodes["v"].b[...] = b
        return g.forward({f"u{k}": A for k, A in enumerate(As)})["v"]

    return check_function("node_forward", fn, reference, cases, "Eq. (9.1)")


def check_consumer_sum(fn) -> Result:
    """fn(Deltas, Ws) -> G_u = ∂L/∂A_u for a node u with consumers v_1…v_k, Eq. (9.2).

    Deltas[k]: (B, n_k) = Δ of consumer v_k, Ws[k]: (n_u, n_k) the weights on u → v_k.
    G_u = Σ_k Deltas[k] Ws[k]ᵀ : (B, n_u). Reference: course_lib.graph.Graph.backward on a graph whose input
    u feeds k identity outputs with MSELoss("sum"), targets chosen so that each output's Δ is Deltas[k]; the
    returned ∂L/∂X_u is G_u.
    """
    rng = np.random.default_rng(902)
    cases = []
    for B, n_u, sizes in ((4, 3, [2]), (5, 2, [3, 1]), (2, 4, [2, 2, 3])):
        cases.append(([rng.normal(size=(B, n)) for n in sizes], [rng.normal(size=(n_u, n)) for n in sizes]))

    def reference(Deltas, Ws):
        g = Graph(seed=0)
        n_u, B = Ws[0].shape[0], Deltas[0].shape[0]
        g.add_input("u", n_u)
        for k, D in enumerate(Deltas):
            g.add_output(f"v{k}", D.shape[1], activation="identity", loss=MSELoss("sum"))
            g.connect("u", f"v{k}").W[...] = Ws[k]
        Y = g.forward({"u": np.random.default_rng(0).normal(size=(B, n_u))})
        # MSELoss("sum").grad = 2(Y − T), so T = Y − Δ/2 makes each output's Δ equal to Deltas[k]
        return g.backward({f"v{k}": Y[f"v{k}"] - D / 2 for k, D in enumerate(Deltas)})["u"]

    return check_function("consumer_sum", fn, reference, cases, "Eq. (9.2)")


_DAGS = [
    # (layer names in a shuffled order, connections (u, v))
    (["y", "h", "x"], [("x", "h"), ("h", "y"), ("x", "y")]),
    (["d", "b", "c", "a"], [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]),
    (
        ["c", "y", "h2", "x", "h1"],
        [("x", "h1"), ("h1", "h2"), ("h2", "y"), ("x", "y"), ("h2", "c")],
    ),
    (["y", "x2", "z", "x1", "h"], [("x1", "h"), ("x2", "h"), ("h", "z"), ("x2", "z"), ("z", "y"), ("h", "y")]),
]


def check_topological_order(fn) -> Result:
    """fn(names, edges) -> a list holding every name once, each connection (u, v) with u before v.

    names: layer names in an arbitrary order; edges: (u, v) pairs. Several orders are right; the checker
    tests the rule itself on four graphs (a skip connection, a diamond, two outputs, two inputs) and
    shows `Graph.topological_order()`'s answer when yours breaks it.
    """
    if fn is None:
        return _not_attempted("topological_order")
    for i, (names, edges) in enumerate(_DAGS):
        got, verdict = call_learner("topological_order", fn, (list(names), list(edges)))
        if verdict is not None:
            return verdict
        if isinstance(got, (str, bytes, dict)) or not hasattr(got, "__iter__"):
            return Result(FAIL, f"topological_order should return a list of layer names, got {type(got).__name__}")
        try:
            got = list(got)
        except Exception as exc:  # an iterable that raises
            return Result(FAIL, f"topological_order's result could not be read as a list: {exc}")
        g = Graph(seed=0)
        for name in names:
            if all(v != name for _, v in edges):
                g.add_input(name, 1)
            elif all(u != name for u, _ in edges):
                g.add_output(name, 1)
            else:
                g.add_hidden(name, 1)
        for u, v in edges:
            g.connect(u, v)
        one_answer = g.topological_order()
        if sorted(map(repr, got)) != sorted(map(repr, names)):
            return Result(FAIL, f"case {i + 1}: your order {got} should hold each of {sorted(names)} exactly once "
                                f"(one right answer: {one_answer})")
        pos = {n: k for k, n in enumerate(got)}
        for u, v in edges:
            if pos[u] > pos[v]:
                return Result(FAIL, f"case {i + 1}: in your order {got} layer {v!r} comes before its parent {u!r} "
                                    f"(one right answer: {one_answer})")
    return Result(PASS, f"topological_order puts every connection forward on {len(_DAGS)} graphs")


def check_s3_mse_grad(fn) -> Result:
    """fn(y, t) -> ∂L/∂y for source S3's loss as printed, L = Σ ((y − t)/2)², element-wise in y's shape.

    Reference: central finite differences, Eq. (2.3), of course_lib.sources.s3_mse summed over the batch.
    """
    rng = np.random.default_rng(903)
    cases = [(rng.normal(size=shape), rng.normal(size=shape)) for shape in ((5, 1), (3, 2), (1, 4))]

    def reference(y, t):
        y = y.copy()
        return numerical_grad(lambda: float(np.sum(s3_mse(y, t))), y)

    return check_function("s3_mse_grad", fn, reference, cases, "the derivative of ((y − t)/2)²", tol=1e-6)
