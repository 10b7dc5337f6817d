"""Checkers for the "Check yourself" exercises of notebook 02 (matrix calculus, Eq. 2.1–2.8).

Each checker calls the learner's function on seeded random cases and compares it with course_lib: the
Jacobian of a tanh layer (Eq. 2.1) with `Tanh.derivative`, and the gradients of Eq. (2.7) and (2.8) with
what `Linear.backward` (after `Tanh.backward` for the last exercise) computes.
Usage in the notebook: `from course_lib.exercises import nb02; nb02.check_grad_W(my_grad_W)`.
"""

from __future__ import annotations

import warnings
from fractions import Fraction

import numpy as np

from ..gradcheck import numerical_grad, rel_error
from ..layers import Linear, Tanh
from .checking import (
    FAIL,
    NOT_ATTEMPTED,
    PASS,
    Result,
    _describe,
    _not_attempted,
    _type_name,
    call_learner,
    check_array,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
    random_sizes,
)

# Checkers of exercises a course update replaced. No notebook calls them; they stay so that a learner's copy
# made before the update still runs (its cell calls them). tests/exercises/test_checkers.py keeps this list
# exact: every checker is called by its notebook or listed here.
RETIRED = ('check_fixed_grads', 'check_grad_W', 'check_grad_X', 'check_tanh_layer_grad')


def _jacobian_cases(seed: int | None = 201):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    cases = []
    for n_in, n_out in [(4, 3), (2, 5), (6, 6), (1, 4)] if seed is not None else [random_sizes(rng, 2, 2, 8)]:
        cases.append((rng.normal(size=(n_in, n_out)), rng.normal(size=n_out), rng.normal(size=n_in)))
    return cases


def _jacobian_reference(W, b, x):
    # z = Wᵀx + b has Jacobian Wᵀ (Eq. 2.1); the element-wise tanh multiplies row j by tanh'(z_j).
    z = W.T @ x + b
    return Tanh.derivative(z)[:, None] * W.T


_ANALYTIC_TOL = 1e-11  # an analytic Jacobian agrees to ~1e-15; central differences reach ~1e-9 at best


def check_jacobian(fn):
    """Exercise 2.2: `fn(W, b, x)` returns the Jacobian of x ↦ tanh(Wᵀx + b) at x, Eq. (2.1).

    One sample in the row convention: x is (n_in,), W is (n_in, n_out), b is (n_out,). The answer is
    (n_out, n_in) in numerator layout, J[j, i] = ∂a_j/∂x_i. Compared with diag(tanh'(z)) Wᵀ built from
    `course_lib.Tanh.derivative`, on four seeded cases (one with a square W), to 1e-11: the exercise asks for the
    chain rule, and an analytic answer is exact to rounding (~1e-15) while central differences (2.5) are off by
    1e-10 or more (rounding over h plus h²), so an error between 1e-11 and 1e-5 is named as a numerical derivative.
    A very accurate numerical method (a five-point stencil with h = 1e-3, a complex step, exact to rounding) meets
    1e-11 and cannot be told apart; the text says so and asks for the derivation.
    """
    res = check_function("your Jacobian", fn, _jacobian_reference, _jacobian_cases(), "Eq. (2.1)",
                         tol=_ANALYTIC_TOL, random_cases=_jacobian_cases(None))
    if res.passed or "rel. error" not in res.message or "entry by entry" in res.message:
        return res
    loose = check_function("your Jacobian", fn, _jacobian_reference, _jacobian_cases(), "Eq. (2.1)", tol=1e-5)
    if loose.passed:
        return Result(FAIL, "your Jacobian is close to Eq. (2.1) but not to the 1e-11 asked (rel. error between 1e-11 "
                            "and 1e-5), as a numerical derivative such as central differences (2.5) is: derive it "
                            "with the chain rule, Eq. (2.3); a formula agrees to rounding, about 1e-15")
    return res


# (B, n_in, n_out) for the layer-gradient exercises.
_SHAPES = [(1, 3, 2), (6, 4, 4), (5, 2, 7), (32, 10, 3)]


def _linear_backward(X, W, G):
    """(dW, dX) from course_lib's Linear for Z = XW (its bias plays no part in either)."""
    lin = Linear(W.shape[0], W.shape[1])
    lin.W[...] = W
    lin.forward(X)
    dX = lin.backward(G)
    return lin.dW.copy(), dX


