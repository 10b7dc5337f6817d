"""The multi-layer perceptron: forward pass (notebook 01) and backward pass (notebook 05).

`MLP([n_0, n_1, …, n_L])` is a list of layers [Linear, activation, Linear, activation, …]. The forward
pass is Eq. (1.2)–(1.4); the backward pass walks the same list in reverse, and each layer applies its
own backward equation, which together are the delta recursion Eq. (5.5).
"""

from __future__ import annotations

import numbers

import numpy as np

from .checks import as_batch
from .layers import Linear, get_activation


class MLP:
    """A fully connected network in the row-batch convention: X is (B, n_0), one sample per row.

    layer_sizes:        [n_0, n_1, …, n_L], at least two sizes, every width >= 1.
    activation:         hidden activation name, or a list with one name per hidden layer.
    output_activation:  activation after the last Linear ("identity" for regression).
    init, seed:         initialiser name (course_lib.init) and the seed of the one Generator that draws
                        every layer's weights in order (biases start at zero).
    bias:               False gives every layer Z = A W with no bias (S2's lesson: it cannot fit sinc).
    """

    def __init__(self, layer_sizes, activation="relu", output_activation="identity", init="he", seed=0,
                 bias: bool = True):
        from .init import as_generator

        sizes = list(layer_sizes)
        if len(sizes) < 2:
            raise ValueError(f"an MLP needs at least two layer sizes (inputs and outputs), got {sizes}")
        for i, n in enumerate(sizes):
            if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
                raise ValueError(f"layer size {i} must be a positive integer, got {n!r} in {sizes}")
        n_hidden = len(sizes) - 2
        if isinstance(activation, (list, tuple)):
            if len(activation) != n_hidden:
                raise ValueError(
                    f"got {len(activation)} hidden activations for {n_hidden} hidden layers ({sizes})"
                )
            hidden = list(activation)
        else:
            hidden = [activation] * n_hidden
        names = hidden + [output_activation]
        rng = as_generator(seed)
        self.sizes = [int(n) for n in sizes]
        self.init = init
        self.seed = seed if isinstance(seed, (int, np.integer)) else None
        self.bias = bool(bias)
        self.layers = []
        for n_in, n_out, act in zip(sizes[:-1], sizes[1:], names):
            self.layers.append(Linear(n_in, n_out, init=init, seed=rng, bias=self.bias))
            self.layers.append(get_activation(act))
        self.activations = [layer.name for layer in self.layers[1::2]]
        self._out_shape = None

    def __repr__(self) -> str:
        extra = "" if self.bias else ", bias=False"
        return f"MLP({self.sizes}, activations={self.activations}{extra})"

    @property
    def linears(self):
        """The Linear layers in order: linears[l-1] holds W_l, b_l."""
        return self.layers[0::2]

    def forward(self, X):
        """Ŷ = A_L with A_0 = X, Z_l = A_{l−1} W_l + 1 b_lᵀ, A_l = f_l(Z_l): Eq. (1.2)–(1.4).

        X: (B, n_0) → Ŷ: (B, n_L). Each layer caches what its backward pass needs.
        """
        A = as_batch(X, lambda: f"{self!r} input")
        for layer in self.layers:
            A = layer.forward(A)
        self._out_shape = A.shape
        return A

    __call__ = forward

    def backward(self, dY):
        """Backpropagate dY = ∂L/∂Ŷ (B, n_L); fills every Linear's dW, db and returns ∂L/∂X (B, n_0).

        Walking the layers in reverse applies Eq. (5.1) at each activation and Eq. (5.2)–(5.4) at each
        Linear; together: Δ_l = (Δ_{l+1} W_{l+1}ᵀ) ⊙ f_l'(Z_l), Eq. (5.5).
        """
        if self._out_shape is None:
            raise RuntimeError(f"{self!r}.backward was called before forward: run forward first")
        if getattr(dY, "shape", None) != self._out_shape:
            raise ValueError(
                f"{self!r}.backward expects ∂L/∂Ŷ of shape {self._out_shape} (the last output's shape), "
                f"got {getattr(dY, 'shape', type(dY).__name__)}"
            )
        G = dY
        for layer in reversed(self.layers):
            G = layer.backward(G)
        return G

    def parameters(self):
        """[(W1, dW1), (b1, db1), (W2, dW2), …]: (value, gradient) array pairs, a fresh list each call."""
        pairs = []
        for lin in self.layers[0::2]:
            pairs.append((lin.W, lin.dW))
            if lin.bias:
                pairs.append((lin.b, lin.db))
        return pairs

    def parameter_names(self):
        """["W1", "b1", "W2", …], in the order of parameters()."""
        kinds = ("W", "b") if self.bias else ("W",)
        return [f"{p}{i}" for i in range(1, len(self.sizes)) for p in kinds]

    def zero_grad(self):
        """Set every gradient to zero (in place)."""
        for _, grad in self.parameters():
            grad.fill(0.0)

    def get_config(self) -> dict:
        """The architecture as a JSON-friendly dict; `MLP.from_config(cfg)` builds the same network."""
        return {
            "kind": "MLP",
            "layer_sizes": list(self.sizes),
            "activation": self.activations[:-1],
            "output_activation": self.activations[-1],
            "init": self.init if isinstance(self.init, str) else "custom",
            "seed": None if self.seed is None else int(self.seed),
            "bias": self.bias,
        }

    @classmethod
    def from_config(cls, config: dict) -> MLP:
        """Build an MLP from `get_config()`'s dict (fresh parameters; load them separately)."""
        init = config.get("init", "he")
        return cls(
            config["layer_sizes"],
            activation=list(config["activation"]),
            output_activation=config["output_activation"],
            init="he" if init == "custom" else init,
            seed=config.get("seed") or 0,
            bias=bool(config.get("bias", True)),
        )

    def num_parameters(self) -> int:
        """How many numbers the network learns."""
        return sum(value.size for value, _ in self.parameters())
