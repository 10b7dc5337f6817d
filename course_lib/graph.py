"""Networks shaped as a directed acyclic graph of layers: source S3's idea, done right. Derived in notebook 09.

A `Graph` holds named layers (nodes) of three kinds and weight matrices on the connections (edges):

- input node u:   A_u = X_u, the array given to `forward` (no parameters — an input has no bias);
- hidden node v:  Z_v = Σ_{u→v} A_u W_uv + 1 b_vᵀ, A_v = f_v(Z_v),                       Eq. (9.1)
- output node v:  the same, and it owns a loss L_v(A_v, T_v); the graph's loss is L = Σ_outputs L_v.

Shapes (row-batch, notebook 00's notation table): A_u is (B, n_u), W_uv is (n_u, n_v), b_v is (n_v,), Z_v, A_v and
Δ_v = ∂L/∂Z_v are (B, n_v). The backward pass walks the nodes in reverse topological order; a node that
feeds several consumers receives the SUM of their gradients, Eq. (9.2):

    G_u = Σ_{v: u→v} Δ_v W_uvᵀ (+ ∂L_u/∂A_u if u is an output),   Δ_u = G_u ⊙ f_u'(Z_u)   (Eq. 5.1)
    ∇W_uv = A_uᵀ Δ_v  (Eq. 9.3),    ∇b_v = Δ_vᵀ 1  (Eq. 9.4)

Each connection is a bias-free `Linear` (an `Edge`), so Eq. (9.1) is the sum of their forward passes and
Eq. (9.2)–(9.3) the sum of their backward passes: a graph is the MLP's equations summed over consumers.
Like an MLP, a Graph is a `Module`: SGD and Adam train it unchanged; `get_config()` / `Graph.from_config()`
describe the structure for saving and loading.

Example::

    g = Graph(seed=0)
    g.add_input("x", 1)
    g.add_hidden("h", 16, activation="tanh")
    g.add_output("y", 1, activation="identity", loss="mse")
    g.connect("x", "h"); g.connect("h", "y"); g.connect("x", "y")    # a skip connection
    Y = g.forward({"x": X})["y"]
    g.backward({"y": T})                                              # fills every gradient
"""

from __future__ import annotations

import re

import numpy as np

from .checks import as_batch, check_positive_int, unknown_name
from .init import as_generator
from .layers import Linear, get_activation
from .losses import LOSSES, BCEWithLogitsLoss, get_loss
from .network import Module

KINDS = ("input", "hidden", "output")
RELU_LIKE = ("relu", "leaky_relu")
_NAME = re.compile(r"[A-Za-z0-9_.-]+")


class Node:
    """One layer of a Graph: its name, kind ("input", "hidden" or "output") and width `size`.

    Hidden and output nodes also hold `activation` (a course_lib.layers activation object, which caches
    Z_v), the bias `b` (size,) and its gradient `db`; output nodes hold `loss`. `parents` and `children`
    list the names of the nodes connected to it, in the order the connections were made.
    """

    def __init__(self, name, kind, size, activation=None, loss=None):
        self.name, self.kind, self.size = name, kind, size
        self.activation = None if kind == "input" else get_activation(activation)
        self.loss = loss
        self.b = None if kind == "input" else np.zeros(size)
        self.db = None if kind == "input" else np.zeros(size)
        self.parents, self.children = [], []

    def __repr__(self) -> str:
        extra = "" if self.kind == "input" else f", activation={self.activation.name!r}"
        if self.kind == "output":
            extra += f", loss={self.loss!r}"
        return f"Node({self.name!r}, {self.kind}, size={self.size}{extra})"


class Edge(Linear):
    """A connection u → v: a bias-free Linear, W (size_u, size_v) and its gradient dW (same shape)."""

    def __init__(self, src, dst, fan_in, fan_out, init, rng):
        super().__init__(fan_in, fan_out, init=init, seed=rng, bias=False)
        self.src, self.dst = src, dst

    def __repr__(self) -> str:
        return f"Edge({self.src!r} → {self.dst!r}, W {self.W.shape[0]}×{self.W.shape[1]})"


