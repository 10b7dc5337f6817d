"""Checkers for notebook 09 · Graph networks (Eq. 9.1–9.4, the topological order, source S3's MSE).

Each checker runs the learner's function on seeded random cases and compares it with course_lib:
`course_lib.graph.Graph` (forward for Eq. 9.1, backward for Eq. 9.2), the validity rule of a topological
order (every connection points forward; `Graph.topological_order` is one such order), and central finite
differences (Eq. 2.5) of S3's printed loss from `course_lib.sources`. Inputs are copied before every call.
"""

from __future__ import annotations

import itertools

import numpy as np

from ..gradcheck import numerical_grad
from ..graph import Graph
from ..losses import MSELoss
from ..sources import s3_mse
from .checking import (
    FAIL,
    NOT_ATTEMPTED,
    PASS,
    Result,
    _copied,
    _first_line,
    _not_attempted,
    _short,
    _type_name,
    call_learner,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
    random_sizes,
    run_limited,
)

# Checkers of exercises a course update replaced. No notebook calls them; they stay so that a learner's copy
# made before the update still runs (its cell calls them). tests/exercises/test_checkers.py keeps this list
# exact: every checker is called by its notebook or listed here.
RETIRED = ('check_consumer_sum', 'check_node_forward', 'check_s3_mse_grad')


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
    def make(rng, settings):
        cases = []
        for B, sizes, n_v in settings:
            As = [rng.normal(size=(B, n)) for n in sizes]
            Ws = [rng.normal(size=(n, n_v)) for n in sizes]
            cases.append((As, Ws, rng.normal(size=n_v)))
        return cases

    cases = make(np.random.default_rng(901), ((4, [3], 2), (5, [2, 3], 4), (1, [1, 4, 2], 3)))
    fresh = fresh_rng()
    B, n_v, *sizes = random_sizes(fresh, int(fresh.integers(3, 6)), 1, 9)
    extra = make(fresh, [(B, sizes, n_v)])

    def reference(As, Ws, b):
        g = _fan_in_graph([A.shape[1] for A in As], b.size)
        for k, W in enumerate(Ws):
            g.edges[(f"u{k}", "v")].W[...] = W
        g.nodes["v"].b[...] = b
        return g.forward({f"u{k}": A for k, A in enumerate(As)})["v"]

    return check_function("node_forward", fn, reference, cases, "Eq. (9.1)", random_cases=extra)


def check_consumer_sum(fn) -> Result:
    """fn(Deltas, Ws) -> G_u = ∂L/∂A_u for a node u with consumers v_1…v_k, Eq. (9.2).

    Deltas[k]: (B, n_k) = Δ of consumer v_k, Ws[k]: (n_u, n_k) the weights on u → v_k.
    G_u = Σ_k Deltas[k] Ws[k]ᵀ : (B, n_u). Reference: course_lib.graph.Graph.backward on a graph whose input
    u feeds k identity outputs with MSELoss("sum"), targets chosen so that each output's Δ is Deltas[k]; the
    returned ∂L/∂X_u is G_u.
    """
    def make(rng, settings):
        return [([rng.normal(size=(B, n)) for n in sizes], [rng.normal(size=(n_u, n)) for n in sizes])
                for B, n_u, sizes in settings]

    cases = make(np.random.default_rng(902), ((4, 3, [2]), (5, 2, [3, 1]), (2, 4, [2, 2, 3])))
    fresh = fresh_rng()
    B, n_u, *sizes = random_sizes(fresh, int(fresh.integers(3, 6)), 1, 9)
    extra = make(fresh, [(B, n_u, sizes)])

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

    return check_function("consumer_sum", fn, reference, cases, "Eq. (9.2)", random_cases=extra)


