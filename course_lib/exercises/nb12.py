"""Checkers for notebook 12 · Softmax and classification (transfer exercises on Eq. 12.2, 12.5 and 12.7).

Both derivations ask for something notebook 12 does not derive:
- `check_log_softmax_vjp`: the vector–Jacobian product of a log-softmax layer (12.5) for ANY upstream gradient
  G = ∂L/∂(log P) (the notebook only derives the fused cross-entropy case, G = −T/B), without a C×C Jacobian;
- `check_label_smoothing_grad`: the gradient of cross-entropy with PyTorch's label smoothing.
The references are independent of the learner's route: the VJP is the explicit Jacobian of log-softmax built
per sample from (12.2), the smoothed gradient is CrossEntropyLoss with class-probability targets.
`check_softmax_vjp` is the retired exercise 12.1 (the softmax's own VJP, now derived in notebook 14 as Eq. 14.6,
where attention needs it); it stays for learner copies made before the change, and no notebook calls it.
"""

from __future__ import annotations

import numpy as np

from ..losses import CrossEntropyLoss, softmax
from .checking import (
    FAIL,
    PASS,
    Result,
    _cut,
    _not_attempted,
    _short,
    _type_name,
    call_learner,
    call_learner_measuring_memory,
    check_array,
    check_arrays,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
    random_sizes,
    run_limited,
)

HINTS = {
    "log_softmax_vjp": [
        "Differentiate log p_k rather than p_k: ∂ log p_k/∂z_j = (∂p_k/∂z_j)/p_k, and (12.2) has a p_k in front. "
        "Then one sample: ∂L/∂z_j = Σ_k g_k ∂ log p_k/∂z_j. Which part of each term depends on k, and which not?",
        "∂ log p_k/∂z_j = δ_kj − p_j, so Σ_k g_k (δ_kj − p_j) = g_j − p_j Σ_k g_k: the sum of g, not g·p. For the "
        "batch: the row sums of G kept as a (B, 1) column (keepdims=True) so they broadcast over the C columns, "
        "times P. Take P from a softmax that subtracts each row's maximum (12.5), and never divide by P.",
    ],
    "label_smoothing_grad": [
        "Go through the derivation of (12.6) line by line with a target t that is not one-hot. Which step uses a "
        "property of t, and does the smoothed t still have it?",
        "The only step is Σ_k t_k = 1; (1 − ε) + C·ε/C = 1, so (12.6) and (12.7) hold unchanged: ∂L/∂Z = (P − T)/B "
        "with T = (1 − ε)·onehot(y) + ε/C. Compute P with the row maximum subtracted (Eq. 12.5).",
    ],
    "smoothing_floor_prediction": [
        "At a minimum of the loss its gradient is zero. What does (12.7) then say about P, and what is the loss at "
        "that P?",
        "P − T = 0, so p = t = (1 − ε + ε/C, ε/C, ε/C): the loss is −Σ t log t (the entropy of t, not 0). Since "
        "p_y / p_k = e^(z_y − z_k), the gap is log(t_y / t_k).",
    ],
    "classifier_loss_grad": [
        "Forward: Z1 = X W1 + b1, H = relu(Z1), Z = H W2 + b2, then (12.4) with the stable log-softmax (12.5). "
        "Backward: start from Δ = ∂L/∂Z (12.7) and use the layer equations of notebook 05 twice.",
        "Δ = (P − T)/B; ∇W2 = Hᵀ Δ, ∇b2 = Σ_rows Δ; Δ1 = (Δ W2ᵀ) ⊙ 1[Z1 > 0]; ∇W1 = Xᵀ Δ1, ∇b1 = Σ_rows Δ1. "
        "P − T without a one-hot matrix: P, then subtract 1 at [arange(B), y].",
    ],
    "trained_classifier": [
        "Initialise (He scale for the ReLU layer), then repeat: loss and gradients from 12.4, a step on every "
        "parameter. Watch the training accuracy: if it stays near 1/3, the gradient or the step size is wrong.",
        "Width 64, W1 ~ N(0, 1) (fan_in 2), W2 ~ N(0, 2/64), zero biases; full-batch Adam with lr 0.02 for about "
        "1000 steps (or plain gradient descent, lr 1, 2000 steps) reaches 0.95 or more held out.",
    ],
}


_BIG_C, _BIG_B = 1000, 3
_CC_BYTES = 8 * _BIG_C * _BIG_C
"""A C × C float64 matrix at C = 1000 takes 8 MB; the VJP itself needs a few (B, C) arrays, about 24 kB each."""


# Checkers of exercises a course update replaced. No notebook calls them; they stay so that a learner's copy
# made before the update still runs (its cell calls them). tests/exercises/test_checkers.py keeps this list
# exact: every checker is called by its notebook or listed here.
RETIRED = ('check_softmax_vjp',)


def _softmax_vjp_reference(Z, G):
    """∂L/∂Z row by row: gᵀ J with J = diag(p) − p pᵀ, Eq. (12.3) (J is symmetric)."""
    P = softmax(Z)
    return np.stack([G[i] @ (np.diag(P[i]) - np.outer(P[i], P[i])) for i in range(Z.shape[0])])


