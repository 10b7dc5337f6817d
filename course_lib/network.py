"""The multi-layer perceptron: forward pass (notebook 01) and backward pass (notebook 05).

`MLP([n_0, n_1, …, n_D])` (depth D) is a list of layers [Linear, activation, Linear, activation, …]. The forward
pass is Eq. (1.2)–(1.4); the backward pass walks the same list in reverse, and each layer applies its
own backward equation, which together are the delta recursion Eq. (5.5). `Module` is what every model
shares (MLP here, Graph in notebook 09).
"""

from __future__ import annotations

import numbers

import numpy as np

from .checks import as_batch
from .init import as_generator
from .layers import Linear, _check_bool, get_activation


class Module:
    """What every model shares, as in micrograd: parameters with their names, zero_grad, num_parameters.

    A subclass calls `_set_parameters(names, pairs)` whenever its parameters change (MLP once, Graph after
    every new layer or connection); `parameters()` then lists the (value, gradient) array pairs in that order.
    """

    _pnames: list = []
    _pairs: list = []
    _flat = None  # (values, gradients): two flat buffers holding every parameter, when the model has them

    def _set_parameters(self, names, pairs):
        self._pnames, self._pairs = list(names), list(pairs)

    def parameters(self):
        """[(value, gradient), …] array pairs (a fresh list each call; the arrays are the model's own)."""
        return list(self._pairs)

    def parameter_names(self):
        """The parameters' names, in the order of parameters()."""
        return list(self._pnames)

    def named_parameters(self):
        """[(name, (value, gradient)), …]."""
        return list(zip(self._pnames, self._pairs, strict=True))

    def zero_grad(self):
        """Set every gradient to zero (in place)."""
        for _, grad in self._pairs:
            grad.fill(0.0)

    def num_parameters(self) -> int:
        """How many numbers the model learns."""
        return sum(value.size for value, _ in self._pairs)

    def _activation_layers(self):
        raise NotImplementedError

    def kink_pattern(self):
        """The on/off state (Z > 0) of every relu-like unit in the last forward pass, as one boolean array.

        For course_lib.gradcheck.check_gradients(..., kink_pattern=model.kink_pattern): entries whose ±h
        step flips a unit are reported instead of compared.
        """
        parts = [(f._Z > 0).ravel() for f in self._activation_layers() if f.has_kink and f._Z is not None]
        return np.concatenate(parts) if parts else np.zeros(0, dtype=bool)


def _check_sizes(layer_sizes):
    try:
        sizes = list(layer_sizes)
    except TypeError:
        raise TypeError(f"layer_sizes must be a list of widths such as [1, 16, 1], got {layer_sizes!r}") from None
    if len(sizes) < 2:
        raise ValueError(f"an MLP needs at least two layer sizes (inputs and outputs), got {sizes}")
    for i, n in enumerate(sizes):
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
            raise ValueError(f"layer size {i} must be a positive integer, got {n!r} in {sizes}")
    return [int(n) for n in sizes]


def _pack(linears):
    """Move every Linear's parameters and gradients into one flat buffer each; return the two buffers.

    Each W, b, dW, db becomes a view of its buffer, with its own shape and values, so the layers read and
    write them as before, and an optimizer can update the whole network with one element-wise operation.
    """
    pairs = [pair for lin in linears for pair in lin.parameters()]
    total = sum(value.size for value, _ in pairs)
    values, grads = np.empty(total), np.zeros(total)
    offset = 0
    for lin in linears:
        views = []
        for value, _ in lin.parameters():
            end = offset + value.size
            views.append((values[offset:end].reshape(value.shape), grads[offset:end].reshape(value.shape)))
            views[-1][0][...] = value
            offset = end
        lin._use_storage(views)
    return values, grads


