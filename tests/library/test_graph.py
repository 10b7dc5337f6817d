"""course_lib.graph.Graph: gradients, equivalence with MLP, every error message, config and save/load.

Gradients: central finite differences (h = 1e-6, float64) on seeded random DAGs — skip connections,
one or two inputs, one or two outputs (outputs may feed other outputs), every activation, both losses with
both reductions — max relative error (Eq. 2.6) <= 1e-6. ReLU kinks are handled as in test_gradients.py:
`graph.kink_pattern` lets check_gradients detect any entry whose ±h step flips a unit, and the test redraws
the inputs until no entry does, so every entry is compared and the tolerance is never loosened.
The independent oracle is autograd, evaluating the same graph from its config and weights.
"""

from __future__ import annotations

import json

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad as ag_grad
from autograd_oracle import AG_ACT, ag_loss_terms

from course_lib import (
    ACTIVATIONS,
    MLP,
    SGD,
    Adam,
    BCEWithLogitsLoss,
    MSELoss,
    check_gradients,
    numerical_grad,
    rel_error,
)
from course_lib.graph import Graph

ACTS = sorted(ACTIVATIONS)
LOSSES = [("mse", "mean"), ("mse", "sum"), ("bce_with_logits", "mean"), ("bce_with_logits", "sum")]
LOSS_CLASSES = {"mse": MSELoss, "bce_with_logits": BCEWithLogitsLoss}
CASES = list(range(40))


def random_graph(seed):
    """A seeded random DAG with its inputs and targets: (graph, inputs, targets, rng).

    Layers are added inputs → hidden → outputs and only connected from earlier to later ones (so the
    graph is acyclic by construction); each non-input layer gets 1–3 parents, and every layer without a
    consumer is then connected forward, so every layer reaches an output. Activations and losses cycle
    with the seed, so every one of them is covered.
    """
    rng = np.random.default_rng(seed)
    g = Graph(seed=seed)
    n_in, n_hid, n_out = int(rng.integers(1, 3)), int(rng.integers(1, 5)), int(rng.integers(1, 3))
    for i in range(n_in):
        g.add_input(f"x{i}", int(rng.integers(1, 5)))
    for i in range(n_hid):
        g.add_hidden(f"h{i}", int(rng.integers(1, 6)), activation=ACTS[(seed + i) % len(ACTS)])
    for i in range(n_out):
        loss_name, reduction = LOSSES[(seed + i) % len(LOSSES)]
        act = "identity" if loss_name == "bce_with_logits" else ACTS[(seed + 2 * i + 1) % len(ACTS)]
        g.add_output(f"y{i}", int(rng.integers(1, 4)), activation=act, loss=LOSS_CLASSES[loss_name](reduction))
    names = list(g.nodes)
    for pos, name in enumerate(names):
        if pos < n_in:
            continue
        earlier = [n for n in names[:pos]]
        k = int(rng.integers(1, min(3, len(earlier)) + 1))
        for parent in rng.choice(earlier, size=k, replace=False):
            g.connect(str(parent), name)
    for pos in reversed(range(len(names))):
        node = g.nodes[names[pos]]
        if node.kind != "output" and not node.children:
            later = [n for n in names[max(pos + 1, n_in):]]
            g.connect(node.name, str(rng.choice(later)))
    for value, _ in g.parameters():
        if value.ndim == 1:  # non-zero biases, so their gradients are tested away from the all-zero start
            value[:] = rng.normal(0, 0.5, size=value.shape)
    batch = int(rng.integers(1, 7))
    inputs = {n: rng.normal(size=(batch, g.nodes[n].size)) for n in g.inputs}
    targets = {}
    for n in g.outputs:
        shape = (batch, g.nodes[n].size)
        bce = isinstance(g.nodes[n].loss, BCEWithLogitsLoss)
        targets[n] = rng.uniform(size=shape) if bce else rng.normal(size=shape)
    return g, inputs, targets, rng


def graph_loss(g, inputs, targets):
    g.forward(inputs)
    return g.loss(targets)