def check_softmax_vjp(fn) -> Result:
    """The retired exercise 12.1 (learner copies made before the change still call it; no notebook does, as notebook
    14 now derives this backward pass, Eq. 14.6): `fn(Z, G) -> ∂L/∂Z` for P = softmax(Z) and any G = ∂L/∂P, (B, C).

    Compared with the explicit per-sample Jacobian of Eq. (12.3). The cases include a non-square batch, a
    single sample, two classes, saturated logits (±50) and a random shape drawn at call time with logits of
    ±800 (where an unshifted exp overflows), rows whose logits all lie beyond ±700 (clipping the logits instead of
    shifting them fails there); every G is random, not of the cross-entropy form. Z and G must be unchanged after
    the call (a VJP that overwrites saved forward values or the upstream gradient breaks other readers). Then, as
    the exercise asks for no C × C matrix, the memory it takes at C = 1000 classes must stay below that of one.
    """
    rng = np.random.default_rng(1201)
    cases = [
        (rng.standard_normal((4, 3)), rng.standard_normal((4, 3))),
        (2.0 * rng.standard_normal((1, 5)), rng.standard_normal((1, 5))),
        (rng.standard_normal((6, 2)), rng.standard_normal((6, 2))),
        (np.array([[50.0, 0.0, -50.0, 1.0], [0.5, 0.4, 0.3, 0.2]]), rng.standard_normal((2, 4))),
    ]
    cases.append((_FAR.copy(), rng.standard_normal(_FAR.shape)))  # case 5: every logit of a row beyond ±700
    fresh = fresh_rng()  # a random shape, its first sample with logits of ±800
    B, C = random_sizes(fresh, 2, 2, 9)
    extra = [(np.vstack([[800.0, 0.0, -800.0] + [0.0] * (C - 3) if C >= 3 else [800.0, -800.0],
                         fresh.standard_normal((B, C))]), fresh.standard_normal((B + 1, C)))]
    seen = []
    res = check_function("softmax_vjp", _spy_all(fn, seen) if callable(fn) else fn, _softmax_vjp_reference, cases,
                         "Eq. (12.3) applied row by row", random_cases=extra)
    if not res.passed:
        return _overflow_hint(res, len(cases))
    changed = _changed_arrays(seen, cases + extra, ("Z", "G"))
    if changed:
        return Result(FAIL, f"softmax_vjp gives the right values but overwrites its input {changed}: a VJP must leave "
                            "Z (saved by the forward pass) and G (the upstream gradient) unchanged, since other parts "
                            "of the graph may still read them. Compute into new arrays (no -=, *=, /= on Z or G)")
    return _no_c_by_c(fn, res)


_FAR = np.array([[800.0, 750.0, 0.0], [-800.0, -750.0, -760.0], [1000.0, 990.0, 980.0], [0.3, -0.2, 0.1]])
"""Rows whose logits all lie beyond ±700 (but the first row's 0), with distinct values: softmax of the first is
[1, 2e-22, 0] and of the second about [0, 1, 5e-5]. Clipping the logits to ±700 before an unshifted exp runs
without overflow but gives [½, ½, 0] and the uniform row: only the shift by each row's maximum is exact."""


def _spy_all(fn, seen):
    """fn, with every argument tuple it received (call_learner's private copies) appended to `seen`."""
    def spy(*args):
        seen.append(args)
        return fn(*args)

    sig = _signature(fn)
    if sig is not None:
        spy.__signature__ = sig
    return spy


def _changed_arrays(seen, cases, names) -> str:
    """'Z', 'G' or 'Z and G': which array arguments fn changed in place on some case (compared after the call)."""
    out = []
    for got, case in zip(seen, cases):
        for name, a, b in zip(names, got, case):
            if isinstance(b, np.ndarray) and name not in out and not (
                    isinstance(a, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)):
                out.append(name)
    return " and ".join(out)


def _overflow_hint(res: Result, far_case: int | None = None) -> Result:
    if "NaN or Inf" in res.message:
        return Result(FAIL, res.message + " (some logits are ±800: exp overflows there unless each row's maximum is "
                                          "subtracted first, Eq. (12.5))")
    if far_case is not None and f"(case {far_case})" in res.message:
        return Result(FAIL, res.message + f" (case {far_case} has rows whose logits all lie beyond ±700, such as "
                                          "[800, 750, 0], whose softmax is [1, 2e-22, 0], and [−800, −750, −760]: "
                                          "clipping logits to ±700 avoids the overflow but changes the row, to "
                                          "[½, ½, 0] and uniform. Softmax is unchanged only by a shift: subtract "
                                          "each row's maximum, Eq. (12.5))")
    return res


def _no_c_by_c(fn, passed: Result, name: str = "softmax_vjp") -> Result:
    """The exercise says: no C × C matrix. Measured, not guessed: the peak memory numpy allocates (tracemalloc)
    while fn runs on B = 3 samples of C = 1000 classes stays far below one 8 MB C × C matrix without one."""
    rng = np.random.default_rng(1203)
    Z, G = rng.standard_normal((_BIG_B, _BIG_C)), rng.standard_normal((_BIG_B, _BIG_C))
    verdict, peak = call_learner_measuring_memory(name, fn, (Z, G))
    if verdict is not None:
        return verdict
    if peak >= _CC_BYTES // 2:
        return Result(FAIL, f"{name} gives the right values, but for C = {_BIG_C} classes it needs as much "
                            f"memory as a C × C matrix ({_CC_BYTES // 10**6} MB each): the exercise asks for none. Use "
                            "element-wise products, one sum along each row and broadcasting")
    return passed


# ---------------------------------------------------------------------------------------------------
# Exercise 12.1: the log-softmax's backward pass for any upstream G = ∂L/∂(log P)
# ---------------------------------------------------------------------------------------------------


