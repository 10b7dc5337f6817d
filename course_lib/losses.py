"""Losses with their exact gradients: `MSELoss` and `BCEWithLogitsLoss`. Derived in notebook 03.

A loss is called as `loss(Y, T) -> float` and `loss.grad(Y, T) -> dY`, where dY = ∂L/∂Y is the exact
derivative of that same float (same reduction, same scale), in Y's shape. Y and T are (B, n_out).
The loss-scale table of notebook 03: ∂L/∂Y = s·(Y − T) with s = 2 for a sum of squares, 1 for ½·sum,
2/(B·n_out) for the mean of squares.
"""

from __future__ import annotations

import numpy as np

from .checks import as_real, check_finite, surely_finite, unknown_name
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
            if R.size and surely_finite(R):
                return R
        Y, T = _check_pair(self, Y, T)
        return Y - T


class BCEWithLogitsLoss(_Loss):
    """Sigmoid fused with binary cross-entropy, computed from logits Z, Eq. (3.9) and (3.10).

    With p = σ(z):  ℓ(z, t) = −[t log p + (1 − t) log(1 − p)] = max(z, 0) − t·z + log(1 + e^(−|z|))
    reduction="mean": L = mean of ℓ over all B·n_out entries;  ∂L/∂Z = (σ(Z) − T)/(B·n_out)
    reduction="sum":  L = Σ ℓ;                                 ∂L/∂Z = σ(Z) − T
    The stable form never exponentiates a positive number, and each term is at most |z| + log 2, so any finite
    logits give a finite loss (the mean too, where the sum of the terms would pass float64's largest number).
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
        return _reduce(ell, Z.size, self.reduction)

    def grad(self, Z, T) -> np.ndarray:
        """∂L/∂Z = (σ(Z) − T)·s with s = 1/(B·n_out) for "mean", 1 for "sum", Eq. (3.10)."""
        Z, T = self._check(Z, T)
        s = 1.0 / Z.size if self.reduction == "mean" else 1.0
        return s * (Sigmoid.fn(Z) - T)  # Eq. (3.10)


def _reduce(ell, n, reduction) -> float:
    """Σ ell ("sum") or Σ ell / n ("mean") as a Python float, ell an array of per-entry terms. If the sum passes
    float64's largest number while every term is finite, the mean is taken as Σ (ell / n): no intermediate overflow."""
    with np.errstate(over="ignore"):  # a sum beyond float64 is inf, the nearest float: no warning
        total = float(ell.sum())
    if reduction == "sum":
        return total
    if not np.isfinite(total) and np.all(np.isfinite(ell)):
        return float((ell / n).sum())
    return total / n


LOSSES = {"mse": MSELoss, "bce_with_logits": BCEWithLogitsLoss}


def get_loss(name):
    """A loss object from its name ("mse", "bce_with_logits"), or the object itself."""
    if hasattr(name, "grad") and callable(name):
        return name
    try:
        return LOSSES[name]()
    except (KeyError, TypeError):
        raise unknown_name("loss", name, LOSSES) from None


# ---------------------------------------------------------------------------------------------------------
# Several classes: softmax and cross-entropy from logits. Derived in notebook 12 (an extension after 11).
# ---------------------------------------------------------------------------------------------------------


def _check_logits(Z, what) -> np.ndarray:
    """Z as a float64 (B, C) array of finite logits with C >= 2, or a ValueError naming what came."""
    if isinstance(Z, np.ndarray) and Z.dtype == bool:
        raise ValueError(f"{what} must be real-valued logits, got a boolean array")
    try:
        Z = np.asarray(Z, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"{what} must be a numeric array of logits (B, C), got {type(Z).__name__}") from None
    if Z.ndim != 2 or Z.shape[0] == 0 or Z.shape[1] < 2:
        raise ValueError(
            f"{what} must be a 2-D array of logits (B, C): one row per sample, one column per class, B >= 1 and "
            f"C >= 2; got an array of shape {Z.shape}"
        )
    check_finite(Z, what)
    return Z


def _shifted(Z):
    """S = Z − m with m the row maxima (B, 1): every entry of S is <= 0. Where a row spans more than float64's
    range (z_max − z_ik > 1.8e308, e.g. [1e308, −1e308]) the entry rounds to −inf, the float nearest to it; no
    warning is raised for that rounding."""
    m = Z.max(axis=1, keepdims=True)
    with np.errstate(over="ignore"):
        return Z - m, m


def log_softmax(Z) -> np.ndarray:
    """log p for every row of the logits Z (B, C), computed stably, Eq. (12.5).

    log p_rk = z_rk − m_r − log Σ_j exp(z_rj − m_r) with m_r = max_j z_rj (sample r, class k): every exponent is
    <= 0, so no exp overflows, and the largest term of the sum is exactly 1, so the log never sees 0. Any finite
    logits work; an entry whose log p is below −1.8e308 (only in a row spanning more than float64's range) is −inf,
    the nearest float.
    """
    Z = _check_logits(Z, "log_softmax input")
    S, _ = _shifted(Z)
    return S - np.log(np.exp(S).sum(axis=1, keepdims=True))


def softmax(Z) -> np.ndarray:
    """p_ik = exp(z_ik) / Σ_j exp(z_ij) for every row of the logits Z (B, C), Eq. (12.1).

    Computed after subtracting each row's maximum (the shift of Eq. (12.5)), which leaves p unchanged.
    Each row of the result is a probability vector (entries in [0, 1], summing to 1).
    """
    Z = _check_logits(Z, "softmax input")
    E = np.exp(_shifted(Z)[0])
    return E / E.sum(axis=1, keepdims=True)


