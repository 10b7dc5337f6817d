"""The convention translator (course_lib.convention, notebook 05, Eq. 5.6) and the layouts (Eq. 2.1, 2.4).

The column-convention network here is written independently from the column equations
(Z = W A + b 1ᵀ, Δ_l = (W_{l+1}ᵀ Δ_{l+1}) ⊙ f'(Z_l), ∇W_l = Δ_l A_{l−1}ᵀ, ∇b_l = Δ_l 1), then compared with
course_lib's row-batch gradients through the translator, and with finite differences.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib import MLP, MSELoss, numerical_grad, rel_error
from course_lib.convention import (
    batch_to_columns,
    column_to_row,
    columns_to_batch,
    gradient_to_numerator_layout,
    mlp_params,
    numerator_to_gradient_layout,
    row_to_column,
)


def column_net_grads(P, X_col, T_col):
    """Loss mean((Y−T)²) and its gradients for a tanh net in the column convention."""
    L = len(P) // 2
    As, Zs = [X_col], []
    for l in range(1, L + 1):
        Z = P[f"W{l}"] @ As[-1] + P[f"b{l}"]  # b is (n, 1): broadcast along the columns
        Zs.append(Z)
        As.append(np.tanh(Z) if l < L else Z)
    Y = As[-1]
    loss = float(np.mean((Y - T_col) ** 2))
    D = 2.0 * (Y - T_col) / Y.size
    grads = {}
    for l in range(L, 0, -1):
        grads[f"W{l}"] = D @ As[l - 1].T
        grads[f"b{l}"] = D.sum(axis=1, keepdims=True)
        if l > 1:
            D = (P[f"W{l}"].T @ D) * (1.0 - As[l - 1] ** 2)
    return loss, grads


@pytest.mark.parametrize("sizes", [[3, 5, 2], [1, 4, 4, 1], [6, 3, 7, 2, 3]])
def test_column_and_row_conventions_give_transposed_gradients(sizes):
    rng = np.random.default_rng(len(sizes))
    model = MLP(sizes, activation="tanh", seed=5)
    for lin in model.linears:
        lin.b[:] = rng.normal(size=lin.b.shape)
    X, T = rng.normal(size=(7, sizes[0])), rng.normal(size=(7, sizes[-1]))
    loss = MSELoss()
    model.backward(loss.grad(model.forward(X), T))
    P_col = row_to_column(mlp_params(model, "values"))
    value, grads_col = column_net_grads(P_col, batch_to_columns(X), batch_to_columns(T))
    assert value == pytest.approx(loss(model.forward(X), T), rel=1e-13)
    translated = column_to_row(grads_col)
    for name, g in mlp_params(model, "grads").items():
        assert translated[name].shape == g.shape
        assert rel_error(translated[name], g) < 1e-12, name
    # and the column gradients are right on their own (finite differences in the column convention)
    for name, W in P_col.items():
        num = numerical_grad(lambda: column_net_grads(P_col, batch_to_columns(X), batch_to_columns(T))[0], W)
        assert rel_error(num, grads_col[name]) < 1e-7, name


def test_round_trips():
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(3, 4)), "b1": rng.normal(size=4), "W2": rng.normal(size=(4, 1)), "b2": np.ones(1)}
    back = column_to_row(row_to_column(params))
    for k in params:
        np.testing.assert_array_equal(back[k], params[k])
    X = rng.normal(size=(5, 3))
    np.testing.assert_array_equal(columns_to_batch(batch_to_columns(X)), X)
    with pytest.raises(ValueError, match="must start with 'W'"):
        row_to_column({"V1": np.ones((2, 2))})


def test_numerator_layout_is_the_transpose_of_the_gradient():
    """∂L/∂W in numerator layout puts ∂L/∂W_ij at [j, i] (Eq. 2.1); the gradient layout at [i, j] (Eq. 2.4)."""
    rng = np.random.default_rng(1)
    X, W, G = rng.normal(size=(4, 3)), rng.normal(size=(3, 2)), rng.normal(size=(4, 2))
    grad = numerical_grad(lambda: float(np.sum(G * (X @ W))), W)  # gradient layout, (3, 2)
    numerator = np.empty((2, 3))
    for i in range(3):
        for j in range(2):
            numerator[j, i] = grad[i, j]
    np.testing.assert_allclose(numerator_to_gradient_layout(numerator), X.T @ G, rtol=1e-7)
    np.testing.assert_array_equal(gradient_to_numerator_layout(X.T @ G), (X.T @ G).T)
    row = np.arange(3.0).reshape(1, 3)  # ∂L/∂x of a vector x in numerator layout is a row
    np.testing.assert_array_equal(numerator_to_gradient_layout(row), [0.0, 1.0, 2.0])