_DAGS = [
    # (layer names in a shuffled order, connections (u, v))
    (["y", "h", "bias_input", "x"], [("x", "h"), ("h", "y"), ("x", "y")]),  # bias_input: no connection at all
    (["d", "b", "c", "a"], [("a", "b"), ("a", "c"), ("b", "d"), ("c", "d")]),
    (
        ["c", "y", "h2", "x", "h1"],
        [("x", "h1"), ("h1", "h2"), ("h2", "y"), ("x", "y"), ("h2", "c")],
    ),
    (["y", "x2", "z", "x1", "h"], [("x1", "h"), ("x2", "h"), ("h", "z"), ("x2", "z"), ("z", "y"), ("h", "y")]),
    # connections listed against the order (a chain given from its end): one pass over the list in its order does
    # not see that a layer's parent has moved on
    (["c", "b", "a"], [("b", "c"), ("a", "b")]),
    (["e", "d", "c", "b", "a"], [("d", "e"), ("b", "c"), ("c", "d"), ("a", "c"), ("a", "b")]),
]


def _random_dag(rng):
    """A DAG drawn at call time: 4 to 8 layers, random connections that point forward in a hidden order,
    names shuffled; some layers may have no connection at all."""
    n = int(rng.integers(4, 9))
    hidden_order = [f"L{k}" for k in rng.permutation(n)]
    edges = [(hidden_order[i], hidden_order[j]) for i in range(n) for j in range(i + 1, n) if rng.random() < 0.35]
    edges = [edges[k] for k in rng.permutation(len(edges))]
    return [hidden_order[k] for k in rng.permutation(n)], edges


def _read_at_most(iterable, n):
    return list(itertools.islice(iter(iterable), n))


def check_topological_order(fn) -> Result:
    """fn(names, edges) -> a list holding every name once, each connection (u, v) with u before v.

    names: layer names in an arbitrary order; edges: (u, v) pairs forming an acyclic graph (every graph the
    checker gives has no cycle; what an answer does on a cycle is not checked). Several orders are right; the checker
    tests the rule itself on six graphs (a skip connection beside a layer with no connection, a diamond,
    two outputs, two inputs, two chains whose connections are listed against the order) and one drawn at call
    time, and names the connection your order breaks (never a
    right order: that would be the answer). The names in the answer must be the given strings.
    """
    if fn is None:
        return _not_attempted("topological_order")
    for i, (names, edges) in enumerate(_DAGS + [_random_dag(fresh_rng())]):
        got, verdict = call_learner("topological_order", fn, (list(names), list(edges)))
        if verdict is not None:
            return verdict
        if isinstance(got, (str, bytes, dict)) or not hasattr(got, "__iter__"):
            return Result(FAIL, f"topological_order should return a list of layer names, got {_type_name(got)}")
        try:  # at most one name more than needed: an endless generator must not hang the checker
            got = run_limited(_read_at_most, (got, len(names) + 1))
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - an iterable that raises
            return Result(FAIL, f"topological_order's result could not be read as a list: {_type_name(exc)}: "
                                f"{_first_line(exc)}")
        if not all(type(n) is str for n in got):
            return Result(FAIL, f"case {i + 1}: your order {_short(got)} should hold the layer names (strings) "
                                f"{sorted(names)}")
        if sorted(got) != sorted(names):
            dropped = sorted(set(names) - set(got))
            why = (f" ({', '.join(map(repr, dropped))} missing: a layer with no connection belongs in the order "
                   "too)" if dropped else "")
            return Result(FAIL, f"case {i + 1}: your order {_short(got)} should hold each of {sorted(names)} exactly "
                                f"once{why}")
        pos = {n: k for k, n in enumerate(got)}
        for u, v in edges:
            if pos[u] > pos[v]:
                return Result(FAIL, f"case {i + 1}: in your order {_short(got)} layer {v!r} comes before its parent "
                                    f"{u!r}: a layer may be placed only once all its parents are")
    return Result(PASS, f"topological_order puts every connection forward on {len(_DAGS)} graphs")


def check_s3_mse_grad(fn) -> Result:
    """fn(y, t) -> ∂L/∂y for source S3's loss as printed, L = Σ ((y − t)/2)², element-wise in y's shape.

    Reference: central finite differences, Eq. (2.5), of course_lib.sources.s3_mse summed over the batch.
    """
    rng = np.random.default_rng(903)
    cases = [(rng.normal(size=shape), rng.normal(size=shape)) for shape in ((5, 1), (3, 2), (1, 4))]
    fresh = fresh_rng()
    shape = tuple(random_sizes(fresh, 2, 2, 8))
    extra = [(fresh.normal(size=shape), fresh.normal(size=shape))]

    def reference(y, t):
        y = y.copy()
        return numerical_grad(lambda: float(np.sum(s3_mse(y, t))), y)

    return check_function("s3_mse_grad", fn, reference, cases, "the derivative of ((y − t)/2)²", tol=1e-6,
                          random_cases=extra)


