"""course_lib.autodiff.Value: micrograd's test expressions and every operation, against autograd and finite differences.

autograd (an independent autodiff library) differentiates the same Python expressions written on its own boxes;
central finite differences check both. micrograd's test_engine.py compares with PyTorch; PyTorch is not a
dependency here, so autograd stands in for it, and the values micrograd's README prints are checked as well.
"""

from __future__ import annotations

import math

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad

from course_lib.autodiff import Value


def _relu_value(v):
    return v.relu()


def _relu_ag(x):
    return anp.where(x > 0, x, 0.0)


def sanity_expr(x, relu):
    """micrograd's test_sanity_check expression: +, * with numbers on both sides, relu, a node used many times."""
    z = 2 * x + 2 + x
    q = relu(z) + z * x
    h = relu(z * z)
    return h + q + q * x


def more_ops_expr(a, b, relu):
    """micrograd's test_more_ops expression: also ** 3, unary minus, +=, a − b, / a number, a number / Value."""
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + relu(b + a)
    d += 3 * d + relu(b - a)
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def _fd(f, xs, h=1e-6):
    """Central finite differences of a float function f(*xs) with respect to each argument."""
    out = []
    for i in range(len(xs)):
        up = list(xs)
        dn = list(xs)
        up[i] += h
        dn[i] -= h
        out.append((f(*up) - f(*dn)) / (2 * h))
    return out


def _float_relu(t):
    return t if t > 0 else 0.0


def test_micrograd_sanity_check():
    x = Value(-4.0)
    y = sanity_expr(x, _relu_value)
    y.backward()
    assert y.data == sanity_expr(-4.0, _float_relu) == -20.0  # the forward pass in plain floats
    assert x.grad == grad(lambda t: sanity_expr(t, _relu_ag))(-4.0) == 46.0  # autograd, exactly
    (fd,) = _fd(lambda t: sanity_expr(t, _float_relu), [-4.0])
    assert abs(fd - x.grad) < 1e-6 * abs(x.grad)


def test_micrograd_more_ops():
    a, b = Value(-4.0), Value(2.0)
    g = more_ops_expr(a, b, _relu_value)
    g.backward()
    # the numbers micrograd's README prints (4 decimals), then autograd to rounding, then finite differences
    assert (round(g.data, 4), round(a.grad, 4), round(b.grad, 4)) == (24.7041, 138.8338, 645.5773)
    assert g.data == pytest.approx(more_ops_expr(-4.0, 2.0, _float_relu), rel=1e-15)
    ga = grad(lambda s, t: more_ops_expr(s, t, _relu_ag), 0)(-4.0, 2.0)
    gb = grad(lambda s, t: more_ops_expr(s, t, _relu_ag), 1)(-4.0, 2.0)
    assert a.grad == pytest.approx(ga, rel=1e-13) and b.grad == pytest.approx(gb, rel=1e-13)
    fa, fb = _fd(lambda s, t: more_ops_expr(s, t, _float_relu), [-4.0, 2.0])
    assert a.grad == pytest.approx(fa, rel=1e-6) and b.grad == pytest.approx(fb, rel=1e-6)


# every operation, as a function of two inputs (u, v), written once and run on Values, on autograd's boxes and on
# floats; the second input is used too, so an operation that forgets to ADD (Eq. 10.4) shows
OPS = {
    "a + b": (lambda u, v: u + v, None),
    "a * b": (lambda u, v: u * v, None),
    "a + number": (lambda u, v: u + 1.5 + v * 0, None),
    "number + a": (lambda u, v: 1.5 + u + v * 0, None),
    "number * a": (lambda u, v: 2.5 * u * v, None),
    "a ** 3": (lambda u, v: u**3 * v, None),
    "a ** -1.5 (a > 0)": (lambda u, v: (u * u + 0.5) ** -1.5 * v, None),
    "a ** 0.5 (a > 0)": (lambda u, v: (u * u + 0.5) ** 0.5 + v, None),
    "a ** 0": (lambda u, v: u**0 * v, None),
    "-a": (lambda u, v: -u * v, None),
    "a - b": (lambda u, v: u - v, None),
    "a - number": (lambda u, v: (u - 3.0) * v, None),
    "number - a": (lambda u, v: (3.0 - u) * v, None),
    "a / b": (lambda u, v: u / v, None),
    "a / number": (lambda u, v: u / 4.0 + v, None),
    "number / a": (lambda u, v: 4.0 / u * v, None),
    "a used twice: a * a - a / a": (lambda u, v: u * u - u / u + v, None),
    "exp": (None, ("exp", lambda x: anp.exp(x), math.exp)),
    "tanh": (None, ("tanh", lambda x: anp.tanh(x), math.tanh)),
    "relu": (None, ("relu", _relu_ag, _float_relu)),
    "sigmoid": (None, ("sigmoid", lambda x: 0.5 * (anp.tanh(x / 2) + 1), lambda x: 0.5 * (math.tanh(x / 2) + 1))),
}


