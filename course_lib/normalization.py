"""Normalisation and dropout layers: `BatchNorm1d`, `LayerNorm`, `Dropout`. Derived in notebook 13.

Row-batch convention: X is (B, n), one sample per row. BatchNorm normalises each feature (column) over the
batch, Eq. (13.3)–(13.4); LayerNorm normalises each sample (row) over its features, Eq. (13.11); Dropout zeroes
entries at random in training and rescales the rest, Eq. (13.1). Every layer has `forward(X) -> Y`,
`backward(dY) -> dX` and `parameters()` as (value, gradient) pairs — [(gamma, dgamma), (beta, dbeta)] for the
two normalisations, [] for Dropout — and `train()` / `eval()` (the mode changes what BatchNorm and Dropout do;
LayerNorm does the same in both). Names and defaults follow PyTorch (torch.nn.BatchNorm1d, LayerNorm, Dropout).
"""

from __future__ import annotations

import numbers

import numpy as np

from .checks import as_batch, check_positive_int
from .init import as_generator
from .layers import _check_backward

_sum = np.add.reduce  # column or row sums without np.sum's dispatch (BatchNorm runs in every training step)


def _real(value, what, low, high=np.inf, *, low_open=False, high_open=True):
    """value as a float in the interval (low, high) with the given open ends; the error names both."""
    interval = f"{'(' if low_open else '['}{low:g}, {high:g}{')' if high_open else ']'}"
    ok = isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_))
    x = float(value) if ok else np.nan
    inside = (x > low if low_open else x >= low) and (x < high if high_open else x <= high)
    if not (ok and np.isfinite(x) and inside):
        raise ValueError(f"{what} must be a number in {interval}, got {value!r}")
    return x


class _Layer:
    """What the three layers share: a train/eval mode and an input check naming expected vs got."""

    training = True

    def train(self, mode: bool = True):
        """Training mode (the default); returns the layer, as PyTorch's train() does."""
        if not isinstance(mode, (bool, np.bool_)):
            raise TypeError(f"train(mode) takes True or False, got {mode!r}")
        self.training = bool(mode)
        return self

    def eval(self):
        """Evaluation mode: train(False)."""
        return self.train(False)

    def _input(self, X, n=None):
        X = as_batch(X, lambda: f"{self!r} input")
        if n is not None and X.shape[1] != n:
            raise ValueError(f"{self!r} expects inputs with {n} columns (a 2-D array of shape (B, {n})), "
                             f"got an array of shape {X.shape}")
        return X


class _Norm(_Layer):
    """gamma and beta, with their gradients next to them (the same arrays for the layer's whole life)."""

    def __init__(self, num_features, eps):
        self.num_features = check_positive_int(num_features, f"{type(self).__name__} num_features")
        self.eps = _real(eps, f"{type(self).__name__} eps", 0.0, low_open=True)
        self.gamma = np.ones(self.num_features)
        self.beta = np.zeros(self.num_features)
        self.dgamma = np.zeros(self.num_features)
        self.dbeta = np.zeros(self.num_features)
        self._Xhat = self._inv_std = None

    def parameters(self):
        """[(gamma, dgamma), (beta, dbeta)], each (num_features,)."""
        return [(self.gamma, self.dgamma), (self.beta, self.dbeta)]

    def _affine(self, Xhat, inv_std):
        self._Xhat, self._inv_std = Xhat, inv_std
        return Xhat * self.gamma + self.beta  # Y = X̂ diag(γ) + 1 βᵀ, Eq. (13.4)

    def _param_grads(self, dY):
        """∇γ = column sums of dY ⊙ X̂, ∇β = column sums of dY, Eq. (13.6); returns G = ∂L/∂X̂ = dY diag(γ)."""
        _check_backward(self, dY, None if self._Xhat is None else self._Xhat.shape)
        _sum(dY * self._Xhat, 0, out=self.dgamma)
        _sum(dY, 0, out=self.dbeta)
        return dY * self.gamma


