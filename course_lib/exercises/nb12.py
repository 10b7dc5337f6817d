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
from . import (
    FAIL,
    PASS,
    Result,
    _not_attempted,
    _type_name,
    call_learner,
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
    "softmax_vjp": [
        "Start from one sample: ∂L/∂z_j = Σ_k g_k ∂p_k/∂z_j, and insert (12.2). The δ_kj term and the p_j term "
        "separate.",
        "Σ_k g_k p_k (δ_kj − p_j) = p_j g_j − p_j (g·p). For the batch: P ⊙ (G − s) with s = Σ_k G ⊙ P along each row, "
        "kept as a (B, 1) column (keepdims=True) so it broadcasts.",
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
             _classifier_case(rng, 6, 2, 8, 3, scale=12.0)]  # logits of several hundred: naive exp overflows
    cases.append(_classifier_case(fresh, *random_sizes(fresh, 3, 2, 9), int(fresh.integers(2, 6))))
    for i, (params, X, y) in enumerate(cases, start=1):
        want_L, want_g = _classifier_reference(params, X, y)
        got, verdict = call_learner("classifier_loss_grad", fn, (params, X, y))
        if verdict is not None:
            return verdict
        if not isinstance(got, (tuple, list)) or len(got) != 2 or not isinstance(got[1], dict):
            return Result(FAIL, f"classifier_loss_grad should return a pair (L, grads) with grads a dict of "
                                f"{', '.join(_NAMES)}; got {_type_name(got)}")
        L, grads = got
        missing = [k for k in _NAMES if k not in grads]
        if missing:
            return Result(FAIL, f"grads has no {', '.join(missing)} (keys: W1, b1, W2, b2)")
        where = f"(case {i})"
        res = check_array(f"L {where}", L, want_L, "Eq. (12.4), the mean cross-entropy")
        if not res.passed:
            if "NaN or Inf" in res.message or "nan" in res.message.lower():
                return Result(FAIL, res.message + " (case 4 has logits of several hundred: use the stable log-softmax, "
                                                  "Eq. 12.5)")
            return res
        res = check_arrays(f"classifier_loss_grad {where}", [grads[k] for k in _NAMES], [want_g[k] for k in _NAMES],
                           ["∇W1", "∇b1", "∇W2", "∇b2"],
                           ["Eq. (5.2) with Δ1 = Δ W2ᵀ ⊙ relu'(Z1)", "Eq. (5.3) with Δ1",
                            "Eq. (5.2) with Δ = (P − T)/B", "Eq. (5.3) with Δ = (P − T)/B, Eq. (12.7)"],
                           upstream=[2, 3, 0, 1],
                           common="Δ = (P − T)/B, Eq. (12.7)")
        if not res.passed:
            return res
    return Result(PASS, f"classifier_loss_grad: L and all four gradients agree on {len(cases) - 1} test cases "
                        "(rel. error < 1e-08)")


SPIRAL = dict(n_per_class=100, n_classes=3, noise=0.2, turns=1.0)
TARGET_ACCURACY = 0.90
"""Held-out accuracy the trained classifier must reach (the course's solution: 0.98 or more on every seed tried)."""
_TRAIN_SLOW = 6.0  # the learner's training may take 6 × TIME_LIMIT (30 s by default); the solution takes about 0.5 s


def classifier_accuracy(params, X, y) -> float:
    """Fraction of samples whose largest logit (relu(X W1 + b1) W2 + b2) is the true class."""
    return float(np.mean(_forward(params, X)[2].argmax(axis=1) == y))


def check_trained_classifier(fn) -> Result:
    """Exercise 12.5 (build): `fn(X, y, seed)` trains the classifier of 12.4 on a three-class spiral and returns its
    params dict. Run here on a training spiral drawn with a seed chosen at call time; the held-out accuracy on a
    second spiral (another seed, never shown to fn) must reach TARGET_ACCURACY."""
    from ..data import make_spiral

    if fn is None or fn is Ellipsis:
        return _not_attempted("train_classifier")
    seed = int(fresh_rng().integers(1, 10**6))
    X, y = make_spiral(**SPIRAL, seed=seed)
    X_test, y_test = make_spiral(**SPIRAL, seed=seed + 1)
    got, verdict = call_learner("train_classifier", fn, (X, y, seed), slow=_TRAIN_SLOW)
    if verdict is not None:
        return verdict
    if not isinstance(got, dict) or any(k not in got for k in _NAMES):
        return Result(FAIL, f"train_classifier should return the params dict (W1, b1, W2, b2); got {_type_name(got)}")
    params = {}
    for k in _NAMES:
        try:
            a = run_limited(np.asarray, (got[k], np.float64))
        except KeyboardInterrupt:
            raise
        except BaseException:  # noqa: BLE001 - a ragged list, an object whose __float__ or __array__ raises
            return Result(FAIL, f"params[{k!r}] is not a numeric array")
        if not np.all(np.isfinite(a)):
            return Result(FAIL, f"params[{k!r}] contains NaN or Inf: the training diverged (learning rate too high?)")
        params[k] = a
    n1 = params["b1"].shape[0] if params["b1"].ndim == 1 else -1  # the hidden width, read from b1
    want = {"W1": (2, n1), "b1": (n1,), "W2": (n1, 3), "b2": (3,)}
    bad = [f"{k} {params[k].shape} (expected {want[k]})" for k in _NAMES if params[k].shape != want[k]]
    if n1 < 1 or bad:
        return Result(FAIL, "the params have the wrong shapes for 2 inputs, one hidden layer and 3 classes: "
                            + ("; ".join(bad) if bad else f"b1 {params['b1'].shape} should be (n1,)"))
    acc_train, acc_test = classifier_accuracy(params, X, y), classifier_accuracy(params, X_test, y_test)
    if acc_test >= TARGET_ACCURACY:
        return Result(PASS, f"train_classifier: held-out accuracy at least {TARGET_ACCURACY:.2f} on a spiral drawn "
                            "at call time")
    why = (" (training accuracy is low too: the model has not learned; check the gradient with 12.4's checker and "
           "train longer or with a larger learning rate)" if acc_train < TARGET_ACCURACY + 0.03 else
           " (training accuracy is high: the model fits the training points but not the arms; more hidden units or "
           "less training?)")
    return Result(FAIL, f"train_classifier: held-out accuracy {acc_test:.2f}, below the target "
                        f"{TARGET_ACCURACY:.2f}{why}")


guard_checkers(globals())