def _log_softmax_vjp_reference(Z, G):
    """∂L/∂Z row by row: gᵀ J with the explicit Jacobian of log p, J_kj = ∂ log p_k/∂z_j = δ_kj − p_j ((12.2)
    divided by p_k): J = I − 1 pᵀ, built as a C × C matrix per sample (what the exercise asks the learner to avoid)."""
    P = softmax(Z)
    C = Z.shape[1]
    return np.stack([G[i] @ (np.eye(C) - np.outer(np.ones(C), P[i])) for i in range(Z.shape[0])])


def _rows_stable(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _typical_slips(Z, G):
    """(answer, what it means) for the usual wrong answers of 12.1, in the order they are recognised."""
    P = _rows_stable(Z)
    B, C = Z.shape
    s = G.sum(axis=1, keepdims=True)
    slips = [
        (G + P, "that is (12.6), p − t with −G in the place of t: it holds only where every row of G sums to −1, and "
                "this G is any upstream gradient. Keep the sum of each row of G"),
        (P / B + G, "that is (12.7), (P − T)/B with T = −B·G: it holds only where every row of G sums to −1/B "
                    "(G = −T/B of cross-entropy), and this G is any upstream gradient. Keep the sum of each row of G"),
        (G - P, "the p_j term is there but not multiplied by Σ_k g_k, the sum of the sample's row of G (p_j does "
                "not depend on k, so the sum over the paths k multiplies it by the whole row sum)"),
        (G * (1.0 - P), "only the diagonal of the Jacobian (k = j): the −p_j term appears for every k, so each "
                        "∂L/∂z_j collects it from all the g_k of its row"),
        (P * G, "softmax(Z) ⊙ G is neither the softmax's nor the log-softmax's backward pass: differentiate "
                "log p_k, that is (12.2) divided by p_k, and sum over every path k (2.2)"),
        (P * (G - (G * P).sum(axis=1, keepdims=True)), "that is the backward pass of the softmax P itself, with G "
                                                       "read as ∂L/∂P; here G is ∂L/∂(log P), and the log divides "
                                                       "(12.2) by p_k"),
        (G - (G * P).sum(axis=1, keepdims=True), "that is J g, not gᵀ J: unlike the softmax's (12.3), the "
                                                  "log-softmax's Jacobian is not symmetric, so the vector–Jacobian "
                                                  "product sums over the outputs k (the first index of J), as in "
                                                  "(2.3)"),
        (G - P * G.sum(axis=0, keepdims=True), "the sum runs over the batch (axis 0) instead of the classes of each "
                                                "sample (axis 1)"),
    ]
    if B == C:
        slips.append((G - P * s.T, "the row sums of G broadcast along the wrong axis: G.sum(axis=1) has shape (B,), "
                                   "which numpy lines up with the C columns; keep it as a (B, 1) column with "
                                   "keepdims=True"))
    return slips


def _recognise_slip(fn, Z, G) -> str:
    """The learner's answer on (Z, G) compared with the typical slips: the remark of the one it matches, or ''."""
    got, verdict = call_learner("log_softmax_vjp", fn, (Z, G))
    if verdict is not None:
        return ""
    try:
        got = run_limited(np.asarray, (got,))
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - not an array of numbers: check_array has said so already
        return ""
    if got.dtype.kind not in "fiu" or got.shape != Z.shape or not np.all(np.isfinite(got)):
        return ""
    for slip, remark in _typical_slips(Z, G):
        if np.allclose(got, slip, rtol=1e-7, atol=1e-12):
            return remark
    return ""


_SQUARE = np.random.default_rng(1211)
_SLIP_Z, _SLIP_G = _SQUARE.standard_normal((3, 3)), _SQUARE.standard_normal((3, 3))
"""Case 1 of 12.1: square, so a transposed broadcast runs and gives wrong values, and the typical slips are told
apart on it (every pair of them differs there)."""


def check_log_softmax_vjp(fn) -> Result:
    """Exercise 12.1: `fn(Z, G) -> ∂L/∂Z` for log P = log_softmax(Z) (row by row) and any G = ∂L/∂(log P), (B, C).

    Compared with the explicit per-sample Jacobian of log-softmax. No G is of cross-entropy's form: their
    rows sum to anything but −1/B, so copying (12.7) fails. The cases include a square batch (a transposed broadcast
    runs there and gives wrong values), a single sample, two classes, saturated logits (±50), rows whose logits all
    lie beyond ±700 (clipping the logits instead of shifting them fails there; some p are exactly 0, so a route
    through G / P gives NaN) and a random shape drawn at call time with logits of ±800. Z and G must be unchanged
    after the call. A failure that matches a typical slip (cross-entropy's gradient copied, the row sum forgotten,
    the softmax's own VJP, J g for gᵀ J, the wrong axis) says which. Then, as the exercise asks for no C × C matrix,
    the memory it takes at C = 1000 classes must stay below that of one.
    """
    rng = np.random.default_rng(1212)
    cases = [
        (_SLIP_Z.copy(), _SLIP_G.copy()),
        (rng.standard_normal((5, 3)), rng.standard_normal((5, 3))),
        (2.0 * rng.standard_normal((1, 5)), rng.standard_normal((1, 5))),
        (rng.standard_normal((6, 2)), rng.standard_normal((6, 2))),
        (np.array([[50.0, 0.0, -50.0, 1.0], [0.5, 0.4, 0.3, 0.2]]), rng.standard_normal((2, 4))),
        (_FAR.copy(), rng.standard_normal(_FAR.shape)),  # case 6: every logit of a row beyond ±700
    ]
    fresh = fresh_rng()  # a random shape, its first sample with logits of ±800
    B, C = random_sizes(fresh, 2, 2, 9)
    first = [800.0, 0.0, -800.0] + [0.0] * (C - 3) if C >= 3 else [800.0, -800.0]
    G_extra = fresh.uniform(0.5, 2.0) * fresh.standard_normal((B + 1, C))
    extra = [(np.vstack([first, fresh.standard_normal((B, C))]), G_extra)]
    seen = []
    name, equation, far = "log_softmax_vjp", "the log-softmax's Jacobian (from 12.2) applied row by row", 6
    res = check_function(name, _spy_all(fn, seen) if callable(fn) else fn, _log_softmax_vjp_reference, cases,
                         equation, random_cases=extra)
    if not res.passed:
        if "NaN or Inf" in res.message:
            return Result(FAIL, res.message + " (some logits are ±800: exp overflows there unless each row's maximum "
                                              "is subtracted first, Eq. (12.5); and some p are exactly 0 in float64, "
                                              "e^−800, so dividing by P gives inf or NaN: the result needs no "
                                              "division)")
        if "(case 1)" in res.message and callable(fn):
            remark = _recognise_slip(fn, _SLIP_Z.copy(), _SLIP_G.copy())
            if remark:
                return Result(FAIL, f"{res.message}: {remark}")
        return _overflow_hint(res, far)
    changed = _changed_arrays(seen, cases + extra, ("Z", "G"))
    if changed:
        return Result(FAIL, f"{name} gives the right values but overwrites its input {changed}: a VJP must leave Z "
                            "(saved by the forward pass) and G (the upstream gradient) unchanged, since other parts "
                            "of the graph may still read them. Compute into new arrays (no -=, *=, /= on Z or G)")
    return _no_c_by_c(fn, res, name)


def _label_smoothing_reference(Z, y, eps):
    C = Z.shape[1]
    T = (1.0 - eps) * np.eye(C)[y] + eps / C
    return CrossEntropyLoss("mean").grad(Z, T)


def check_label_smoothing_grad(fn) -> Result:
    """Exercise 12.2: `fn(Z, y, eps) -> ∂L/∂Z` for mean cross-entropy with label smoothing eps (PyTorch's).

    The smoothed target of sample i is t_i = (1 − eps)·onehot(y_i) + eps/C (every class gets eps/C).
    Reference: CrossEntropyLoss("mean").grad with those class-probability targets, i.e. Eq. (12.7). The
    cases include logits of ±800 (an unshifted exp overflows there), rows whose logits all lie beyond ±700
    (clipping instead of shifting fails there) and a random shape drawn at call time.
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
    cases.append((_FAR.copy(), np.array([1, 2, 0, 2]), 0.1))  # case 5: every logit of a row beyond ±700
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
                                         "Eq. (12.7) with smoothed targets", random_cases=extra), len(cases))


class _NotNumpyOnly(Exception):
    """Raised when a label-smoothing answer calls course_lib's CrossEntropyLoss (the exercise says numpy only)."""


def _signature(fn):
    import inspect

    try:
        return inspect.signature(fn)
    except (TypeError, ValueError):
        return None


# ---------------------------------------------------------------------------------------------------
# The ladder: predict the label-smoothing floor; build a softmax classifier from scratch
# ---------------------------------------------------------------------------------------------------

_SMOOTH_EPS, _SMOOTH_C = 0.1, 3


def _smoothing_optimum(eps, C):
    """The best any logits can do against the smoothed target t = (1 − ε)·onehot + ε/C: p = t, so the loss is the
    entropy −Σ t log t, and the logit gap z_y − z_k (k ≠ y) is log(t_y / t_k)."""
    t_hi, t_lo = 1.0 - eps + eps / C, eps / C
    return -(t_hi * np.log(t_hi) + (C - 1) * t_lo * np.log(t_lo)), float(np.log(t_hi / t_lo))


def check_smoothing_floor_prediction(prediction) -> Result:
    """Exercise 12.3 (predict): (lowest loss, logit gap at the optimum) for one sample, C = 3, ε = 0.1.

    Both to 1e-3 relative: a guess does not land there. The next notebook cell measures them by gradient descent.
    """
    if prediction is None or prediction is Ellipsis:
        return _not_attempted("my_prediction")
    if isinstance(prediction, (str, bytes, dict, set)) or not isinstance(prediction, (tuple, list, np.ndarray)):
        return Result(FAIL, f"my_prediction should be a pair (lowest loss, logit gap), got {_type_name(prediction)}")
    if len(prediction) != 2:
        return Result(FAIL, f"my_prediction should be a pair (lowest loss, logit gap), got {len(prediction)} values")
    loss, gap = (exact_number(v) for v in prediction)
    if loss is None or gap is None or not (np.isfinite(loss) and np.isfinite(gap)):
        return Result(FAIL, "my_prediction should hold two finite numbers (an infinite gap would mean the loss can "
                            "reach 0: can it, with these targets?)")
    want_loss, want_gap = _smoothing_optimum(_SMOOTH_EPS, _SMOOTH_C)
    ok_loss = abs(loss - want_loss) <= 1e-3 * want_loss
    ok_gap = abs(gap - want_gap) <= 1e-3 * want_gap
    if ok_loss and ok_gap:
        return Result(PASS, "my_prediction: the lowest loss and the logit gap at the optimum are both right")
    if loss == 0:
        return Result(FAIL, "the lowest loss is not 0: the smoothed target puts ε/C on every class, and no finite "
                            "logits give a one-hot p; which p minimises −Σ t log p?")
    wrong = "the lowest loss" if not ok_loss else "the logit gap"
    also = " (the logit gap too)" if not ok_loss and not ok_gap else ""
    return Result(FAIL, f"{wrong} is not right{also}. At the optimum the gradient (12.7), P − T, is zero: what are p "
                        "and the loss there?")


def _forward(params, X):
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0.0)
    return Z1, H, H @ params["W2"] + params["b2"]


