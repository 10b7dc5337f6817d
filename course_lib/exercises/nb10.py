"""Checkers for notebook 10 · Checking against autodiff: vector-Jacobian products and a tiny autodiff.

Each checker compares a learner's function with course_lib (the reference) on seeded random cases.
"""

from __future__ import annotations

import numpy as np

from ..layers import Sigmoid
from . import (
    FAIL,
    PASS,
    Result,
    _explain_exception,
    _not_attempted,
    _type_name,
    call_learner,
    check_array,
    check_function,
    fresh_rng,
    guard_checkers,
    random_sizes,
    run_limited,
)


def _rng(seed=10):
    return np.random.default_rng(seed)


def check_tanh_vjp(fn) -> Result:
    """Exercise 1: the vector-Jacobian product of tanh. `fn(Z, G)` → Ḡ_Z = G ⊙ (1 − tanh²Z), Eq. (10.2)."""
    rng, fresh = _rng(), fresh_rng()
    cases = [(rng.normal(size=s) * 2, rng.normal(size=s)) for s in ((3, 4), (1, 5), (6, 2))]
    shape = tuple(random_sizes(fresh, 2, 2, 8))
    extra = [(fresh.normal(size=shape) * 2, fresh.normal(size=shape))]
    return check_function("tanh VJP", fn, lambda Z, G: G * (1.0 - np.tanh(Z) ** 2), cases, "Eq. (10.2)",
                          random_cases=extra)


def check_matmul_vjp(fn) -> Result:
    """Exercise 2: both VJPs of Z = A W. `fn(A, W, G)` → (Ā, W̄) = (G Wᵀ, Aᵀ G), Eq. (10.3)."""
    def make(rng, sizes):
        return [(rng.normal(size=(B, n)), rng.normal(size=(n, m)), rng.normal(size=(B, m))) for B, n, m in sizes]

    fresh = fresh_rng()
    return check_function("matmul VJP", fn, lambda A, W, G: (G @ W.T, A.T @ G),
                          make(_rng(11), ((4, 3, 2), (1, 5, 5), (6, 2, 7))), "Eq. (10.3)",
                          labels=("grad_A", "grad_W"), random_cases=make(fresh, [random_sizes(fresh, 3, 2, 8)]))


def _sigma(z):
    return Sigmoid.fn(np.asarray(z, dtype=np.float64))


def _sigma_prime(z):
    return Sigmoid.derivative(np.asarray(z, dtype=np.float64))