def _unary(name, ag, fl):
    """u ↦ f(u)·v + f(u) for the named method: on a Value call the method, else the given function."""

    def f(u, v):
        if isinstance(u, Value):
            fu = getattr(u, name)()
        else:
            fu = fl(u) if isinstance(u, float) else ag(u)
        return fu * v + fu

    return f


def _op(name):
    binary, unary = OPS[name]
    return binary if binary is not None else _unary(*unary)


@pytest.mark.parametrize("name", sorted(OPS))
def test_every_operation_against_autograd_and_finite_differences(name):
    f = _op(name)
    rng = np.random.default_rng(sorted(OPS).index(name))
    for _ in range(5):
        u0, v0 = (float(x) for x in rng.uniform(0.3, 2.0, 2) * rng.choice([-1.0, 1.0], 2))
        u, v = Value(u0), Value(v0)
        out = f(u, v)
        out.backward()
        assert out.data == pytest.approx(f(u0, v0), rel=1e-14, abs=1e-300)
        gu, gv = grad(f, 0)(u0, v0), grad(f, 1)(u0, v0)
        assert u.grad == pytest.approx(gu, rel=1e-12, abs=1e-14), (name, u0, v0)
        assert v.grad == pytest.approx(gv, rel=1e-12, abs=1e-14), (name, u0, v0)
        fu, fv = _fd(f, [u0, v0])
        assert u.grad == pytest.approx(fu, rel=1e-6, abs=1e-8) and v.grad == pytest.approx(fv, rel=1e-6, abs=1e-8)


@pytest.mark.parametrize("z", [-1000.0, -745.0, -40.0, -1.0, 0.0, 1.0, 40.0, 745.0, 1000.0, 1e308, -1e308])
def test_sigmoid_is_stable_and_exact_for_any_finite_input(z):
    v = Value(z)
    s = v.sigmoid()
    s.backward()
    e = math.exp(-abs(z))
    assert s.data == pytest.approx(1 / (1 + e) if z >= 0 else e / (1 + e), rel=1e-15)
    assert v.grad == pytest.approx(e / (1 + e) ** 2, rel=1e-15, abs=0.0)  # σ' small, not 0, up to |z| ≈ 745
    assert 0.0 <= s.data <= 1.0 and math.isfinite(v.grad)


def test_relu_derivative_at_zero_is_zero():
    v = Value(0.0)
    v.relu().backward()
    assert v.grad == 0.0


def test_power_takes_numbers_only_and_says_so():
    with pytest.raises(TypeError, match="takes a number"):
        Value(2.0) ** Value(3.0)
    with pytest.raises(ValueError, match="not a real number"):
        Value(-8.0) ** (1 / 3)


def test_backward_walks_a_long_chain_without_recursion():
    x = Value(0.5)
    y = x
    for _ in range(20_000):  # far beyond Python's recursion limit
        y = y * 1.0 + 0.0
    order = y.backward()
    assert x.grad == 1.0 and len(order) == 1 + 20_000 * 4


def test_order_is_topological_and_each_node_visited_once():
    a, b = Value(1.5), Value(-0.5)
    c = a * b
    d = c + a
    L = d * c  # c and a used twice
    order = L.backward()
    pos = {id(v): i for i, v in enumerate(order)}
    assert len(pos) == len(order)
    for v in order:
        for p in v._parents:
            assert pos[id(p)] < pos[id(v)]
    # L = (ab + a)·ab: ∂L/∂a = (b + 1)ab + (ab + a)b, ∂L/∂b = a·ab + (ab + a)a
    assert a.grad == pytest.approx((-0.5 + 1) * -0.75 + (-0.75 + 1.5) * -0.5)
    assert b.grad == pytest.approx(1.5 * -0.75 + (-0.75 + 1.5) * 1.5)


def test_node_counts_of_the_notebook_graph_are_unchanged():
    """Exercise 10.4 counts nodes: y − t with a float t is 2 nodes (Value(−t) and +), y * number 2, 0 + r 2."""
    y = Value(1.0)
    assert len((y - 2.0).backward()) == 3
    assert len((y * 0.5).backward()) == 3
    assert len((0 + y).backward()) == 3