def _classifier_reference(params, X, y):
    """L = mean cross-entropy (12.4) of softmax(relu(X W1 + b1) W2 + b2), stable (12.5), and its gradients:
    Δ = (P − T)/B (12.7); ∇W2 = Hᵀ Δ, ∇b2 = Σ_rows Δ; Δ1 = Δ W2ᵀ ⊙ 1[Z1 > 0]; ∇W1 = Xᵀ Δ1, ∇b1 = Σ_rows Δ1."""
    B = X.shape[0]
    Z1, H, Z = _forward(params, X)
    S = Z - Z.max(axis=1, keepdims=True)
    logP = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    L = -float(np.mean(logP[np.arange(B), y]))
    D = np.exp(logP)
    D[np.arange(B), y] -= 1.0
    D /= B
    D1 = (D @ params["W2"].T) * (Z1 > 0)
    return L, {"W1": X.T @ D1, "b1": D1.sum(axis=0), "W2": H.T @ D, "b2": D.sum(axis=0)}


_NAMES = ("W1", "b1", "W2", "b2")


def _classifier_case(rng, B, n0, n1, C, scale=1.0):
    params = {"W1": rng.normal(size=(n0, n1)) * scale, "b1": rng.normal(size=n1) * 0.1,
              "W2": rng.normal(size=(n1, C)) * scale, "b2": rng.normal(size=C) * 0.1}
    return params, rng.normal(size=(B, n0)), rng.integers(0, C, size=B)


