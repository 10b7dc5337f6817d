"""Layers of the row-batch MLP: `Linear` and the activations (ReLU, LeakyReLU, Sigmoid, Tanh, Identity).

Forward equations: notebook 01 (Eq. 1.2, 1.3). Activation derivatives: notebook 03 (Eq. 3.1–3.6).
Backward equations: notebook 05 (Eq. 5.1–5.4). Notation: the table in notebook 00.

A batch has one sample per row. For a layer with n_in inputs and n_out outputs, A_prev is (B, n_in),
W is (n_in, n_out), b is (n_out,), Z and Δ = ∂L/∂Z are (B, n_out). Every layer has `forward(X) -> Y`
(caching what backward needs) and `backward(dY) -> dX`, where dY = ∂L/∂Y and dX = ∂L/∂X have the shapes
of Y and X. The cache holds references, not copies: editing in place the array given to `forward` (Linear)
or the array it returned (Sigmoid, Tanh) before `backward` changes the gradients. `MLP` and `Graph` copy
what they are given and what they return, so this concerns only layers used on their own.
"""

from __future__ import annotations

import numpy as np

from .checks import check_positive_int, unknown_name
from .init import as_generator, get_initialiser


def _check_backward(layer, dY, cached):
    """Refuse a backward call before forward, or with a gradient whose shape is not the last output's."""
    if cached is None:
        raise RuntimeError(f"{layer!r}.backward was called before forward: run forward first")
    if getattr(dY, "shape", None) != cached:
        raise ValueError(
            f"{layer!r}.backward expects a gradient of shape {cached} (the shape of its last output), "
            f"got {getattr(dY, 'shape', type(dY).__name__)}"
        )