def _layer_cases(seed: int | None):
    """The fixed cases (seeded); with seed None, one case of a random non-square shape drawn at call time."""
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    return [
        (rng.normal(size=(B, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=(B, n_out)))
        for B, n_in, n_out in (_SHAPES if seed is not None else [random_sizes(rng, 3, 2, 9)])
    ]


def _grad_W_reference(X, G):
    # ∇_W L does not depend on W, so any W of the right shape gives the reference.
    return _linear_backward(X, np.zeros((X.shape[1], G.shape[1])), G)[0]


def _grad_X_reference(G, W):
    # ∂L/∂X does not depend on X, so any X of the right shape gives the reference.
    return _linear_backward(np.zeros((G.shape[0], W.shape[0])), W, G)[1]


def check_grad_W(fn):
    """Exercise 2.2: `fn(X, Delta)` returns ∇_W L for Z = XW, given Δ = ∂L/∂Z: XᵀΔ = Σ_r x_r δ_rᵀ, Eq. (2.7).

    X is (B, n_in), Δ is (B, n_out); the answer is (n_in, n_out), W's shape. Compared with the dW that
    `Linear.backward` fills, on four seeded cases (a loop of outer products is welcome).
    """
    cases = [(X, G) for X, _, G in _layer_cases(202)]
    return check_function("your ∇_W L", fn, _grad_W_reference, cases, "Eq. (2.7)",
                          random_cases=[(X, G) for X, _, G in _layer_cases(None)])


def check_grad_X(fn):
    """Exercise 2.3: `fn(Delta, W)` returns ∂L/∂X for Z = XW, given Δ = ∂L/∂Z: Δ Wᵀ, Eq. (2.8).

    Δ is (B, n_out), W is (n_in, n_out); the answer is (B, n_in), X's shape. Compared with what
    `Linear.backward` returns, on four seeded cases (one with a square W, where a missing transpose
    still runs but gives the wrong numbers).
    """
    cases = [(G, W) for _, W, G in _layer_cases(203)]
    return check_function("your ∂L/∂X", fn, _grad_X_reference, cases, "Eq. (2.8)",
                          random_cases=[(G, W) for _, W, G in _layer_cases(None)])


def _tanh_layer_reference(X, W, C):
    lin, act = Linear(W.shape[0], W.shape[1]), Tanh()
    lin.W[...] = W
    act.forward(lin.forward(X))
    lin.backward(act.backward(C))  # ∂L/∂A = C for L = Σ C ⊙ tanh(XW)
    return lin.dW.copy()


def check_tanh_layer_grad(fn):
    """Exercise 2.4: `fn(X, W, C)` returns ∇_W L for L = Σ_rj C_rj tanh((XW)_rj), via Eq. (2.7).

    X is (B, n_in), W is (n_in, n_out), C is (B, n_out); the answer is (n_in, n_out). First Δ = ∂L/∂Z for
    Z = XW (the tanh acts entry by entry), then Eq. (2.7). Compared with `Tanh.backward` followed by
    `Linear.backward` on four seeded cases.
    """
    cases = _layer_cases(204)
    return check_function("your ∇_W L of the tanh layer", fn, _tanh_layer_reference, cases, "Eq. (2.7)",
                          random_cases=_layer_cases(None))


# ---- transfer exercises (derive something the notebook does not show) ----------------------------------


def _ridge_cases(seed: int | None = 205):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    cases = []
    settings = zip([(5, 3, 2), (1, 4, 6), (8, 6, 6), (3, 2, 1)], [0.3, 0.0, 2.5, 1.0], strict=True) \
        if seed is not None else [(random_sizes(rng, 3, 2, 9), float(rng.uniform(0.1, 3.0)))]
    for (B, n_in, n_out), lam in settings:
        X, W, Y = rng.normal(size=(B, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=(B, n_out))
        cases.append((X, W, Y, lam))
    return cases


def _ridge_reference(X, W, Y, lam):
    # Δ = ∂/∂Z Σ(Z − Y)² = 2(Z − Y) with Z = XW; then Eq. (2.7) through course_lib's Linear; plus 2λW.
    lin = Linear(W.shape[0], W.shape[1], bias=False)
    lin.W[...] = W
    Z = lin.forward(X)
    lin.backward(2.0 * (Z - Y))
    return lin.dW + 2.0 * lam * W


def check_ridge_grad(fn):
    """Exercise 2.5: `fn(X, W, Y, lam)` returns ∂L/∂W for L(W) = ‖XW − Y‖²_F + λ‖W‖²_F.

    X is (B, n_in), W is (n_in, n_out), Y is (B, n_out), lam a float ≥ 0; the answer has W's shape:
    2Xᵀ(XW − Y) + 2λW (Eq. 2.7 with Δ = 2(XW − Y), plus the weight-decay term). Four seeded cases,
    none of them square in (B, n_in) and one with λ = 0.
    """
    cases = _ridge_cases()
    return check_function("your ∂L/∂W", fn, _ridge_reference, cases, "Eq. (2.7) plus the λ term",
                          random_cases=_ridge_cases(None))


def _bug_cases(seed: int | None = 206):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    return [
        (rng.normal(size=n_in), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out))
        for n_in, n_out in ([(3, 3), (4, 2), (2, 5), (5, 5)] if seed is not None else [random_sizes(rng, 2, 2, 8)])
    ]


def _fixed_reference(x, W, t):
    # One sample as a row through course_lib's Linear and Tanh; loss ½‖a − t‖², so ∂L/∂a = a − t.
    lin, act = Linear(W.shape[0], W.shape[1], bias=False), Tanh()
    lin.W[...] = W
    a = act.forward(lin.forward(x[None, :]))
    dx = lin.backward(act.backward(a - t[None, :]))
    return dx[0], lin.dW.copy()


def _pair(fn, which):
    def part(x, W, t):
        got = fn(x, W, t)
        if not isinstance(got, (tuple, list)) or len(got) != 2:
            raise TypeError(f"return the pair (dL_dx, dL_dW); got {type(got).__name__}"
                            + (f" of length {len(got)}" if isinstance(got, (tuple, list)) else ""))
        return got[which]

    return part


def check_fixed_grads(fn):
    """Exercise 2.6: `fn(x, W, t)` returns the corrected pair (∂L/∂x, ∂L/∂W) for one tanh layer.

    z = Wᵀx, a = tanh(z), L = ½‖a − t‖²; x is (n_in,), W is (n_in, n_out), t is (n_out,). Both answers
    are in denominator layout: ∂L/∂x = W d (n_in,) by Eq. (2.3) and ∂L/∂W = x dᵀ (n_in, n_out) by
    Eq. (2.4), with d = (a − t) ⊙ (1 − a²). The cases include square W, where the buggy version runs.
    """
    cases, extra = _bug_cases(), _bug_cases(None)
    if fn is None:
        return check_function("your (dL_dx, dL_dW)", None, None, cases, "Eq. (2.3)")
    for which, name, eq in [(0, "your ∂L/∂x", "Eq. (2.3)"), (1, "your ∂L/∂W", "Eq. (2.4)")]:
        res = check_function(name, _pair(fn, which), lambda x, W, t, w=which: _fixed_reference(x, W, t)[w], cases, eq,
                             random_cases=extra)
        if not res.passed:
            return res
    return Result(PASS, f"both gradients agree with Eq. (2.3) and (2.4) on {len(cases)} cases (rel. error < 1e-08)")


def _column_reference(x, V, t):
    # The column convention z = V x is the row convention's z = Wᵀx with W = Vᵀ: run course_lib's Linear and Tanh
    # with W = Vᵀ on the row xᵀ, loss ½‖a − t‖² (∂L/∂a = a − t). ∂L/∂x is x's shape either way; ∂L/∂V, in V's shape
    # (2.4), is the transpose of ∂L/∂W.
    lin, act = Linear(V.shape[1], V.shape[0], bias=False), Tanh()
    lin.W[...] = V.T
    a = act.forward(lin.forward(x[None, :]))
    dx = lin.backward(act.backward(a - t[None, :]))
    return dx[0], lin.dW.T.copy()


def _column_cases(seed: int | None = 213):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    shapes = [(3, 3), (2, 4), (5, 2), (4, 4)] if seed is not None else [tuple(random_sizes(rng, 2, 2, 8))]
    return [(rng.normal(size=n_in), rng.normal(size=(n_out, n_in)), rng.normal(size=n_out)) for n_out, n_in in shapes]


def check_column_layer_grads(fn) -> Result:
    """Exercise 2.6 (derive, find the bug): `fn(x, V, t)` returns (∂L/∂x, ∂L/∂V) for one tanh layer in the COLUMN
    convention, z = V x with V (n_out, n_in), a = tanh(z), L = ½‖a − t‖².

    Reference: with δ = (a − t) ⊙ (1 − a²), ∂L/∂x = Vᵀδ (n_in,) and ∂L/∂V = δ xᵀ (n_out, n_in), V's shape (2.4),
    computed through course_lib's Linear with W = Vᵀ. Section 3's table (z = Wᵀx: W r and x rᵀ), copied with V for
    W, is the printed bug: it runs only when V is square, and two of the cases are square.
    """
    return check_function("your (dL_dx, dL_dV)", fn, _column_reference, _column_cases(), "Eq. (2.3) and (2.4)",
                          labels=("dL/dx", "dL/dV"),
                          equations=("Eq. (2.3) right, with J_zx = V", "Eq. (2.4), in V's shape"),
                          random_cases=_column_cases(None))


# ---------------------------------------------------------------------------------------------------------
# The ladder: predict a relative error; derive a sample-mixing layer and the ridge minimiser; build
# a central-difference gradient check and verify a derived gradient with it.
# ---------------------------------------------------------------------------------------------------------

_REL_FACTORS = (3.0, 0.5)  # the prediction exercise: err(3g, g) and err(g/2, g), Eq. (2.6)


def _real_pair(prediction):
    """Two finite floats from a tuple, list or length-2 numeric array of real numbers (int, float, numpy scalars,
    Fraction); None if it is not a pair, a failing Result if an entry is not a finite real number."""
    if isinstance(prediction, np.ndarray):
        if prediction.shape != (2,) or prediction.dtype.kind not in "iuf":
            return None
        items = [prediction[0], prediction[1]]
    elif isinstance(prediction, (tuple, list)) and len(prediction) == 2:
        items = list(prediction)
    else:
        return None
    numbers = []
    for item in items:
        number = exact_number(item)
        if number is None and type(item) is Fraction:
            try:
                number = float(item)
            except OverflowError:  # Fraction(10**400): not a number a prediction can be compared as
                number = float("inf")
        if number is None:
            return Result(FAIL, f"each prediction should be a number, got {_type_name(item)}")
        if not np.isfinite(number):
            return Result(FAIL, f"each prediction should be a finite number, got {number}")
        numbers.append(float(number))
    return numbers


def check_rel_error_prediction(prediction) -> Result:
    """Exercise 2.1 (predict): the relative error (2.6) of 3g against g and of g/2 against g, as a pair of numbers.

    The reference measures both with course_lib's `rel_error` on a gradient g drawn at call time (they do not
    depend on g); each prediction must be within 1e-3 (the text asks for 3 decimals); within 2 % but outside that,
    "close: give more digits". Dividing by ‖g‖ alone (|k − 1|) is named.
    """
    name = "your pair of predictions"
    if prediction is None or prediction is Ellipsis:
        return _not_attempted(name)
    pair = _real_pair(prediction)
    if pair is None:
        return Result(FAIL, f"{name} should be two numbers (err for 3g, err for g/2), got "
                            f"{_describe(prediction)}")
    if isinstance(pair, Result):
        return pair
    g = fresh_rng().normal(size=(4, 3))
    truths = [rel_error(k * g, g) for k in _REL_FACTORS]
    if all(abs(p - t) > 1e-3 for p, t in zip(pair, truths, strict=True)) and \
            all(abs(p - t) <= 1e-3 for p, t in zip(pair, truths[::-1], strict=True)):
        return Result(FAIL, f"{name} has the right two numbers in the wrong order: the first is err(3g, g), the "
                            "second err(g/2, g)")
    for k, number, truth in zip(_REL_FACTORS, pair, truths, strict=True):
        if abs(number - truth) > 1e-3:
            what = "3g" if k == 3.0 else "g/2"
            if abs(number - truth) <= 0.02 * abs(truth):
                return Result(FAIL, f"your prediction for {what} against g is close, but the exercise asks for 3 "
                                    "decimals (within 1e-3): give more digits")
            why = (" (that is ‖a − b‖/‖b‖: Eq. (2.6) divides by ‖a‖ + ‖b‖)" if abs(number - abs(k - 1)) < 1e-3
                   else "")
            return Result(FAIL, f"your prediction for {what} against g is off by more than 1e-3{why}; put a = k·g "
                                "and b = g into Eq. (2.6) and take the norms out")
    return Result(PASS, "both predictions match Eq. (2.6) to 1e-3")


def _mixing_cases(seed: int | None = 207):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    shapes = [(4, 3, 2), (5, 5, 5), (3, 2, 6), (6, 4, 1)] if seed is not None else [tuple(random_sizes(rng, 3, 2, 9))]
    return [(rng.normal(size=(B, B)), rng.normal(size=(B, n_in)), rng.normal(size=(n_in, n_out)),
             rng.normal(size=(B, n_out))) for B, n_in, n_out in shapes]


def _mixing_reference(M, X, W, Delta):
    # Z = (M X) W: course_lib's Linear gives dW = (MX)ᵀ Δ (2.7) and ∂L/∂(MX) = Δ Wᵀ (2.8); then Z' = M X has
    # ∂L/∂X = Mᵀ ∂L/∂Z' by the same index argument as (2.7) (the sum runs over M's row index).
    lin = Linear(W.shape[0], W.shape[1], bias=False)
    lin.W[...] = W
    lin.forward(M @ X)
    dA = lin.backward(Delta)
    return lin.dW.copy(), M.T @ dA


def check_mixing_layer_grads(fn) -> Result:
    """Exercise 2.3 (derive): `fn(M, X, W, Delta)` returns (∂L/∂W, ∂L/∂X) for Z = M X W, given Δ = ∂L/∂Z.

    M (B, B) mixes the samples (a graph convolution's normalised adjacency, say), X (B, n_in), W (n_in, n_out),
    Δ (B, n_out). Reference: ∂L/∂W = (MX)ᵀΔ, ∂L/∂X = MᵀΔWᵀ. M is never symmetric, so a missing transpose on M
    fails; one case is square in every dimension.
    """
    return check_function("mixing_layer_grads", fn, _mixing_reference, _mixing_cases(),
                          "Eq. (2.7) and (2.2)", labels=("dL/dW", "dL/dX"),
                          equations=("Eq. (2.7) with MX for X", "Eq. (2.2) over the entries of Z"),
                          random_cases=_mixing_cases(None))


def _minimiser_cases(seed: int | None = 208):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    settings = [((8, 3, 2), 0.5), ((3, 5, 2), 1.0), ((6, 4, 4), 2.0), ((2, 2, 3), 0.1)] if seed is not None else \
        [(tuple(random_sizes(rng, 3, 2, 9)), float(rng.uniform(0.2, 2.0)))]
    return [(rng.normal(size=(B, n_in)), rng.normal(size=(B, n_out)), lam) for (B, n_in, n_out), lam in settings]


def _minimiser_reference(X, Y, lam):
    # ∂L/∂W = 2Xᵀ(XW − Y) + 2λW = 0  ⇔  (XᵀX + λI) W = XᵀY; XᵀX + λI is positive definite for λ > 0
    return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ Y)


