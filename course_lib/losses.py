"""Losses with their exact gradients: `MSELoss` and `BCEWithLogitsLoss`. Derived in notebook 03.

A loss is called as `loss(Y, T) -> float` and `loss.grad(Y, T) -> dY`, where dY = ∂L/∂Y is the exact
derivative of that same float (same reduction, same scale), in Y's shape. Y and T are (B, n_out).
The loss-scale table of notebook 03: ∂L/∂Y = s·(Y − T) with s = 2 for a sum of squares, 1 for ½·sum,
2/(B·n_out) for the mean of squares.
"""

from __future__ import annotations

import math

import numpy as np

from .checks import as_real, check_finite, unknown_name
from .layers import Sigmoid

_F64 = np.dtype(np.float64)


def _check_pair(loss, Y, T):
    """Check predictions Y and targets T (real, same shape, non-empty, finite); return them as float arrays."""
    Y = as_real(Y, lambda: f"{loss!r} predictions")
    T = as_real(T, lambda: f"{loss!r} targets")
    if Y.shape != T.shape:
        raise ValueError(
            f"{loss!r}: predictions and targets must have the same shape, "
            f"got predictions {Y.shape} and targets {T.shape}"
        )
    if Y.size == 0:
        raise ValueError(f"{loss!r}: empty batch (predictions of shape {Y.shape})")
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

    def scale(self, R) -> float:
        """s in ∂L/∂Y = s·(Y − T): 2/(B·n_out) for "mean", 2 for "sum"."""
        return 2.0 / R.size if self.reduction == "mean" else 2.0

    def __call__(self, Y, T) -> float:
        """L(Y, T) as a Python float, Eq. (3.7) or (3.8)."""
        R = self._residual(Y, T)
        total = float(np.vdot(R, R))
        return total / R.size if self.reduction == "mean" else total

    def grad(self, Y, T) -> np.ndarray:
        """∂L/∂Y = s·(Y − T), same shape as Y (s from `scale`: 2/(B·n_out) for "mean", 2 for "sum")."""
        R = self._residual(Y, T)  # Y − T
        return self.scale(R) * R  # Eq. (3.7) or (3.8)

    def _residual(self, Y, T):
        """R = Y − T after checking Y and T (real arrays of one shape, non-empty, finite)."""
        if type(Y) is np.ndarray and type(T) is np.ndarray and Y.dtype == T.dtype == _F64 and Y.shape == T.shape:
            R = Y - T  # the common case: only the finiteness of R is left to check
            if R.size and math.isfinite(np.add.reduce(R, axis=None)):
                return R
        Y, T = _check_pair(self, Y, T)
        return Y - T


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
        ell = np.maximum(Z, 0.0) - T * Z + np.log1p(np.exp(-np.abs(Z)))  # Eq. (3.9), element-wise
        total = float(ell.sum())
        return total / Z.size if self.reduction == "mean" else total

    def grad(self, Z, T) -> np.ndarray:
        """∂L/∂Z = (σ(Z) − T)·s with s = 1/(B·n_out) for "mean", 1 for "sum", Eq. (3.10)."""
        Z, T = self._check(Z, T)
        s = 1.0 / Z.size if self.reduction == "mean" else 1.0
        return s * (Sigmoid.fn(Z) - T)  # Eq. (3.10)


LOSSES = {"mse": MSELoss, "bce_with_logits": BCEWithLogitsLoss}


def get_loss(name):
    """A loss object from its name ("mse", "bce_with_logits"), or the object itself."""
    if hasattr(name, "grad") and callable(name):
        return name
    try:
        return LOSSES[name]()
    except (KeyError, TypeError):
        raise unknown_name("loss", name, LOSSES) from None
