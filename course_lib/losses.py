"""Losses with their exact gradients: `MSELoss` and `BCEWithLogitsLoss`. Derived in notebook 03.

A loss is called as `loss(Y, T) -> float` and `loss.grad(Y, T) -> dY`, where dY = ∂L/∂Y is the exact
derivative of that same float (same reduction, same scale), in Y's shape. Y and T are (B, n_out).
The loss-scale table of notebook 03: ∂L/∂Y = s·(Y − T) with s = 2 for a sum of squares, 1 for ½·sum,
2/(B·n_out) for the mean of squares.
"""

from __future__ import annotations

import math

import numpy as np

from .checks import check_finite, unknown_name

_F64 = np.dtype(np.float64)


def _check_pair(loss, Y, T, R=None):
    """Check predictions Y and targets T (same shape, non-empty, finite); return them as float arrays.

    When the residual R = Y − T is already computed, its sum is the cheap finiteness test: a NaN or Inf in
    Y or T makes R, and so its sum, non-finite. Only then are Y and T scanned for the error message.
    """
    Y = np.asarray(Y, dtype=np.float64)
    T = np.asarray(T, dtype=np.float64)
    if Y.shape != T.shape:
        raise ValueError(
            f"{loss!r}: predictions and targets must have the same shape, "
            f"got predictions {Y.shape} and targets {T.shape}"
        )
    if Y.size == 0:
        raise ValueError(f"{loss!r}: empty batch (predictions of shape {Y.shape})")
    if R is None or not math.isfinite(float(np.add.reduce(R, axis=None))):
        check_finite(Y, lambda: f"{loss!r} predictions")
        check_finite(T, lambda: f"{loss!r} targets")
    return Y, T


class _Loss:
    """What every loss shares: its reduction ("mean" over all B·n_out entries, or "sum") and its repr."""

    REDUCTIONS = ("mean", "sum")

    def __init__(self, reduction: str = "mean"):
        if reduction not in self.REDUCTIONS:
            raise unknown_name("reduction", reduction, self.REDUCTIONS)
        self.reduction = reduction

    def __repr__(self) -> str:
        return f"{type(self).__name__}(reduction={self.reduction!r})"


class MSELoss(_Loss):
    """Squared error, Eq. (3.7) and (3.8).

    reduction="mean" (default):  L = 1/(B·n_out) · Σ_ij (Y_ij − T_ij)²,  ∂L/∂Y = 2/(B·n_out) · (Y − T)
    reduction="sum":             L = Σ_ij (Y_ij − T_ij)²,                ∂L/∂Y = 2 · (Y − T)
    The mean is what PyTorch's nn.MSELoss() computes; note the factor 2 (no ½ in front).
    """


    def scale(self, Y) -> float:
        """s in ∂L/∂Y = s·(Y − T): 2/(B·n_out) for "mean", 2 for "sum"."""
        return 2.0 / np.size(Y) if self.reduction == "mean" else 2.0

    def __call__(self, Y, T) -> float:
        """L(Y, T) as a Python float, Eq. (3.7) or (3.8)."""
        Y, T = _check_pair(self, Y, T)
        R = Y - T
        total = float(np.vdot(R, R))
        return total / R.size if self.reduction == "mean" else total

    def grad(self, Y, T) -> np.ndarray:
        """∂L/∂Y = s·(Y − T), Eq. (3.7) or (3.8), same shape as Y."""
        if type(Y) is np.ndarray and type(T) is np.ndarray and Y.shape == T.shape and Y.size:
            G = Y - T  # the common case: two arrays of one shape
            if G.dtype is not _F64:
                G = G.astype(np.float64)
            if not math.isfinite(G.sum()):
                _check_pair(self, Y, T)  # a NaN or Inf in Y or T: say which and where
        else:
            Y, T = _check_pair(self, Y, T)
            G = Y - T
        G *= 2.0 / G.size if self.reduction == "mean" else 2.0
        return G


class BCEWithLogitsLoss(_Loss):
    """Sigmoid fused with binary cross-entropy, computed from logits Z, Eq. (3.9) and (3.10).

    With p = σ(z):  ℓ(z, t) = −[t log p + (1 − t) log(1 − p)] = max(z, 0) − t·z + log(1 + e^(−|z|))
    reduction="mean": L = mean of ℓ over all B·n_out entries;  ∂L/∂Z = (σ(Z) − T)/(B·n_out)
    reduction="sum":  L = Σ ℓ;                                 ∂L/∂Z = σ(Z) − T
    The stable form never exponentiates a positive number, so large |z| gives no overflow and no NaN.
    Targets must lie in [0, 1] (probabilities; usually exactly 0 or 1).
    """


    def _check(self, Z, T):
        Z, T = _check_pair(self, Z, T)
        if T.min() < 0.0 or T.max() > 1.0:
            raise ValueError(
                f"{self!r}: targets must lie in [0, 1] (probabilities), got values from {T.min():g} to {T.max():g}"
            )
        return Z, T

    def __call__(self, Z, T) -> float:
        """L(Z, T) from logits Z, Eq. (3.9), as a Python float."""
        Z, T = self._check(Z, T)
        ell = np.maximum(Z, 0.0) - T * Z + np.log1p(np.exp(-np.abs(Z)))
        total = float(ell.sum())
        return total / Z.size if self.reduction == "mean" else total

    def grad(self, Z, T) -> np.ndarray:
        """∂L/∂Z = (σ(Z) − T)·s with s = 1/(B·n_out) for "mean", 1 for "sum", Eq. (3.10)."""
        from .layers import Sigmoid

        Z, T = self._check(Z, T)
        G = Sigmoid.fn(Z) - T
        if self.reduction == "mean":
            G /= Z.size
        return G


LOSSES = {"mse": MSELoss, "bce_with_logits": BCEWithLogitsLoss}


def get_loss(name):
    """A loss object from its name ("mse", "bce_with_logits"), or the object itself."""
    if hasattr(name, "grad") and callable(name):
        return name
    try:
        return LOSSES[name]()
    except (KeyError, TypeError):
        raise unknown_name("loss", name, LOSSES) from None