def check_ridge_minimiser(fn) -> Result:
    """Exercise 2.5 (derive, show that): `fn(X, Y, lam)` returns the W at which the ridge gradient of 2.4 vanishes.

    Reference: W* = (XᵀX + λI)⁻¹XᵀY (n_in, n_out), by np.linalg.solve. Cases include B < n_in (XᵀX is singular
    there, so λ is needed) and one drawn at call time; all have λ > 0.
    """
    return check_function("your minimiser W*", fn, _minimiser_reference, _minimiser_cases(),
                          "∂L/∂W = 0 with the gradient of 2.4", tol=1e-7, random_cases=_minimiser_cases(None))


# ---- the capstone: a central-difference gradient check of the learner's own ---------------------------------


class _Probe:
    """A scalar test function f(x) with its exact gradient; it refuses an x of another shape (clear message)."""

    def __init__(self, kind: str, shape, rng):
        self.kind, self.shape = kind, tuple(shape)
        self.C = rng.uniform(0.5, 1.5, self.shape) * rng.choice([-1.0, 1.0], self.shape)
        if kind == "tanh":
            self.X = rng.normal(size=(int(rng.integers(2, 6)), self.shape[0]))
            self.C = rng.normal(size=(self.X.shape[0], self.shape[1]))
        self.x = rng.uniform(-1.0, 1.0, self.shape)
        self.target, self.foreign = None, False  # the array handed to the learner; was f given another one?

    def __call__(self, x=None):
        if x is None:
            raise TypeError("f takes x: call f(x)")
        if np.iscomplexobj(x):  # a complex step: refuse it clearly, never a ComplexWarning from the checker's f
            raise TypeError("f takes a real array x, got complex values: Eq. (2.5) nudges x by a real h")
        if self.target is not None and not (isinstance(x, np.ndarray) and np.shares_memory(x, self.target)):
            self.foreign = True
        x = np.asarray(x)
        if x.shape != self.shape:
            raise ValueError(f"f expects an array of shape {self.shape} (x's shape), got {x.shape}")
        with warnings.catch_warnings(), np.errstate(all="ignore"):  # the checker's own f never warns at the learner
            warnings.simplefilter("ignore")
            return self._value(x)

    def _value(self, x):
        if self.kind == "sin":
            return float(np.sum(self.C * np.sin(x)) + 0.1 * np.sum(x**3))
        if self.kind == "tanh":
            return float(np.sum(self.C * np.tanh(self.X @ x)))
        return float(np.sum(self.C * np.exp(0.7 * x)))

    def grad(self, x):
        if self.kind == "sin":
            return self.C * np.cos(x) + 0.3 * x**2
        if self.kind == "tanh":
            return self.X.T @ (self.C * (1.0 - np.tanh(self.X @ x) ** 2))
        return 0.7 * self.C * np.exp(0.7 * x)