_OVERFLOW = ("case 4 has logits of about 1000, where exp overflows to inf: subtract each row's maximum before exp, "
             "the shift of Eq. 12.5, for the loss and for P")


_FAR_ROWS = ("case 5 has two samples, one with logits near +1000 ([1000, 0, 0]) and one near −1000 ([−1000, −1000, "
             "−1001]): subtracting the largest logit of the whole batch (Z.max()) leaves the second row near −2000, "
             "where exp underflows to 0 and log(0) = −inf, and clipping logits to ±700 makes it uniform. Subtract "
             "each row's own maximum (axis=1, keepdims=True), the shift of Eq. 12.5")


def _far_rows_case():
    """H = [[1, 0], [0, 1]] (ReLU of ±1), so the logits are the rows of W2: [1000, 0, 0] and [−1000, −1000, −1001].
    The row-max shift gives L = 0.931; the global max Z.max() leaves the second row at about −2000, exp → 0 → NaN."""
    params = {"W1": np.array([[1.0, -1.0]]), "b1": np.zeros(2),
              "W2": np.array([[1000.0, 0.0, 0.0], [-1000.0, -1000.0, -1001.0]]), "b2": np.zeros(3)}
    return params, np.array([[1.0], [-1.0]]), np.array([0, 2])


def _changed_inputs(seen, originals) -> str:
    """Which of the arguments fn received (its private copies, in `seen`) it changed: "params['W1']", "X", … or ""."""
    if len(seen) != 3:
        return ""
    params, X, y = seen
    names = []
    if isinstance(params, dict):
        names += [f"params[{k!r}]" for k in _NAMES if k not in params or not (isinstance(params[k], np.ndarray)
                  and params[k].shape == originals[0][k].shape and np.array_equal(params[k], originals[0][k]))]
    for name, a, b in (("X", X, originals[1]), ("y", y, originals[2])):
        if not (isinstance(a, np.ndarray) and a.shape == b.shape and np.array_equal(a, b)):
            names.append(name)
    return ", ".join(names)


def _shape_error_hint(fn, verdict: Result, cases, i) -> Result:
    """A shape error, explained where the cases can tell: a class count hard-coded to 3 (case 1, 3 classes, ran,
    this case has another C), or a (B,) vector meeting a (B, 1) column (the same case cut to one sample runs)."""
    msg = verdict.message
    if verdict.status != FAIL or not any(w in msg for w in ("shape mismatch", "do not fit", "IndexError",
                                                           "out of bounds")):
        return verdict
    params, X, y = cases[i - 1]
    C = params["W2"].shape[1]
    numpy_says = msg.split("numpy says: ", 1)
    # the numpy text only: call_learner's guess, "a missing transpose?", is what this replaces
    msg = "numpy says: " + numpy_says[1] if len(numpy_says) == 2 else msg.split(" (", 1)[0]
    if i > 1 and C != 3:
        return Result(FAIL, f"classifier_loss_grad ran on case 1 (3 classes) but fails on case {i}, which has "
                            f"{'another number of' if i == len(cases) else C} classes: is 3 hard-coded (np.eye(3), a "
                            f"3 in a shape)? Read C from W2.shape[1] or use y directly. {msg}")
    if X.shape[0] > 1:
        _, one = call_learner("classifier_loss_grad", fn, (params, X[:1], y[:1]))
        if one is None:
            return Result(FAIL, "classifier_loss_grad runs on one sample but not on a batch: a per-sample quantity "
                                "is a (B,) vector where it should be a (B, 1) column (keepdims=True). A (B,) vector "
                                "lines up with the last axis: against (B, C) it does not fit, against a (B, 1) column "
                                f"it broadcasts to (B, B). {msg}")
    return verdict