def test_random_graphs_cover_every_activation_loss_and_shape():
    acts, losses, multi_in, multi_out, skips, fan_in = set(), set(), False, False, False, False
    for seed in CASES:
        g, *_ = random_graph(seed)
        for node in g.nodes.values():
            if node.kind != "input":
                acts.add(node.activation.name)
                fan_in |= len(node.parents) > 1
            if node.kind == "output":
                losses.add((type(node.loss).__name__, node.loss.reduction))
        multi_in |= len(g.inputs) > 1
        multi_out |= len(g.outputs) > 1
        skips |= any(g.nodes[s].kind == "input" and g.nodes[d].kind == "output" for s, d in g.edges)
    assert acts == set(ACTS)
    assert len(losses) == 4
    assert multi_in and multi_out and skips and fan_in


@pytest.mark.parametrize("seed", CASES)
def test_graph_matches_finite_differences(seed):
    g, inputs, targets, rng = random_graph(seed)
    for _attempt in range(30):
        g.forward(inputs)
        g.backward(targets)
        report = check_gradients(
            lambda inputs=inputs: graph_loss(g, inputs, targets),
            g.parameters(),
            g.parameter_names(),
            kink_pattern=g.kink_pattern,
        )
        if report.kinks == 0:
            break
        inputs = {n: rng.normal(size=x.shape) for n, x in inputs.items()}  # a step crossed a kink: redraw
    assert report.kinks == 0, "could not find inputs away from every kink"
    assert report.passed, f"{g}:\n{report}"
    assert report.max_rel_error <= 1e-6


@pytest.mark.parametrize("seed", CASES[:20])
def test_input_gradients_match_finite_differences(seed):
    """backward returns ∂L/∂X_u for every input u (Eq. 9.2 at an input)."""
    g, inputs, targets, _ = random_graph(seed)
    inputs = {n: x.copy() for n, x in inputs.items()}
    g.forward(inputs)
    dX = g.backward(targets)
    assert set(dX) == set(g.inputs)
    for name, X in inputs.items():
        num = numerical_grad(lambda: graph_loss(g, inputs, targets), X)
        assert dX[name].shape == X.shape
        assert rel_error(dX[name], num) <= 1e-6 or np.allclose(dX[name], num, atol=1e-9)


# ---------------------------------------------------------------- autograd as an independent oracle


def ag_graph_loss(config, names, values, inputs, targets):
    """The graph's loss written directly from its config, in autograd.numpy (no course_lib code)."""
    p = dict(zip(names, values, strict=True))
    A = dict(inputs)
    nodes = {n["name"]: n for n in config["nodes"]}
    parents = {n: [e["src"] for e in config["edges"] if e["dst"] == n] for n in nodes}
    total = 0.0
    while len(A) < len(nodes):
        for name, node in nodes.items():
            if name in A or any(u not in A for u in parents[name]):
                continue
            Z = sum(anp.dot(A[u], p[f"W[{u}->{name}]"]) for u in parents[name]) + p[f"b[{name}]"]
            A[name] = AG_ACT[node["activation"]](Z)
            if node["kind"] == "output":
                Y, T = A[name], targets[name]
                ell = ag_loss_terms(node["loss"], Y, T)
                total = total + (anp.sum(ell) / Y.size if node["reduction"] == "mean" else anp.sum(ell))
    return total


@pytest.mark.parametrize("seed", CASES[:20])
def test_graph_matches_autograd(seed):
    g, inputs, targets, _ = random_graph(seed)
    config, names = g.get_config(), g.parameter_names()
    values = [v.copy() for v, _ in g.parameters()]
    expected = ag_grad(lambda vals: ag_graph_loss(config, names, vals, inputs, targets))(values)
    g.forward(inputs)
    g.backward(targets)
    assert graph_loss(g, inputs, targets) == pytest.approx(
        float(ag_graph_loss(config, names, values, inputs, targets)), rel=1e-12
    )
    for name, (_, grad), e in zip(names, g.parameters(), expected, strict=True):
        assert rel_error(grad, e) <= 1e-9 or np.max(np.abs(grad - e)) <= 1e-15, (name, rel_error(grad, e))