class Graph(Module):
    """A network whose layers form a directed acyclic graph (skip connections, several inputs and outputs).

    seed: the seed of the one Generator (or the Generator itself) that draws every weight matrix, in the
    order the connections are made — so the same construction code (or `from_config`) gives the same
    initial weights. Build with add_input / add_hidden / add_output and connect; then `forward`, `loss`,
    `backward`, and an optimizer from course_lib.optim.
    """

    def __init__(self, seed=0):
        self.seed = int(seed) if isinstance(seed, (int, np.integer)) and not isinstance(seed, bool) else None
        self._rng = as_generator(seed)
        self.nodes: dict[str, Node] = {}
        self.edges: dict[tuple[str, str], Edge] = {}
        self._order = None  # topological order (node names), recomputed after every structural change
        self._cache = None  # {name: A_v} from the last forward pass
        self._set_parameters([], [])

    # ------------------------------------------------------------------ building
    def __repr__(self) -> str:
        labels = ("inputs", "hidden", "outputs")
        parts = [f"{label}={self._names(kind)}" for kind, label in zip(KINDS, labels, strict=True)]
        return f"Graph({', '.join(parts)}, {len(self.edges)} connections)"

    def _names(self, kind):
        return [n for n, node in self.nodes.items() if node.kind == kind]

    @property
    def inputs(self):
        """Names of the input nodes, in the order they were added."""
        return self._names("input")

    @property
    def outputs(self):
        """Names of the output nodes, in the order they were added."""
        return self._names("output")

    def _add(self, name, kind, size, activation=None, loss=None) -> Node:
        if not isinstance(name, str) or not _NAME.fullmatch(name):
            raise ValueError(
                f"a layer name must be a non-empty string of letters, digits, '_', '.' or '-' "
                f"(it is used in parameter names such as 'W[x->h]'), got {name!r}"
            )
        if name in self.nodes:
            raise ValueError(
                f"duplicate layer name {name!r}: the graph already has a layer called that; "
                f"its layers are: {', '.join(self.nodes)}"
            )
        size = check_positive_int(size, f"the size of layer {name!r}")
        node = Node(name, kind, size, activation, loss)
        self.nodes[name] = node
        self._changed()
        return node

    def _changed(self):
        """After a new layer or connection: forget the order and the last forward pass; list the parameters
        anew (for each non-input layer in the order added, its incoming weights in the order connected, then
        its bias)."""
        self._order = None
        self._cache = None
        names, pairs = [], []
        for name, node in self.nodes.items():
            if node.kind == "input":
                continue
            for parent in node.parents:
                names.append(f"W[{parent}->{name}]")
                pairs.append((self.edges[parent, name].W, self.edges[parent, name].dW))
            names.append(f"b[{name}]")
            pairs.append((node.b, node.db))
        self._set_parameters(names, pairs)

    def add_input(self, name: str, size: int) -> Node:
        """An input layer: A = the array passed as inputs[name] to forward, shape (B, size). No parameters."""
        return self._add(name, "input", size)

    def add_hidden(self, name: str, size: int, activation="relu") -> Node:
        """A hidden layer: Z = Σ_parents A_u W_uv + 1bᵀ, A = f(Z), Eq. (9.1); b starts at zero."""
        return self._add(name, "hidden", size, activation)

    def add_output(self, name: str, size: int, activation="identity", loss="mse") -> Node:
        """An output layer (Eq. 9.1) that owns a loss: a name ("mse", "bce_with_logits") or a loss object.

        BCEWithLogitsLoss takes logits and applies the sigmoid itself (stably, Eq. 3.9), so it requires
        activation="identity"; any other activation is refused with an explanation.
        """
        loss_obj = get_loss(loss)
        act_name = get_activation(activation).name
        if isinstance(loss_obj, BCEWithLogitsLoss) and act_name != "identity":
            hint = (
                " A sigmoid here would apply σ twice (once in the layer, once inside the loss)."
                if act_name == "sigmoid"
                else ""
            )
            raise ValueError(
                f"output {name!r}: BCEWithLogitsLoss takes logits Z (it computes σ and the cross-entropy together, "
                f"stably, Eq. (3.9)), so the output activation must be 'identity', got {act_name!r}.{hint} "
                f"For probabilities, apply course_lib.Sigmoid.fn to the output after forward."
            )
        return self._add(name, "output", size, activation, loss_obj)

    def _node(self, name) -> Node:
        try:
            return self.nodes[name]
        except (KeyError, TypeError):
            known = ", ".join(self.nodes) or "(none yet)"
            raise ValueError(f"unknown layer {name!r}; the graph's layers are: {known}") from None

    def _path(self, start, goal):
        """A list of names start → … → goal along existing connections (depth-first), or None."""
        stack, seen = [(start, [start])], {start}
        while stack:
            name, path = stack.pop()
            if name == goal:
                return path
            for child in reversed(self.nodes[name].children):
                if child not in seen:
                    seen.add(child)
                    stack.append((child, path + [child]))
        return None

    def connect(self, src: str, dst: str, init=None) -> Edge:
        """Connect src → dst with a new weight matrix W (size_src, size_dst); returns the Edge.

        init: an initialiser name from course_lib.init (or a function); by default He (Eq. 6.8) when dst's
        activation is relu-like, Glorot (Eq. 6.9) otherwise. Each edge is drawn with fan_in = size_src
        from the graph's Generator, as if it were dst's only input: with k parents of equal width, Var(Z_dst)
        starts k times larger than that rule intends (pass init= to change it). Refused: unknown names, a
        connection into an input, a repeated connection, and any connection that would close a cycle (the
        message shows the cycle).
        """
        u, v = self._node(src), self._node(dst)
        if v.kind == "input":
            raise ValueError(
                f"cannot connect {src!r} → {dst!r}: {dst!r} is an input layer (its values are given to forward); "
                f"connect into a hidden or output layer"
            )
        if (src, dst) in self.edges:
            raise ValueError(f"{src!r} → {dst!r} is already connected (each pair has one weight matrix)")
        back = [dst] if src == dst else self._path(dst, src)  # dst → … → src already exists?
        if back is not None:
            cycle = " → ".join(back + [dst])
            raise ValueError(
                f"connecting {src!r} → {dst!r} would close the cycle {cycle}; a Graph must stay acyclic "
                f"(a layer cannot depend on its own output)"
            )
        if init is None:
            init = "he" if v.activation.name in RELU_LIKE else "glorot"
        edge = Edge(src, dst, u.size, v.size, init, self._rng)
        self.edges[(src, dst)] = edge
        u.children.append(dst)
        v.parents.append(src)
        self._changed()
        return edge

    # ------------------------------------------------------------------ structure
    def topological_order(self):
        """Node names in an order where every layer comes after all its parents (Kahn's algorithm).

        Ties are broken by the order the layers were added, so the order is deterministic. Also checks the
        graph is usable: at least one input and one output, every hidden/output layer has a parent, and
        every layer has a path to some output (otherwise its parameters could never learn).
        """
        if self._order is not None:
            return list(self._order)
        if not self.inputs or not self.outputs:
            raise ValueError(f"a Graph needs at least one input and one output layer, got {self!r}")
        for name, node in self.nodes.items():
            if node.kind != "input" and not node.parents:
                raise ValueError(
                    f"{node.kind} layer {name!r} has no incoming connection; connect a layer to it "
                    f"(e.g. graph.connect('{self.inputs[0]}', '{name}'))"
                )
        reaches = set(self.outputs)  # layers with a path to an output, found by walking backwards
        stack = list(reaches)
        while stack:
            for parent in self.nodes[stack.pop()].parents:
                if parent not in reaches:
                    reaches.add(parent)
                    stack.append(parent)
        dead_ends_first = sorted(self.nodes.values(), key=lambda node: bool(node.children))  # stable sort
        for node in dead_ends_first:
            name = node.name
            if name not in reaches:
                raise ValueError(
                    f"{node.kind} layer {name!r} has no path to any output ({', '.join(self.outputs)}): "
                    f"nothing it computes reaches a loss; connect it or remove it"
                )
        waiting = {name: len(node.parents) for name, node in self.nodes.items()}
        order = []
        while len(order) < len(self.nodes):
            ready = next(n for n, k in waiting.items() if k == 0)  # connect() keeps the graph acyclic
            order.append(ready)
            waiting[ready] = -1
            for child in self.nodes[ready].children:
                waiting[child] -= 1
        self._order = order
        return list(order)

    # ------------------------------------------------------------------ forward, loss, backward
    def _check_names(self, given, expected, what):
        if not hasattr(given, "keys"):
            raise TypeError(f"{what} must be a dict {{layer name: array}}, got {type(given).__name__}")
        missing = [n for n in expected if n not in given]
        extra = [n for n in given if n not in expected]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing {what} for {', '.join(map(repr, missing))}")
            if extra:
                parts.append(f"unexpected {what} for {', '.join(map(repr, extra))}")
            raise ValueError(f"{'; '.join(parts)}; the graph's {what} are for: {', '.join(expected)}")

    def forward(self, inputs: dict) -> dict:
        """{input name: X (B, n_u)} → {output name: Ŷ (B, n_v)}, layer by layer in topological order, Eq. (9.1).

        Z_v = Σ_{u→v} A_u W_uv + 1 b_vᵀ : Σ (B×n_u)(n_u×n_v) + (n_v,) → B×n_v;  A_v = f_v(Z_v).
        Each input is checked (2-D, n_u columns, same batch size B for all, finite) and copied.
        """
        order = self.topological_order()
        A = self._inputs(inputs)
        for name in order:
            node = self.nodes[name]
            if node.kind != "input":
                Z = sum(self.edges[u, name].forward(A[u]) for u in node.parents) + node.b  # Eq. (9.1)
                A[name] = node.activation.forward(Z)  # A_v = f_v(Z_v)
        self._cache = A
        return {name: A[name].copy() for name in self.outputs}  # copies: backward reads the originals

    __call__ = forward

    def _targets(self, targets) -> dict:
        if self._cache is None:
            raise RuntimeError("no forward pass to compare with: call graph.forward(inputs) first")
        self._check_names(targets, self.outputs, "targets")
        checked = {}
        for name in self.outputs:
            T = np.asarray(targets[name], dtype=np.float64)
            shape = self._cache[name].shape
            if T.shape != shape:
                raise ValueError(
                    f"target for output {name!r} must have the output's shape (B, {self.nodes[name].size}) = "
                    f"{shape}, got shape {T.shape}"
                )
            checked[name] = T
        return checked

    def loss(self, targets: dict) -> float:
        """L = Σ_outputs L_v(Ŷ_v, T_v) for the last forward pass: the sum of the output losses, a float."""
        targets = self._targets(targets)
        return float(sum(self.nodes[name].loss(self._cache[name], T) for name, T in targets.items()))

    def backward(self, targets: dict) -> dict:
        """Fill every ∇W_uv and ∇b_v for the last forward pass; return {input name: ∂L/∂X_u}. Changes no parameter.

        In reverse topological order (every consumer of u is done before u), Eq. (9.2)–(9.4) and (5.1):
          G_u  = Σ_{v: u→v} Δ_v W_uvᵀ (+ ∂L_u/∂A_u for an output) : Σ (B×n_v)(n_v×n_u) → B×n_u   (9.2)
          Δ_u  = G_u ⊙ f_u'(Z_u)                                   : B×n_u                       (5.1)
          ∇W_uv = A_uᵀ Δ_v                                         : (n_u×B)(B×n_v) → n_u×n_v    (9.3)
          ∇b_v  = Δ_vᵀ 1                                           : (n_v×B)(B) → n_v            (9.4)
        The gradient arrays are overwritten in place (same objects for the graph's whole life).
        """
        targets = self._targets(targets)
        A = self._cache
        Delta, dX = {}, {}
        for name in reversed(self.topological_order()):
            node = self.nodes[name]
            G = sum(self.edges[name, v].backward(Delta[v]) for v in node.children)  # Eq. (9.2); ∇W_uv, Eq. (9.3)
            if node.kind == "output":
                G = G + node.loss.grad(A[name], targets[name])  # + ∂L_u/∂A_u
            if node.kind == "input":
                dX[name] = G
                continue
            Delta[name] = node.activation.backward(G)  # Eq. (5.1)
            Delta[name].sum(axis=0, out=node.db)  # Eq. (9.4)
        return dX

    def _inputs(self, inputs) -> dict:
        """{input name: a checked copy of its array}: (B, n_u) each, one B for all."""
        self._check_names(inputs, self.inputs, "inputs")
        A, batch = {}, None
        for name in self.inputs:
            X = as_batch(inputs[name], f"input {name!r}")
            size = self.nodes[name].size
            if X.shape[1] != size:
                raise ValueError(
                    f"input {name!r} expects an array of shape (B, {size}) ({size} columns), got shape {X.shape}"
                )
            if batch is not None and X.shape[0] != batch[1]:
                raise ValueError(
                    f"all inputs need the same batch size (one sample per row): input {batch[0]!r} has "
                    f"{batch[1]} rows, input {name!r} has {X.shape[0]}"
                )
            batch = batch or (name, X.shape[0])
            A[name] = X.copy() if X is inputs[name] else X
        self._cache = None
        return A

    # ------------------------------------------------------------------ parameters
    # parameters(), parameter_names() ("W[u->v]" for the weights of u → v, "b[v]" for v's bias), zero_grad(),
    # num_parameters() and kink_pattern() come from Module.

    def _activation_layers(self):
        return [node.activation for node in self.nodes.values() if node.kind != "input"]

    # ------------------------------------------------------------------ configuration
    def get_config(self) -> dict:
        """The structure as a JSON-friendly dict; `Graph.from_config(cfg)` builds the same graph.

        {"kind": "Graph", "seed": int or None, "nodes": [{name, kind, size[, activation][, loss, reduction]}, …]
        (in the order added), "edges": [{src, dst, init}, …] (in the order connected)}.
        """
        nodes = []
        for name, node in self.nodes.items():
            entry = {"name": name, "kind": node.kind, "size": node.size}
            if node.kind != "input":
                entry["activation"] = node.activation.name
            if node.kind == "output":
                loss_name = next((k for k, cls in LOSSES.items() if type(node.loss) is cls), None)
                if loss_name is None:
                    raise ValueError(
                        f"output {name!r} uses a custom loss {node.loss!r}, which get_config cannot describe; "
                        f"use one of: {', '.join(LOSSES)}"
                    )
                entry["loss"] = loss_name
                entry["reduction"] = node.loss.reduction
            nodes.append(entry)
        edges = [{"src": e.src, "dst": e.dst, "init": e.init} for e in self.edges.values()]
        return {"kind": "Graph", "seed": self.seed, "nodes": nodes, "edges": edges}

    @classmethod
    def from_config(cls, config: dict) -> Graph:
        """Build a Graph from `get_config()`'s dict: same layers, connections and (seeded) initial weights."""
        if config.get("kind") != "Graph":
            raise ValueError(f"not a Graph configuration (kind {config.get('kind')!r})")
        seed = config.get("seed")
        graph = cls(seed=0 if seed is None else seed)
        for entry in config["nodes"]:
            kind = entry["kind"]
            if kind == "input":
                graph.add_input(entry["name"], entry["size"])
            elif kind == "hidden":
                graph.add_hidden(entry["name"], entry["size"], activation=entry["activation"])
            elif kind == "output":
                if entry["loss"] not in LOSSES:
                    raise unknown_name("loss", entry["loss"], LOSSES)
                loss = LOSSES[entry["loss"]](reduction=entry.get("reduction", "mean"))
                graph.add_output(entry["name"], entry["size"], activation=entry["activation"], loss=loss)
            else:
                raise unknown_name("layer kind", kind, KINDS)
        for entry in config["edges"]:
            init = entry.get("init")
            graph.connect(entry["src"], entry["dst"], init=None if init in (None, "custom") else init)
        return graph
