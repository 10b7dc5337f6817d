"""Notebook 10's transfer checkers: the reference passes, None is "not attempted", typical wrong answers fail."""

from __future__ import annotations

import math

import numpy as np
import pytest
from exercise_support import Value

from course_lib.exercises import FAIL, NOT_ATTEMPTED, PASS, nb10


def make_pow(da, db, assign=False, parents="ab"):
    def value_pow(a, b):
        out = Value(a.data**b.data, tuple({"a": a, "b": b}[p] for p in parents))

        def _backward():
            if assign:
                a.grad = da(a.data, b.data) * out.grad
            else:
                a.grad += da(a.data, b.data) * out.grad
            b.grad += db(a.data, b.data) * out.grad

        out._backward = _backward
        return out

    return value_pow


RIGHT_DA, RIGHT_DB = (lambda a, b: b * a ** (b - 1)), (lambda a, b: a**b * math.log(a))
POW_WRONG = {
    "assigns instead of adding": make_pow(RIGHT_DA, RIGHT_DB, assign=True),
    "b.grad without ln a": make_pow(RIGHT_DA, lambda a, b: a**b),
    "a.grad as b·a^b (off by one power)": make_pow(lambda a, b: b * a**b, RIGHT_DB),
    "b.grad forgotten": make_pow(RIGHT_DA, lambda a, b: 0.0),
    # parents (a,) only: right while b is a leaf (b.grad is set by the closure), but a b computed from other
    # Values is never visited by backward(), so its inputs get no gradient
    "parents (a,) only": make_pow(RIGHT_DA, RIGHT_DB, parents="a"),
    "parents (b,) only": make_pow(RIGHT_DA, RIGHT_DB, parents="b"),
}


def test_value_pow_with_parents_a_only_fails_on_a_computed_b():
    # the learner trial's case: L = value_pow(Value(1.5), c·d) gives c.grad = 0; by hand, with b = c·d = 1,
    # ∂L/∂c = ∂(a^b)/∂b · d = a^b ln a · d = 1.5 · ln 1.5 · 2
    c, d = Value(0.5), Value(2.0)
    make_pow(RIGHT_DA, RIGHT_DB, parents="a")(Value(1.5), c * d).backward()
    assert c.grad == 0.0  # the bug the checker must see
    c2, d2 = Value(0.5), Value(2.0)
    make_pow(RIGHT_DA, RIGHT_DB)(Value(1.5), c2 * d2).backward()
    assert abs(c2.grad - 1.5 * math.log(1.5) * 2.0) < 1e-12
    res = nb10.check_value_pow(make_pow(RIGHT_DA, RIGHT_DB, parents="a"), Value)
    assert res.status == FAIL and "parents" in res.message and "(a, b)" in res.message, res


def test_value_pow_assignment_is_named():
    res = nb10.check_value_pow(POW_WRONG["assigns instead of adding"], Value)
    assert res.status == FAIL and "(=) instead of adding" in res.message and "(+=)" in res.message, res


def test_value_pow_reference_passes():
    res = nb10.check_value_pow(make_pow(RIGHT_DA, RIGHT_DB), Value)
    assert res.status == PASS, res


def test_value_pow_none_is_not_attempted():
    assert nb10.check_value_pow(None, Value).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(POW_WRONG))
def test_value_pow_wrong_answers_fail(name):
    res = nb10.check_value_pow(POW_WRONG[name], Value)
    assert res.status == FAIL, (name, res)


def test_value_pow_wrong_type_is_reported():
    res = nb10.check_value_pow(lambda a, b: a.data**b.data, Value)
    assert res.status == FAIL and "Value" in res.message


def jacobian_right(jvp, vjp, n_in, n_out):
    if n_out <= n_in:
        return np.array([vjp(np.eye(n_out)[i]) for i in range(n_out)])
    return np.array([jvp(np.eye(n_in)[j]) for j in range(n_in)]).T


