"""Layers of the row-batch MLP: `Linear` and the activations (ReLU, LeakyReLU, Sigmoid, Tanh, Identity).

Forward equations: notebook 01 (Eq. 1.2, 1.3). Activation derivatives: notebook 03 (Eq. 3.1–3.6).
Backward equations: notebook 05 (Eq. 5.1–5.4).

Convention (COURSE_STYLE §1): a batch has one sample per row. For a layer with n_in inputs and n_out
outputs, A_prev is (B, n_in), W is (n_in, n_out), b is (n_out,), Z and Δ = ∂L/∂Z are (B, n_out).
Every layer has `forward(X) -> Y` (caching what backward needs) and `backward(dY) -> dX`, where dY is
∂L/∂Y and dX is ∂L/∂X, both in the shape of what they differentiate.
"""

from __future__ import annotations

import numpy as np

from .checks import unknown_name
from .init import as_generator, get_initialiser


def _bad_grad(layer, dY, expected_shape):
    """The error for a backward call before forward, or with a gradient of the wrong shape."""
    if expected_shape is None:
        return RuntimeError(f"{layer!r}.backward was called before forward: run forward first")
    return ValueError(
        f"{layer!r}.backward expects a gradient of shape {expected_shape} (the shape of its last output), "
        f"got {getattr(dY, 'shape', type(dY).__name__)}"
    )


class Linear:
    """Affine layer Z = A_prev W + 1 bᵀ, Eq. (1.2); gradients Eq. (5.2), (5.3), (5.4).

    W: (fan_in, fan_out) drawn by `init` (a name from course_lib.init.INITIALISERS), b: (fan_out,) zeros.
    After `backward`, `dW` and `db` hold ∂L/∂W and ∂L/∂b (overwritten, not accumulated; they are the same
    array objects for the layer's whole life, so optimisers may hold on to them).
    bias=False makes Z = A_prev W: b stays zero and is not a parameter (S2's bias ablation, notebooks 01, 07).
    """

    def __init__(self, fan_in: int, fan_out: int, init="he", seed=0, bias: bool = True):
        for what, n in (("fan_in", fan_in), ("fan_out", fan_out)):
            if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
                raise ValueError(f"Linear {what} must be a positive integer (a layer width), got {n!r}")
        self.fan_in, self.fan_out = int(fan_in), int(fan_out)
        self.bias = bool(bias)
        self.init = init if isinstance(init, str) else getattr(init, "__name__", "custom")
        W = get_initialiser(init)(self.fan_in, self.fan_out, as_generator(seed))
        self.W = np.ascontiguousarray(W, dtype=np.float64)
        self.b = np.zeros(self.fan_out)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self._A_prev = None
        self._ones = np.ones(1)

    def __repr__(self) -> str:
        extra = "" if self.bias else ", bias=False"
        return f"Linear({self.fan_in}→{self.fan_out}{extra})"

    def forward(self, A_prev: np.ndarray) -> np.ndarray:
        """Z = A_prev W + 1 bᵀ, Eq. (1.2): (B×n_in)(n_in×n_out) + (n_out,) broadcast down the rows → B×n_out."""
        shape = getattr(A_prev, "shape", None)
        if shape is None or len(shape) != 2 or shape[1] != self.fan_in:
            raise ValueError(
                f"{self!r} expects inputs with {self.fan_in} columns (a 2-D array of shape (B, {self.fan_in})), "
                f"got an array of shape {np.shape(A_prev)}"
            )
        self._A_prev = A_prev
        Z = A_prev @ self.W
        if self.bias:
            Z += self.b
        return Z

    def backward(self, Delta: np.ndarray) -> np.ndarray:
        """Given Δ = ∂L/∂Z (B×n_out), fill dW (Eq. 5.2), db (Eq. 5.3) and return ∂L/∂A_prev (Eq. 5.4).

        ∇W = A_prevᵀ Δ : (n_in×B)(B×n_out) → n_in×n_out
        ∇b = Δᵀ 1      : (n_out×B)(B)      → n_out
        ∂L/∂A_prev = Δ Wᵀ : (B×n_out)(n_out×n_in) → B×n_in
        """
        A_prev = self._A_prev
        if A_prev is None or getattr(Delta, "shape", None) != (A_prev.shape[0], self.fan_out):
            raise _bad_grad(self, Delta, None if A_prev is None else (A_prev.shape[0], self.fan_out))
        np.matmul(A_prev.T, Delta, out=self.dW)
        if self.bias:
            if self._ones.shape[0] != Delta.shape[0]:
                self._ones = np.ones(Delta.shape[0])
            np.dot(self._ones, Delta, out=self.db)
        return Delta @ self.W.T

    def parameters(self):
        """[(W, dW), (b, db)]: each parameter next to its gradient, same shapes ([(W, dW)] with bias=False)."""
        return [(self.W, self.dW), (self.b, self.db)] if self.bias else [(self.W, self.dW)]