class BatchNorm1d(_Norm):
    """Batch normalisation over the batch (one mean and variance per feature), as torch.nn.BatchNorm1d.

    Training: batch statistics μ, σ² (biased variance) normalise X, Eq. (13.3)–(13.4); the running statistics
    are updated as PyTorch does, Eq. (13.5): running_mean ← (1 − m)·running_mean + m·μ and
    running_var ← (1 − m)·running_var + m·σ²·B/(B − 1) (the unbiased variance), m = momentum. They start at
    0 and 1. Evaluation: the running statistics normalise X instead, Eq. (13.10), so each sample's output
    depends on that sample alone. Backward: ∇γ, ∇β by Eq. (13.6); ∂L/∂X by the compact formula Eq. (13.9) in
    training (every sample's gradient depends on the whole batch) and by Eq. (13.10) in evaluation.
    A training batch needs at least two samples (one sample has no spread to normalise by).
    """

    def __init__(self, num_features: int, eps: float = 1e-5, momentum: float = 0.1):
        super().__init__(num_features, eps)
        self.momentum = _real(momentum, "BatchNorm1d momentum", 0.0, 1.0, high_open=False)
        self.running_mean = np.zeros(self.num_features)
        self.running_var = np.ones(self.num_features)
        self.num_batches_tracked = 0
        self._trained = None  # the mode of the last forward pass (backward follows it)

    def __repr__(self) -> str:
        return f"BatchNorm1d({self.num_features})"

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Y = X̂ diag(γ) + 1 βᵀ : (B, n) → (B, n), with X̂ from the batch (training) or running statistics."""
        X = self._input(X, self.num_features)
        B = X.shape[0]
        self._trained = self.training
        if not self.training:
            inv_std = 1.0 / np.sqrt(self.running_var + self.eps)  # Eq. (13.10)
            return self._affine((X - self.running_mean) * inv_std, inv_std)
        if B < 2:
            raise ValueError(f"{self!r} in training mode needs a batch of at least 2 samples to compute the "
                             f"batch statistics, got a batch of {B} (shape {X.shape}); call .eval() to use the "
                             "running statistics instead")
        mu = _sum(X, 0) / B  # μ = (1/B) Xᵀ 1 : (n,), Eq. (13.3)
        C = X - mu
        var = _sum(C * C, 0) / B  # σ² = (1/B) Σ_i (x_i − μ)², biased, Eq. (13.3)
        inv_std = 1.0 / np.sqrt(var + self.eps)
        m = self.momentum
        self.running_mean *= 1.0 - m  # Eq. (13.5), in place: the same arrays for the layer's whole life
        self.running_mean += m * mu
        self.running_var *= 1.0 - m
        self.running_var += m * var * (B / (B - 1))  # the unbiased variance, as PyTorch keeps it
        self.num_batches_tracked += 1
        return self._affine(C * inv_std, inv_std)  # X̂ = (X − 1μᵀ) diag(σ² + ε)^(−1/2), Eq. (13.4)

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """∂L/∂X (B, n) from dY = ∂L/∂Y (B, n); fills dgamma and dbeta, Eq. (13.6)."""
        G = self._param_grads(dY)
        if not self._trained:
            return G * self._inv_std  # Eq. (13.10): a fixed affine map, one sample at a time
        Xhat = self._Xhat
        # Eq. (13.9): ∂L/∂X = (G − 1 ḡᵀ − X̂ diag(mean of G ⊙ X̂)) diag(σ² + ε)^(−1/2), means over the batch
        B = G.shape[0]
        return (G - _sum(G, 0) / B - Xhat * (_sum(G * Xhat, 0) / B)) * self._inv_std


class LayerNorm(_Norm):
    """Layer normalisation over the features of each sample, as torch.nn.LayerNorm(num_features).

    Each row is normalised by its own mean and (biased) variance, Eq. (13.11), then scaled by γ and shifted by
    β; the backward pass is Eq. (13.9) with the roles of rows and columns exchanged, Eq. (13.12). The samples
    never meet, so there is no running statistic and training and evaluation do the same thing.
    """

    def __init__(self, num_features: int, eps: float = 1e-5):
        super().__init__(num_features, eps)

    def __repr__(self) -> str:
        return f"LayerNorm({self.num_features})"

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Y = X̂ diag(γ) + 1 βᵀ : (B, n) → (B, n), X̂ normalised row by row, Eq. (13.11)."""
        X = self._input(X, self.num_features)
        C = X - X.mean(axis=1, keepdims=True)  # each row minus its own mean : (B, n)
        inv_std = 1.0 / np.sqrt(np.mean(C * C, axis=1, keepdims=True) + self.eps)  # (B, 1)
        return self._affine(C * inv_std, inv_std)

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """∂L/∂X (B, n), Eq. (13.12); fills dgamma and dbeta, Eq. (13.6)."""
        G = self._param_grads(dY)
        Xhat = self._Xhat
        return (G - G.mean(axis=1, keepdims=True) - Xhat * np.mean(G * Xhat, axis=1, keepdims=True)) * self._inv_std


class Dropout(_Layer):
    """Inverted dropout, as torch.nn.Dropout(p): in training each entry is kept with probability 1 − p and
    the kept ones are divided by 1 − p, Eq. (13.1), so E[Y] = X and evaluation needs no change (Y = X).

    `mask` holds the last training forward pass's keep mask (a float array of 0s and 1s, X's shape; None after
    an evaluation pass); backward multiplies by the same mask and scale, Eq. (13.2). The masks are drawn from
    one Generator made from `seed`, so a run is reproducible. No parameters.
    """

    def __init__(self, p: float = 0.5, seed=0):
        self.p = _real(p, "Dropout p (the probability of dropping an entry)", 0.0, 1.0)
        self._rng = as_generator(seed)
        self.mask = None
        self._shape = None

    def __repr__(self) -> str:
        return f"Dropout(p={self.p:g})"

    def forward(self, X: np.ndarray) -> np.ndarray:
        """Y = X ⊙ M / (1 − p) in training, M_ij ~ Bernoulli(1 − p), Eq. (13.1); Y = X in evaluation."""
        X = self._input(X)
        self._shape = X.shape
        if not self.training:
            self.mask = None
            return X.copy()
        self.mask = (self._rng.random(X.shape) >= self.p).astype(np.float64)
        return X * self.mask / (1.0 - self.p)

    def backward(self, dY: np.ndarray) -> np.ndarray:
        """∂L/∂X = dY ⊙ M / (1 − p), Eq. (13.2) (dY itself, copied, after an evaluation pass)."""
        _check_backward(self, dY, self._shape)
        if self.mask is None:
            return dY.copy()
        return dY * self.mask / (1.0 - self.p)

    def parameters(self):
        """Dropout has no parameters."""
        return []