class Linear:
    """Affine layer Z = A_prev W + 1 bᵀ, Eq. (1.2); gradients Eq. (5.2), (5.3), (5.4).

    W: (fan_in, fan_out) drawn by `init` (a name from course_lib.init.INITIALISERS), b: (fan_out,) zeros.
    After `backward`, `dW` and `db` hold ∂L/∂W and ∂L/∂b (overwritten, not accumulated; they are the same
    array objects for the layer's whole life, so optimizers may hold on to them).
    bias=False makes Z = A_prev W: b stays zero and is not a parameter (S2's bias ablation, notebooks 01, 07).
    """

    def __init__(self, fan_in: int, fan_out: int, init="he", seed=0, bias: bool = True):
        self.fan_in = check_positive_int(fan_in, "Linear fan_in")
        self.fan_out = check_positive_int(fan_out, "Linear fan_out")
        self.bias = _check_bool(bias, "bias")
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        W = get_initialiser(init)(self.fan_in, self.fan_out, as_generator(seed))
        self.W = np.ascontiguousarray(W, dtype=np.float64)
        self.b = np.zeros(self.fan_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self._A_prev = None
        self._params = [(self.W, self.dW), (self.b, self.db)] if self.bias else [(self.W, self.dW)]

    def __repr__(self) -> str:
        extra = "" if self.bias else ", bias=False"
        return f"Linear({self.fan_in}→{self.fan_out}{extra})"

    def forward(self, A_prev: np.ndarray) -> np.ndarray:
        """Z = A_prev W + 1 bᵀ: (B×n_in)(n_in×n_out) + (n_out,) broadcast down the rows → B×n_out."""
        self._check_input(A_prev)
        self._A_prev = A_prev
        Z = A_prev @ self.W  # Eq. (1.2)
        if self.bias:
            Z += self.b  # + 1 bᵀ
        return Z

    def backward(self, Delta: np.ndarray, *, input_grad: bool = True):
        """Given Δ = ∂L/∂Z (B×n_out), fill dW and db; return ∂L/∂A_prev (B×n_in), or None if not input_grad."""
        A_prev = self._A_prev
        _check_backward(self, Delta, None if A_prev is None else (A_prev.shape[0], self.fan_out))
        np.matmul(A_prev.T, Delta, out=self.dW)  # Eq. (5.2) ∇W = A_prevᵀ Δ : (n_in×B)(B×n_out) → n_in×n_out
        if self.bias:
            Delta.sum(axis=0, out=self.db)  # Eq. (5.3) ∇b = Δᵀ 1, the column sums of Δ : n_out
        if input_grad:
            return Delta @ self.W.T  # Eq. (5.4) ∂L/∂A_prev = Δ Wᵀ : (B×n_out)(n_out×n_in) → B×n_in
        return None

    def _check_input(self, A_prev):
        shape = getattr(A_prev, "shape", None)
        if shape is None or len(shape) != 2 or shape[1] != self.fan_in:
            raise ValueError(
                f"{self!r} expects inputs with {self.fan_in} columns (a 2-D array of shape (B, {self.fan_in})), "
                f"got an array of shape {np.shape(A_prev)}"
            )

    def parameters(self):
        """[(W, dW), (b, db)]: each parameter next to its gradient, same shapes ([(W, dW)] with bias=False)."""
        return list(self._params)

    def _use_storage(self, pairs):
        """Keep W, dW (and b, db) in the given arrays from now on (an MLP's flat buffers)."""
        (self.W, self.dW), *rest = pairs
        if self.bias:
            (self.b, self.db), = rest
        self._params = list(pairs)


def _check_bool(value, what):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{what} must be True or False, got {value!r}")
    return bool(value)


class Activation:
    """An element-wise activation f, with its derivative next to it (TF Playground's {output, der} pair).

    Each subclass defines `fn(Z)` and `derivative(Z)` (the formulas of notebook 03) and `local_grad()`,
    f'(Z) of the last forward pass, read from what `forward` cached. `forward(Z)` returns A = f(Z),
    Eq. (1.3); `backward(G)` takes G = ∂L/∂A and returns Δ = G ⊙ f'(Z), Eq. (5.1).
    """

    name = "activation"
    has_kink = False  # True where f' jumps (finite differences across the jump are meaningless)
    reads_output = False  # True where local_grad reads the returned A (editing A would change Δ)

    def __init__(self):
        self._Z = self._A = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """A = f(Z), Eq. (1.3); caches Z and A for backward."""
        self._Z, self._A = Z, self.fn(Z)
        return self._A

    def local_grad(self) -> np.ndarray:
        """f'(Z) for the Z of the last forward pass."""
        return self.derivative(self._Z)

    def backward(self, G: np.ndarray) -> np.ndarray:
        """Δ = G ⊙ f'(Z): (B×n) ⊙ (B×n) → B×n. G is ∂L/∂A."""
        _check_backward(self, G, None if self._Z is None else self._Z.shape)
        return G * self.local_grad()  # Eq. (5.1)

    def parameters(self):
        """Activations have no parameters."""
        return []


class Identity(Activation):
    """f(z) = z, f'(z) = 1, Eq. (3.6). The usual output activation for regression."""

    name = "identity"

    @staticmethod
    def fn(Z):
        """f(Z) = Z."""
        return Z

    @staticmethod
    def derivative(Z):
        """f'(Z) = 1."""
        return np.ones_like(Z)

    def local_grad(self):
        """f' = 1 (a scalar: G ⊙ 1 = G)."""
        return 1.0


class ReLU(Activation):
    """f(z) = max(0, z), f'(z) = 1 if z > 0 else 0, Eq. (3.1) (we take f'(0) = 0, like PyTorch)."""

    name = "relu"
    has_kink = True

    @staticmethod
    def fn(Z):
        """max(0, Z)."""
        return np.maximum(Z, 0.0)

    @staticmethod
    def derivative(Z):
        """1 where Z > 0, else 0."""
        return (Z > 0).astype(np.float64)


class LeakyReLU(Activation):
    """f(z) = z if z > 0 else αz, f'(z) = 1 if z > 0 else α, Eq. (3.2); α = negative_slope."""

    name = "leaky_relu"
    has_kink = True

    def __init__(self, negative_slope: float = 0.01):
        super().__init__()
        self.negative_slope = float(negative_slope)

    def __repr__(self) -> str:
        return f"LeakyReLU({self.negative_slope})"

    def fn(self, Z):
        """Z where Z > 0, αZ elsewhere."""
        return np.where(Z > 0, Z, self.negative_slope * Z)

    def derivative(self, Z):
        """1 where Z > 0, α elsewhere."""
        return np.where(Z > 0, 1.0, self.negative_slope)


class Sigmoid(Activation):
    """σ(z) = 1/(1+e^(−z)), σ'(z) = σ(z)(1 − σ(z)), Eq. (3.3); computed stably, Eq. (3.4)."""

    name = "sigmoid"
    reads_output = True

    @staticmethod
    def fn(Z):
        """Stable σ(Z), Eq. (3.4): with e = exp(−|z|) ≤ 1, σ = 1/(1+e) for z ≥ 0 and e/(1+e) for z < 0.

        No exp ever sees a large positive argument, so there is no overflow warning for any finite z.
        """
        e = np.exp(-np.abs(Z))
        return np.where(Z >= 0, 1.0, e) / (1.0 + e)

    @staticmethod
    def derivative(Z):
        """σ'(Z) = σ(Z)(1 − σ(Z)), Eq. (3.3)."""
        s = Sigmoid.fn(Z)
        return s * (1.0 - s)

    def local_grad(self):
        """σ'(Z) = A(1 − A), Eq. (3.3), from the cached output A."""
        return self._A * (1.0 - self._A)


class Tanh(Activation):
    """f(z) = tanh z, f'(z) = 1 − tanh² z, Eq. (3.5)."""

    name = "tanh"
    reads_output = True

    @staticmethod
    def fn(Z):
        """tanh(Z)."""
        return np.tanh(Z)

    @staticmethod
    def derivative(Z):
        """1 − tanh²(Z), Eq. (3.5)."""
        return 1.0 - np.tanh(Z) ** 2

    def local_grad(self):
        """tanh'(Z) = 1 − A², Eq. (3.5), from the cached output A."""
        return 1.0 - self._A * self._A


ACTIVATIONS = {cls.name: cls for cls in (ReLU, LeakyReLU, Sigmoid, Tanh, Identity)}


def get_activation(name) -> Activation:
    """A new activation layer from its name ("relu", "leaky_relu", "sigmoid", "tanh", "identity") or class.

    Instances are refused on purpose: each layer needs its own, because it caches its forward pass.
    """
    if isinstance(name, type) and issubclass(name, Activation):
        return name()
    try:
        return ACTIVATIONS[name]()
    except (KeyError, TypeError):
        raise unknown_name("activation", name, ACTIVATIONS) from None
