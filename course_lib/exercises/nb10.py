"""Checkers for notebook 10 · Checking against autodiff: vector-Jacobian products and a tiny autodiff.

Each checker compares a learner's function with course_lib (the reference) on seeded random cases.
"""

from __future__ import annotations

import numpy as np

from ..layers import Sigmoid
from . import FAIL, NOT_ATTEMPTED, PASS, Result, _not_attempted, check_array, check_function


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
    for i, (B, n, m) in enumerate(((4, 3, 2), (1, 5, 5), (6, 2, 7))):
        A, W, G = rng.normal(size=(B, n)), rng.normal(size=(n, m)), rng.normal(size=(B, m))
        try:
            got = fn(A, W, G)
        except NotImplementedError:
            return _not_attempted("matmul VJP")
        except Exception as exc:  # a learner's bug: report it, do not crash the notebook
            return Result(FAIL, f"matmul VJP raised {type(exc).__name__}: {exc}")
        if got is None:
            return Result(FAIL, "matmul VJP returned None (did you forget `return`?)")
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            return Result(FAIL, "matmul VJP should return a pair (grad_A, grad_W)")
        for name, answer, expected in (("grad_A", got[0], G @ W.T), ("grad_W", got[1], A.T @ G)):
            res = check_array(f"{name} (case {i + 1})", answer, expected, "Eq. (10.3)")
            if not res.passed:
                return Result(FAIL, res.message) if res.status == NOT_ATTEMPTED else res
    return Result(PASS, "matmul VJP agrees with Eq. (10.3) on 3 test cases (rel. error < 1e-08)")


def check_value_sigmoid(fn, Value) -> Result:
    """Exercise 3: a sigmoid operation for the notebook's scalar `Value` class, Eq. (10.2) with Eq. (3.3).

    `fn(v)` takes a Value and returns a new Value holding σ(v.data) whose backward adds σ'·out.grad to
    v.grad. Checked on values and on the gradient that reaches v after `out.backward()`.
    """
    zs = np.array([-3.0, -0.5, 0.0, 0.7, 4.0])
    values, grads = [], []
    for z in zs:
        v = Value(float(z))
        try:
            out = fn(v)
        except NotImplementedError:
            return _not_attempted("value_sigmoid")
        except Exception as exc:  # a learner's bug
            return Result(FAIL, f"value_sigmoid raised {type(exc).__name__}: {exc}")
        if out is None:
            return Result(FAIL, "value_sigmoid returned None (did you forget `return`?)")
        out.backward()
        values.append(out.data)
        grads.append(v.grad)
    res = check_array("σ(v).data", np.array(values), Sigmoid.fn(zs), "Eq. (3.3)")
    if not res.passed:
        return res
    return check_array("v.grad after backward", np.array(grads), Sigmoid.derivative(zs), "Eq. (10.2)")


def check_torch_layout(fn) -> Result:
    """Exercise 4: course Linear → PyTorch nn.Linear layout. `fn(W, b)` → (weight, bias) = (Wᵀ, b), Eq. (5.6)."""
    rng = _rng(12)
    for i, (n_in, n_out) in enumerate(((3, 2), (4, 4), (1, 5))):
        W, b = rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)
        try:
            got = fn(W.copy(), b.copy())
        except NotImplementedError:
            return _not_attempted("to_torch_layout")
        except Exception as exc:  # a learner's bug
            return Result(FAIL, f"to_torch_layout raised {type(exc).__name__}: {exc}")
        if got is None:
            return Result(FAIL, "to_torch_layout returned None (did you forget `return`?)")
        for name, answer, expected in (("weight", got[0], W.T), ("bias", got[1], b)):
            res = check_array(f"{name} (case {i + 1})", answer, expected, "Eq. (5.6)")
            if not res.passed:
                return res
    return Result(PASS, "weight and bias have PyTorch's (out, in) layout, Eq. (5.6), on 3 test cases")