def check_value_sigmoid(fn, Value) -> Result:
    """Exercise 3: a sigmoid operation for the notebook's scalar `Value` class, Eq. (10.2) with Eq. (3.3).

    `fn(v)` takes a Value and returns a new Value holding σ(v.data) whose backward adds σ'·out.grad to
    v.grad. Checked on values and on the gradient that reaches v after `out.backward()`, then inside larger
    expressions, where out.grad is not 1 and v gets gradient from two places: L = σ(v)·v (v used twice:
    a backward that assigns `v.grad =` instead of adding loses the other use; one that drops `* out.grad`
    is off) and L = σ(σ(v)) (the inner σ must list v as its parent). z in [−3, 4] and one drawn at call time.
    """
    zs = np.array([-3.0, -0.5, 0.0, 0.7, 4.0, float(fresh_rng().uniform(-6.0, 6.0))])
    values, grads, twice, nested = [], [], [], []
    for z in zs:
        for store in ("alone", "twice", "nested"):
            v = Value(float(z))
            if store == "alone":
                out, verdict = call_learner("value_sigmoid", fn, (v,))
            else:  # σ(v)·v uses v twice; σ(σ(v)) passes out.grad ≠ 1 down to the inner σ
                build = (lambda v=v: fn(v) * v) if store == "twice" else (lambda v=v: fn(fn(v)))
                out, verdict = call_learner("value_sigmoid", build, ())
                if verdict is not None:
                    what = "σ(v)·v" if store == "twice" else "σ(σ(v))"
                    verdict = Result(FAIL, f"in L = {what}: {verdict.message}")
            if verdict is not None:
                return verdict
            try:
                run_limited(out.backward)
                data, grad = float(out.data), float(v.grad)
            except KeyboardInterrupt:
                raise
            except BaseException as exc:  # noqa: BLE001 - not a Value, or a backward that raises
                return Result(FAIL, "value_sigmoid should return a Value whose backward() works; "
                                    + _explain_exception("backward()", None, (), exc))
            if store == "alone":
                values.append(data)
                grads.append(grad)
            else:
                (twice if store == "twice" else nested).append(grad)
    res = check_array("σ(v).data", np.array(values), _sigma(zs), "Eq. (3.3)")
    if not res.passed:
        return res
    res = check_array("v.grad after backward", np.array(grads), _sigma_prime(zs), "Eq. (10.2)")
    if not res.passed:
        return res
    s, ds = _sigma(zs), _sigma_prime(zs)
    got = np.array(twice)
    res = check_array("v.grad for L = σ(v)·v", got, s + zs * ds, "Eq. (10.2) with both uses of v added (Eq. 10.4)")
    if not res.passed:
        if np.allclose(got, zs * ds, rtol=1e-6, atol=1e-12):
            res = Result(FAIL, res.message + ": your backward sets v.grad (=) instead of adding to it (+=), so the "
                                             "other use of v is lost")
        elif np.allclose(got, s + ds, rtol=1e-6, atol=1e-12):
            res = Result(FAIL, res.message + ": your backward does not multiply σ' by out.grad (the chain rule)")
        return res
    got = np.array(nested)
    res = check_array("v.grad for L = σ(σ(v))", got, _sigma_prime(s) * ds, "the chain rule, Eq. (10.2) twice")
    if not res.passed:
        if not np.any(got):
            res = Result(FAIL, res.message + ": no gradient reaches v; does the Value you return list v as its "
                                             "parent, Value(…, (v,))?")
        return res
    return Result(PASS, "v.grad after backward agrees with Eq. (10.2) (rel. error < 1e-08)")


def check_torch_layout(fn) -> Result:
    """Exercise 4: course Linear → PyTorch nn.Linear layout. `fn(W, b)` → (weight, bias) = (Wᵀ, b), Eq. (5.6)."""
    rng, fresh = _rng(12), fresh_rng()
    cases = [(rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)) for n_in, n_out in ((3, 2), (4, 4), (1, 5))]
    n_in, n_out = random_sizes(fresh, 2, 2, 9)
    extra = [(fresh.normal(size=(n_in, n_out)), fresh.normal(size=n_out))]
    res = check_function("to_torch_layout", fn, lambda W, b: (W.T, b), cases, "Eq. (5.6)", labels=("weight", "bias"),
                         random_cases=extra)
    if res.passed:
        return Result(res.status, "weight and bias have PyTorch's (out, in) layout, Eq. (5.6), on 3 test cases")
    return res

# ---------------------------------------------------------------------------------------------------
# Transfer exercises: a new operation for `Value`; forward mode (JVP) against reverse mode (VJP)
# ---------------------------------------------------------------------------------------------------


