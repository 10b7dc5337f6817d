"""Notebook 09's outcomes stated as general: skip connections, two heads, and S3's update inside backward.

The networks and the data of notebook 09's section 6 are defined here, once, and the notebook imports them: a
seed is the graph's initialisation (`Graph(seed=…)`); the data are fixed (generator seed 9) for every seed.
Training is full-batch Adam, so a run is deterministic for a given seed, but its last digits depend on the CPU's
rounding: the notebook prints rounded numbers.
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from ..gradcheck import rel_error
from ..graph import Graph
from ..optim import Adam
from . import claim

DEPTH = 10
SKIP_STEPS, SKIP_LR = 250, 0.03
HEADS_STEPS = 1500


def section6_data():
    """x (200, 1) sorted on [−3, 3]; t_reg = sin 2x + x/2 + noise (σ = 0.1); t_cls = 1 where |x| < 1.5."""
    rng = np.random.default_rng(9)
    x = np.sort(rng.uniform(-3, 3, size=(200, 1)), axis=0)
    t_reg = np.sin(2 * x) + 0.5 * x + 0.1 * rng.normal(size=x.shape)  # noise σ = 0.1: MSE floor ≈ 0.01
    t_cls = (np.abs(x) < 1.5).astype(float)
    return x, t_reg, t_cls


def two_head_graph(seed=0, width=16):
    "x → h1 → h2 → y (regression, MSE) with the skip x → y, and h2 → c (class logits, BCE with logits)."
    g = Graph(seed=seed)
    g.add_input("x", 1)
    g.add_hidden("h1", width, activation="tanh")
    g.add_hidden("h2", width, activation="tanh")
    g.add_output("y", 1, activation="identity", loss="mse")
    g.add_output("c", 1, activation="identity", loss="bce_with_logits")
    for src, dst in [("x", "h1"), ("h1", "h2"), ("h2", "y"), ("x", "y"), ("h2", "c")]:
        g.connect(src, dst)
    return g


def deep_sigmoid(skips, seed=0):
    "x → h1 → … → h10 → y (sigmoid, width 8); with skips, also h_i → y for every i and x → y."
    g = Graph(seed=seed)
    g.add_input("x", 1)
    for i in range(1, DEPTH + 1):
        g.add_hidden(f"h{i}", 8, activation="sigmoid")
    g.add_output("y", 1)
    names = ["x"] + [f"h{i}" for i in range(1, DEPTH + 1)] + ["y"]
    for src, dst in zip(names[:-1], names[1:]):
        g.connect(src, dst)
    if skips:
        for src in names[:-2]:
            g.connect(src, "y")
    return g


def train(g, inputs, targets, steps, lr=0.01):
    "Full-batch Adam; returns the loss of every output before each step (a dict of arrays)."
    opt = Adam(g, lr=lr)
    history = {name: [] for name in g.outputs}
    for _ in range(steps):
        out = g.forward(inputs)
        for name in g.outputs:
            history[name].append(g.nodes[name].loss(out[name], targets[name]))
        g.backward(targets)
        opt.step()
    return {name: np.array(h) for name, h in history.items()}


def chain_gradients(skips, seed):
    "‖∇W‖ of the ten chain edges x→h1, …, h9→h10 at initialisation (first layer first)."
    x, t_reg, _ = section6_data()
    g = deep_sigmoid(skips, seed)
    g.forward({"x": x})
    g.backward({"y": t_reg})
    names = ["x"] + [f"h{i}" for i in range(1, DEPTH + 1)]
    return np.array([np.linalg.norm(g.edges[u, v].dW) for u, v in zip(names[:-1], names[1:])])


# ---------------------------------------------------------------------------------------------------------------
# 6.1: skip connections give the gradient a short road, and the loss ends lower


@claim("09.skip_gradient", notebook="09",
       says="ten sigmoid layers at initialisation, for every seed: the chain's ‖∇W[x->h1]‖ is below 1e-4 of "
            "‖∇W[h9->h10]‖, and with skips to the output it is over 1000× larger",
       holds=lambda m: max(m["fade"]) < 1e-4 and min(m["boost"]) > 1e3)
def skip_gradient(seeds):
    """‖∇W[x->h1]‖ / ‖∇W[h9->h10]‖ of the chain and the skip network's gain on it, per seed; seed 0's profiles."""
    fade, boost, norms = [], [], None
    for seed in seeds:
        chain, skips = chain_gradients(False, seed), chain_gradients(True, seed)
        fade.append(float(chain[0] / chain[-1]))
        boost.append(float(skips[0] / chain[0]))
        norms = norms or {False: chain, True: skips}  # the first seed's profiles, for the plot
    return {"fade": fade, "fade_median": float(np.median(fade)), "boost": boost, "norms": norms}


@lru_cache(maxsize=4)
def _skip_race(seeds: tuple[int, ...], steps: int, lr: float):
    x, t_reg, _ = section6_data()
    curves = {skips: [train(deep_sigmoid(skips, seed), {"x": x}, {"y": t_reg}, steps, lr)["y"] for seed in seeds]
              for skips in (False, True)}
    return curves


def skip_race(seeds, steps=SKIP_STEPS, lr=SKIP_LR):
    """Train the chain and the chain with skips from each seed (full-batch Adam); final MSEs, medians, counts,
    and the first seed's two loss curves. `skip_race(range(5), steps=1000)` is the notebook's full-size run."""
    curves = _skip_race(tuple(seeds), steps, lr)
    chain = [float(c[-1]) for c in curves[False]]
    skips = [float(c[-1]) for c in curves[True]]
    chain_median, skips_median = float(np.median(chain)), float(np.median(skips))
    return {"chain": chain, "skips": skips, "chain_median": chain_median, "skips_median": skips_median,
            "ratio": skips_median / chain_median, "skips_lower": sum(s < c for s, c in zip(skips, chain)),
            "n": len(seeds), "curves": {False: curves[False][0], True: curves[True][0]}}


@claim("09.skips_vs_chain", notebook="09",
       says="ten sigmoid layers, 250 Adam steps, medians over 5 initialisations: the chain ends between 0.15 and "
            "0.3, the skip network at most 0.7× the chain's median, and lower than the chain for at least 3 of 5",
       holds=lambda m: 0.15 < m["chain_median"] < 0.3 and m["ratio"] < 0.7 and m["skips_lower"] >= 3)
def skips_vs_chain(seeds):
    """skip_race at 250 steps: final MSEs of the chain and the skip network per seed, medians and the count."""
    return skip_race(seeds)


# ---------------------------------------------------------------------------------------------------------------
# 6.2: two heads on one trunk


@claim("09.two_heads", notebook="09",
       says="two heads on one trunk, 1500 Adam steps, for every seed: regression MSE below 0.02 (floor 0.01), "
            "BCE below 0.05 and classification accuracy at least 98 %",
       holds=lambda m: max(m["mse"]) < 0.02 and max(m["bce"]) < 0.05 and min(m["accuracy"]) >= 0.98)
def two_heads(seeds):
    """Final MSE, BCE and accuracy of the two-head network per seed; the first seed's model and history."""
    x, t_reg, t_cls = section6_data()
    mse, bce, accuracy, first = [], [], [], None
    for seed in seeds:
        model = two_head_graph(seed=seed)
        history = train(model, {"x": x}, {"y": t_reg, "c": t_cls}, HEADS_STEPS)
        out = model.forward({"x": x})
        mse.append(float(history["y"][-1]))
        bce.append(float(history["c"][-1]))
        accuracy.append(float(np.mean((out["c"] > 0) == (t_cls > 0.5))))
        first = first or (model, history)
    return {"mse": mse, "bce": bce, "accuracy": accuracy, "model": first[0], "history": first[1]}