class CrossEntropyLoss(_Loss):
    """Softmax fused with multi-class cross-entropy, from logits, Eq. (12.4)–(12.7). PyTorch's conventions.

    Z: logits (B, C), one row per sample, one column per class (not probabilities: the loss applies the
       softmax itself, Eq. (12.1)).
    target, either
      - class indices: an integer array of shape (B,) with values in 0 … C−1 (PyTorch's usual form). Because
        `fit` passes targets as 2-D float arrays, a (B, 1) column of class indices is accepted too, as an
        integer array or as floats holding whole numbers;
      - class probabilities: a float array of shape (B, C), entries >= 0, each row summing to 1.
    reduction="mean" (default): L = (1/B) Σ_i ℓ_i, the mean over the B SAMPLES (not over B·C entries);
    reduction="sum": L = Σ_i ℓ_i; with ℓ_i = −Σ_k t_ik log p_ik = −log p_{i,y_i} for a class index y_i.
    Gradient, Eq. (12.7): ∂L/∂Z = (P − T)/B for "mean", P − T for "sum" (T one-hot or the probabilities).
    The loss uses the stable log-softmax of Eq. (12.5): any finite logits give no NaN and no overflow warning.
    A class with target weight 0 contributes 0, also where its log p rounds to −inf (a row spanning more than
    float64's range, e.g. [1e308, −1e308]); where a class with weight t > 0 is that far below the row's maximum,
    its term t·(m − z) + t·log Σ exp is computed without forming m − z. So the loss is finite whenever the exact
    loss is below float64's largest number (about 1.8e308), and inf only beyond it.
    """

    def _targets(self, Z, target) -> np.ndarray:
        """The target as a (B, C) float array T (one-hot rows for class indices), after checking it."""
        B, C = Z.shape
        t = np.asarray(target)
        if t.dtype == bool or not (np.issubdtype(t.dtype, np.integer) or np.issubdtype(t.dtype, np.floating)):
            raise ValueError(
                f"{self!r}: targets must be class indices (integers 0 … {C - 1}) or class probabilities (floats), "
                f"got an array of dtype {t.dtype}"
            )
        if t.shape == (B, C) and np.issubdtype(t.dtype, np.floating):
            check_finite(t, lambda: f"{self!r} targets")
            if t.min() < 0.0 or np.max(np.abs(t.sum(axis=1) - 1.0)) > 1e-6:
                raise ValueError(
                    f"{self!r}: a float target of shape (B, C) = {t.shape} is read as class probabilities, so its "
                    f"entries must be >= 0 and each row must sum to 1; got entries from {t.min():g} to {t.max():g} "
                    f"and row sums from {t.sum(axis=1).min():g} to {t.sum(axis=1).max():g}"
                )
            return t.astype(np.float64)
        if t.shape not in ((B,), (B, 1)):
            raise ValueError(
                f"{self!r}: for logits of shape {Z.shape} the targets must be class indices of shape ({B},) "
                f"(or a column ({B}, 1)) or class probabilities of shape {Z.shape}; got shape {t.shape}"
            )
        t = t.reshape(B)
        if np.issubdtype(t.dtype, np.floating):
            check_finite(t, lambda: f"{self!r} targets")
            if np.any(t != np.round(t)):
                bad = t[t != np.round(t)][0]
                raise ValueError(
                    f"{self!r}: class indices must be whole numbers 0 … {C - 1}, got {bad:g} (for class "
                    f"probabilities pass a (B, C) array)"
                )
        if t.min() < 0 or t.max() >= C:
            bad = t[(t < 0) | (t >= C)][0]
            raise ValueError(
                f"{self!r}: class index {bad:g} is out of range: the logits have C = {C} columns, so classes "
                f"are 0 … {C - 1}"
            )
        T = np.zeros((B, C))
        T[np.arange(B), t.astype(np.intp)] = 1.0
        return T

    def __call__(self, Z, target) -> float:
        """L from logits Z (B, C), Eq. (12.4) computed with the log-softmax of Eq. (12.5), as a Python float."""
        Z = _check_logits(Z, f"{self!r} logits")
        T = self._targets(Z, target)
        S, m = _shifted(Z)
        lse = np.log(np.exp(S).sum(axis=1, keepdims=True))
        terms = np.zeros_like(T)
        np.multiply(T, S - lse, out=terms, where=T > 0)  # t·log p, Eq. (12.5); 0 where t = 0 (0·log p = 0)
        far = (T > 0) & np.isinf(S)  # z − m below −1.8e308: t·z − t·m is finite where z − m is not
        if far.any():
            with np.errstate(over="ignore"):  # −inf only where the exact term is beyond float64 too
                terms[far] = ((T * Z - T * m) - T * lse)[far]
        return _reduce(-terms, Z.shape[0], self.reduction)  # Σ_r ℓ_r = Σ_rk −t_rk log p_rk, every term >= 0

    def grad(self, Z, target) -> np.ndarray:
        """∂L/∂Z = (P − T)/B ("mean") or P − T ("sum"), Eq. (12.7); shape (B, C) like Z."""
        Z = _check_logits(Z, f"{self!r} logits")
        G = softmax(Z) - self._targets(Z, target)
        if self.reduction == "mean":
            G /= Z.shape[0]
        return G


LOSSES["cross_entropy"] = CrossEntropyLoss