# ---------------------------------------------------------------- an MLP is a chain-shaped graph
def graph_from_mlp(mlp, loss="mse"):
    """The chain x → h1 → … → y with the MLP's activations and a copy of its weights and biases."""
    g = Graph(seed=0)
    names = ["x"] + [f"h{i}" for i in range(1, len(mlp.sizes) - 1)] + ["y"]
    g.add_input("x", mlp.sizes[0])
    for name, size, act in zip(names[1:-1], mlp.sizes[1:-1], mlp.activations[:-1], strict=True):
        g.add_hidden(name, size, activation=act)
    g.add_output("y", mlp.sizes[-1], activation=mlp.activations[-1], loss=loss)
    for (src, dst), lin in zip(zip(names[:-1], names[1:], strict=False), mlp.linears, strict=True):
        edge = g.connect(src, dst)
        edge.W[...] = lin.W
        g.nodes[dst].b[...] = lin.b
    return g


@pytest.mark.parametrize("act", ACTS)
@pytest.mark.parametrize("loss_name", ["mse", "bce_with_logits"])
def test_mlp_as_graph_equals_mlp(act, loss_name):
    rng = np.random.default_rng(5)
    out_act = "identity" if loss_name == "bce_with_logits" else act
    mlp = MLP([3, 6, 5, 2], activation=act, output_activation=out_act, seed=2)
    for lin in mlp.linears:
        lin.b[:] = rng.normal(0, 0.3, size=lin.b.shape)
    loss = MSELoss() if loss_name == "mse" else BCEWithLogitsLoss()
    g = graph_from_mlp(mlp, loss=loss_name)
    X = rng.normal(size=(7, 3))
    T = rng.uniform(size=(7, 2))
    Y = mlp.forward(X)
    Yg = g.forward({"x": X})["y"]
    np.testing.assert_array_equal(Y, Yg)  # the same products in the same order: identical bits
    assert g.loss({"y": T}) == loss(Y, T)
    dX = mlp.backward(loss.grad(Y, T), input_grad=True)
    dXg = g.backward({"y": T})["x"]
    assert g.parameter_names() == ["W[x->h1]", "b[h1]", "W[h1->h2]", "b[h2]", "W[h2->y]", "b[y]"]
    named = zip(mlp.parameter_names(), mlp.parameters(), strict=True)
    for (name, (_, gm)), (_, gg) in zip(named, g.parameters(), strict=True):
        assert rel_error(gm, gg) <= 1e-14, name
    assert rel_error(dX, dXg) <= 1e-14


def test_consumers_gradients_are_summed():
    """A layer feeding two consumers gets the sum of what each sends back, Eq. (9.2)."""
    g = Graph(seed=1)
    g.add_input("x", 2)
    g.add_hidden("h", 3, activation="tanh")
    g.add_output("y1", 1)
    g.add_output("y2", 2)
    for s, d in (("x", "h"), ("h", "y1"), ("h", "y2")):
        g.connect(s, d)
    rng = np.random.default_rng(0)
    X, T1, T2 = rng.normal(size=(4, 2)), rng.normal(size=(4, 1)), rng.normal(size=(4, 2))
    out = g.forward({"x": X})
    g.backward({"y1": T1, "y2": T2})
    dW_h = g.edges[("x", "h")].dW.copy()
    A_h = np.tanh(X @ g.edges[("x", "h")].W + g.nodes["h"].b)
    G1 = MSELoss().grad(out["y1"], T1) @ g.edges[("h", "y1")].W.T
    G2 = MSELoss().grad(out["y2"], T2) @ g.edges[("h", "y2")].W.T
    expected = X.T @ ((G1 + G2) * (1 - A_h**2))
    assert rel_error(dW_h, expected) <= 1e-14


# ---------------------------------------------------------------- parameters, optimizers, config
def small_graph(seed=0):
    g = Graph(seed=seed)
    g.add_input("x", 2)
    g.add_hidden("h", 4, activation="relu")
    g.add_output("y", 1)
    for s, d in (("x", "h"), ("h", "y"), ("x", "y")):
        g.connect(s, d)
    rng = np.random.default_rng(3)
    return g, {"x": rng.normal(size=(5, 2))}, {"y": rng.normal(size=(5, 1))}