def _probes(rng, fixed: bool):
    if fixed:
        return [_Probe("sin", (3, 4), rng), _Probe("tanh", (4, 2), rng), _Probe("exp", (2, 3, 2), rng),
                _Probe("sin", (5,), rng)]
    return [_Probe("exp", tuple(random_sizes(rng, 3, 1, 4)), rng)]


def _run_numgrad(name, fn, probe, x, h=None):
    """The learner's fn(f, x[, h]) on x itself (so a change it leaves in x is seen): (answer, verdict)."""
    args = (probe, x) if h is None else (probe, x, h)
    probe.target, probe.foreign = x, False
    try:
        return call_learner(name, lambda: fn(*args), ())
    finally:
        probe.target = None


def check_numerical_grad(fn) -> Result:
    """Exercise 2.7 (build): `fn(f, x, h=1e-5)` returns the central-difference gradient (2.5) of a scalar f at x.

    f must be called with x itself, nudged in place, and x restored exactly (each call of f is watched).

    x is an array of any shape (the cases: 1-d, non-square 2-d, 3-d, and one 3-d shape drawn at call time); the
    answer must have x's shape, agree with the exact gradient to 1e-7 (Eq. 2.6), and leave x exactly as it was.
    Then the order: at h = 1e-2 and 1e-3 the error must shrink at least 30× (O(h²) shrinks 100×; a higher-order
    stencil such as the five-point one, O(h⁴), shrinks more and is accepted); a one-sided difference shrinks 10×
    (O(h)) and is named, and so is an answer whose result does not change with h.
    """
    name = "my_numerical_grad"
    if fn is None or fn is Ellipsis:
        return _not_attempted(name)
    rng = np.random.default_rng(209)
    fixed = _probes(rng, True)
    for i, probe in enumerate(fixed + _probes(fresh_rng(), False)):
        x = probe.x.copy()
        got, verdict = _run_numgrad(name, fn, probe, x)
        if verdict is not None:
            return verdict
        if probe.foreign:
            return Result(FAIL, f"{name} called f with an array other than x: nudge the entries of x itself, in place "
                                "(f may read x where it lives, as a model reads its weights), and restore each one")
        if not np.array_equal(x, probe.x):
            changed = int(np.sum(x != probe.x))
            return Result(FAIL, f"{name} changed x ({changed} of {x.size} entries differ afterwards): a gradient check "
                                "returns a new array and leaves x as it found it; restore each entry exactly (save "
                                "the old value and put it back; x[i] += h followed by x[i] -= h need not give back "
                                "the same float)")
        res = check_array(f"{name} (case {i + 1}, x of shape {probe.shape})" if i < len(fixed) else
                          f"{name} (the case drawn at call time)", got, probe.grad(probe.x), "Eq. (2.5)", tol=1e-7)
        if not res.passed:
            order = _order_message(name, fn) if "rel. error" in res.message else ""
            return Result(FAIL, res.message + (";" + order if order else ""))
    order = _order_message(name, fn)
    if order:
        return Result(FAIL, f"{name} is accurate at the default h, but{order}")
    return Result(PASS, f"{name} agrees with the exact gradients to 1e-7 on x of shapes (5,), (3, 4), (4, 2) and "
                        "(2, 3, 2), leaves x unchanged, and its error shrinks like h² or faster (Eq. 2.5)")


