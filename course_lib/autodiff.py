"""A scalar reverse-mode autodiff, `Value`, in the style of micrograd. Derived in notebook 10 (Eq. 10.1–10.4).

A `Value` holds a float `data`, the gradient `grad` of the final result with respect to it, the Values it was
computed from (`_parents`, the graph's edges) and `_backward`, the vector-Jacobian product (Eq. 10.1) of the
operation that produced it, written right next to that operation's forward computation. `backward()` orders the
graph topologically and runs every `_backward` in reverse order; each one ADDS its contribution to its parents'
`.grad`, so a value used several times collects the sum, Eq. (10.4).

Primitives, each with its local derivative: `+`, `*`, `**` with a number exponent, unary `-`, `exp`, `tanh`,
`relu` (derivative 0 at 0, as notebook 03 and PyTorch take it) and a numerically stable `sigmoid` (Eq. 3.4: no
exp of a large positive number, so any finite input works). Composites, which need no derivative of their own
because the backward walk composes their primitives' VJPs: `a - b` = a + (−b), `b - a` with a number on either
side, `a / b` = a · b⁻¹ and `b / a`. That is micrograd's operator set plus exp, tanh and sigmoid, so micrograd's
own test expressions run on it; tests/library/test_autodiff.py checks them, and every operation, against autograd and
central finite differences.

`exp` and `**` compute with Python floats: a result beyond the float range raises OverflowError (PyTorch would give
inf); a negative number to a non-integer power raises ValueError.
"""

from __future__ import annotations

import math
import numbers


class Value:
    """A scalar that records how it was computed; backward() fills .grad by reverse-mode autodiff."""

    def __init__(self, data, parents=()):
        self.data, self.grad = float(data), 0.0
        self._parents = parents
        self._backward = lambda: None  # the VJP of the operation that produced this value

    def __repr__(self) -> str:
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g})"

    # ---- primitives: the forward value, and right next to it the local derivative (its VJP, Eq. 10.1) ----

    def __add__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data + other.data, (self, other))

        def _backward():  # ∂(a+b)/∂a = ∂(a+b)/∂b = 1
            self.grad += out.grad
            other.grad += out.grad

        out._backward = _backward
        return out

    def __mul__(self, other):
        other = other if isinstance(other, Value) else Value(other)
        out = Value(self.data * other.data, (self, other))

        def _backward():  # ∂(ab)/∂a = b, ∂(ab)/∂b = a
            self.grad += other.data * out.grad
            other.grad += self.data * out.grad

        out._backward = _backward
        return out

    def __pow__(self, n):
        if isinstance(n, Value) or isinstance(n, bool) or not isinstance(n, numbers.Real):
            raise TypeError(f"Value ** n takes a number n (int or float), got {type(n).__name__}")
        n = float(n)
        y = self.data**n
        if isinstance(y, complex):
            raise ValueError(f"Value ** n: {self.data:g} ** {n:g} is not a real number")
        out = Value(y, (self,))

        def _backward():  # ∂(aⁿ)/∂a = n·aⁿ⁻¹ (0 for n = 0, also at a = 0)
            self.grad += (n * self.data ** (n - 1.0) if n else 0.0) * out.grad

        out._backward = _backward
        return out

    def __neg__(self):
        out = Value(-self.data, (self,))

        def _backward():  # ∂(−a)/∂a = −1
            self.grad -= out.grad

        out._backward = _backward
        return out

    def exp(self):
        out = Value(math.exp(self.data), (self,))

        def _backward():  # ∂eᵃ/∂a = eᵃ, the output itself
            self.grad += out.data * out.grad

        out._backward = _backward
        return out

    def tanh(self):
        t = math.tanh(self.data)
        out = Value(t, (self,))

        def _backward():  # Eq. (3.5): tanh' = 1 − tanh²
            self.grad += (1.0 - t * t) * out.grad

        out._backward = _backward
        return out

    def relu(self):
        out = Value(self.data if self.data > 0 else 0.0, (self,))

        def _backward():  # Eq. (3.1): ReLU'(a) = 1 for a > 0, else 0 (0 at a = 0)
            self.grad += (1.0 if self.data > 0 else 0.0) * out.grad

        out._backward = _backward
        return out

    def sigmoid(self):
        e = math.exp(-abs(self.data))  # in (0, 1]: never overflows, Eq. (3.4)
        s = 1.0 / (1.0 + e) if self.data >= 0 else e / (1.0 + e)
        out = Value(s, (self,))

        def _backward():  # Eq. (3.3): σ' = σ(1 − σ) = e/(1 + e)², exact also where σ rounds to 1
            self.grad += e / (1.0 + e) ** 2 * out.grad

        out._backward = _backward
        return out

    # ---- composites: built from the primitives, so the backward walk differentiates them ----

    def __radd__(self, other):  # other + self
        return self + other

    def __rmul__(self, other):  # other * self
        return self * other

    def __sub__(self, other):  # self − other = self + (−other)
        return self + (-other)

    def __rsub__(self, other):  # other − self
        return (-self) + other

    def __truediv__(self, other):  # self / other = self · other⁻¹
        other = other if isinstance(other, Value) else Value(other)
        return self * other**-1

    def __rtruediv__(self, other):  # other / self
        return self**-1 * other

    # ---- the reverse walk ----

    def backward(self):
        """Set self.grad = 1 (∂L/∂L) and fill .grad of every Value self depends on; return the visit order.

        The order is a topological one from a depth-first search (every node after everything it depends on),
        walked in reverse, so a node's .grad is complete before its _backward passes it on. The search keeps its
        own stack (no recursion), so a chain of any length works. Gradients accumulate: call backward() once per
        graph, or reset .grad to 0 first.
        """
        order, seen, stack = [], set(), [(self, False)]
        while stack:
            v, parents_done = stack.pop()
            if parents_done:
                order.append(v)  # appended after everything it depends on
            elif id(v) not in seen:
                seen.add(id(v))
                stack.append((v, True))
                stack.extend((p, False) for p in v._parents)
        self.grad = 1.0  # ∂L/∂L
        for v in reversed(order):  # reverse topological order: consumers before what they consume
            v._backward()
        return order
