"""Every exercise checker gets right, wrong and odd answers; its verdicts must be right and it must never crash.

Registry format (the integrator registers checkers that helpers add later):

    REGISTRY["nbNN.check_name"] = Entry(
        ref=<a correct answer: the learner's function, or a value for value checkers>,
        eq="Eq. (N.k)",            # a substring every failure of a numeric wrong answer must contain (or a
                                   # tuple of alternatives)
        wrong={"what the bug is": (answer, "Eq. (N.k)"), …},   # typical wrong answers (>= 2) and the
                                   # equation (substring) their failure must name: where the error starts
        call=None,                 # how to call the checker: call(checker, answer); default checker(answer)
        kind="function",           # "function": generic odd answers below are added; "value": VALUE_ODD
        numeric=True,              # the answer is an array / number / tuple of arrays (×2 and −1 apply)
        cheat=True,                # add the "zero the inputs, return the reference of zeros" answer
        odd={…},                   # extra odd answers: {"description": (answer, expected verdict)}
        own_triage=False,          # True if the checker calls the learner itself instead of through
                                   # call_learner: its messages need not say "transpose" or "function"
    )

Every function checker also gets FUNCTION_ODD (None, NotImplementedError → "not attempted"; returns None,
raises, a shape mismatch in a matrix product, a string, a list, a wrong shape, an object whose __array__
raises, complex values, NaN, not a function → "fail"; a correct answer that edits its inputs afterwards →
"pass"; an answer that zeroes its inputs and returns the reference of the zeros → "fail"), and the generic
wrong answers 2 × and −1 × the reference (numeric answers), whose failure must name `eq`.

test_every_checker_is_registered discovers every `check_*` function of `course_lib.exercises.nb*` and fails,
listing them, for checkers without an entry; test_every_checker_is_called_by_its_notebook_or_retired keeps the
modules free of dead checkers: each one is called by its notebook, or is listed in its module's RETIRED (an
exercise a course update replaced, kept so that older learner copies still run).

Where checker tests live: this file (the verdicts of every checker, from the registry), test_checkers_hostile.py
(hostile answers for every checker), test_checkers_false_passes.py (wrong answers that once passed), and one
test_exercises_nbNN.py per notebook for what is particular to its checkers (references, messages, margins).
`python tests/exercises/test_checkers.py` prints the table
"checker | wrong or odd answers tried | right verdicts | crashes".
"""

from __future__ import annotations

import importlib
import inspect
import math
import pkgutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest
from exercise_support import Value
from ladder_registry import entries as ladder_entries

import course_lib.exercises as ex
from course_lib.exercises import FAIL, NOT_ATTEMPTED, PASS

PASS_, NA, FAIL_ = PASS, NOT_ATTEMPTED, FAIL


@dataclass
class Entry:
    ref: object
    eq: str | None
    wrong: dict
    call: object = None
    kind: str = "function"
    numeric: bool = True
    cheat: bool = True
    odd: dict = field(default_factory=dict)
    own_triage: bool = False  # the checker calls the learner itself (no shared call_learner wording to require)
    edits_ok: bool = True  # False where the exercise asks for a new array: editing the inputs must then fail


# --------------------------------------------------------------------------- independent references
def sig(z):
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # σ without overflow, not course_lib's code


def relu(z):
    return np.maximum(z, 0.0)


def mlp_forward(X, Ws, bs):
    A = X
    for i, (W, b) in enumerate(zip(Ws, bs)):
        Z = A @ W + b
        A = Z if i == len(Ws) - 1 else relu(Z)
    return A


def mlp_backward(Ws, bs, X, dY, drop_relu_derivative=False):
    As, Zs, A = [X], [], X
    for i, (W, b) in enumerate(zip(Ws, bs)):
        Z = A @ W + b
        Zs.append(Z)
        A = Z if i == len(Ws) - 1 else relu(Z)
        As.append(A)
    grads, D = [], dY
    for i in reversed(range(len(Ws))):
        grads = [As[i].T @ D, D.sum(axis=0)] + grads
        if i:
            D = D @ Ws[i].T
            if not drop_relu_derivative:
                D = D * (Zs[i - 1] > 0)
    return grads


def column_backward(Ws, X, T, output_derivative=True):
    os_, as_ = [X], []
    for W in Ws:
        as_.append(W @ os_[-1])
        os_.append(sig(as_[-1]))
    g = os_[-1] - T
    grads = [None] * len(Ws)
    for i in reversed(range(len(Ws))):
        if i < len(Ws) - 1 or output_derivative:
            s = sig(as_[i])
            g = g * s * (1 - s)
        grads[i] = g @ os_[i].T
        g = Ws[i].T @ g
    return grads


def two_layer(X, W, b1, S, b2, T, factor=2.0, relu_derivative=True, sign_S=1.0):
    U = X @ W + b1
    H = relu(U)
    GY = factor * (H @ S + b2 - T)
    DU = (GY @ S.T) * ((U > 0) if relu_derivative else 1.0)
    return X.T @ DU, DU.sum(axis=0), sign_S * H.T @ GY, GY.sum(axis=0)


def _sgd_in_place(theta, grad, lr, wd):
    theta -= lr * (grad + wd * theta)
    return theta


def adam(theta, grads, lr, b1, b2, eps, correct=True):
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        mh, vh = (m / (1 - b1**t), v / (1 - b2**t)) if correct else (m, v)
        theta = theta - lr * mh / (np.sqrt(vh) + eps)
    return theta


def momentum(theta, grads, lr, mu):
    v = np.zeros_like(theta)
    for g in grads:
        v = mu * v + g
        theta = theta - lr * v
    return theta


def kahn(names, edges):
    order, done = [], set()
    while len(order) < len(names):
        for n in names:
            if n not in done and all(u in done for u, v in edges if v == n):
                order.append(n)
                done.add(n)
                break
    return order


INIT = {"he": lambda fi, fo: math.sqrt(2 / fi), "glorot": lambda fi, fo: math.sqrt(2 / (fi + fo)),
        "sqrt2_glorot_normal": lambda fi, fo: math.sqrt(4 / (fi + fo))}


def value_sigmoid(v, derivative=lambda s: s * (1 - s)):
    z = v.data  # Eq. (3.4): exp of a non-positive number only, so z = ±1000 does not overflow
    s = 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    out = Value(s, (v,))

    def _backward():
        v.grad += derivative(s) * out.grad

    out._backward = _backward
    return out


def value_pow(a, b, accumulate=True, log_term=True):
    out = Value(a.data ** b.data, (a, b))

    def _backward():
        da = b.data * a.data ** (b.data - 1) * out.grad
        db = a.data ** b.data * math.log(a.data) * out.grad if log_term else a.data ** b.data * out.grad
        if accumulate:
            a.grad += da
            b.grad += db
        else:
            a.grad, b.grad = da, db

    out._backward = _backward
    return out