def test_backward_changes_no_parameter_and_fills_the_same_arrays():
    g, inputs, targets = small_graph()
    before = [v.copy() for v, _ in g.parameters()]
    grad_ids = [id(gr) for _, gr in g.parameters()]
    g.forward(inputs)
    g.backward(targets)
    first = [gr.copy() for _, gr in g.parameters()]
    g.backward(targets)  # again: overwritten, not accumulated
    for (v, gr), v0, g1, i in zip(g.parameters(), before, first, grad_ids, strict=True):
        np.testing.assert_array_equal(v, v0)
        np.testing.assert_array_equal(gr, g1)
        assert id(gr) == i
    assert any(np.any(gr != 0) for _, gr in g.parameters())
    g.zero_grad()
    assert all(not np.any(gr) for _, gr in g.parameters())


def test_sgd_and_adam_train_a_graph():
    g, inputs, targets = small_graph()
    g.forward(inputs)
    g.backward(targets)
    expected = [v - 0.1 * gr for v, gr in g.parameters()]
    SGD(g, lr=0.1).step()
    for (v, _), e in zip(g.parameters(), expected, strict=True):
        np.testing.assert_allclose(v, e, rtol=0, atol=1e-15)
    opt = Adam(g, lr=0.05)
    g.forward(inputs)
    start = g.loss(targets)
    for _ in range(100):
        g.forward(inputs)
        g.backward(targets)
        opt.step()
    g.forward(inputs)
    assert g.loss(targets) < 0.1 * start


def test_loss_is_the_sum_of_the_output_losses():
    g, inputs, targets, _ = random_graph(3)
    out = g.forward(inputs)
    expected = sum(g.nodes[n].loss(out[n], targets[n]) for n in g.outputs)
    assert g.loss(targets) == pytest.approx(expected, rel=1e-15)


def test_topological_order_is_valid_and_deterministic():
    for seed in CASES[:10]:
        g, *_ = random_graph(seed)
        order = g.topological_order()
        assert sorted(order) == sorted(g.nodes)
        pos = {n: i for i, n in enumerate(order)}
        assert all(pos[s] < pos[d] for s, d in g.edges)
        assert Graph.from_config(g.get_config()).topological_order() == order
    # a layer added before its parent still comes after it
    g = Graph()
    g.add_output("y", 1)
    g.add_hidden("h", 2)
    g.add_input("x", 1)
    g.connect("h", "y")
    g.connect("x", "h")
    assert g.topological_order() == ["x", "h", "y"]


def test_default_initialisers_follow_the_activation():
    g = Graph(seed=0)
    g.add_input("x", 400)
    g.add_hidden("r", 300, activation="relu")
    g.add_hidden("t", 300, activation="tanh")
    g.add_output("y", 1)
    e1, e2 = g.connect("x", "r"), g.connect("x", "t")
    e3 = g.connect("r", "y", init="he_uniform")
    g.connect("t", "y")
    assert (e1.init, e2.init, e3.init) == ("he", "glorot", "he_uniform")
    assert abs(e1.W.std() / np.sqrt(2 / 400) - 1) < 0.02  # He, Eq. (6.8)
    assert abs(e2.W.std() / np.sqrt(2 / 700) - 1) < 0.02  # Glorot, Eq. (6.9)


def test_config_round_trip_rebuilds_the_same_graph():
    for seed in CASES[:10]:
        g, inputs, targets, _ = random_graph(seed)
        config = json.loads(json.dumps(g.get_config()))  # JSON-friendly
        assert config["kind"] == "Graph"
        h = Graph.from_config(config)
        assert h.get_config() == g.get_config()
        assert h.parameter_names() == g.parameter_names()
        fresh = Graph.from_config(config)  # same seed, same construction order: same initial weights
        for (a, _), (b, _) in zip(fresh.parameters(), h.parameters(), strict=True):
            np.testing.assert_array_equal(a, b)


def test_save_load_round_trip(tmp_path):
    io = pytest.importorskip("course_lib.io")
    g, inputs, targets, _ = random_graph(7)
    path = io.save(g, tmp_path / "graph.npz")
    h = io.load(path)
    assert isinstance(h, Graph)
    assert h.get_config() == g.get_config()
    assert h.parameter_names() == g.parameter_names()
    for (a, _), (b, _) in zip(g.parameters(), h.parameters(), strict=True):
        np.testing.assert_array_equal(a, b)
    out_g, out_h = g.forward(inputs), h.forward(inputs)
    for name in g.outputs:
        np.testing.assert_array_equal(out_g[name], out_h[name])
    assert h.loss(targets) == g.loss(targets)