JAC_WRONG = {
    "always forward mode": lambda jvp, vjp, n_in, n_out: np.array([jvp(e) for e in np.eye(n_in)]).T,
    "always reverse mode": lambda jvp, vjp, n_in, n_out: np.array([vjp(e) for e in np.eye(n_out)]),
    "JVP columns stacked as rows (missing transpose)": lambda jvp, vjp, n_in, n_out: (
        np.array([jvp(e) for e in np.eye(n_in)]) if n_out > n_in else np.array([vjp(e) for e in np.eye(n_out)]).T
    ),
    "both modes": lambda jvp, vjp, n_in, n_out: (
        [jvp(e) for e in np.eye(n_in)] and np.array([vjp(e) for e in np.eye(n_out)])
    ),
}


def test_jacobian_reference_passes():
    res = nb10.check_jacobian(jacobian_right)
    assert res.status == PASS, res


def test_jacobian_none_is_not_attempted():
    assert nb10.check_jacobian(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(JAC_WRONG))
def test_jacobian_wrong_answers_fail(name):
    res = nb10.check_jacobian(JAC_WRONG[name])
    assert res.status == FAIL, (name, res)


# ------------------------------------------------------------------ the ladder: 10.1, 10.2, 10.3 overflow, 10.4
def normalize_right(X, G):
    N = np.linalg.norm(X, axis=1, keepdims=True)
    Y = X / N
    return (G - Y * np.sum(G * Y, axis=1, keepdims=True)) / N


NORMALIZE_WRONG = {
    # ‖x‖ treated as a constant: only the diagonal part 1/‖x‖ of the Jacobian
    "norm treated as a constant": lambda X, G: G / np.linalg.norm(X, axis=1, keepdims=True),
    # the projection term with a + sign: J = (I + y yᵀ)/‖x‖
    "sign of the y yᵀ term": lambda X, G: (G + X / np.linalg.norm(X, axis=1, keepdims=True)
                                           * np.sum(G * X, axis=1, keepdims=True) / np.linalg.norm(X, axis=1,
                                                                                                  keepdims=True))
    / np.linalg.norm(X, axis=1, keepdims=True),
    # forgot the final 1/‖x‖: right only for unit rows (the checker has rows of length 1e-3 and 1e3)
    "missing 1/‖x‖": lambda X, G: normalize_right(X, G) * np.linalg.norm(X, axis=1, keepdims=True),
    # one norm for the whole matrix (Frobenius) instead of one per row
    "Frobenius norm instead of row norms": lambda X, G: (G - X / np.linalg.norm(X) * np.sum(G * X) / np.linalg.norm(X))
    / np.linalg.norm(X),
    # g·y summed over the whole batch (axis missing) instead of per row
    "g·y summed over the batch": lambda X, G: (G - X / np.linalg.norm(X, axis=1, keepdims=True)
                                               * np.sum(G * X / np.linalg.norm(X, axis=1, keepdims=True)))
    / np.linalg.norm(X, axis=1, keepdims=True),
    # hard-coded to the first fixed case's shape
    "hard-coded to the fixed shapes": lambda X, G: (normalize_right(X, G) if X.shape in ((4, 3), (1, 6), (5, 2))
                                                    else np.zeros((4, 3))),
}


def normalize_jacobian_per_row(X, G):
    """Right values, but builds the n × n Jacobian (I − y yᵀ)/‖x‖ of each row: the exercise forbids it."""
    out = np.empty_like(X)
    for i, x in enumerate(X):
        r = np.linalg.norm(x)
        y = x / r
        out[i] = ((np.eye(len(x)) - np.outer(y, y)) / r).T @ G[i]
    return out


def normalize_no_keepdims(X, G):
    """The row sum without keepdims=True: (B,) meets (B, n)."""
    N = np.linalg.norm(X, axis=1, keepdims=True)
    Y = X / N
    return (G - Y * np.sum(G * Y, axis=1)) / N


def test_normalize_vjp_per_row_jacobian_fails_on_memory():
    assert rel_error_ok(normalize_jacobian_per_row)  # its values are right: only the memory can reject it
    res = nb10.check_normalize_vjp(normalize_jacobian_per_row)
    assert res.status == FAIL and "n × n" in res.message, res