def check_value_pow(fn, Value) -> Result:
    """Exercise 5: `fn(a, b)` → a new Value holding a.data ** b.data (a > 0), both a and b Values.

    The checker builds L = (a ** b) · a, so a is used twice, runs L.backward() and compares the gradients
    with the derivatives of a^(b+1): ∂L/∂a = (b + 1)·a^b and ∂L/∂b = a^(b+1)·ln a. A _backward that assigns
    (=) instead of adding (+=) loses the contribution of the second use (Eq. 10.4).
    """
    if fn is None:
        return _not_attempted("value_pow")
    fresh = fresh_rng()
    pairs = np.array([[1.7, 2.0], [0.6, -1.3], [2.5, 0.5], [1.1, 3.2],
                      [float(fresh.uniform(0.3, 3.0)), float(fresh.uniform(-2.0, 3.0))]])
    data, grads_a, grads_b = [], [], []
    for a_val, b_val in pairs:
        a, b = Value(float(a_val)), Value(float(b_val))

        def attempt(a=a, b=b):
            out = fn(a, b)
            if out is None:
                return None, "value_pow returned None (did you forget `return`?)"
            if not isinstance(out, Value):
                return None, f"value_pow should return a Value, got {_type_name(out)}"
            loss = out * a  # a is used a second time: its gradient must accumulate
            loss.backward()
            return out, None

        try:
            out, problem = run_limited(attempt)
        except NotImplementedError:
            return _not_attempted("value_pow")
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - a learner's bug: report it, do not crash the notebook
            return Result(FAIL, _explain_exception("value_pow", fn, (a, b), exc))
        if problem:
            return Result(FAIL, problem)
        data.append(out.data)
        grads_a.append(a.grad)
        grads_b.append(b.grad)
    A, Bv = pairs[:, 0], pairs[:, 1]
    for name, got, expected, eq in (
        ("(a ** b).data", data, A**Bv, "the power a^b"),
        ("a.grad for L = a^b · a", grads_a, (Bv + 1) * A**Bv, "∂(a^(b+1))/∂a = (b+1)a^b, Eq. (10.4)"),
        ("b.grad for L = a^b · a", grads_b, A ** (Bv + 1) * np.log(A), "∂(a^(b+1))/∂b = a^(b+1) ln a"),
    ):
        res = check_array(name, np.array(got), expected, eq)
        if not res.passed:
            return res
    return Result(PASS, f"a ** b: value and both gradients agree on {len(pairs) - 1} cases (rel. error < 1e-08)")


def check_jacobian(fn) -> Result:
    """Exercise 6: `fn(jvp, vjp, n_in, n_out)` → the full Jacobian J (n_out, n_in) of f at a point.

    jvp(v) returns J v (one forward-mode pass, a column of J when v = e_j); vjp(u) returns Jᵀ u (one
    reverse-mode pass, Eq. 10.1, a row of J when u = e_i). Both take and return 1-D arrays. The answer
    must be right AND use the cheaper mode: min(n_in, n_out) passes in all. f(x) = tanh(M x + c).
    """
    if fn is None:
        return _not_attempted("jacobian")
    rng = _rng(16)
    for case, (n_in, n_out) in enumerate(((6, 2), (2, 5), (3, 3), tuple(random_sizes(fresh_rng(), 2, 1, 8))),
                                         start=1):
        M, c, x0 = rng.normal(size=(n_out, n_in)), rng.normal(size=n_out), rng.normal(size=n_in)
        J = (1.0 - np.tanh(M @ x0 + c) ** 2)[:, None] * M
        calls = {"jvp": 0, "vjp": 0}

        def jvp(v, J=J, n_in=n_in, calls=calls):
            calls["jvp"] += 1
            v = np.asarray(v, dtype=np.float64)
            if v.shape != (n_in,):
                raise ValueError(f"jvp takes a vector of shape ({n_in},) (an input direction), got {v.shape}")
            return J @ v

        def vjp(u, J=J, n_out=n_out, calls=calls):
            calls["vjp"] += 1
            u = np.asarray(u, dtype=np.float64)
            if u.shape != (n_out,):
                raise ValueError(f"vjp takes a vector of shape ({n_out},) (an output cotangent), got {u.shape}")
            return J.T @ u

        try:
            got = run_limited(fn, (jvp, vjp, n_in, n_out))
        except NotImplementedError:
            return _not_attempted("jacobian")
        except KeyboardInterrupt:
            raise
        except BaseException as exc:  # noqa: BLE001 - a learner's bug
            return Result(FAIL, _explain_exception("jacobian", fn, (jvp, vjp, n_in, n_out), exc))
        if got is None:
            return Result(FAIL, "jacobian returned None (did you forget `return`?)")
        res = check_array(f"J (case {case}, {n_out} outputs × {n_in} inputs)", got, J, "Eq. (10.1)")
        if not res.passed:
            return res
        used, cheapest = calls["jvp"] + calls["vjp"], min(n_in, n_out)
        if used != cheapest:
            return Result(FAIL, f"case {case}: J is right, but it took {calls['jvp']} JVP and {calls['vjp']} VJP "
                                f"passes for {n_out} outputs × {n_in} inputs; the cheaper mode needs {cheapest} "
                                "(one JVP per column, or one VJP per row)")
    return Result(PASS, "the Jacobian is right, built with min(n_in, n_out) passes on 3 cases")


guard_checkers(globals())