def _order_message(name, fn) -> str:
    """'' if the learner's error shrinks like h² from h = 1e-2 to 1e-3, else why not (one-sided, h ignored)."""
    probe = _Probe("sin", (2, 3), np.random.default_rng(210))
    errors, answers = [], []
    for h in (1e-2, 1e-3):
        got, verdict = _run_numgrad(name, fn, probe, probe.x.copy(), h)
        if verdict is not None:
            return f" (called with h = {h:g}: {verdict.message})"
        try:
            answers.append(np.asarray(got, dtype=np.float64).reshape(probe.shape))
            errors.append(rel_error(answers[-1], probe.grad(probe.x)))
        except Exception:  # noqa: BLE001 - a malformed answer: the main comparison reports it
            return ""
    big, small = errors
    if not (np.isfinite(big) and np.isfinite(small)) or small > 1e-3:
        return ""  # wrong at every h (a missed axis, a wrong sign, …): not a question of the order in h
    if rel_error(answers[0], answers[1]) < 1e-13:
        return " its result is the same at h = 1e-2 and h = 1e-3: does it use the argument h?"
    if big / max(small, 1e-300) < 30.0 and big > 1e-9:
        return (f" its error shrinks only {big / small:.0f}× from h = 1e-2 to h = 1e-3, like h (a one-sided "
                "difference?); Eq. (2.5)'s central difference (f(x + h e_i) − f(x − h e_i)) / 2h shrinks like h², "
                "about 100×")
    return ""