def test_normalize_vjp_names_keepdims():
    res = nb10.check_normalize_vjp(normalize_no_keepdims)
    assert res.status == FAIL and "keepdims=True" in res.message and "(B,)" in res.message, res
    # once: the shared message of call_learner says it; the checker adds no second copy of it
    assert res.message.count("keepdims=True") == 1 and res.message.count("broadcasts along each row") == 1, res


def normalize_in_place(X, G):
    """Right values, but it overwrites the saved input X and the upstream gradient G (X /= r; G -= …)."""
    r = np.linalg.norm(X, axis=1, keepdims=True)
    X /= r
    G -= X * np.sum(G * X, axis=1, keepdims=True)
    G /= r
    return G


def test_normalize_vjp_rejects_overwriting_its_inputs():
    # a VJP that overwrites the forward pass's saved X or the upstream G breaks every other reader of them
    assert rel_error_ok(lambda X, G: normalize_in_place(X.copy(), G.copy()))
    for _ in range(20):  # the verdict does not depend on the draw
        res = nb10.check_normalize_vjp(normalize_in_place)
        assert res.status == FAIL and "X and G" in res.message and "unchanged" in res.message, res


def rel_error_ok(fn):
    rng = np.random.default_rng(0)
    X, G = rng.normal(size=(5, 4)), rng.normal(size=(5, 4))
    return np.allclose(fn(X, G), normalize_right(X, G), rtol=1e-12, atol=1e-14)


def test_normalize_vjp_reference_passes():
    assert nb10.check_normalize_vjp(normalize_right).status == PASS


def test_normalize_vjp_reference_agrees_with_autograd():
    import autograd.numpy as anp
    from autograd import make_vjp

    rng = np.random.default_rng(0)
    X, G = rng.normal(size=(5, 3)), rng.normal(size=(5, 3))
    vjp, _ = make_vjp(lambda X_: X_ / anp.sqrt(anp.sum(X_ * X_, axis=1, keepdims=True)))(X)
    assert np.allclose(vjp(G), normalize_right(X, G), rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("answer", [None, lambda X, G: (_ for _ in ()).throw(NotImplementedError())])
def test_normalize_vjp_not_attempted(answer):
    assert nb10.check_normalize_vjp(answer).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(NORMALIZE_WRONG))
def test_normalize_vjp_wrong_answers_fail(name):
    for _ in range(20):  # every run: the shape drawn at call time is never one of the fixed ones
        res = nb10.check_normalize_vjp(NORMALIZE_WRONG[name])
        assert res.status == FAIL, (name, res)


def test_normalize_vjp_names_the_constant_norm():
    assert "did not depend on x" in nb10.check_normalize_vjp(NORMALIZE_WRONG["norm treated as a constant"]).message


def scale_shift_right(X, g, b, G):
    return G * g, np.sum(G * X, axis=0), np.sum(G, axis=0)


SCALE_SHIFT_WRONG = {
    # γ̄ not summed over the broadcast rows: shape (B, n)
    "grad_gamma not summed": lambda X, g, b, G: (G * g, G * X, G.sum(axis=0)),
    # β̄ summed along the wrong axis: shape (B,)
    "grad_beta over axis 1": lambda X, g, b, G: (G * g, np.sum(G * X, axis=0), G.sum(axis=1)),
    # X̄ = G: the scale γ forgotten
    "grad_X without γ": lambda X, g, b, G: (G, np.sum(G * X, axis=0), G.sum(axis=0)),
    # averaged instead of summed over the uses (1/B × the right answer)
    "mean instead of sum": lambda X, g, b, G: (G * g, np.mean(G * X, axis=0), G.mean(axis=0)),
    # γ̄ = Σ G ⊙ γ: the wrong factor (the derivative of Y with respect to X, not γ)
    "grad_gamma with γ": lambda X, g, b, G: (G * g, np.sum(G * g, axis=0), G.sum(axis=0)),
}


def test_scale_shift_reference_passes():
    assert nb10.check_scale_shift_vjp(scale_shift_right).status == PASS


@pytest.mark.parametrize("answer", [None, lambda X, g, b, G: (_ for _ in ()).throw(NotImplementedError())])
def test_scale_shift_not_attempted(answer):
    assert nb10.check_scale_shift_vjp(answer).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(SCALE_SHIFT_WRONG))