def jacobian(jvp, vjp, n_in, n_out, mode=None):
    mode = mode or ("vjp" if n_out <= n_in else "jvp")
    if mode == "vjp":
        return np.array([vjp(np.eye(n_out)[i]) for i in range(n_out)])
    return np.array([jvp(np.eye(n_in)[j]) for j in range(n_in)]).T


def tied_grad(X, W, T, edges=(True, True)):
    A1 = np.tanh(X @ W)
    Y = np.tanh(A1 @ W)
    D2 = (Y - T) * (1 - Y ** 2)
    D1 = (D2 @ W.T) * (1 - A1 ** 2)
    return (X.T @ D1 if edges[0] else 0) + (A1.T @ D2 if edges[1] else 0)


def excerpt_grad(X, W1, b1, W2, T, excerpt=False, factor=2.0):
    Z1 = X @ W1 + b1
    A1 = np.tanh(Z1)
    G = factor * (A1 @ W2 - T) / X.shape[0]
    D1 = (G @ W2.T) * (1 - (Z1 if excerpt else A1) ** 2)
    return X.T @ D1


def tanh_input_gradient(Ws, bs, X, T, hidden_derivative=True):
    As, A = [X], X
    for i, (W, b) in enumerate(zip(Ws, bs)):
        Z = A @ W + b
        A = Z if i == len(Ws) - 1 else np.tanh(Z)
        As.append(A)
    D = As[-1] - T
    for i in reversed(range(len(Ws))):
        G = D @ Ws[i].T
        D = G * (1 - As[i] ** 2) if i and hidden_derivative else G
    return D


def fixed_grads(x, W, t, derivative=True, transposed=False):
    a = np.tanh(W.T @ x)
    d = (a - t) * ((1 - a ** 2) if derivative else 1.0)
    return W @ d, (np.outer(d, x) if transposed else np.outer(x, d))


def adamw(theta, grads, lr, b1, b2, eps, wd, decoupled=True):
    m = np.zeros_like(theta)
    v = np.zeros_like(theta)
    for t, g in enumerate(grads, start=1):
        if decoupled:
            theta = theta * (1 - lr * wd)
        else:
            g = g + wd * theta
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        theta = theta - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    return theta


def nesterov(theta, grads, lr, mu, look_ahead=True):
    buf = np.zeros_like(theta)
    for g in grads:
        buf = mu * buf + g
        theta = theta - lr * ((g + mu * buf) if look_ahead else buf)
    return theta


def kinks(W1, b1, lo, hi, sign=-1.0, keep_all=False):
    w, b = W1.reshape(-1), b1.reshape(-1)
    x = sign * b[w != 0] / w[w != 0]
    return np.sort(x if keep_all else x[(x >= lo) & (x <= hi)])