def check_classifier_loss_grad(fn) -> Result:
    """Exercise 12.4 (build): `fn(params, X, y)` → (L, grads) for the one-hidden-layer ReLU softmax classifier.

    params = {"W1" (n0, n1), "b1" (n1,), "W2" (n1, C), "b2" (C,)}, X (B, n0), y (B,) class indices. L is the mean
    cross-entropy (12.4); grads a dict with the same keys and shapes. Compared with a private reference on several
    shapes (non-square, one sample, two classes), a case whose logits reach ±1000 (only a stable log-softmax, Eq. 12.5,
    stays finite) and a shape drawn at call time; a failing gradient is reported where the error starts (∇W2 and
    ∇b2 come first in the backward pass).
    """
    if fn is None or fn is Ellipsis:
        return _not_attempted("classifier_loss_grad")
    rng, fresh = np.random.default_rng(1204), fresh_rng()
    cases = [_classifier_case(rng, 5, 2, 4, 3), _classifier_case(rng, 1, 3, 6, 4), _classifier_case(rng, 7, 4, 3, 2),
             _classifier_case(rng, 6, 2, 8, 3, scale=12.0)]
    cases[3][0]["b2"] += np.array([0.0, 0.0, 600.0])  # logits from −1183 to about +1000: an unshifted exp overflows
    cases.append(_far_rows_case())  # case 5: one row's logits near +1000, the other's near −1000
    cases.append(_classifier_case(fresh, *random_sizes(fresh, 3, 2, 9), int(fresh.integers(2, 6))))
    for i, (params, X, y) in enumerate(cases, start=1):
        want_L, want_g = _classifier_reference(params, X, y)
        seen = []
        got, verdict = call_learner("classifier_loss_grad", _spy(fn, seen) if callable(fn) else fn, (params, X, y))
        if verdict is not None:
            return _shape_error_hint(fn, verdict, cases, i)
        overflow = _FAR_ROWS if i == 5 else _OVERFLOW
        changed = _changed_inputs(seen, (params, X, y))
        if changed:
            return Result(FAIL, f"classifier_loss_grad changed {changed} (case {i}): it must leave params, X and y "
                                "as it found them and return the gradients in new arrays; the step belongs to the "
                                "training loop of 12.5")
        if not isinstance(got, (tuple, list)) or len(got) != 2 or not isinstance(got[1], dict):
            return Result(FAIL, f"classifier_loss_grad should return a pair (L, grads) with grads a dict of "
                                f"{', '.join(_NAMES)}; got {_type_name(got)}")
        L, grads = got
        missing = [k for k in _NAMES if k not in grads]
        if missing:
            keys = list(grads)
            listed = _cut(", ".join(_short(k) for k in keys[:8]) + (", …" if len(keys) > 8 else ""), 200)
            return Result(FAIL, f"grads has no {', '.join(missing)}: its keys are {listed or 'none'}; name the "
                                "gradients as params names the parameters (W1, b1, W2, b2)")
        where = f"(case {i})"
        res = check_array(f"L {where}", L, want_L, "Eq. (12.4), the mean cross-entropy")
        if not res.passed:
            if "NaN or Inf" in res.message or "nan" in res.message.lower():
                return Result(FAIL, res.message + f" ({overflow})")
            return Result(FAIL, res.message + f" ({overflow})") if i == 5 else res
        res = check_arrays(f"classifier_loss_grad {where}", [grads[k] for k in _NAMES], [want_g[k] for k in _NAMES],
                           ["∇W1", "∇b1", "∇W2", "∇b2"],
                           ["Eq. (5.2) with Δ1 = Δ W2ᵀ ⊙ relu'(Z1)", "Eq. (5.3) with Δ1",
                            "Eq. (5.2) with Δ = (P − T)/B", "Eq. (5.3) with Δ = (P − T)/B, Eq. (12.7)"],
                           upstream=[2, 3, 0, 1],
                           common="Δ = (P − T)/B, Eq. (12.7)")
        if not res.passed:
            return Result(FAIL, res.message + f" ({overflow})") if "NaN or Inf" in res.message or i == 5 else res
    return Result(PASS, f"classifier_loss_grad: L and all four gradients agree on {len(cases) - 1} test cases "
                        "(rel. error < 1e-08)")


SPIRAL = dict(n_per_class=100, n_classes=3, noise=0.2, turns=1.0, radii="random")  # section 5's spiral
TARGET_ACCURACY = 0.90
"""Held-out accuracy the trained classifier must reach (the course's solution: 0.98 or more on every seed tried)."""
_TRAIN_SLOW = 6.0  # the learner's training may take 6 × TIME_LIMIT (30 s by default); the solution takes about 0.5 s
_CHECK_TURNS, _CHECK_NOISE = (0.8, 1.2), (0.12, 0.22)
"""The checker's spirals: mirrored (the arms wind the other way), rotated by a random angle, with a number of turns
and a noise drawn from these ranges at call time. A model of section 5's spiral scores at most 0.38 on them (any
angle, turns 0.8–1.2, measured in tests/exercises/test_exercises_nb12.py), so an answer that ignores its X, y fails; the
course's solution reaches 0.98 on them."""
_LOW_TRAIN = 0.80
"""Training accuracy below this is "clearly low" (the model has not learned its points); between it and the target
the model is close and needs only a little more training or width."""
_SEED_POINTS = 10  # per class: the small spiral on which seeded reproducibility is checked (three quick calls)


def classifier_accuracy(params, X, y) -> float:
    """Fraction of samples whose largest logit (relu(X W1 + b1) W2 + b2) is the true class."""
    return float(np.mean(_forward(params, X)[2].argmax(axis=1) == y))


