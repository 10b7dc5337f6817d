"""Checkers for notebook 12 · Softmax and classification (transfer exercises on Eq. 12.3 and 12.7).

Both exercises ask for something notebook 12 does not derive:
- `check_softmax_vjp`: the vector–Jacobian product of a softmax layer for ANY upstream gradient G = ∂L/∂P
  (the notebook only derives the fused softmax + cross-entropy case), without building a C×C Jacobian;
- `check_label_smoothing_grad`: the gradient of cross-entropy with PyTorch's label smoothing.
The references are independent of the learner's route: the VJP is the explicit Jacobian of Eq. (12.3) built
per sample, the smoothed gradient is CrossEntropyLoss with class-probability targets.
"""

from __future__ import annotations

import tracemalloc

import numpy as np

from ..losses import CrossEntropyLoss, softmax
from . import FAIL, Result, call_learner, check_function, fresh_rng, guard_checkers, random_sizes

_BIG_C, _BIG_B = 1000, 3
_CC_BYTES = 8 * _BIG_C * _BIG_C
"""A C × C float64 matrix at C = 1000 takes 8 MB; the VJP itself needs a few (B, C) arrays, about 24 kB each."""


def _softmax_vjp_reference(Z, G):
    """∂L/∂Z row by row: gᵀ J with J = diag(p) − p pᵀ, Eq. (12.3) (J is symmetric)."""
    P = softmax(Z)
    return np.stack([G[i] @ (np.diag(P[i]) - np.outer(P[i], P[i])) for i in range(Z.shape[0])])


def check_softmax_vjp(fn) -> Result:
    """Exercise 12.1: `fn(Z, G) -> ∂L/∂Z` for P = softmax(Z) (row by row) and any G = ∂L/∂P, both (B, C).

    Compared with the explicit per-sample Jacobian of Eq. (12.3). The cases include a non-square batch, a
    single sample, two classes, saturated logits (±50) and a random shape drawn at call time with logits of
    ±800 (where an unshifted exp overflows); every G is random, not of the cross-entropy form. Then, as the
    exercise asks for no C × C matrix, the memory it takes at C = 1000 classes must stay below that of one.
    """
    rng = np.random.default_rng(1201)
    cases = [
        (rng.standard_normal((4, 3)), rng.standard_normal((4, 3))),
        (2.0 * rng.standard_normal((1, 5)), rng.standard_normal((1, 5))),
        (rng.standard_normal((6, 2)), rng.standard_normal((6, 2))),
        (np.array([[50.0, 0.0, -50.0, 1.0], [0.5, 0.4, 0.3, 0.2]]), rng.standard_normal((2, 4))),
    ]
    fresh = fresh_rng()  # a random shape, its first sample with logits of ±800
    B, C = random_sizes(fresh, 2, 2, 9)
    extra = [(np.vstack([[800.0, 0.0, -800.0] + [0.0] * (C - 3) if C >= 3 else [800.0, -800.0],
                         fresh.standard_normal((B, C))]), fresh.standard_normal((B + 1, C)))]
    res = check_function("softmax_vjp", fn, _softmax_vjp_reference, cases, "Eq. (12.3) applied row by row",
                         random_cases=extra)
    if not res.passed:
        return _overflow_hint(res)
    return _no_c_by_c(fn, res)


def _overflow_hint(res: Result) -> Result:
    if "NaN or Inf" in res.message:
        return Result(FAIL, res.message + " (some logits are ±800: exp overflows there unless each row's maximum is "
                                          "subtracted first, Eq. (12.5))")
    return res