def softmax_rows(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def smoothed_grad(Z, y, eps, spread="all"):
    B, C = Z.shape
    if spread == "all":
        T = (1 - eps) * np.eye(C)[y] + eps / C
    elif spread == "none":
        T = np.eye(C)[y]
    else:
        T = (1 - eps) * np.eye(C)[y] + eps / (C - 1) * (1 - np.eye(C)[y])
    return (softmax_rows(Z) - T) / B


def tied_relu_grad(X, W, T, terms=(True, True)):
    U = X @ W
    H = relu(U)
    GY = 2 * (H @ W.T - T)
    enc = X.T @ ((GY @ W) * (U > 0))
    dec = GY.T @ H
    return (enc if terms[0] else 0) + (dec if terms[1] else 0)


def per_sample(X, W, b1, S, b2, T, factor=2.0):
    U = X @ W + b1
    DU = ((factor * (relu(U) @ S + b2 - T)) @ S.T) * (U > 0)
    return X[:, :, None] * DU[:, None, :]


SHAPES_16 = {"X": (16, 3), "W1": (3, 8), "b1": (8,), "Z1": (16, 8), "A1": (16, 8), "W2": (8, 8), "b2": (8,),
             "Z2": (16, 8), "A2": (16, 8), "W3": (8, 2), "b3": (2,), "Z3": (16, 2), "A3": (16, 2), "Y_hat": (16, 2),
             "n_params": 3 * 8 + 8 + 8 * 8 + 8 + 8 * 2 + 2}
ABS_NET = (np.array([[1.0, -1.0]]), np.zeros(2), np.array([[1.0], [1.0]]), np.zeros(1))


def _r_squared(Y, Yh):
    with np.errstate(divide="ignore", invalid="ignore"):  # Y zeroed by a hostile answer has no variance
        return 1 - np.mean((Yh - Y) ** 2) / np.var(Y)


def naive_bce(Z, T):
    with np.errstate(over="ignore", divide="ignore", invalid="ignore"):  # its NaN at |z| ≥ 37 is the point
        p = 1.0 / (1.0 + np.exp(-Z))
        return ((-T / p + (1 - T) / (1 - p)) * p * (1 - p)) / Z.size


T_FLOOR = np.array([[-0.5], [0.3], [1.7], [1.0], [0.0]])
ABS_CONFIG = dict(target="abs", noise=0.0, hidden_layers=1, width=16, activation="relu", init="he",
                  optimiser="adam", lr=0.01, batch_size=32)


def diverging_lr():
    from course_lib.exercises import nb08

    for lr in (1e-3, 1e-2, 0.1, 1.0, 10.0):
        if nb08._diverges(lr):
            return lr
    raise AssertionError("no learning rate diverges")


def _lazy(fn):
    """A value answer computed when first needed (the divergence search trains networks)."""
    cache = []

    def get():
        if not cache:
            cache.append(fn())
        return cache[0]

    return get


DIVERGING = _lazy(diverging_lr)
VANISH_EQ = ("LiveTrainer.grad_norms", "Session.grad_rms")  # before and after the lab branch's rewrite of nb08


def _better_batch():
    ref = importlib.import_module("course_lib.exercises.nb08")._val_after_examples
    return 1 if ref(1, 3200) < ref(32, 3200) else 32


BETTER_BATCH = _lazy(_better_batch)

REGISTRY = {
    # ---- 01
    "nb01.check_layer_forward": Entry(
        lambda A, W, b: A @ W + b, "Eq. (1.2)",
        {"missing bias": (lambda A, W, b: A @ W, "Eq. (1.2)"),
         "W transposed": (lambda A, W, b: A @ W.T + b, "Eq. (1.2)")}),
    "nb01.check_mlp_forward": Entry(
        mlp_forward, "Eq. (1.2)–(1.4)",
        {"ReLU on the output too": (lambda X, Ws, bs: relu(mlp_forward(X, Ws, bs)), "Eq. (1.2)–(1.4)"),
         "no bias": (lambda X, Ws, bs: mlp_forward(X, Ws, [0 * b for b in bs]), "Eq. (1.2)–(1.4)")}),
    "nb01.check_count_parameters": Entry(
        lambda s: sum(a * b + b for a, b in zip(s[:-1], s[1:])), "the network has",
        {"weights only": (lambda s: sum(a * b for a, b in zip(s[:-1], s[1:])), "the network has"),
         "biases counted on the inputs": (lambda s: sum(a * b + a for a, b in zip(s[:-1], s[1:])),
                                          "the network has")},
        cheat=False),
    "nb01.check_column_forward": Entry(
        lambda Wc, b, Xc: Wc @ Xc + b[:, None], "Eq. (1.2) in column form",
        {"row convention": (lambda Wc, b, Xc: Xc.T @ Wc.T + b, "Eq. (1.2) in column form"),
         "missing bias": (lambda Wc, b, Xc: Wc @ Xc, "Eq. (1.2) in column form")}),
    # ---- 02
    "nb02.check_jacobian": Entry(
        lambda W, b, x: (1 - np.tanh(W.T @ x + b) ** 2)[:, None] * W.T, "Eq. (2.1)",
        {"missing tanh'": (lambda W, b, x: W.T, "Eq. (2.1)"),
         "gradient layout": (lambda W, b, x: ((1 - np.tanh(W.T @ x + b) ** 2)[:, None] * W.T).T, "Eq. (2.1)")}),
    "nb02.check_grad_W": Entry(
        lambda X, G: X.T @ G, "Eq. (2.7)",
        {"transposed": (lambda X, G: G.T @ X, "Eq. (2.7)"), "factor 2": (lambda X, G: 2 * X.T @ G, "Eq. (2.7)")}),
    "nb02.check_grad_X": Entry(
        lambda G, W: G @ W.T, "Eq. (2.8)",
        {"missing transpose": (lambda G, W: G @ W, "Eq. (2.8)"),
         "wrong side": (lambda G, W: (W @ G.T).T if W.shape[0] == W.shape[1] else W @ G.T, "Eq. (2.8)")}),
    "nb02.check_tanh_layer_grad": Entry(
        lambda X, W, C: X.T @ (C * (1 - np.tanh(X @ W) ** 2)), "Eq. (2.7)",
        {"missing tanh'": (lambda X, W, C: X.T @ C, "Eq. (2.7)"),
         "tanh' = 1 − tanh": (lambda X, W, C: X.T @ (C * (1 - np.tanh(X @ W))), "Eq. (2.7)")}),
    # ---- 03
    "nb03.check_stable_sigmoid": Entry(
        lambda Z: np.where(Z >= 0, 1 / (1 + np.exp(-np.abs(Z))), np.exp(-np.abs(Z)) / (1 + np.exp(-np.abs(Z)))),
        "3.4",
        {"naive formula": (lambda Z: 1 / (1 + np.exp(-Z)), "3.4"),
         "tanh without the ½": (lambda Z: 0.5 * (1 + np.tanh(Z)), "Eq. (3.4)")}),
    "nb03.check_mse_grad": Entry(
        lambda Y, T: 2 * (Y - T) / Y.size, "Eq. (3.7)",
        {"missing 2": (lambda Y, T: (Y - T) / Y.size, "Eq. (3.7)"),
         "sum, not mean": (lambda Y, T: 2 * (Y - T), "Eq. (3.7)"),
         "sign": (lambda Y, T: 2 * (T - Y) / Y.size, "Eq. (3.7)")}),
    "nb03.check_bce_with_logits_grad": Entry(
        lambda Z, T: (sig(Z) - T) / Z.size, "Eq. (3.10)",
        {"sigmoid then log (NaN at |z| ≥ 37)": (naive_bce, "Eq. (3.10)"),
         "missing 1/N": (lambda Z, T: sig(Z) - T, "Eq. (3.10)")}),
    # ---- 04
    "nb04.check_grad_S": Entry(
        lambda H, dY: H.T @ dY, "Eq. (4.6)",
        {"transposed": (lambda H, dY: dY.T @ H, "Eq. (4.6)"), "factor 2": (lambda H, dY: 2 * H.T @ dY, "Eq. (4.6)")}),
    "nb04.check_hidden_delta": Entry(
        lambda dY, S, U: (dY @ S.T) * (U > 0), "Eq. (4.7)–(4.8)",
        {"missing transpose": (lambda dY, S, U: (dY @ S) * (U > 0), "Eq. (4.7)–(4.8)"),
         "missing ReLU'": (lambda dY, S, U: dY @ S.T, "Eq. (4.7)–(4.8)")}),
    "nb04.check_two_layer_grads": Entry(
        two_layer, "Eq. (4.",
        {"missing the 2 of (4.5)": (lambda *a: two_layer(*a, factor=1.0), "Eq. (4.5)"),
         "missing ReLU' (4.8)": (lambda *a: two_layer(*a, relu_derivative=False), "Eq. (4.9)"),
         "sign of dS": (lambda *a: two_layer(*a, sign_S=-1.0), "Eq. (4.6)")}),
    # ---- 05
    "nb05.check_linear_backward": Entry(
        lambda A, W, D: (A.T @ D, D.sum(axis=0), D @ W.T), "Eq. (5.",
        {"missing transpose": (lambda A, W, D: (A.T @ D, D.sum(axis=0), D @ W), "Eq. (5.4)"),
         "db as a mean": (lambda A, W, D: (A.T @ D, D.mean(axis=0), D @ W.T), "Eq. (5.3)")}),
    "nb05.check_mlp_backward": Entry(
        mlp_backward, "Eq. (5.",
        {"missing ReLU'": (lambda *a: mlp_backward(*a, drop_relu_derivative=True), "Eq. (5.2) with (5.5)"),
         "reversed order": (lambda *a: mlp_backward(*a)[::-1], "Eq. (5.")}),
    "nb05.check_column_backward": Entry(
        column_backward, "Eq. (5.6)",
        {"missing σ' at the output": (lambda *a: column_backward(*a, output_derivative=False), "Eq. (5.6)"),
         "row-convention gradients": (lambda *a: [g.T for g in column_backward(*a)], "Eq. (5.6)")}),
    # ---- 06
    "nb06.check_sgd_step": Entry(
        lambda th, g, lr, wd: th - lr * (g + wd * th), "Eq. (6.1)–(6.2)",
        {"uphill": (lambda th, g, lr, wd: th + lr * (g + wd * th), "Eq. (6.1)–(6.2)"),
         "no weight decay": (lambda th, g, lr, wd: th - lr * g, "Eq. (6.1)–(6.2)"),
         "in place (`theta -= …`), where the text asks for a new array": (_sgd_in_place, "new array")},
        edits_ok=False),
    "nb06.check_momentum": Entry(
        momentum, "Eq. (6.3)",
        {"no momentum": (lambda th, gs, lr, mu: th - lr * sum(gs), "Eq. (6.3)"),
         "last gradient only": (lambda th, gs, lr, mu: momentum(th, gs[-1:], lr, mu), "Eq. (6.3)")}),
    "nb06.check_adam": Entry(
        adam, "Eq. (6.4)–(6.7)",
        {"no bias correction": (lambda *a: adam(*a, correct=False), "Eq. (6.4)–(6.7)"),
         "plain SGD": (lambda th, gs, lr, *_: th - lr * sum(gs), "Eq. (6.4)–(6.7)")}),
    "nb06.check_init_std": Entry(
        lambda name, fi, fo: INIT[name](fi, fo), "Eq. (6.8)–(6.10)",
        {"fan_out for He": (lambda name, fi, fo: INIT[name](fo, fi) if name == "he" else INIT[name](fi, fo),
                            "Eq. (6.8)–(6.10)"),
         "variance, not std": (lambda name, fi, fo: INIT[name](fi, fo) ** 2, "Eq. (6.8)–(6.10)")},
        cheat=False),
    # ---- 07
    "nb07.check_r_squared": Entry(
        _r_squared, "Eq. (7.1)",
        {"SSE over variance": (lambda Y, Yh: 1 - np.sum((Yh - Y) ** 2) / np.var(Y), "Eq. (7.1)"),
         "1 − R²": (lambda Y, Yh: np.mean((Yh - Y) ** 2) / np.var(Y), "Eq. (7.1)")}),
    "nb07.check_s2_equivalent_lr": Entry(
        lambda lr, n_out: lr * n_out / 2, "Eq. (7.2)",
        {"n_out, not n_out/2": (lambda lr, n_out: lr * n_out, "Eq. (7.2)"),
         "unchanged": (lambda lr, n_out: lr, "Eq. (7.2)")}, cheat=False),
    "nb07.check_best_epoch": Entry(
        lambda v: 1 + int(np.argmin(v)), "early stopping",
        {"counted from 0": (lambda v: int(np.argmin(v)), "early stopping"),
         "last epoch": (lambda v: len(v), "early stopping")}, cheat=False),
    "nb07.check_bias_free_prediction": Entry(
        lambda fp, fm, x: np.where(x >= 0, x * fp, -x * fm), "Eq. (7.4)",
        {"linear": (lambda fp, fm, x: x * fp, "Eq. (7.4)"),
         "sign of the left branch": (lambda fp, fm, x: np.where(x >= 0, x * fp, x * fm), "Eq. (7.4)")}),
    # ---- 08 (each verdict trains networks: a smaller set of odd answers)
    "nb08.check_abs_config": Entry(
        ABS_CONFIG, None,
        {"sinc, not abs": (dict(ABS_CONFIG, target="sinc"), "target 'abs'"),
         "noisy": (dict(ABS_CONFIG, noise=0.1), "without noise")},
        kind="value", numeric=False,
        odd={"a share string": ("lt1:abc", FAIL_), "a number": (5, FAIL_), "a list": ([1, 2], FAIL_),
             "unknown key": ({"bogus": 1}, FAIL_), "fractional n_samples": (dict(ABS_CONFIG, n_samples=500.5), FAIL_),
             "None": (None, NA)}),
    "nb08.check_diverging_lr": Entry(
        DIVERGING, None,
        {"too high": (lambda: 10 * DIVERGING(), "so does"), "too low": (lambda: DIVERGING() / 10, "go higher")},
        kind="value", numeric=False,
        odd={"True": (True, FAIL_), "a string": ("0.1", FAIL_), "a list": ([0.1], FAIL_), "NaN": (math.nan, FAIL_),
             "inf": (math.inf, FAIL_), "negative": (-1.0, FAIL_), "not a power of ten": (0.3, FAIL_),
             "complex": (1j, FAIL_), "None": (None, NA)}),
    "nb08.check_vanishing_ratio": Entry(
        lambda k: importlib.import_module("course_lib.exercises.nb08")._vanishing_ratio(k),
        VANISH_EQ,
        {"inverse ratio": (lambda k: 1 / importlib.import_module("course_lib.exercises.nb08")
                           ._vanishing_ratio(k), VANISH_EQ),
         "constant": (lambda k: 0.5, VANISH_EQ)},
        cheat=False, kind="slow function"),
    # ---- 09
    "nb09.check_node_forward": Entry(
        lambda As, Ws, b: sum(A @ W for A, W in zip(As, Ws)) + b, "Eq. (9.1)",
        {"first parent only": (lambda As, Ws, b: As[0] @ Ws[0] + b, "Eq. (9.1)"),
         "missing bias": (lambda As, Ws, b: sum(A @ W for A, W in zip(As, Ws)), "Eq. (9.1)")}),
    "nb09.check_consumer_sum": Entry(
        lambda Ds, Ws: sum(D @ W.T for D, W in zip(Ds, Ws)), "Eq. (9.2)",
        {"missing transpose": (lambda Ds, Ws: sum(D @ W for D, W in zip(Ds, Ws)), "Eq. (9.2)"),
         "first consumer only": (lambda Ds, Ws: Ds[0] @ Ws[0].T, "Eq. (9.2)")}),
    "nb09.check_topological_order": Entry(
        kahn, None,
        {"as given": (lambda names, edges: list(names), "one right answer"),
         "reversed": (lambda names, edges: kahn(names, edges)[::-1], "one right answer")},
        numeric=False, cheat=False,
        odd={"an int": (lambda n, e: 5, FAIL_), "mixed types": (lambda n, e: [1] + n[1:], FAIL_),
             "a generator": (lambda n, e: (x for x in kahn(n, e)), PASS_)}),
    "nb09.check_tied_weights_grad": Entry(
        tied_grad, "Eq. (9.3) summed over both uses of W",
        {"first edge only": (lambda X, W, T: tied_grad(X, W, T, (True, False)), "Eq. (9.3) summed"),
         "second edge only": (lambda X, W, T: tied_grad(X, W, T, (False, True)), "Eq. (9.3) summed")}),
    "nb09.check_concat_grads": Entry(
        lambda D, W, n_a: (D @ W[:n_a].T, D @ W[n_a:].T), "Eq. (9.2)",
        {"halves swapped": (lambda D, W, n_a: (D @ W[n_a:].T, D @ W[:n_a].T), "Eq. (9.2)"),
         "missing transpose": (lambda D, W, n_a: (D @ W[:n_a], D @ W[n_a:]), "Eq. (9.2)")},
        cheat=False, own_triage=True),
    "nb09.check_s3_mse_grad": Entry(
        lambda y, t: (y - t) / 2, "the derivative of ((y − t)/2)²",
        {"S3's printed 2(y − t)": (lambda y, t: 2 * (y - t), "the derivative of ((y − t)/2)²"),
         "(y − t)/4": (lambda y, t: (y - t) / 4, "the derivative of ((y − t)/2)²")}),
    # ---- 10
    "nb10.check_tanh_vjp": Entry(
        lambda Z, G: G * (1 - np.tanh(Z) ** 2), "Eq. (10.2)",
        {"missing G": (lambda Z, G: 1 - np.tanh(Z) ** 2, "Eq. (10.2)"),
         "1 − tanh": (lambda Z, G: G * (1 - np.tanh(Z)), "Eq. (10.2)")}),
    "nb10.check_matmul_vjp": Entry(
        lambda A, W, G: (G @ W.T, A.T @ G), "Eq. (10.3)",
        {"missing transposes": (lambda A, W, G: (G @ W, A @ G), "Eq. (10.3)"),
         "swapped": (lambda A, W, G: (A.T @ G, G @ W.T), "Eq. (10.3)")}),
    "nb10.check_value_sigmoid": Entry(
        value_sigmoid, "Eq. (",
        {"σ' = σ": (lambda v: value_sigmoid(v, derivative=lambda s: s), "Eq. (10.2)"),
         "tanh instead": (lambda v: Value(math.tanh(v.data), (v,)), "Eq. (3.3)")},
        call=lambda checker, answer: checker(answer, Value), numeric=False, cheat=False,
        odd={"a float": (lambda v: 0.5, FAIL_), "backward raises": (lambda v: _bad_value(v), FAIL_)}),
    "nb10.check_value_pow": Entry(
        value_pow, None,
        {"= instead of +=": (lambda a, b: value_pow(a, b, accumulate=False), "Eq. (10.4)"),
         "missing ln a": (lambda a, b: value_pow(a, b, log_term=False), "a^(b+1) ln a")},
        call=lambda checker, answer: checker(answer, Value), numeric=False, cheat=False, own_triage=True),
    "nb10.check_jacobian": Entry(
        jacobian, "Eq. (10.1)",
        {"always forward mode": (lambda *a: jacobian(*a, mode="jvp"), "the cheaper mode"),
         "transposed": (lambda *a: jacobian(*a).T, "Eq. (10.1)")},
        cheat=False, own_triage=True),
    "nb10.check_torch_layout": Entry(
        lambda W, b: (W.T, b), "Eq. (5.6)",
        {"not transposed": (lambda W, b: (W, b), "Eq. (5.6)"),
         "one array": (lambda W, b: (W.T,), "weight, bias")}),
    # ---- 11
    "nb11.check_s1_grad_H": Entry(
        lambda G, S: G @ S.T, "Eq. (11.4)",
        {"S1 as printed": (lambda G, S: G @ S, "Eq. (11.4)"), "factor 2": (lambda G, S: 2 * G @ S.T, "Eq. (11.4)")}),
    "nb11.check_s0_layer_grad": Entry(
        lambda fp, a, V, dC: np.outer(fp * (V @ dC), a), "Eq. (11.3)",
        {"S0 without dC/da": (lambda fp, a, V, dC: np.outer(fp * V.sum(axis=1), a), "Eq. (11.3)"),
         "transposed": (lambda fp, a, V, dC: np.outer(a, fp * (V @ dC)), "Eq. (11.3)")}),
    "nb11.check_s3_mse_grad": Entry(
        lambda y, t: (y - t) / 2, "Eq. (11.6)",
        {"S3's printed 2(y − t)": (lambda y, t: 2 * (y - t), "Eq. (11.6)"),
         "sign": (lambda y, t: (t - y) / 2, "Eq. (11.6)")}),
    "nb11.check_excerpt_grad_W1": Entry(
        excerpt_grad, "the chain rule through tanh",
        {"the excerpt's 1 − Z₁²": (lambda *a: excerpt_grad(*a, excerpt=True), "the chain rule through tanh"),
         "missing 2": (lambda *a: excerpt_grad(*a, factor=1.0), "the chain rule through tanh")}),
    "nb11.check_s3_learning_rates": Entry(
        lambda lr: np.array([4 * lr, 2 * lr]), "Eq. (11.6)",
        {"inverted": (lambda lr: np.array([lr / 4, lr / 2]), "Eq. (11.6)"),
         "both 4 lr": (lambda lr: np.array([4 * lr, 4 * lr]), "Eq. (11.6)")}, cheat=False),
    "nb11.check_s4_floor": Entry(
        0.5 * np.mean((T_FLOOR - np.clip(T_FLOOR, 0, 1)) ** 2), "Eq. (11.7)",
        {"zero": (0.0, "Eq. (11.7)"), "without the ½": (np.mean((T_FLOOR - np.clip(T_FLOOR, 0, 1)) ** 2),
                                                         "Eq. (11.7)")},
        call=lambda checker, answer: checker(answer, T_FLOOR), kind="value"),
}

# Checkers that other branches add (derive-a: nb02, nb05; claims-2: nb06, nb07; derive-b: nb01, nb03, nb04, nb12;
# lab: nb08),
# registered ahead of the merge;
# an entry whose checker is not in this checkout is skipped, so these wait for their branch.
FROM_OTHER_BRANCHES = {
    "nb02.check_ridge_grad": Entry(
        lambda X, W, Y, lam: 2 * X.T @ (X @ W - Y) + 2 * lam * W, "Eq. (2.7) plus the λ term",
        {"missing the 2": (lambda X, W, Y, lam: X.T @ (X @ W - Y) + lam * W, "Eq. (2.7) plus the λ term"),
         "no λ term": (lambda X, W, Y, lam: 2 * X.T @ (X @ W - Y), "Eq. (2.7) plus the λ term")}),
    "nb02.check_fixed_grads": Entry(
        fixed_grads, "Eq. (2.",
        {"missing tanh'": (lambda *a: fixed_grads(*a, derivative=False), "Eq. (2.3)"),
         "∂L/∂W in numerator layout": (lambda *a: fixed_grads(*a, transposed=True), "Eq. (2.4)")},
        cheat=True, own_triage=True),
    "nb05.check_input_gradient": Entry(
        tanh_input_gradient, "Eq. (5.5) and (5.4)",
        {"missing tanh'": (lambda *a: tanh_input_gradient(*a, hidden_derivative=False), "Eq. (5.5) and (5.4)"),
         "missing transpose": (lambda Ws, bs, X, T: (mlp_forward(X, Ws, bs) - T) @ Ws[-1], "Eq. (5.5) and (5.4)")}),
    "nb05.check_rank_prediction": Entry(
        lambda B, n_in, n_out: min(B, n_in, n_out), "the measured rank",
        {"ignores B": (lambda B, n_in, n_out: min(n_in, n_out), "the measured rank"),
         "B": (lambda B, n_in, n_out: B, "the measured rank")}, cheat=False),
    "nb06.check_nesterov": Entry(
        nesterov, "Nesterov momentum",
        {"plain momentum": (lambda *a: nesterov(*a, look_ahead=False), "Nesterov momentum"),
         "no momentum": (lambda th, gs, lr, mu: th - lr * sum(gs), "Nesterov momentum")}),
    "nb06.check_adamw": Entry(
        adamw, "AdamW",
        {"L2 inside Adam": (lambda *a: adamw(*a, decoupled=False), "AdamW"),
         "no decay": (lambda th, gs, lr, b1, b2, eps, wd: adam(th, gs, lr, b1, b2, eps), "AdamW")}),
    "nb06.check_decay_prediction": Entry(
        lambda th0, lr, wd, n: np.array([abs(th0) * (1 - (1 - lr * wd) ** n), lr * n]), "the measured decay",
        {"swapped": (lambda th0, lr, wd, n: np.array([lr * n, abs(th0) * (1 - (1 - lr * wd) ** n)]),
                     "the measured decay"),
         "both as AdamW": (lambda th0, lr, wd, n: np.array([abs(th0) * (1 - (1 - lr * wd) ** n)] * 2),
                           "the measured decay")}, cheat=False),
    "nb07.check_relu_kinks": Entry(
        kinks, "the kinks x = −b_j / w_j",
        {"sign": (lambda *a: kinks(*a, sign=1.0), "the kinks x = −b_j / w_j"),
         "outside [lo, hi] kept": (lambda *a: kinks(*a, keep_all=True), "the kinks x = −b_j / w_j")}),
    "nb07.check_train_noise_floor": Entry(
        lambda s, n, p: s**2 * (n - p) / n, "the expected training MSE",
        {"σ² regardless of p": (lambda s, n, p: s**2, "the expected training MSE"),
         "σ² p / n": (lambda s, n, p: s**2 * p / n, "the expected training MSE")}, cheat=False),
    # derive-b: nb01, nb03, nb04, nb12
    "nb01.check_abs_network": Entry(
        ABS_NET, None,
        {"output weights (1, −1): gives x": ((ABS_NET[0], ABS_NET[1], np.array([[1.0], [-1.0]]), ABS_NET[3]), "|x|"),
         "W1 transposed": ((ABS_NET[0].T, ABS_NET[1], ABS_NET[2], ABS_NET[3]), "transpose")},
        kind="value", numeric=False),
    "nb01.check_predicted_shapes": Entry(
        SHAPES_16, None,
        {"W1 transposed": (dict(SHAPES_16, W1=(8, 3)), "Eq. (1.2)"),
         "weights only counted": (dict(SHAPES_16, n_params=3 * 8 + 8 * 8 + 8 * 2), "parameter count is 122")},
        kind="value", numeric=False,
        odd={"None": (None, NA), "a list": ([(16, 3)], FAIL_), "a key missing": ({"X": (16, 3)}, FAIL_),
             "a shape that is a string": (dict(SHAPES_16, X="abc"), FAIL_), "a string": ("abc", FAIL_)}),
    "nb03.check_elu_derivative": Entry(
        lambda Z, a: np.where(Z > 0, 1.0, a * np.exp(np.minimum(Z, 0.0))), "the ELU derivative",
        {"ELU itself for z ≤ 0": (lambda Z, a: np.where(Z > 0, 1.0, a * (np.exp(np.minimum(Z, 0.0)) - 1)),
                                  "the ELU derivative"),
         "missing α": (lambda Z, a: np.where(Z > 0, 1.0, np.exp(np.minimum(Z, 0.0))), "the ELU derivative")}),
    "nb03.check_weighted_mse_grad": Entry(
        lambda Y, T, w: 2 * w[:, None] * (Y - T) / Y.size, "the weighted MSE's gradient",
        {"weights along the wrong axis": (lambda Y, T, w: 2 * w * (Y - T) / Y.size, "the weighted MSE's gradient"),
         "missing the 2": (lambda Y, T, w: w[:, None] * (Y - T) / Y.size, "the weighted MSE's gradient")}),
    "nb04.check_tied_weights_grad": Entry(
        tied_relu_grad, "the sum of (4.9) and the transpose of (4.6)",
        {"encoder use only": (lambda *a: tied_relu_grad(*a, terms=(True, False)), "the sum of (4.9)"),
         "decoder use only": (lambda *a: tied_relu_grad(*a, terms=(False, True)), "the sum of (4.9)")}),
    "nb04.check_per_sample_grads": Entry(
        per_sample, "Eq. (4.9) sample by sample",
        {"summed over the batch": (lambda *a: per_sample(*a).sum(axis=0), "Eq. (4.9) sample by sample"),
         "missing the 2 of (4.5)": (lambda *a: per_sample(*a, factor=1.0), "Eq. (4.9) sample by sample")}),
    "nb12.check_softmax_vjp": Entry(
        lambda Z, G: softmax_rows(Z) * (G - np.sum(G * softmax_rows(Z), axis=1, keepdims=True)),
        "Eq. (12.3) applied row by row",
        {"diagonal of J only": (lambda Z, G: G * softmax_rows(Z) * (1 - softmax_rows(Z)), "Eq. (12.3)"),
         "missing the p pᵀ term": (lambda Z, G: G * softmax_rows(Z), "Eq. (12.3)")}),
    "nb12.check_label_smoothing_grad": Entry(
        smoothed_grad, "Eq. (12.7) with smoothed targets",
        {"no smoothing": (lambda *a: smoothed_grad(*a, spread="none"), "Eq. (12.7) with smoothed targets"),
         "ε spread over the other classes": (lambda *a: smoothed_grad(*a, spread="others"),
                                             "Eq. (12.7) with smoothed targets")}),
    # lab: nb08 (each verdict trains networks: small answer sets)
    "nb08.check_relu_kinks": Entry(
        lambda W1, b1, lo, hi: int(np.sum([lo < -b / w < hi for w, b in zip(W1.reshape(-1), b1) if w != 0])),
        "x = −b_j / W_1[0, j]",
        {"sign of the kink": (lambda W1, b1, lo, hi: int(np.sum([lo < b / w < hi for w, b in zip(W1.reshape(-1), b1)
                                                                  if w != 0])), "x = −b_j / W_1[0, j]"),
         "every unit": (lambda W1, b1, lo, hi: W1.size, "x = −b_j / W_1[0, j]")}, cheat=False),
    "nb08.check_kinks_prediction": Entry(
        0, None, {"every unit": (64, "the measured count"), "half": (32, "the measured count")},
        kind="value", numeric=False),
    "nb08.check_val_after_examples": Entry(
        lambda b, e: importlib.import_module("course_lib.exercises.nb08")._val_after_examples(b, e),
        "Session.train",
        {"batch size ignored": (lambda b, e: importlib.import_module("course_lib.exercises.nb08")
                                ._val_after_examples(1, e), "Session.train"),
         "a constant": (lambda b, e: 0.1, "Session.train")}, cheat=False, kind="slow function"),
    "nb08.check_batch_prediction": Entry(
        lambda: BETTER_BATCH(), None,
        {"the other one": (lambda: 33 - BETTER_BATCH(), "measure both"), "a size not offered": (8, "1 or 32")},
        kind="value", numeric=False,
        odd={"None": (None, NA), "an array": (np.array([1, 32]), FAIL_), "a string": ("1", FAIL_),
             "True": (True, FAIL_)}),
}
REGISTRY.update(FROM_OTHER_BRANCHES)
REGISTRY.update(ladder_entries(Entry, sig, PASS_, FAIL_, NA))  # the ladder's new exercises (ladder_registry.py)


def _bad_value(v):
    out = Value(0.5, (v,))

    def _backward():
        raise RuntimeError("oops")

    out._backward = _backward
    return out


# --------------------------------------------------------------------------- generic odd answers
class BadArray:
    def __array__(self, *args, **kwargs):
        raise RuntimeError("no array here")


def _scale(x, k):
    if isinstance(x, (list, tuple)):
        return type(x)(_scale(a, k) for a in x)
    return x * k


def _zero_arrays(args) -> bool:
    found = False
    for a in args:
        if isinstance(a, np.ndarray) and a.flags.writeable:
            a[...] = 0.0
            found = True
        elif isinstance(a, (list, tuple)):
            found = _zero_arrays(a) or found
    return found


def _copy(x):
    if isinstance(x, np.ndarray):
        return x.copy()
    if isinstance(x, (list, tuple)):
        return type(x)(_copy(a) for a in x)
    return x


def function_answers(entry: Entry):
    """(description, answer, expected status, equation the message must contain or None)."""
    ref = entry.ref
    out = [("reference", ref, PASS_, None)]
    for what, (answer, eq) in entry.wrong.items():
        out.append((what, answer, FAIL_, eq))
    if entry.kind == "slow function":
        return out + [("None", None, NA, None), ("raises NotImplementedError", _raise(NotImplementedError), NA, None),
                      ("returns None", lambda *a: None, FAIL_, "return"), ("a string", lambda *a: "abc", FAIL_, None)]
    if entry.numeric:
        out.append(("2 ×", lambda *a: _scale(ref(*a), 2.0), FAIL_, entry.eq))
        out.append(("−1 ×", lambda *a: _scale(ref(*a), -1.0), FAIL_, entry.eq))
        out.append(("complex", lambda *a: _scale(ref(*a), 1 + 1j), FAIL_, None))
        out.append(("NaN", lambda *a: _scale(ref(*a), math.nan), FAIL_, None))

    def mutate_after(*a):
        result = _copy(ref(*a))
        _zero_arrays(a)
        return result

    def cheat(*a):
        _zero_arrays(a)
        return ref(*a)

    out += [
        ("None", None, NA, None),
        ("raises NotImplementedError", _raise(NotImplementedError), NA, None),
        ("returns None", lambda *a: None, FAIL_, "return"),
        ("raises ZeroDivisionError", lambda *a: 1 / 0, FAIL_, "ZeroDivisionError"),
        ("matmul shape mismatch", lambda *a: np.ones((2, 3)) @ np.ones((2, 3)), FAIL_,
         None if entry.own_triage else "transpose"),
        ("a string", lambda *a: "abc", FAIL_, None),
        ("a list of numbers", lambda *a: [1.0, 2.0], FAIL_, None),
        ("a ragged list", lambda *a: [np.ones(2), np.ones(3)], FAIL_, None),
        ("wrong shape", lambda *a: np.zeros((7, 7, 7)), FAIL_, None),
        ("__array__ raises", lambda *a: BadArray(), FAIL_, None),
        ("not a function", 42, FAIL_, None if entry.own_triage else "function"),
        ("edits its inputs after a correct answer", mutate_after, PASS_ if entry.edits_ok else FAIL_,
         None if entry.edits_ok else "new array"),
    ]
    if entry.cheat:
        out.append(("zeroes its inputs", cheat, FAIL_, None))
    for what, (answer, status) in entry.odd.items():
        out.append((what, answer, status, None))
    return out


def _raise(exc):
    def fn(*a):
        raise exc()

    return fn


VALUE_ODD = [("None", None, NA), ("a string", "abc", FAIL_), ("a list", [1.0, 2.0], FAIL_),
             ("__array__ raises", BadArray(), FAIL_), ("complex", 1 + 1j, FAIL_), ("NaN", math.nan, FAIL_),
             ("a function", lambda: 1.0, FAIL_)]


def value_answers(entry: Entry):
    out = [("reference", entry.ref, PASS_, None)]
    for what, (answer, eq) in entry.wrong.items():
        out.append((what, answer, FAIL_, eq))
    if entry.odd:
        out += [(what, a, s, None) for what, (a, s) in entry.odd.items()]
    else:
        out += [(what, a, s, None) for what, a, s in VALUE_ODD]
    return out


def answers(entry: Entry):
    return value_answers(entry) if entry.kind == "value" else function_answers(entry)


def discover():
    """Every check_* function defined in a course_lib.exercises.nbNN module, as "nbNN.check_name"."""
    found = {}
    for info in pkgutil.iter_modules(ex.__path__):
        if not info.name.startswith("nb"):
            continue
        mod = importlib.import_module(f"course_lib.exercises.{info.name}")
        for name, fn in inspect.getmembers(mod, inspect.isfunction):
            if name.startswith("check_") and fn.__module__ == mod.__name__:
                found[f"{info.name}.{name}"] = fn
    return found


CHECKERS = discover()


def run(key, what, answer, status, eq):
    """Call the checker; return (right verdict?, crashed?, description of the outcome)."""
    entry, checker = REGISTRY[key], CHECKERS[key]
    if entry.kind == "value" and callable(answer) and what in {"reference"} | set(entry.wrong):
        answer = answer()  # a lazily computed value
    call = entry.call or (lambda c, a: c(a))
    try:
        res = call(checker, answer)
    except Exception as exc:  # the checker itself crashed
        return False, True, f"CRASH {type(exc).__name__}: {exc}"
    ok = getattr(res, "status", None) == status and bool(getattr(res, "message", ""))
    if ok and eq is not None and status == FAIL_:
        ok = any(e in res.message for e in (eq if isinstance(eq, tuple) else (eq,)))
    return ok, False, f"{res!r}"


def all_cases():
    for key in sorted(REGISTRY):
        if key in CHECKERS:
            for what, answer, status, eq in answers(REGISTRY[key]):
                yield pytest.param(key, what, answer, status, eq, id=f"{key}-{what}")


def test_every_checker_is_registered():
    missing = sorted(set(CHECKERS) - set(REGISTRY))
    assert not missing, f"checkers without a case set in tests/exercises/test_checkers.py REGISTRY: {missing}"
    stale = sorted(set(REGISTRY) - set(CHECKERS) - set(FROM_OTHER_BRANCHES))
    assert not stale, f"REGISTRY entries for checkers that no longer exist: {stale}"
    for key, entry in REGISTRY.items():
        assert len(entry.wrong) >= 2, f"{key}: register at least two typical wrong answers"


@pytest.mark.parametrize("key, what, answer, status, eq", list(all_cases()))
def test_checker_verdict(key, what, answer, status, eq):
    ok, crashed, outcome = run(key, what, answer, status, eq)
    assert not crashed, f"{key} crashed on {what!r}: {outcome}"
    need = f"{status!r}" + (f" naming {eq!r}" if eq and status == FAIL_ else "")
    assert ok, f"{key} on {what!r}: expected {need}, got {outcome}"


def test_hints_are_informative():
    from course_lib.exercises import check_array

    e = np.arange(1.0, 7.0).reshape(2, 3)
    assert "2 × the right answer" in check_array("x", 2 * e, e, "Eq. (0)").message
    assert "−1 × the right answer (a sign error?)" in check_array("x", -e, e, "Eq. (0)").message
    assert "1/2 × the right answer" in check_array("x", e / 2, e, "Eq. (0)").message
    assert "×" not in check_array("x", 3.0, 1.5, "Eq. (0)").message  # any number is a multiple of another
    assert "all zeros" in check_array("x", 0 * e, e, "Eq. (0)").message
    sq = np.arange(1.0, 10.0).reshape(3, 3)
    assert "transpose of the right answer" in check_array("x", sq.T, sq, "Eq. (0)").message
    assert "float32" in check_array("x", e.astype(np.float32) * (1 + 1e-7), e + 1e-7, "Eq. (0)").message


def test_learner_never_sees_the_compared_arrays():
    from course_lib.exercises import nb05

    def lb(A, W, D):  # correct, then scales its input in place
        out = (A.T @ D, D.sum(0), D @ W.T)
        D *= 0.5
        return out

    assert nb05.check_linear_backward(lb).passed

    def cheat(A, W, D):  # zeroes the inputs and returns zeros (a cheat an earlier checker let through)
        A[...] = 0
        W[...] = 0
        D[...] = 0
        return np.zeros((A.shape[1], W.shape[1])), np.zeros(W.shape[1]), np.zeros_like(A)

    assert nb05.check_linear_backward(cheat).status == FAIL_


def test_error_is_blamed_where_it_starts():
    from course_lib.exercises import nb04, nb05

    msg = nb04.check_two_layer_grads(lambda *a: two_layer(*a, factor=1.0)).message
    assert "every array" in msg and "1/2 ×" in msg and "Eq. (4.5)" in msg
    msg = nb05.check_column_backward(lambda *a: column_backward(*a, output_derivative=False)).message
    assert msg.split(":")[1].strip().startswith("∇W2"), msg  # case 1 is 3-4-2: its top layer, not ∇W1
    assert "∇W1 also fails" in msg and "backward pass" in msg


def table():
    """Rows (checker, wrong or odd answers tried, right verdicts, crashes) and the reference verdicts."""
    rows, refs_ok = [], 0
    for key in sorted(REGISTRY):
        if key not in CHECKERS:
            continue
        tried = right = crashes = 0
        for what, answer, status, eq in answers(REGISTRY[key]):
            ok, crashed, outcome = run(key, what, answer, status, eq)
            if what == "reference":
                refs_ok += ok
                continue
            tried += 1
            right += ok
            crashes += crashed
            if not ok:
                print(f"  wrong verdict: {key} on {what!r}: {outcome}")
        rows.append((key, tried, right, crashes))
    return rows, refs_ok


if __name__ == "__main__":
    rows, refs_ok = table()
    print(f"{'checker':<36} {'wrong/odd answers tried':>24} {'right verdicts':>15} {'crashes':>8}")
    for key, tried, right, crashes in rows:
        print(f"{key:<36} {tried:>24} {right:>15} {crashes:>8}")
    tot = [sum(r[i] for r in rows) for i in (1, 2, 3)]
    print(f"{'total (' + str(len(rows)) + ' checkers)':<36} {tot[0]:>24} {tot[1]:>15} {tot[2]:>8}")
    print(f"reference answers passed: {refs_ok} of {len(rows)}")
    missing = sorted(set(CHECKERS) - set(REGISTRY))
    print(f"unregistered checkers: {missing or 'none'}")
    sys.exit(0 if tot[0] == tot[1] and tot[2] == 0 and refs_ok == len(rows) and not missing else 1)


@pytest.mark.parametrize("error", [1e-6, 1e-4])
def test_the_default_tolerance_refuses_an_answer_that_is_only_close(error):
    """Every checker that leaves `tol` at its default compares to 1e-8 (Eq. 2.6): an answer off by a relative
    1e-6 is a wrong formula (a constant slightly off, a float32 step), not rounding, and must fail."""
    x = np.linspace(1.0, 2.0, 12).reshape(3, 4)
    near = x * (1 + error)
    assert ex.check_array("a", near, x, "Eq. (0.1)").status == FAIL
    assert ex.check_arrays("b", [near], [x], ["A"], ["Eq. (0.1)"]).status == FAIL
    assert ex.check_function("c", lambda v: v * (1 + error), lambda v: v, [(x,)], "Eq. (0.1)").status == FAIL
    assert ex.check_function("d", lambda v: v + 0.0, lambda v: v, [(x,)], "Eq. (0.1)").status == PASS


def test_every_checker_is_called_by_its_notebook_or_retired():
    import json
    import re

    root = Path(__file__).resolve().parents[2]
    code = "".join("".join(c["source"]) for nb in sorted((root / "notebooks").glob("[0-9][0-9]_*.ipynb"))
                   for c in json.loads(nb.read_text())["cells"] if c["cell_type"] == "code")
    for info in pkgutil.iter_modules(ex.__path__):
        if not re.fullmatch(r"nb\d\d", info.name):
            continue
        mod = importlib.import_module(f"course_lib.exercises.{info.name}")
        checkers = {n for n, f in vars(mod).items()
                    if n.startswith("check_") and callable(f) and getattr(f, "__module__", "") == mod.__name__}
        retired = set(getattr(mod, "RETIRED", ()))
        called = set(re.findall(rf"\b{info.name}\.(check_\w+)\(", code))  # by its notebook (or 00's demo)
        assert retired <= checkers, f"{info.name}.RETIRED names checkers that do not exist: {retired - checkers}"
        assert not retired & called, f"{info.name}: retired checkers are still called: {retired & called}"
        dead = checkers - called - retired
        assert not dead, f"{info.name}: checkers no notebook calls and not listed in RETIRED: {sorted(dead)}"