def checker_spiral(rng, n_per_class=100, seeds=None):
    """Spirals of one distribution drawn from rng (by default two: training and held-out): section 5's spiral
    mirrored, rotated by an angle in [0, 2π), with turns and noise drawn from _CHECK_TURNS, _CHECK_NOISE, and radii
    drawn afresh for every point (make_spiral's radii="random"), so the held-out set is an independent sample.
    Returns (X, y) for each seed, flattened: (X, y, X_test, y_test) by default."""
    from ..data import make_spiral

    angle, turns, noise = rng.uniform(0.0, 2.0 * np.pi), rng.uniform(*_CHECK_TURNS), rng.uniform(*_CHECK_NOISE)
    R = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.diag([-1.0, 1.0])
    seeds = seeds if seeds is not None else [int(s) for s in rng.integers(1, 10**6, size=2)]
    out = []
    for s in seeds:
        X, y = make_spiral(n_per_class, 3, noise=noise, turns=turns, seed=s, radii="random")
        out += [X @ R.T, y]
    return tuple(out)


def _spy(fn, seen):
    """fn, with the arguments it received (call_learner's private copies) kept in `seen`, so the checker can see
    whether fn changed them."""
    def spy(*args):
        seen[:] = args
        return fn(*args)

    sig = _signature(fn)
    if sig is not None:
        spy.__signature__ = sig
    return spy


def _timed_call(name, fn, args, slow):
    """call_learner, and the wall-clock time of the call also enforced afterwards: where the alarm of run_limited
    cannot be armed (another timer runs, not the main thread), a call past the limit still fails, once it returns."""
    import time

    from .checking import TIME_LIMIT

    t0 = time.perf_counter()
    got, verdict = call_learner(name, fn, args, slow=slow)
    if verdict is None and time.perf_counter() - t0 > TIME_LIMIT * slow:
        return None, Result(FAIL, f"{name} took longer than {TIME_LIMIT * slow:g} s, the exercise's limit: fewer steps "
                                  "or a larger learning rate, and no Python loop over the samples")
    return got, verdict


_IN_WORDS = {"W1": "(2, n1): one row per input, one column per hidden unit",
             "b1": "(n1,): one number per hidden unit",
             "W2": "(n1, 3): one row per hidden unit, one column per class",
             "b2": "(3,): one number per class"}


def _read_params(got, name="train_classifier"):
    """The four arrays of a returned params dict as float64, or a Result saying which entry is missing or wrong."""
    if not isinstance(got, dict):
        return None, Result(FAIL, f"{name} should return the params dict (W1, b1, W2, b2); got {_type_name(got)}")
    missing = [k for k in _NAMES if k not in got]
    if missing:
        verb = "is" if len(missing) == 1 else "are"
        return None, Result(FAIL, f"{name} returned params without {', '.join(missing)}: "
                                  f"{' and '.join(missing)} {verb} missing (the dict needs W1, b1, W2, b2)")
    params = {}
    for k in _NAMES:
        try:
            a = run_limited(np.asarray, (got[k], np.float64))
        except KeyboardInterrupt:
            raise
        except BaseException:  # noqa: BLE001 - a ragged list, an object whose __float__ or __array__ raises
            return None, Result(FAIL, f"params[{k!r}] is not a numeric array")
        params[k] = a
    return params, None


def _shape_verdict(params):
    """None if the shapes fit 2 inputs, one hidden layer of some width n1 and 3 classes; else a Result naming only
    the wrong entries. n1 is the width most entries agree on."""
    votes = []
    if params["W1"].ndim == 2:
        votes.append(params["W1"].shape[1])
    if params["b1"].ndim == 1:
        votes.append(params["b1"].shape[0])
    if params["W2"].ndim == 2:
        votes.append(params["W2"].shape[0])
    n1 = max(set(votes), key=votes.count) if votes else 0
    want = {"W1": (2, n1), "b1": (n1,), "W2": (n1, 3), "b2": (3,)}
    bad = [k for k in _NAMES if params[k].shape != want[k]]
    if not bad and n1 >= 1:
        return None
    if not bad:
        return Result(FAIL, "the hidden layer has no units: n1 must be at least 1")
    parts = [f"{k} has shape {params[k].shape}; it should be {_IN_WORDS[k]}" for k in bad]
    return Result(FAIL, "wrong shape: " + "; ".join(parts) + (f" (n1 = {n1} here)" if n1 >= 1 else ""))


