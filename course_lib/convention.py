"""Translating between the row-batch convention (this library) and the column convention (S0, S4).

Derived and verified numerically in notebook 05 (Eq. 5.6). The library never mixes conventions: it is
row-batch throughout (Z = A W + 1 bᵀ, W of shape (n_in, n_out), one sample per row). Write-ups in the
column convention (Z = W A + b 1ᵀ, W of shape (n_out, n_in), one sample per column) are read through
these functions, which only transpose and reshape:

    W_col = W_rowᵀ,  b_col = b_row as a column (n, 1),  X_col = X_rowᵀ,  ∇W_col = (∇W_row)ᵀ.

Parameters travel as dicts keyed like `MLP.parameter_names()`: "W1", "b1", "W2", … . The name decides
what an array is (a weight of a layer with one input and a bias column both have shape (n, 1)).
The layout helpers convert a numerator-layout derivative of a scalar (Eq. 2.1, as S1 writes it) to the
denominator layout, also called the gradient layout, that every array here is stored in (Eq. 2.4), and back.
"""

from __future__ import annotations

import numpy as np

__all__ = [
    "row_to_column",
    "column_to_row",
    "batch_to_columns",
    "columns_to_batch",
    "numerator_to_gradient_layout",
    "gradient_to_numerator_layout",
    "mlp_params",
]


def _kind(name) -> str:
    kind = str(name)[:1]
    if kind not in ("W", "b"):
        raise ValueError(f"parameter names must start with 'W' (a weight) or 'b' (a bias), got {name!r}")
    return kind


def row_to_column(params: dict) -> dict:
    """Row-batch parameters (or their gradients) → column convention, Eq. (5.6).

    "W…": (n_in, n_out) → (n_out, n_in), the transpose.  "b…": (n_out,) → (n_out, 1), a column.
    Returns a new dict of new arrays; the input is not modified.
    """
    out = {}
    for name, value in params.items():
        value = np.asarray(value, dtype=np.float64)
        if _kind(name) == "W":
            if value.ndim != 2:
                raise ValueError(f"{name} should be a 2-D weight matrix, got shape {value.shape}")
            out[name] = value.T.copy()
        else:
            if value.ndim != 1:
                raise ValueError(f"{name} should be a row-convention bias of shape (n,), got shape {value.shape}")
            out[name] = value.reshape(-1, 1).copy()
    return out


def column_to_row(params: dict) -> dict:
    """Column-convention parameters (or their gradients) → row-batch convention, Eq. (5.6).

    "W…": (n_out, n_in) → (n_in, n_out).  "b…": (n_out, 1) or (n_out,) → (n_out,).
    The inverse of `row_to_column`.
    """
    out = {}
    for name, value in params.items():
        value = np.asarray(value, dtype=np.float64)
        if _kind(name) == "W":
            if value.ndim != 2:
                raise ValueError(f"{name} should be a 2-D weight matrix, got shape {value.shape}")
            out[name] = value.T.copy()
        else:
            if not (value.ndim == 1 or (value.ndim == 2 and value.shape[1] == 1)):
                raise ValueError(f"{name} should be a column-convention bias of shape (n, 1), got shape {value.shape}")
            out[name] = value.reshape(-1).copy()
    return out


def batch_to_columns(X) -> np.ndarray:
    """A row batch X (B, n) → the column convention's (n, B): one sample per column, Eq. (5.6)."""
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"a batch must be 2-D (B, n), got shape {X.shape}")
    return X.T.copy()


def columns_to_batch(X_col) -> np.ndarray:
    """Column-convention data (n, B) → a row batch (B, n). The inverse of `batch_to_columns`."""
    X_col = np.asarray(X_col, dtype=np.float64)
    if X_col.ndim != 2:
        raise ValueError(f"column data must be 2-D (n, B), got shape {X_col.shape}")
    return X_col.T.copy()


def numerator_to_gradient_layout(jac) -> np.ndarray:
    """The derivative of a scalar L in numerator layout (Eq. 2.1) → denominator (gradient) layout (Eq. 2.4).

    In numerator layout the derivative of L by a vector x (n,) is a row J_Lx (1, n), and by an (m, n)
    matrix W it is J_LW (n, m); in denominator layout ∂L/∂x and ∂L/∂W have the shape of what they
    differentiate: (n,) for x, (m, n) for W. So the translation is a transpose, and a (1, n) row becomes a
    1-D (n,) vector.
    """
    jac = np.asarray(jac, dtype=np.float64)
    if jac.ndim == 2 and jac.shape[0] == 1:
        return jac.reshape(-1).copy()
    if jac.ndim != 2:
        raise ValueError(
            "expected the numerator-layout derivative of a scalar: a row (1, n) or a matrix (n, m), "
            f"got shape {jac.shape}"
        )
    return jac.T.copy()


def gradient_to_numerator_layout(grad) -> np.ndarray:
    """A gradient in denominator layout (Eq. 2.4) → the numerator-layout derivative of the scalar (Eq. 2.1).

    (n,) → a row (1, n); (m, n) → (n, m). The inverse of `numerator_to_gradient_layout`.
    """
    grad = np.asarray(grad, dtype=np.float64)
    if grad.ndim == 1:
        return grad.reshape(1, -1).copy()
    if grad.ndim != 2:
        raise ValueError(f"expected a gradient of a vector (n,) or of a matrix (m, n), got shape {grad.shape}")
    return grad.T.copy()


def mlp_params(model, which: str = "values") -> dict:
    """A row-convention model's parameters ("values") or gradients ("grads") as {"W1": …, "b1": …, …}.

    Copies, in the order of `model.parameter_names()`; pass the result to `row_to_column`.
    """
    if which not in ("values", "grads"):
        raise ValueError(f"which must be 'values' or 'grads', got {which!r}")
    k = 0 if which == "values" else 1
    return {name: pair[k].copy() for name, pair in zip(model.parameter_names(), model.parameters(), strict=True)}
