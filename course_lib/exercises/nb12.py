"""Checkers for notebook 12 · Softmax and classification (transfer exercises on Eq. 12.3 and 12.7).

Both exercises ask for something notebook 12 does not derive:
- `check_softmax_vjp`: the vector–Jacobian product of a softmax layer for ANY upstream gradient G = ∂L/∂P
  (the notebook only derives the fused softmax + cross-entropy case), without building a C×C Jacobian;
- `check_label_smoothing_grad`: the gradient of cross-entropy with PyTorch's label smoothing.
The references are independent of the learner's route: the VJP is the explicit Jacobian of Eq. (12.3) built
per sample, the smoothed gradient is CrossEntropyLoss with class-probability targets.
"""

from __future__ import annotations

import numpy as np

from ..losses import CrossEntropyLoss, softmax
from . import Result, check_function


def _softmax_vjp_reference(Z, G):
    """∂L/∂Z row by row: gᵀ J with J = diag(p) − p pᵀ, Eq. (12.3) (J is symmetric)."""
    P = softmax(Z)
    return np.stack([G[i] @ (np.diag(P[i]) - np.outer(P[i], P[i])) for i in range(Z.shape[0])])


def check_softmax_vjp(fn) -> Result:
    """Exercise 12.1: `fn(Z, G) -> ∂L/∂Z` for P = softmax(Z) (row by row) and any G = ∂L/∂P, both (B, C).

    Compared with the explicit per-sample Jacobian of Eq. (12.3). The cases include a non-square batch, a
    single sample, two classes, and saturated logits (±50); every G is random, not of the cross-entropy form.
    """
    rng = np.random.default_rng(1201)
    cases = [
        (rng.standard_normal((4, 3)), rng.standard_normal((4, 3))),
        (2.0 * rng.standard_normal((1, 5)), rng.standard_normal((1, 5))),
        (rng.standard_normal((6, 2)), rng.standard_normal((6, 2))),
        (np.array([[50.0, 0.0, -50.0, 1.0], [0.5, 0.4, 0.3, 0.2]]), rng.standard_normal((2, 4))),
    ]
    return check_function("softmax_vjp", fn, _softmax_vjp_reference, cases, "Eq. (12.3) applied row by row")


def _label_smoothing_reference(Z, y, eps):
    C = Z.shape[1]
    T = (1.0 - eps) * np.eye(C)[y] + eps / C
    return CrossEntropyLoss("mean").grad(Z, T)


def check_label_smoothing_grad(fn) -> Result:
    """Exercise 12.2: `fn(Z, y, eps) -> ∂L/∂Z` for mean cross-entropy with label smoothing eps (PyTorch's).

    The smoothed target of sample i is t_i = (1 − eps)·onehot(y_i) + eps/C (every class gets eps/C).
    Reference: CrossEntropyLoss("mean").grad with those class-probability targets, i.e. Eq. (12.7).
    """
    rng = np.random.default_rng(1202)
    cases = [
        (rng.standard_normal((5, 3)), rng.integers(0, 3, 5), 0.1),
        (3.0 * rng.standard_normal((4, 6)), rng.integers(0, 6, 4), 0.25),
        (rng.standard_normal((1, 2)), np.array([1]), 0.5),
        (rng.standard_normal((3, 4)), np.array([0, 3, 3]), 0.0),
    ]
    return check_function("label_smoothing_grad", fn, _label_smoothing_reference, cases,
                          "Eq. (12.7) with smoothed targets")