def test_scale_shift_wrong_answers_fail(name):
    res = nb10.check_scale_shift_vjp(SCALE_SHIFT_WRONG[name])
    assert res.status == FAIL, (name, res)


def test_scale_shift_names_the_failing_gradient():
    msg = nb10.check_scale_shift_vjp(SCALE_SHIFT_WRONG["grad_gamma not summed"]).message
    assert "grad_gamma" in msg and "(3,)" in msg


def make_sigmoid(stable=True):
    def value_sigmoid(v):
        z = v.data
        if stable:
            e = math.exp(-abs(z))
            s = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
        else:
            s = 1.0 / (1.0 + math.exp(-z))
        out = Value(s, (v,))

        def _backward():
            v.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    return value_sigmoid


def sigmoid_numpy_naive(v):
    """float(1/(1 + np.exp(−z))): right values (np.exp(1000) = inf, 1/(1 + inf) = 0), but numpy warns of an
    overflow, which the exercise rules out ("without overflow for any v.data")."""
    s = float(1.0 / (1.0 + np.exp(-v.data)))
    out = Value(s, (v,))

    def _backward():
        v.grad += s * (1.0 - s) * out.grad

    out._backward = _backward
    return out


def test_value_sigmoid_numpy_overflow_warning_fails():
    with np.errstate(over="ignore"):
        assert abs(sigmoid_numpy_naive(Value(-1000.0)).data) == 0.0  # the value is right: only the warning shows
    res = nb10.check_value_sigmoid(sigmoid_numpy_naive, Value)
    assert res.status == FAIL and "overflow" in res.message and "Eq. (3.4)" in res.message, res


def test_value_sigmoid_stable_passes_naive_fails_at_minus_1000():
    assert nb10.check_value_sigmoid(make_sigmoid(True), Value).status == PASS
    res = nb10.check_value_sigmoid(make_sigmoid(False), Value)  # math.exp(1000) raises OverflowError
    assert res.status == FAIL and "OverflowError" in res.message and "Eq. (3.4)" in res.message


def make_snapping_sigmoid(c, sides="both"):
    """A "saturated: avoid overflow" shortcut: exactly 1.0 above c (and 0.0 below −c). Wrong: at v = 9, σ = 0.99988
    and σ' = 1.23e-4, not 1 and 0; the learner trial found c from 6 to 20 passed the checker (it tried |v| ≤ 6)."""
    def value_sigmoid(v):
        z = v.data
        if z > c:
            s = 1.0
        elif z < -c and sides == "both":
            s = 0.0
        else:
            e = math.exp(-abs(z))
            s = 1.0 / (1.0 + e) if z >= 0 else e / (1.0 + e)
        out = Value(s, (v,))

        def _backward():
            v.grad += s * (1.0 - s) * out.grad

        out._backward = _backward
        return out

    return value_sigmoid


@pytest.mark.parametrize("c, sides", [(4.5, "both"), (5, "both"), (6, "both"), (8, "both"), (10, "both"),
                                      (20, "both"), (8, "positive"), (20, "positive"), (28, "positive")])
def test_value_sigmoid_snapping_to_0_or_1_fails_every_run(c, sides):
    verdicts = {str(nb10.check_value_sigmoid(make_snapping_sigmoid(c, sides), Value)) for _ in range(20)}
    assert len(verdicts) == 1, verdicts  # the same text on every run: the far values are fixed
    msg = verdicts.pop()
    assert msg.startswith("✘") and "v.data = " in msg and "cut-off" in msg, msg


def test_value_sigmoid_exact_saturated_gradient_passes():
    """σ' = e/(1 + e)² with e = exp(−|z|): exact at every z; the reference's s(1 − s) too (within rounding)."""
    def value_sigmoid(v):
        e = math.exp(-abs(v.data))
        s = 1.0 / (1.0 + e) if v.data >= 0 else e / (1.0 + e)
        out = Value(s, (v,))

        def _backward():
            v.grad += e / (1.0 + e) ** 2 * out.grad

        out._backward = _backward
        return out

    for _ in range(5):
        assert nb10.check_value_sigmoid(value_sigmoid, Value).status == PASS
        assert nb10.check_value_sigmoid(make_sigmoid(True), Value).status == PASS


