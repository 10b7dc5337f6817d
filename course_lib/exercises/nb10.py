"""Checkers for notebook 10 · Checking against autodiff: vector-Jacobian products and a tiny autodiff.

Each checker compares a learner's function with course_lib (the reference) on seeded random cases.
"""

from __future__ import annotations

import numpy as np

from ..layers import Sigmoid
from . import FAIL, Result, call_learner, check_array, check_function


def _rng(seed=10):
    return np.random.default_rng(seed)


def check_tanh_vjp(fn) -> Result:
    """Exercise 1: the vector-Jacobian product of tanh. `fn(Z, G)` → Ḡ_Z = G ⊙ (1 − tanh²Z), Eq. (10.2)."""
    rng = _rng()
    cases = [(rng.normal(size=s) * 2, rng.normal(size=s)) for s in ((3, 4), (1, 5), (6, 2))]
    return check_function("tanh VJP", fn, lambda Z, G: G * (1.0 - np.tanh(Z) ** 2), cases, "Eq. (10.2)")


def check_matmul_vjp(fn) -> Result:
    """Exercise 2: both VJPs of Z = A W. `fn(A, W, G)` → (Ā, W̄) = (G Wᵀ, Aᵀ G), Eq. (10.3)."""
    rng = _rng(11)
    cases = []
    for B, n, m in ((4, 3, 2), (1, 5, 5), (6, 2, 7)):
        cases.append((rng.normal(size=(B, n)), rng.normal(size=(n, m)), rng.normal(size=(B, m))))
    return check_function("matmul VJP", fn, lambda A, W, G: (G @ W.T, A.T @ G), cases, "Eq. (10.3)",
                          labels=("grad_A", "grad_W"))


def check_value_sigmoid(fn, Value) -> Result:
    """Exercise 3: a sigmoid operation for the notebook's scalar `Value` class, Eq. (10.2) with Eq. (3.3).

    `fn(v)` takes a Value and returns a new Value holding σ(v.data) whose backward adds σ'·out.grad to
    v.grad. Checked on values and on the gradient that reaches v after `out.backward()`.
    """
    zs = np.array([-3.0, -0.5, 0.0, 0.7, 4.0])
    values, grads = [], []
    for z in zs:
        v = Value(float(z))
        out, verdict = call_learner("value_sigmoid", fn, (v,))
        if verdict is not None:
            return verdict
        try:
            out.backward()
            values.append(float(out.data))
            grads.append(float(v.grad))
        except Exception as exc:  # not a Value, or a backward that raises
            return Result(FAIL, f"value_sigmoid should return a Value whose backward() works; "
                                f"{type(exc).__name__}: {exc}")
    res = check_array("σ(v).data", np.array(values), Sigmoid.fn(zs), "Eq. (3.3)")
    if not res.passed:
        return res
    return check_array("v.grad after backward", np.array(grads), Sigmoid.derivative(zs), "Eq. (10.2)")


def check_torch_layout(fn) -> Result:
    """Exercise 4: course Linear → PyTorch nn.Linear layout. `fn(W, b)` → (weight, bias) = (Wᵀ, b), Eq. (5.6)."""
    rng = _rng(12)
    cases = [(rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)) for n_in, n_out in ((3, 2), (4, 4), (1, 5))]
    res = check_function("to_torch_layout", fn, lambda W, b: (W.T, b), cases, "Eq. (5.6)", labels=("weight", "bias"))
    if res.passed:
        return Result(res.status, "weight and bias have PyTorch's (out, in) layout, Eq. (5.6), on 3 test cases")
    return res