# ---------------------------------------------------------------- clear errors
def chain():
    g = Graph()
    g.add_input("a", 2)
    g.add_hidden("b", 3)
    g.add_hidden("c", 3)
    g.add_output("d", 1)
    g.connect("a", "b")
    g.connect("b", "c")
    g.connect("c", "d")
    return g


def test_cycle_is_refused_with_the_cycle_named():
    g = chain()
    g.add_hidden("e", 2)
    g.connect("c", "e")
    g.connect("e", "d")
    with pytest.raises(ValueError, match="b → c → e → b") as err:
        g.connect("e", "b")
    assert "acyclic" in str(err.value)
    assert ("e", "b") not in g.edges and "e" not in g.nodes["b"].parents  # the graph is unchanged
    with pytest.raises(ValueError, match="c → c"):
        g.connect("c", "c")
    with pytest.raises(ValueError, match="b → c → d → b"):
        g.connect("d", "b")  # an output can feed a layer, but not one it depends on


def test_issue_example_cycle_message():
    g = Graph()
    g.add_input("x", 1)
    for n in ("a", "b", "c"):
        g.add_hidden(n, 2)
    g.connect("a", "b")
    g.connect("b", "c")
    with pytest.raises(ValueError, match="would close the cycle a → b → c → a"):
        g.connect("c", "a")


def test_unknown_and_duplicate_names_list_the_known_layers():
    g = chain()
    with pytest.raises(ValueError, match=r"unknown layer 'z'; the graph's layers are: a, b, c, d"):
        g.connect("a", "z")
    with pytest.raises(ValueError, match=r"unknown layer 'q'.*a, b, c, d"):
        g.connect("q", "b")
    with pytest.raises(ValueError, match=r"duplicate layer name 'b'.*a, b, c, d"):
        g.add_hidden("b", 4)
    with pytest.raises(ValueError, match=r"duplicate layer name 'a'"):
        g.add_output("a", 1)
    for bad in ("", "a b", "x->y", 3, None):
        with pytest.raises(ValueError, match="layer name"):
            g.add_hidden(bad, 2)


def test_bad_connections_and_sizes():
    g = chain()
    with pytest.raises(ValueError, match="'a' is an input layer"):
        g.connect("b", "a")
    with pytest.raises(ValueError, match="already connected"):
        g.connect("a", "b")
    for size in (0, -1, 2.5, True, "3"):
        with pytest.raises(ValueError, match="size of layer 'n'"):
            g.add_hidden("n", size)
    with pytest.raises(ValueError, match="unknown activation 'relu6'"):
        g.add_hidden("n", 2, activation="relu6")
    with pytest.raises(ValueError, match="unknown loss 'mae'"):
        g.add_output("n", 2, loss="mae")


def test_bce_needs_identity_output_activation():
    g = Graph()
    with pytest.raises(ValueError, match="must be 'identity', got 'sigmoid'.*σ twice"):
        g.add_output("p", 1, activation="sigmoid", loss="bce_with_logits")
    with pytest.raises(ValueError, match="logits.*got 'tanh'"):
        g.add_output("p", 1, activation="tanh", loss=BCEWithLogitsLoss("sum"))
    g.add_output("p", 1, activation="identity", loss="bce_with_logits")  # fine
    g.add_output("q", 1, activation="sigmoid", loss="mse")  # allowed: MSE on probabilities


def test_structure_errors_are_found_before_forward():
    g = chain()
    g.add_input("lonely", 3)
    with pytest.raises(ValueError, match="input layer 'lonely' has no path to any output"):
        g.forward({"a": np.ones((2, 2)), "lonely": np.ones((2, 3))})
    g.add_hidden("dead_end", 2)
    g.connect("lonely", "dead_end")
    with pytest.raises(ValueError, match="layer 'dead_end' has no path to any output"):
        g.topological_order()
    g.connect("dead_end", "d")
    assert g.topological_order()[-1] == "d"
    g.add_hidden("orphan", 2)
    with pytest.raises(ValueError, match="hidden layer 'orphan' has no incoming connection"):
        g.topological_order()
    with pytest.raises(ValueError, match="at least one input and one output"):
        Graph().topological_order()