class MLP(Module):
    """A fully connected network in the row-batch convention: X is (B, n_0), one sample per row.

    layer_sizes:        [n_0, n_1, …, n_D] for depth D, at least two sizes, every width >= 1.
    activation:         hidden activation name, or a list with one name per hidden layer.
    output_activation:  activation after the last Linear ("identity" for regression).
    init, seed:         initialiser name (course_lib.init) and the seed of the one Generator that draws
                        every layer's weights in order (biases start at zero).
    bias:               False gives every layer Z = A W with no bias (S2's lesson: it cannot fit sinc).

    forward copies its input and its output, so editing either in place before backward changes nothing.
    """

    def __init__(self, layer_sizes, activation="relu", output_activation="identity", init="he", seed=0,
                 bias: bool = True):
        sizes = _check_sizes(layer_sizes)
        n_hidden = len(sizes) - 2
        if isinstance(activation, (list, tuple)):
            if len(activation) != n_hidden:
                raise ValueError(
                    f"got {len(activation)} hidden activations for {n_hidden} hidden layers ({sizes})"
                )
            hidden = list(activation)
        else:
            hidden = [activation] * n_hidden
        rng = as_generator(seed)
        self.sizes = sizes
        self.init = init
        self.seed = seed if isinstance(seed, (int, np.integer)) else None
        self.bias = _check_bool(bias, "bias")
        self.layers = []
        for n_in, n_out, act in zip(sizes[:-1], sizes[1:], hidden + [output_activation]):
            self.layers.append(Linear(n_in, n_out, init=init, seed=rng, bias=self.bias))
            self.layers.append(get_activation(act))
        self.activations = [layer.name for layer in self.layers[1::2]]
        kinds = ("W", "b") if self.bias else ("W",)
        names = [f"{p}{i}" for i in range(1, len(sizes)) for p in kinds]
        self._flat = _pack(self.linears)
        self._set_parameters(names, [pair for lin in self.linears for pair in lin.parameters()])
        self._out_shape = None

    def __repr__(self) -> str:
        extra = "" if self.bias else ", bias=False"
        return f"MLP({self.sizes}, activations={self.activations}{extra})"

    @property
    def linears(self):
        """The Linear layers in order: linears[l-1] holds W_l, b_l."""
        return self.layers[0::2]

    def _activation_layers(self):
        return self.layers[1::2]

    def forward(self, X):
        """Ŷ = A_D from A_0 = X: (B, n_0) → (B, n_D), D = depth. Each layer caches what its backward pass needs."""
        A = self._input(X)  # A_0 = X
        for layer in self.layers:
            A = layer.forward(A)  # Z_l = A_{l−1} W_l + 1 b_lᵀ, Eq. (1.2);  A_l = f_l(Z_l), Eq. (1.3)
        return self._output(A)  # Ŷ = A_D, Eq. (1.4)

    __call__ = forward

    def backward(self, dY, *, input_grad: bool = False):
        """Backpropagate dY = ∂L/∂Ŷ (B, n_D): fill every Linear's dW and db.

        Returns ∂L/∂X (B, n_0) with input_grad=True, else None: training does not need it, so by default the
        first layer skips that product, as counted in Eq. (5.7).
        """
        self._check_backward(dY)
        G = dY
        for layer in reversed(self.layers[1:]):
            G = layer.backward(G)  # Δ_l = (Δ_{l+1} W_{l+1}ᵀ) ⊙ f_l'(Z_l), Eq. (5.5), one layer at a time
        return self.layers[0].backward(G, input_grad=input_grad)  # ∇W_1, ∇b_1; G_0 = Δ_1 W_1ᵀ = ∂L/∂X if asked

    def _input(self, X):
        """X as a checked float64 batch, copied if it is the caller's array (the first Linear keeps it)."""
        A = as_batch(X, lambda: f"{self!r} input")
        return A.copy() if A is X else A

    def _output(self, A):
        self._out_shape = A.shape
        return A.copy() if self.layers[-1].reads_output else A  # not the array tanh/sigmoid keep for backward

    def _check_backward(self, dY):
        if self._out_shape is None:
            raise RuntimeError(f"{self!r}.backward was called before forward: run forward first")
        if getattr(dY, "shape", None) != self._out_shape:
            raise ValueError(
                f"{self!r}.backward expects ∂L/∂Ŷ of shape {self._out_shape} (the last output's shape), "
                f"got {getattr(dY, 'shape', type(dY).__name__)}"
            )

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
