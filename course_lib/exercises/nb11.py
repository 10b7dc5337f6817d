"""Checkers for notebook 11 · Reading derivations critically: fix the sources' formulas.

Each checker compares a learner's corrected formula with the course's reference on seeded random cases
and says pass, not attempted yet, or which equation fails and by how much.
"""

from __future__ import annotations

import numpy as np

from . import Result, check_array, check_function


def _rng(seed=11):
    return np.random.default_rng(seed)


def check_s1_grad_H(fn) -> Result:
    """Exercise 1: fix S1's ∇_{hᵀ}L = ∇_{yᵀ}L·S. `fn(grad_Y, S)` must return ∇_H L = ∇_Y L Sᵀ, Eq. (11.4).

    Cases use n_h ≠ n_y (where the printed formula is a shape error) and n_h = n_y (where it runs wrong).
    """
    rng = _rng()
    shapes = ((4, 5, 3), (1, 2, 6), (7, 4, 4))  # (B, n_h, n_y)
    cases = [(rng.normal(size=(B, n_y)), rng.normal(size=(n_h, n_y))) for B, n_h, n_y in shapes]
    return check_function("∇_H L", fn, lambda G, S: G @ S.T, cases, "Eq. (11.4)")


def check_s0_layer_grad(fn) -> Result:
    """Exercise 2: fix S0's layer gradient. `fn(fprime_k, a_prev, V_k, dC_da)` → ∂C/∂W_k, Eq. (11.3).

    Column convention: fprime_k (n_k,), a_prev (n_{k−1},), V_k (n_k, n_L), dC_da (n_L,); the answer is
    [f'(z_k) ⊙ (V_k ∂C/∂a_L)] a_{k−1}ᵀ of shape (n_k, n_{k−1}).
    """
    rng = _rng(12)
    cases = []
    for n_k, n_prev, n_L in ((3, 4, 2), (5, 5, 3), (2, 1, 4)):
        cases.append(
            (rng.uniform(0, 1, n_k), rng.normal(size=n_prev), rng.normal(size=(n_k, n_L)), rng.normal(size=n_L))
        )

    def reference(fprime, a_prev, V, dC):
        return np.outer(fprime * (V @ dC), a_prev)

    return check_function("∂C/∂W_k", fn, reference, cases, "Eq. (11.3)")


def check_s3_mse_grad(fn) -> Result:
    """Exercise 3: the derivative of S3's loss ((y − t)/2)² with respect to y, Eq. (11.6). `fn(y, t)` → array."""
    rng = _rng(13)
    cases = [(rng.normal(size=(n, 2)), rng.normal(size=(n, 2))) for n in (1, 5, 9)]
    return check_function("∂ℓ/∂y", fn, lambda y, t: (y - t) / 2.0, cases, "Eq. (11.6)")


def check_s4_floor(answer, T) -> Result:
    """Exercise 4: the lowest loss ½·mean((y − t)²) any output y ∈ [0, 1] can reach on labels T, Eq. (11.7)."""
    T = np.asarray(T, dtype=np.float64)
    expected = 0.5 * np.mean((T - np.clip(T, 0.0, 1.0)) ** 2)
    return check_array("the loss floor", answer, expected, "Eq. (11.7)")