def test_missing_and_extra_inputs_and_targets():
    g = Graph()
    g.add_input("x1", 2)
    g.add_input("x2", 1)
    g.add_output("y", 1)
    g.add_output("p", 2, loss="bce_with_logits")
    for s in ("x1", "x2"):
        for d in ("y", "p"):
            g.connect(s, d)
    X1, X2 = np.ones((4, 2)), np.ones((4, 1))
    with pytest.raises(ValueError, match=r"missing inputs for 'x2'; the graph's inputs are for: x1, x2"):
        g.forward({"x1": X1})
    with pytest.raises(ValueError, match=r"unexpected inputs for 'x3'"):
        g.forward({"x1": X1, "x2": X2, "x3": X2})
    with pytest.raises(TypeError, match="must be a dict"):
        g.forward(X1)
    with pytest.raises(RuntimeError, match="call graph.forward"):
        g.loss({"y": np.ones((4, 1)), "p": np.ones((4, 2))})
    with pytest.raises(RuntimeError, match="call graph.forward"):
        g.backward({"y": np.ones((4, 1)), "p": np.ones((4, 2))})
    g.forward({"x1": X1, "x2": X2})
    with pytest.raises(ValueError, match=r"missing targets for 'p'; the graph's targets are for: y, p"):
        g.loss({"y": np.ones((4, 1))})
    with pytest.raises(ValueError, match=r"unexpected targets for 'q'"):
        g.backward({"y": np.ones((4, 1)), "p": np.ones((4, 2)), "q": 1})


def test_shape_errors_name_the_layer_and_both_shapes():
    g = chain()
    with pytest.raises(ValueError, match=r"input 'a' expects an array of shape \(B, 2\).*got shape \(5, 3\)"):
        g.forward({"a": np.ones((5, 3))})
    with pytest.raises(ValueError, match=r"input 'a' must be a 2-D array.*shape \(5,\)"):
        g.forward({"a": np.ones(5)})
    g.forward({"a": np.ones((5, 2))})
    with pytest.raises(ValueError, match=r"target for output 'd' must have .*\(5, 1\), got shape \(5, 2\)"):
        g.loss({"d": np.ones((5, 2))})
    with pytest.raises(ValueError, match=r"target for output 'd'.*got shape \(5,\)"):
        g.backward({"d": np.ones(5)})
    h = Graph()
    h.add_input("u", 1)
    h.add_input("v", 1)
    h.add_output("y", 1)
    h.connect("u", "y")
    h.connect("v", "y")
    with pytest.raises(ValueError, match="same batch size.*'u' has 3 rows, input 'v' has 4"):
        h.forward({"u": np.ones((3, 1)), "v": np.ones((4, 1))})


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs_are_refused(bad):
    g = chain()
    X = np.ones((3, 2))
    X[1, 0] = bad
    with pytest.raises(ValueError, match=r"input 'a' contains 1 non-finite value.*index \(1, 0\)"):
        g.forward({"a": X})
    g.forward({"a": np.ones((3, 2))})
    T = np.ones((3, 1))
    T[2, 0] = bad
    with pytest.raises(ValueError, match="non-finite"):
        g.backward({"d": T})


def test_repr_and_config_errors():
    g = chain()
    assert repr(g) == "Graph(inputs=['a'], hidden=['b', 'c'], outputs=['d'], 3 connections)"
    assert g.num_parameters() == 2 * 3 + 3 + 3 * 3 + 3 + 3 + 1
    with pytest.raises(ValueError, match="not a Graph configuration"):
        Graph.from_config({"kind": "MLP"})

    class HalfSquares:
        reduction = "sum"

        def __call__(self, Y, T):
            return float(np.sum((Y - T) ** 2) / 2)

        def grad(self, Y, T):
            return Y - T

    h = Graph()
    h.add_input("x", 1)
    h.add_output("y", 1, loss=HalfSquares())
    h.connect("x", "y")
    h.forward({"x": np.ones((2, 1))})
    h.backward({"y": np.zeros((2, 1))})  # a custom loss object works for training...
    with pytest.raises(ValueError, match="custom loss"):
        h.get_config()  # ...but cannot be described in a config