# ---------------------------------------------------------------------------------------------------
# Transfer exercises: one weight matrix on two edges; a layer fed by a concatenation
# ---------------------------------------------------------------------------------------------------


def _tied_loss(X, W, T) -> float:
    """L = ½ Σ (Ŷ − T)² for A₁ = tanh(XW), Ŷ = tanh(A₁W): one square W used on two edges, no biases."""
    A1 = np.tanh(X @ W)
    return float(0.5 * np.sum((np.tanh(A1 @ W) - T) ** 2))


def check_tied_weights_grad(fn) -> Result:
    """fn(X, W, T) -> ∇W for A₁ = tanh(XW), Ŷ = tanh(A₁W), L = ½Σ(ŷ − t)²; X, T (B, n), W (n, n).

    The same W sits on two edges, so ∇W is the SUM of the two edges' Eq. (9.3) gradients,
    Xᵀ Δ₁ + A₁ᵀ Δ₂. Reference: central finite differences, Eq. (2.5), of the loss with respect to W itself
    (not course_lib, whose Graph gives every edge its own matrix).
    """
    def make(rng, sizes):
        return [(rng.normal(size=(B, n)), rng.normal(scale=0.8, size=(n, n)), rng.normal(size=(B, n)))
                for B, n in sizes]

    cases = make(np.random.default_rng(904), ((5, 3), (2, 4), (7, 2)))
    fresh = fresh_rng()
    extra = make(fresh, [random_sizes(fresh, 2, 1, 7)])

    def reference(X, W, T):
        return numerical_grad(lambda: _tied_loss(X, W, T), W)

    res = check_function("∇W (shared by two edges)", fn, reference, cases,
                         "Eq. (9.3) summed over both uses of W", tol=1e-6, random_cases=extra)
    if res.passed or res.status != FAIL:
        return res
    for i, args in enumerate(cases):  # one road only? name the use of W that is missing
        got, verdict = call_learner("∇W (shared by two edges)", fn, args)
        if verdict is not None:
            return res
        try:
            got = np.asarray(got)
            if np.iscomplexobj(got):  # already told by check_function; casting would only warn
                return res
            got = got.astype(np.float64)
        except (TypeError, ValueError):
            return res
        first, second = _tied_edge_grads(*_copied(args))
        for alone, missing in ((first, "the second use, A₁ → Ŷ (its term A₁ᵀΔ₂)"),
                               (second, "the first use, X → A₁ (its term XᵀΔ₁)")):
            if got.shape == alone.shape and np.allclose(got, alone, rtol=1e-6, atol=1e-9):
                return Result(FAIL, f"∇W (shared by two edges) (case {i + 1}): you give the gradient of one use of W "
                                    f"only; {missing} is missing: W sits on two edges, so ∇W is Eq. (9.3) "
                                    "summed over both uses of W")
        if not np.allclose(got, reference(*_copied(args)), rtol=1e-6, atol=1e-9):
            break
    return res


def _tied_edge_grads(X, W, T):
    """The two edges' Eq. (9.3) terms of ∇W for A₁ = tanh(XW), Ŷ = tanh(A₁W), L = ½Σ(Ŷ − T)²: (XᵀΔ₁, A₁ᵀΔ₂)."""
    A1 = np.tanh(X @ W)
    Y = np.tanh(A1 @ W)
    D2 = (Y - T) * (1.0 - Y**2)
    D1 = (D2 @ W.T) * (1.0 - A1**2)
    return X.T @ D1, A1.T @ D2