# ---------------------------------------------------------------------------------------------------------------
# Section 2: a layer that keeps only one consumer's gradient


def forgotten_term_errors(seed):
    """{dropped head: rel. error of ∇W[x->h1] when h2 hears only from the other head} for two_head_graph(seed)
    with random biases, on 5 samples and targets drawn from generator `seed` (Eq. 9.2 with one term left out)."""
    rng = np.random.default_rng(seed)
    g = two_head_graph(seed=seed)
    for value, _ in g.parameters():
        if value.ndim == 1:  # random biases, as in the notebook
            value[:] = rng.normal(0, 0.5, size=value.shape)
    X = rng.normal(size=(5, 1))
    T = {"y": rng.normal(size=(5, 1)), "c": rng.integers(0, 2, size=(5, 1)).astype(float)}
    out = g.forward({"x": X})
    g.backward(T)
    A1 = np.tanh(X @ g.edges["x", "h1"].W + g.nodes["h1"].b)
    A2 = np.tanh(A1 @ g.edges["h1", "h2"].W + g.nodes["h2"].b)
    errors = {}
    for dropped, kept in (("c", "y"), ("y", "c")):
        G2 = g.nodes[kept].loss.grad(out[kept], T[kept]) @ g.edges["h2", kept].W.T  # identity output: Δ = ∂L/∂Ŷ
        D1 = ((G2 * (1 - A2**2)) @ g.edges["h1", "h2"].W.T) * (1 - A1**2)  # tanh' = 1 − A², Eq. (5.1)
        errors[dropped] = rel_error(X.T @ D1, g.edges["x", "h1"].dW)
    return errors