def _no_c_by_c(fn, passed: Result) -> Result:
    """The exercise says: no C × C matrix. Measured, not guessed: the peak memory numpy allocates (tracemalloc)
    while fn runs on B = 3 samples of C = 1000 classes stays far below one 8 MB C × C matrix without one."""
    rng = np.random.default_rng(1203)
    Z, G = rng.standard_normal((_BIG_B, _BIG_C)), rng.standard_normal((_BIG_B, _BIG_C))
    started = not tracemalloc.is_tracing()
    if started:
        tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        base = tracemalloc.get_traced_memory()[0]
        _, verdict = call_learner("softmax_vjp", fn, (Z, G))
        peak = tracemalloc.get_traced_memory()[1] - base
    finally:
        if started:
            tracemalloc.stop()
    if verdict is not None:
        return verdict
    if peak >= _CC_BYTES // 2:
        return Result(FAIL, f"softmax_vjp gives the right values, but for C = {_BIG_C} classes it needs as much "
                            f"memory as a C × C matrix ({_CC_BYTES // 10**6} MB each): the exercise asks for none. Use "
                            "element-wise products, one sum along each row and broadcasting")
    return passed


def _label_smoothing_reference(Z, y, eps):
    C = Z.shape[1]
    T = (1.0 - eps) * np.eye(C)[y] + eps / C
    return CrossEntropyLoss("mean").grad(Z, T)


def check_label_smoothing_grad(fn) -> Result:
    """Exercise 12.2: `fn(Z, y, eps) -> ∂L/∂Z` for mean cross-entropy with label smoothing eps (PyTorch's).

    The smoothed target of sample i is t_i = (1 − eps)·onehot(y_i) + eps/C (every class gets eps/C).
    Reference: CrossEntropyLoss("mean").grad with those class-probability targets, i.e. Eq. (12.7). The
    cases include logits of ±800 (an unshifted exp overflows there) and a random shape drawn at call time.
    The exercise says numpy only: an answer that calls course_lib's CrossEntropyLoss fails.
    """
    rng = np.random.default_rng(1202)
    cases = [
        (rng.standard_normal((5, 3)), rng.integers(0, 3, 5), 0.1),
        (3.0 * rng.standard_normal((4, 6)), rng.integers(0, 6, 4), 0.25),
        (rng.standard_normal((1, 2)), np.array([1]), 0.5),
        (rng.standard_normal((3, 4)), np.array([0, 3, 3]), 0.0),
    ]
    Z, y, eps = cases[0]  # and two samples with logits of ±800, where an unshifted exp overflows
    cases[0] = (np.vstack([Z, [[800.0, 0.0, -800.0], [-800.0, 0.0, 1000.0]]]), np.append(y, [2, 0]), eps)
    fresh = fresh_rng()
    B, C = random_sizes(fresh, 2, 2, 9)
    extra = [(np.vstack([fresh.standard_normal((B, C)), np.linspace(-900.0, 900.0, C)]), fresh.integers(0, C, B + 1),
              float(fresh.uniform(0.0, 0.5)))]
    if fn is None or fn is Ellipsis or not callable(fn):
        return check_function("label_smoothing_grad", fn, _label_smoothing_reference, cases,
                              "Eq. (12.7) with smoothed targets")

    def numpy_only(*args):  # the learner's call, with course_lib's CrossEntropyLoss refusing to work
        saved = {k: CrossEntropyLoss.__dict__[k] for k in ("__call__", "grad")}

        def refuse(self, *a, **kw):
            raise _NotNumpyOnly("it calls course_lib's CrossEntropyLoss; the exercise asks for numpy only")

        try:
            for k in saved:
                setattr(CrossEntropyLoss, k, refuse)
            return fn(*args)
        finally:
            for k, v in saved.items():
                setattr(CrossEntropyLoss, k, v)

    numpy_only.__signature__ = _signature(fn)
    return _overflow_hint(check_function("label_smoothing_grad", numpy_only, _label_smoothing_reference, cases,
                                         "Eq. (12.7) with smoothed targets", random_cases=extra))


class _NotNumpyOnly(Exception):
    """Raised when a label-smoothing answer calls course_lib's CrossEntropyLoss (the exercise says numpy only)."""


def _signature(fn):
    import inspect

    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


guard_checkers(globals())