def check_concat_grads(fn) -> Result:
    """fn(Delta_v, W, n_a) -> (G_a, G_b) for Z_v = [A_a, A_b] W + 1bᵀ, a layer fed by a concatenation.

    Delta_v (B, n_v), W (n_a + n_b, n_v). The concatenation is two edges a → v, b → v whose matrices are
    W's top n_a rows and its other rows, so Eq. (9.2) gives G_a = Δ_v W[:n_a]ᵀ and G_b = Δ_v W[n_a:]ᵀ.
    Reference: course_lib.graph.Graph with inputs a, b and an identity output v (MSELoss("sum"), targets
    chosen so that v's Δ is Delta_v); the ∂L/∂X it returns for each input.
    """
    if fn is None:
        return Result(NOT_ATTEMPTED, "concat_grads is still empty; write your code in the marked cell")
    def make(rng, sizes):
        return [(rng.normal(size=(B, n_v)), rng.normal(size=(n_a + n_b, n_v)), n_a) for B, n_a, n_b, n_v in sizes]

    # the last case has a square W (n_a + n_b = n_v = 3): Δ_v W and Δ_v Wᵀ have the same shape there
    cases = make(np.random.default_rng(905), ((4, 2, 3, 2), (3, 1, 1, 4), (5, 3, 2, 3), (4, 1, 2, 3)))
    fresh = fresh_rng()
    extra = make(fresh, [random_sizes(fresh, 4, 1, 8)])

    def reference(Delta, W, n_a):
        g = Graph(seed=0)
        g.add_input("a", n_a)
        g.add_input("b", W.shape[0] - n_a)
        g.add_output("v", W.shape[1], activation="identity", loss=MSELoss("sum"))
        g.connect("a", "v").W[...] = W[:n_a]
        g.connect("b", "v").W[...] = W[n_a:]
        r = np.random.default_rng(0)
        B = Delta.shape[0]
        Y = g.forward({"a": r.normal(size=(B, n_a)), "b": r.normal(size=(B, W.shape[0] - n_a))})["v"]
        return g.backward({"v": Y - Delta / 2})  # MSELoss("sum").grad = 2(Y − T) = Delta

    def part(k, name):
        def learner(*args):
            got = fn(*args)
            if got is None:
                return None
            if not isinstance(got, (tuple, list)) or len(got) != 2:
                raise TypeError(f"concat_grads should return a pair (G_a, G_b), got {_type_name(got)}")
            return got[k]

        return check_function(name, learner, lambda *args: reference(*args)[name[-1]], cases, "Eq. (9.2)",
                              random_cases=extra)

    for k, name in enumerate(("G_a", "G_b")):
        res = part(k, name)
        if not res.passed:
            return res
    return Result(PASS, f"(G_a, G_b) agree with Eq. (9.2) on {len(cases)} test cases (rel. error < 1e-08)")


# --- The ladder: predict ∂L/∂x on a small graph by adding its roads (Eq. 9.2) ---------------------

ROADS_X, ROADS_T = 1.0, 0.0
ROADS_WEIGHTS = {("x", "a"): 2.0, ("x", "b"): 3.0, ("a", "y"): 5.0, ("b", "y"): -1.0, ("x", "y"): 0.5}
ROADS_BIASES = {"a": -3.0, "b": 1.0, "y": 0.0}
"""Exercise 9.1's graph: x → a (relu), x → b (identity), a → y, b → y and the skip x → y; y is an identity output
with MSELoss(); one sample x = 1, target t = 0. Every layer has one unit."""


def roads_graph() -> Graph:
    """Exercise 9.1's graph as a course_lib Graph, with ROADS_WEIGHTS and ROADS_BIASES."""
    g = Graph(seed=0)
    g.add_input("x", 1)
    g.add_hidden("a", 1, activation="relu")
    g.add_hidden("b", 1, activation="identity")
    g.add_output("y", 1, activation="identity", loss="mse")
    for (src, dst), w in ROADS_WEIGHTS.items():
        g.connect(src, dst)
        g.edges[src, dst].W[:] = w
    for name, bias in ROADS_BIASES.items():
        g.nodes[name].b[:] = bias
    return g


def _roads_grad(weights=None) -> float:
    g = roads_graph()
    for key, w in (weights or {}).items():
        g.edges[key].W[:] = w
    g.forward({"x": np.array([[ROADS_X]])})
    return float(g.backward({"y": np.array([[ROADS_T]])})["x"][0, 0])