def _ridge_loss(X, W, Y, lam):
    return float(np.sum((X @ W - Y) ** 2) + lam * np.sum(W**2))


def _ridge_wrong(kind):
    def grad(X, W, Y, lam):
        data = 2.0 * X.T @ (X @ W - Y)
        if kind == "no λ term":
            return data
        if kind == "half":
            return 0.5 * (data + 2.0 * lam * W)
        return data - 2.0 * lam * W  # "λ term subtracted"

    grad.__name__ = f"ridge_grad_{kind.replace(' ', '_')}"
    return grad


def _as_error(name, value):
    number = exact_number(value)
    if number is None and isinstance(value, np.ndarray) and value.shape == () and value.dtype.kind == "f":
        number = float(value)
    if number is None:
        return None, Result(FAIL, f"{name} should return the relative error (2.6), a number ≥ 0, got "
                                  f"{_type_name(value)}")
    if not np.isfinite(number) or number < 0:
        shown = f"{number:.2g}".replace("-", "−")
        return None, Result(FAIL, f"{name} should return the relative error (2.6), a number ≥ 0, got {shown}")
    return number, None


def _stub_owner(verify):
    """Call-through wrapper for `verify` that records which function raised NotImplementedError: the name of the
    innermost frame, so a stub of my_numerical_grad (2.7) called by a written verify (2.8) can be told apart."""
    seen = {}

    def wrapped(*args):
        try:
            return verify(*args)
        except NotImplementedError as exc:
            tb = exc.__traceback__
            while tb.tb_next is not None:
                tb = tb.tb_next
            seen["code"] = tb.tb_frame.f_code
            raise

    wrapped.__wrapped__ = verify  # so that a message naming the parameters reads the learner's signature
    return wrapped, seen


def _not_yet(name, verify, seen, ridge_grad=None):
    """The not-attempted verdict, naming the function that is still a stub when it is not verify itself."""
    code = seen.get("code")
    if code is None or code is getattr(verify, "__code__", None):
        return _not_attempted(name)
    if ridge_grad is not None and code is getattr(ridge_grad, "__code__", None):
        return Result(NOT_ATTEMPTED, f"{name} works; now write my_ridge_grad (exercise 2.4) and run this again")
    return Result(NOT_ATTEMPTED, f"{name} calls {code.co_name}, which is not written yet: exercise 2.7 "
                                 "(my_numerical_grad) is not attempted; write it first, then run this again")


def _true_error(grad_fn, X, W, Y, lam):
    """Eq. (2.6) between grad_fn's answer and the checker's own central differences (2.5) of the ridge loss."""
    W_ = W.copy()
    numerical = numerical_grad(lambda: _ridge_loss(X, W_, Y, lam), W_)
    return rel_error(grad_fn(X, W.copy(), Y, lam), numerical)


def _forward_error(X, W, Y, lam, h=1e-5):
    """Eq. (2.6) between the right ridge gradient and a one-sided difference (f(W + h e_i) − f(W)) / h."""
    W_, base = W.astype(np.float64), _ridge_loss(X, W, Y, lam)
    grad = np.zeros_like(W_)
    for idx in np.ndindex(W_.shape):
        old = W_[idx]
        W_[idx] = old + h
        grad[idx] = (_ridge_loss(X, W_, Y, lam) - base) / h
        W_[idx] = old
    return rel_error(_ridge_reference(X, W, Y, lam), grad)


def check_ridge_verification(verify, ridge_grad=None) -> Result:
    """Exercise 2.8 (build and verify): `verify(grad_fn, X, W, Y, lam)` returns the relative error (2.6) between
    grad_fn(X, W, Y, lam) and the learner's own central-difference gradient of L(W) = ‖XW − Y‖² + λ‖W‖².

    For a right gradient the number must be below 1e-6. For three wrong ones (half the gradient, without the 2λW
    term, the λ term subtracted), whose relative errors are large (1/3 for the half) and which the checker measures
    itself (Eq. 2.6 against its own central differences), the number must be that relative error to 5 % — so a
    norm of the difference, a sum of squares or a largest entry (numbers that merely pass a threshold) fail. On
    non-square cases and one drawn at call time. If my_numerical_grad (2.7) is still a stub, that is said. Where
    verify sees a my_numerical_grad (the notebook), it must call it (counted for the run, then restored): a check
    against another analytic gradient differentiates nothing. Then, if
    `ridge_grad` (the learner's answer to 2.4) is given, the learner's check is run on it and its verdict reported.
    """
    name = "verify_ridge_grad"
    if verify is None or verify is Ellipsis:
        return _not_attempted(name)
    if not callable(verify):
        return Result(FAIL, f"{name} should be a function, got {_type_name(verify)}")
    # The check must differentiate the loss numerically with the learner's my_numerical_grad (2.7): where verify
    # can see a my_numerical_grad (the notebook's namespace), it is wrapped with a counter for the checker's run
    # (restored in `finally`), so comparing grad_fn with another analytic gradient (my_ridge_grad), which gives the
    # same numbers for the ridge loss, is told apart honestly.
    space = getattr(verify, "__globals__", None)
    own = space.get("my_numerical_grad") if isinstance(space, dict) else None
    if not callable(own):
        return _check_ridge_verification(name, verify, ridge_grad, None)
    calls = [0]

    def my_numerical_grad(*args, **kwargs):
        calls[0] += 1
        return own(*args, **kwargs)

    space["my_numerical_grad"] = my_numerical_grad
    try:
        return _check_ridge_verification(name, verify, ridge_grad, calls)
    finally:
        space["my_numerical_grad"] = own