class Activation:
    """An element-wise activation f with its derivative f' (TF Playground's {output, der} pair).

    `forward(Z)` returns A = f(Z), Eq. (1.3); `backward(G)` takes G = ∂L/∂A and returns
    Δ = G ⊙ f'(Z), Eq. (5.1). Subclasses define `fn` and `derivative` (functions of Z) and may override
    forward/backward to reuse what the forward pass computed.
    """

    name = "activation"
    has_kink = False  # True where f' jumps (finite differences across the jump are meaningless)

    def __init__(self):
        self._Z = None

    def __repr__(self) -> str:
        return f"{type(self).__name__}()"

    @staticmethod
    def fn(Z):
        """f(Z), element-wise."""
        raise NotImplementedError

    @staticmethod
    def derivative(Z):
        """f'(Z), element-wise."""
        raise NotImplementedError

    def forward(self, Z: np.ndarray) -> np.ndarray:
        """A = f(Z), Eq. (1.3); caches Z for backward."""
        self._Z = Z
        return self.fn(Z)

    def backward(self, G: np.ndarray) -> np.ndarray:
        """Δ = G ⊙ f'(Z), Eq. (5.1): (B×n) ⊙ (B×n) → B×n. G is ∂L/∂A."""
        Z = self._Z
        if Z is None or getattr(G, "shape", None) != Z.shape:
            raise _bad_grad(self, G, None if Z is None else Z.shape)
        return G * self.derivative(Z)

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

    def forward(self, Z):
        """A = Z, Eq. (1.3)."""
        self._Z = Z
        return Z

    def backward(self, G):
        """Δ = G, Eq. (5.1) with f' = 1."""
        Z = self._Z
        if Z is None or getattr(G, "shape", None) != Z.shape:
            raise _bad_grad(self, G, None if Z is None else Z.shape)
        return G


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

    def backward(self, G):
        """Δ = G ⊙ 1[Z > 0], Eq. (5.1) with Eq. (3.1)."""
        Z = self._Z
        if Z is None or getattr(G, "shape", None) != Z.shape:
            raise _bad_grad(self, G, None if Z is None else Z.shape)
        return G * (Z > 0)


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

    def __init__(self):
        super().__init__()
        self._A = None

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

    def forward(self, Z):
        """A = σ(Z), cached: backward needs only A."""
        self._Z = Z
        self._A = self.fn(Z)
        return self._A

    def backward(self, G):
        """Δ = G ⊙ A(1 − A), Eq. (5.1) with Eq. (3.3)."""
        A = self._A
        if A is None or getattr(G, "shape", None) != A.shape:
            raise _bad_grad(self, G, None if A is None else A.shape)
        D = 1.0 - A  # one temporary, reused: D = G ⊙ A ⊙ (1 − A)
        D *= A
        D *= G
        return D


class Tanh(Activation):
    """f(z) = tanh z, f'(z) = 1 − tanh² z, Eq. (3.5)."""

    name = "tanh"

    def __init__(self):
        super().__init__()
        self._A = None

    @staticmethod
    def fn(Z):
        """tanh(Z)."""
        return np.tanh(Z)

    @staticmethod
    def derivative(Z):
        """1 − tanh²(Z), Eq. (3.5)."""
        return 1.0 - np.tanh(Z) ** 2

    def forward(self, Z):
        """A = tanh(Z), cached: backward needs only A."""
        self._Z = Z
        self._A = np.tanh(Z)
        return self._A

    def backward(self, G):
        """Δ = G ⊙ (1 − A²), Eq. (5.1) with Eq. (3.5)."""
        A = self._A
        if A is None or getattr(G, "shape", None) != A.shape:
            raise _bad_grad(self, G, None if A is None else A.shape)
        D = A * A  # one temporary, reused: D = G ⊙ (1 − A ⊙ A)
        np.subtract(1.0, D, out=D)
        D *= G
        return D


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