def check_roads_prediction(value) -> Result:
    """value: your prediction of ∂L/∂x for exercise 9.1's graph, computed by hand before the next cell measures it.
    Reference: course_lib.graph.Graph.backward on that graph (the next cell also checks it by finite differences).
    """
    name = "dL_dx"
    if value is None or value is Ellipsis:
        return _not_attempted(name)
    number = exact_number(value)
    if number is None or not np.isfinite(number):
        return Result(FAIL, f"{name} should be a number, got {_short(value)}")
    expected = _roads_grad()
    if abs(number - expected) <= 1e-9 * abs(expected):
        return Result(PASS, f"{name}: your prediction is the gradient Graph.backward computes (Eq. 9.2 summed over "
                            "every road from x to y)")
    y = -3.5  # ŷ for x = 1 (checked in the tests)
    dy_dx = expected / (2 * (y - ROADS_T))
    known = {
        _roads_grad({("x", "y"): 0.0}): "the skip connection x → y is a road too: Eq. (9.2) adds every arrow "
                                         "leaving x",
        2 * (y - ROADS_T) * (dy_dx + 5.0 * 2.0): "the road through a carries relu'(z_a): is unit a active at x = 1?",
        (y - ROADS_T) * dy_dx: "1/2 × the right answer: MSELoss() is the mean of (ŷ − t)², without ½",
        2 * (y - ROADS_T) * (-3.0): "only the road through b: the skip connection x → y also reaches y",
        -expected: "a sign error: ∂L/∂ŷ = 2(ŷ − t)",
        dy_dx: "that is ∂ŷ/∂x; the loss adds the factor ∂L/∂ŷ = 2(ŷ − t)",
    }
    for k, why in known.items():
        if abs(number - k) <= 1e-9 * max(1.0, abs(k)):
            return Result(FAIL, f"{name}: not {number:g}: {why}")
    return Result(FAIL, f"{name}: not {number:g}. Compute the forward pass first (which units are active?), then "
                        "add the contribution of every road from x to y")


HINTS = {
    "roads_prediction": [
        "Do the forward pass first, with numbers: z_a, a, b, then ŷ and L. Which roads lead from x to ŷ, and does "
        "each of them let a change of x through?",
        "Three roads: x → a → y, x → b → y and the skip x → y. ∂ŷ/∂x is the sum of the products of the weights "
        "(and activation slopes) along each road; relu' is 0 where z_a < 0. Then multiply by ∂L/∂ŷ = 2(ŷ − t) "
        "(MSELoss with B = n_out = 1).",
    ],
    "tied_weights_grad": [
        "Pretend the two uses of W are different matrices W_a (X → A_1) and W_b (A_1 → Ŷ). Find ∇W_a and ∇W_b with "
        "Eq. (9.3), then ask how L changes when both move together.",
        "Δ_2 = (Ŷ − T) ⊙ (1 − Ŷ²) (the ½ cancels the 2), Δ_1 = (Δ_2 Wᵀ) ⊙ (1 − A_1²) by Eq. (9.2) and (5.1); "
        "∇W_a = XᵀΔ_1, ∇W_b = A_1ᵀΔ_2, and a shared matrix gets their sum (not the average).",
    ],
    "concat_grads": [
        "[A_a, A_b] W is the same as A_a W_top + A_b W_bottom, with W split by rows: which two edges of Eq. (9.1) "
        "is that?",
        "Two edges u → v with W_av = W[:n_a] and W_bv = W[n_a:]; Eq. (9.2) gives each parent G = Δ_v W_uvᵀ.",
    ],
    "topological_order": [
        "A layer may be placed once all its parents are placed. Which layers can go first? (Don't forget a "
        "layer with no connections at all.)",
        "Kahn's algorithm: count each layer's incoming connections; repeatedly take a layer whose count is 0, "
        "append it, and lower the count of each layer it feeds. Every name must appear exactly once.",
    ],
}
"""Hints in tiers for each exercise of notebook 09: a nudge, then the key step (the solution is the third tier)."""


guard_checkers(globals())