def _ridge_grad_edits(ridge_grad, X, W, Y, lam):
    """The name of the argument (X, W or Y) that the learner's my_ridge_grad writes into, else None."""
    args = (X.copy(), W.copy(), Y.copy(), lam)
    _, verdict = call_learner("my_ridge_grad", lambda: ridge_grad(*args), (), slow=2.0)  # (call_learner copies)
    if verdict is not None:
        return None
    return next((key for key, a, b in zip("XWY", args, (X, W, Y), strict=False) if not np.array_equal(a, b)), None)


def _verified_error(name, wrapped, verify, seen, args):
    """The relative error the learner's check reports for one (grad_fn, X, W, Y, lam), or (None, verdict)."""
    value, verdict = call_learner(name, wrapped, args, slow=2.0)
    if verdict is not None:
        return None, (_not_yet(name, verify, seen) if verdict.status == NOT_ATTEMPTED else verdict)
    return _as_error(name, value)


def _check_ridge_verification(name, verify, ridge_grad, calls) -> Result:
    wrapped, seen = _stub_owner(verify)
    right = _ridge_reference_grad
    cases = _ridge_cases(211) + _ridge_cases(None)
    cases = [c for c in cases if c[3] > 0]  # the λ term must matter
    for X, W, Y, lam in cases:
        err, verdict = _verified_error(name, wrapped, verify, seen, (right, X, W, Y, lam))
        if verdict is not None:
            return verdict
        if err > 1e-6:
            one_sided = _forward_error(X, W, Y, lam)
            if err < 1e-3:
                what = ("the size of a one-sided difference's error, O(h)" if one_sided / 30.0 <= err <= 30.0 *
                        one_sided else "too large for central differences with a good h")
                return Result(FAIL, f"{name} rejects a RIGHT gradient with rel. error {err:.2g}: {what}. Against "
                                    "central differences (2.5) with h = 1e-5 a right gradient agrees to about 1e-9 or "
                                    "better: does your my_numerical_grad use (f(x + h e_i) − f(x − h e_i)) / 2h?")
            return Result(FAIL, f"{name} rejects a RIGHT gradient (your check gives rel. error {err:.2g}): is your L "
                                "exactly ‖XW − Y‖² + λ‖W‖² (both terms, squared, no 1/2), differentiated with respect "
                                "to W, not X?")
        if calls is not None and calls[0] == 0:
            return Result(FAIL, f"{name} never calls my_numerical_grad: a check must differentiate the loss "
                                "numerically, Eq. (2.5), with your my_numerical_grad of 2.7, not compare grad_fn with "
                                "another analytic gradient (a derivation checked against itself catches nothing)")
        for kind in ("half", "no λ term", "λ term subtracted"):
            wrong = _ridge_wrong(kind)
            truth = _true_error(wrong, X, W, Y, lam)
            err, verdict = _verified_error(name, wrapped, verify, seen, (wrong, X, W, Y, lam))
            if verdict is not None:
                return verdict
            if err <= 1e-4:
                return Result(FAIL, f"{name} accepts a WRONG gradient ({kind}: rel. error {err:.2g} ≤ 1e-4); "
                                    "compare grad_fn's answer with your numerical gradient of the whole loss")
            if abs(err - truth) > 0.05 * truth:
                what = (f"returns {err:.2g} for a wrong gradient (half the right one) whose relative error (2.6) is "
                        "1/3" if kind == "half" else f"returns a number that is not the relative error (2.6) of a "
                        f"wrong gradient ({kind})")
                return Result(FAIL, f"{name} {what}: return ‖a − n‖ / (‖a‖ + ‖n‖), Eq. (2.6), with a = grad_fn's "
                                    "answer and n your numerical gradient (rel_error computes it), not a norm, sum or "
                                    "largest entry of the difference")
    if ridge_grad is None:
        return Result(PASS, f"{name} accepts the right ridge gradient and measures the relative error of 3 wrong ones")
    X, W, Y, lam = _ridge_cases(212)[0]
    value, verdict = call_learner(name, wrapped, (ridge_grad, X, W, Y, lam), slow=2.0)
    if verdict is not None:
        if verdict.status == NOT_ATTEMPTED:
            return _not_yet(name, verify, seen, ridge_grad)
        return Result(FAIL, f"{name} could not check your my_ridge_grad: {verdict.message}")
    err, verdict = _as_error(name, value)
    if verdict is not None:
        return verdict
    if err > 1e-6:
        edited = _ridge_grad_edits(ridge_grad, X, W, Y, lam)
        if edited is not None:
            return Result(FAIL, f"{name} is right, and it rejects your my_ridge_grad of exercise 2.4 (rel. error "
                                f"{err:.2g}) because my_ridge_grad changes {edited}, its argument: your check then "
                                f"differentiates the loss at another {edited}. Compute the gradient in a new array "
                                f"without writing into {edited}")
        return Result(FAIL, f"{name} is right, and it rejects your my_ridge_grad of exercise 2.4 (rel. error "
                            f"{err:.2g}): the derivation of 2.4 has a mistake")
    return Result(PASS, f"{name} accepts the right ridge gradient, measures the relative error of 3 wrong ones, and "
                        "your own my_ridge_grad passes your own check (rel. error < 1e-6)")