def check_trained_classifier(fn) -> Result:
    """Exercise 12.5 (build): `fn(X, y, seed)` trains the classifier of 12.4 and returns its params dict.

    Run here on a spiral that is not section 5's: mirrored, rotated by a random angle, turns and noise drawn at call
    time (checker_spiral), so an answer that ignores its X, y and trains on the notebook's spiral fails; scored on
    held-out points of that same distribution, never shown to fn. The call may take _TRAIN_SLOW × TIME_LIMIT
    seconds. Then, as the exercise says to initialise from `seed`, three quick calls on a small spiral: the same
    seed twice must give the same params, another seed other params. A failure is diagnosed: divergence
    (non-finite or huge parameters, a loss above the uniform guess's log 3) → a smaller learning rate; identical
    hidden units → symmetry; a changed X → the model must work on the points as given.
    """
    if fn is None or fn is Ellipsis:
        return _not_attempted("train_classifier")
    rng = fresh_rng()
    X, y, X_test, y_test = checker_spiral(rng)
    seed = int(rng.integers(1, 10**6))
    seen = []
    state = np.random.get_state()
    got, verdict = _timed_call("train_classifier", _spy(fn, seen) if callable(fn) else fn, (X, y, seed), _TRAIN_SLOW)
    global_used = _global_state_changed(state)
    if verdict is not None:
        return verdict
    params, verdict = _read_params(got)
    if verdict is not None:
        return verdict
    if not all(np.all(np.isfinite(params[k])) for k in _NAMES):
        bad = ", ".join(k for k in _NAMES if not np.all(np.isfinite(params[k])))
        return Result(FAIL, f"params {bad} contain NaN or Inf: the training diverged; use a smaller learning rate")
    verdict = _shape_verdict(params)
    if verdict is not None:
        return verdict
    acc_test = classifier_accuracy(params, X_test, y_test)
    if acc_test < TARGET_ACCURACY:
        return Result(FAIL, f"train_classifier: held-out accuracy {acc_test:.2f}, below the target "
                            f"{TARGET_ACCURACY:.2f}" + _why_low(params, X, y, seen))
    if global_used:
        return Result(FAIL, "train_classifier reaches the target, but it changed numpy's global random state "
                            "(np.random.seed, np.random.randn, np.random.permutation, … all use it): the exercise "
                            "asks you to draw every random number from np.random.default_rng(seed), a generator of "
                            "your own, so that training never disturbs (or depends on) anyone else's random numbers")
    return _seed_verdict(fn, rng)


def _global_state_changed(before) -> bool:
    """Whether numpy's global RandomState differs from `before` (np.random.get_state()): the learner's code seeded it
    or drew from it."""
    after = np.random.get_state()
    return not (before[0] == after[0] and np.array_equal(before[1], after[1])
                and tuple(before[2:]) == tuple(after[2:]))


def _why_low(params, X, y, seen) -> str:
    """The likeliest reason a trained classifier misses the target, read from its parameters and its training set."""
    X_seen = seen[0] if len(seen) == 3 and isinstance(seen[0], np.ndarray) else X
    if X_seen.shape == X.shape and not np.array_equal(X_seen, X):
        acc_own = classifier_accuracy(params, X_seen, y)
        if acc_own >= TARGET_ACCURACY:
            return (f" on the points it was given, although it scores {acc_own:.2f} on the X it changed in place "
                    "(standardised it?): the model must work on the raw points, as a user calls it. Don't change X "
                    "(the spiral already lies in [−1, 1]), or fold the scaling into W1 and b1 before returning")
        return " (and it changed its X in place: leave X as it is)"
    with np.errstate(all="ignore"):
        big = max(float(np.max(np.abs(params[k]))) for k in _NAMES)
        loss = _classifier_reference(params, X, y)[0]
    acc_train = classifier_accuracy(params, X, y)
    if big > 100.0 or not np.isfinite(loss):
        what = "parameters larger than 100" if big > 100.0 else "a training loss that overflows"
        return f" (the training diverged: {what}, not a model that learned slowly; use a smaller learning rate)"
    W1, b1 = params["W1"], params["b1"]
    if W1.shape[1] > 1 and np.allclose(W1, W1[:, :1]) and np.allclose(b1, b1[0]):
        return (" (every hidden unit has the same weights and bias: units that start equal, a zero initialisation "
                "say, get equal gradients and stay equal — the symmetry is never broken, and the layer acts as one "
                "unit. Initialise W1 and W2 randomly from seed)")
    with np.errstate(all="ignore"):
        Z1 = _forward(params, X)[0]
    if not (Z1 > 0).any():
        return (" (every hidden unit is dead: its ReLU gives 0 on every training point, so no gradient reaches W1 "
                "and b1 and the output is the same for every point — steps too large knock ReLU units out like "
                "this; use a smaller learning rate)")
    if acc_train < _LOW_TRAIN:
        return (" (training accuracy is low too: the model has not learned the points it was given — does it "
                "train on its X, y? Check the gradient with 12.4's checker, then train longer or with a larger "
                "learning rate)")
    if acc_train < TARGET_ACCURACY + 0.03:
        return (" (training accuracy is near the target too: the model is close; train a little longer or widen "
                "the hidden layer)")
    return (" (training accuracy is high: the model fits the training points but not the arms; more hidden units "
            "or less training?)")


def _seed_verdict(fn, rng) -> Result:
    """The exercise says to initialise from `seed`: the same seed twice gives the same params, another seed others."""
    X, y = checker_spiral(rng, n_per_class=_SEED_POINTS, seeds=[int(rng.integers(1, 10**6))])
    s = int(rng.integers(1, 10**6))
    runs = []
    for seed in (s, s, s + 1):
        got, verdict = _timed_call("train_classifier", fn, (X, y, seed), _TRAIN_SLOW)
        if verdict is not None:
            return verdict
        params, verdict = _read_params(got)
        if verdict is not None:
            return verdict
        runs.append(params)
    same = [all(np.array_equal(a[k], b[k], equal_nan=True) for k in _NAMES) for a, b in ((runs[0], runs[1]),
                                                                                      (runs[0], runs[2]))]
    if not same[0]:
        return Result(FAIL, "train_classifier reaches the target, but two calls with the same seed return different "
                            "params: draw every random number from a generator made from seed "
                            "(np.random.default_rng(seed)), not from numpy's global state")
    if same[1]:
        return Result(FAIL, "train_classifier reaches the target, but two different seeds return identical params: "
                            "the initialisation ignores seed (the exercise asks you to use it)")
    return Result(PASS, f"train_classifier: held-out accuracy at least {TARGET_ACCURACY:.2f} on a spiral drawn at call "
                        "time, and the same seed gives the same params")


guard_checkers(globals())