@claim("09.forgotten_term", notebook="09",
       says="two heads on one trunk, for every seed: forgetting either head's term in Eq. (9.2) gives ∇W[x->h1] a "
            "relative error above 1e-3, over 1000× what a gradient check accepts",
       holds=lambda m: min(m["without_c"]) > 1e-3 and min(m["without_y"]) > 1e-3)
def forgotten_term(seeds):
    """forgotten_term_errors per seed: the error without c's term and without y's."""
    runs = [forgotten_term_errors(seed) for seed in seeds]
    return {"without_c": [r["c"] for r in runs], "without_y": [r["y"] for r in runs]}


# ---------------------------------------------------------------------------------------------------------------
# 4.3: S3 updates each weight inside its backward pass


def step_inside_backward(g, X, T, lr):
    """One step the way S3 takes it: in reverse topological order, each layer's W and b are updated as soon as
    their gradient is known, and the layer's Δ is sent on through the already updated weights. Returns the
    step taken, {parameter name: change}; the graph's parameters are changed."""
    start = {name: value.copy() for name, (value, _) in zip(g.parameter_names(), g.parameters())}
    Z, A = {}, dict(X)
    for v in g.topological_order():
        node = g.nodes[v]
        if node.kind != "input":
            Z[v] = sum(A[u] @ g.edges[u, v].W for u in node.parents) + node.b
            A[v] = node.activation.fn(Z[v])
    Delta = {}
    for u in reversed(g.topological_order()):
        node = g.nodes[u]
        if node.kind == "input":
            continue
        G = sum(Delta[v] @ g.edges[u, v].W.T for v in node.children)  # through the updated W_uv
        if node.kind == "output":
            G = G + node.loss.grad(A[u], T[u])
        Delta[u] = G * node.activation.derivative(Z[u])
        for p in node.parents:
            g.edges[p, u].W -= lr * (A[p].T @ Delta[u])
        node.b -= lr * Delta[u].sum(axis=0)
    return {name: value - start[name] for name, (value, _) in zip(g.parameter_names(), g.parameters())}


UPDATE_LRS = (1.0, 0.1, 0.01)
UPDATE_LAYERS = ("W[h2->y]", "W[h1->h2]", "W[x->h1]")


def update_errors(seed):
    """{η: {layer: rel. error of the step taken inside backward vs −η∇}} for two_head_graph(seed) on one sample
    drawn from generator `seed` (x, a regression target, class 1), as S3 trains."""
    rng = np.random.default_rng(seed)
    X, T = {"x": rng.normal(size=(1, 1))}, {"y": rng.normal(size=(1, 1)), "c": np.ones((1, 1))}
    errors = {}
    for lr in UPDATE_LRS:
        g = two_head_graph(seed=seed)
        g.forward(X)
        g.backward(T)
        true_step = {name: -lr * grad.copy() for name, (_, grad) in zip(g.parameter_names(), g.parameters())}
        taken = step_inside_backward(g, X, T, lr)
        errors[lr] = {name: rel_error(taken[name], true_step[name]) for name in UPDATE_LAYERS}
    return errors


@claim("09.update_inside_backward", notebook="09",
       says="S3's update inside backward, one sample, for every seed: the output layer's step is exact, the error "
            "grows towards the input and falls over 10-fold from η = 1 to 0.01; at η = 1 the first layer's "
            "median error is above 0.3",
       holds=lambda m: (m["output_max"] < 1e-12 and m["grows_to_input"] == m["n"] and min(m["fall_1_to_0.01"]) > 10
                        and m["first_median_1"] > 0.3))
def update_inside_backward(seeds):
    """update_errors per seed, summarised: output exactness, growth towards the input, fall with η."""
    runs = [update_errors(seed) for seed in seeds]
    first = [r[1.0]["W[x->h1]"] for r in runs]
    return {
        "n": len(seeds),
        "output_max": max(r[lr]["W[h2->y]"] for r in runs for lr in UPDATE_LRS),
        "grows_to_input": sum(all(r[lr]["W[x->h1]"] > r[lr]["W[h1->h2]"] for lr in UPDATE_LRS) for r in runs),
        "first_1": first, "first_median_1": float(np.median(first)),
        "second_1": [r[1.0]["W[h1->h2]"] for r in runs],
        "fall_1_to_0.01": [r[1.0]["W[x->h1]"] / r[0.01]["W[x->h1]"] for r in runs],
    }