def _ridge_reference_grad(X, W, Y, lam):
    return _ridge_reference(X, W, Y, lam)


HINTS = {
    "rel_error_prediction": [
        "Put a = k·g and b = g into Eq. (2.6). Norms scale: ‖k·g‖ = |k|·‖g‖.",
        "Write ‖a − b‖ = ‖(k − 1) g‖ and ‖a‖ + ‖b‖ = ‖k g‖ + ‖g‖, and pull each scalar out of its norm (‖c g‖ = "
        "|c|·‖g‖). ‖g‖ cancels and leaves a number that depends on k alone; evaluate it at both k.",
    ],
    "jacobian": [
        "The layer is two steps, z = Wᵀx + b and a = tanh(z). Find the Jacobian of each step (section 1) and "
        "combine them with the chain rule in matrix form, Eq. (2.3).",
        "Write the Jacobian of each step on its own: z = Wᵀx + b is linear in x, so its Jacobian is its matrix; a "
        "= tanh(z) acts entry by entry, so only the entries (j, j) of its Jacobian are nonzero, each tanh′(z_j) in "
        "terms of a_j. Multiply them in the order of Eq. (2.3), left form, and check the shape n_out × n_in.",
    ],
    "mixing_layer_grads": [
        "For dL/dW, name P = M X and this is section 5 again. For dL/dX, write Z_rj = Σ_s Σ_i M_rs X_si W_ij and "
        "apply (2.2): which index does the sum run over now that samples are mixed?",
        "dL/dW: P = MX plays X's role in (2.7). dL/dX: differentiate Z_rj = Σ_s Σ_i M_rs X_si W_ij by one entry "
        "X_si, multiply by Δ_rj and sum over r and j (2.2). Then read each sum over a shared index as a matrix "
        "product, deciding for each factor whether its indices appear in the order of a transpose.",
    ],
    "ridge_grad": [
        "Two terms. For the first, Z = XW and L is a sum of squares of the entries of Z − Y: what is ∂L/∂Z entry by "
        "entry? For the second, differentiate Σ λW_ij² with respect to one W_ij.",
        "Take the two terms separately. First: with Z = XW, write ∂L/∂Z entry by entry (the derivative of a sum of "
        "squares), then carry it to W with (2.7). Second: differentiate λ Σ W_ij² by one W_ij. Add the two and "
        "check that both have W's shape.",
    ],
    "ridge_minimiser": [
        "Set your gradient of 2.4 to zero and collect the terms with W on one side.",
        "Set ∂L/∂W = 0, expand the product, and collect the terms in W on one side, writing λW as λIW so that W "
        "factors out on the right. That is a linear system A W = C; show vᵀAv > 0 for v ≠ 0 (so A is invertible "
        "even when B < n_in), and solve the system (np.linalg.solve) rather than forming an inverse.",
    ],
    "fixed_grads": [
        "Check each line's shape first: what shape must ∂L/∂x and ∂L/∂W have in denominator layout (2.4)? Which "
        "form of the chain rule, (2.3) left or right, gives a gradient?",
        "Step 1 stands. In step 2, a gradient (denominator layout) is the TRANSPOSED Jacobian times δ, Eq. (2.3) "
        "right: transpose J_zx and check that the result has n_in entries. In step 3, ∂L/∂W_ij = x_i δ_j must sit "
        "in position (i, j), W's shape (2.4): which outer product puts x's index first?",
    ],
    "column_layer_grads": [
        "V is not section 3's W: z = V x is z = Wᵀx with W = Vᵀ. Which shapes must ∂L/∂x and ∂L/∂V have (2.4), and "
        "what shapes do the printed lines give when V is not square?",
        "Redo the derivation in this convention instead of translating the table: J_zx is V, and a gradient is the "
        "TRANSPOSED Jacobian times δ (2.3, right). For V, ∂z_j/∂V_jk = x_k, so ∂L/∂V_jk = δ_j x_k must sit in "
        "position (j, k): which outer product puts δ's index first?",
    ],
    "numerical_grad": [
        "Loop over every entry of x, whatever its shape (np.ndindex(x.shape) gives the index tuples); nudge that "
        "entry up and down by h, evaluate f twice, and put the old value back.",
        "Per entry: keep its old value, set the entry to old + h and call f, set it to old − h and call f, then "
        "assign the old value back (assign, do not subtract: that restores the exact float). The difference of the "
        "two values over 2h goes to the same index of a zeros array of x's shape.",
    ],
    "ridge_verification": [
        "Write the loss as a function of W alone (X, Y and lam fixed), hand it to my_numerical_grad, and compare "
        "its answer with grad_fn's using Eq. (2.6).",
        "Inside verify, define the loss of a weight matrix W_ with both terms of 2.4 (X, Y, lam taken from the "
        "arguments); run my_numerical_grad on it at a copy of W, and return rel_error of grad_fn's answer against "
        "that.",
    ],
}


guard_checkers(globals())