def count_graph(sizes, B, seed=0):
    """Build L as notebook 10's section 3 does (value_forward, residuals, mean of squares), with the notebook's own
    Value (course_lib.autodiff), and count its nodes."""
    from course_lib.autodiff import Value as FullValue

    rng = np.random.default_rng(seed)
    Ws = [[[FullValue(w) for w in row] for row in rng.normal(size=(a, b))] for a, b in zip(sizes[:-1], sizes[1:])]
    bs = [[FullValue(x) for x in rng.normal(size=b)] for b in sizes[1:]]
    X, T = rng.normal(size=(B, sizes[0])), rng.normal(size=(B, sizes[-1]))

    def value_forward(x):
        a = [FullValue(v) for v in x]
        for layer, (W, b) in enumerate(zip(Ws, bs)):
            z = [sum((a[i] * W[i][j] for i in range(len(a))), b[j]) for j in range(len(b))]
            a = [zj.tanh() for zj in z] if layer < len(Ws) - 1 else z
        return a

    residuals = [y - t for x, tr in zip(X, T) for y, t in zip(value_forward(x), tr)]
    L = sum(r * r for r in residuals) * (1.0 / len(residuals))
    seen, stack = set(), [L]
    while stack:
        v = stack.pop()
        if id(v) not in seen:
            seen.add(id(v))
            stack.extend(v._parents)
    return len(seen)


@pytest.mark.parametrize("sizes, B", [((2, 3, 1), 4), ((3, 5, 2), 6), ((4, 2, 3, 2), 3), ((1, 1), 1)])
def test_graph_count_matches_a_built_graph(sizes, B):
    assert nb10._graph_nodes(sizes, B) == count_graph(sizes, B)


def test_graph_size_prediction_verdicts():
    right = count_graph((3, 5, 2), 6)
    assert nb10.check_graph_size_prediction(right).status == PASS
    assert nb10.check_graph_size_prediction(float(right)).status == PASS
    assert nb10.check_graph_size_prediction(None).status == NOT_ATTEMPTED
    wrong = {
        "the printed 2-3-1 count": 124,
        "parameters counted once per sample": right + 5 * 32,
        "constants Value(−t), Value(0), Value(1/R) forgotten": right - 12 - 2,
        "tanh nodes forgotten": right - 6 * 5,
        "one node per weight use (sums forgotten)": right - 6 * (15 + 10),
        "off by one": right + 1,
        "a string": str(right),
        "True": True,
        "a fraction": right + 0.5,
        "10**30": 10**30,
        "1e30": 1e30,
        "negative": -right,
    }
    for name, answer in wrong.items():
        res = nb10.check_graph_size_prediction(answer)
        assert res.status == FAIL, (name, res)
        assert str(right) not in res.message, (name, res)  # the verdict never gives the count away


@pytest.mark.parametrize("answer", [10**30, -(10**30), 1e30, 10**7])
def test_graph_size_prediction_huge_is_named_implausible(answer):
    """10**30 used to get "should be a whole number of nodes, got int" (exact_number refuses ints beyond 2**63)."""
    res = nb10.check_graph_size_prediction(answer)
    assert res.status == FAIL and ("far too large" in res.message or "plausible" in res.message), res
    assert "whole number" not in res.message, res


def test_value_sigmoid_calling_the_library_method_fails_and_the_method_is_restored():
    """course_lib's Value has a sigmoid (micrograd's operator set): an answer that only calls it is no answer."""
    from course_lib.autodiff import Value as LibValue

    original = LibValue.sigmoid
    for delegate in (lambda v: v.sigmoid(), lambda v: LibValue(v.data).sigmoid()):
        res = nb10.check_value_sigmoid(delegate, LibValue)
        assert res.status == FAIL and "Value.sigmoid" in res.message and "Eq. (3.4)" in res.message, res
    assert LibValue.sigmoid is original and "sigmoid" not in vars(Value)
    assert nb10.check_value_sigmoid(make_sigmoid(True), LibValue).status == PASS
    assert nb10.check_value_sigmoid(None, LibValue).status == NOT_ATTEMPTED
    assert LibValue.sigmoid is original
