"""REGISTRY entries for the exercises the ladder added: right answers and plausible wrong ones.

tests/exercises/test_checkers.py merges these into its REGISTRY, so the same sweep (hostile answers, a memorised answer,
the wrong answers named here, "not attempted") runs over every checker. Each reference is written here or in
the notebook's own test file, independently of course_lib/exercises.
"""

from __future__ import annotations

import math

import numpy as np
import test_exercises_nb02 as t2
import test_exercises_nb04 as t4
import test_exercises_nb05 as t5
import test_exercises_nb06 as t6
import test_exercises_nb07 as t7
import test_exercises_nb08 as t8
import test_exercises_nb13 as t13
import test_exercises_nb14 as t14


def _normalize_vjp(X, G):
    N = np.linalg.norm(X, axis=1, keepdims=True)
    with np.errstate(divide="ignore", invalid="ignore"):  # a zeroed X (a hostile answer's doing) has no direction
        Y = X / N
        return (G - Y * np.sum(G * Y, axis=1, keepdims=True)) / N


def _cls_loss_grad(params, X, y, factor=1.0, relu_grad=True):
    B = X.shape[0]
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0.0)
    Z = H @ params["W2"] + params["b2"]
    S = Z - Z.max(axis=1, keepdims=True)
    logP = S - np.log(np.exp(S).sum(axis=1, keepdims=True))
    D = np.exp(logP)
    D[np.arange(B), y] -= 1.0
    D = factor * D / B
    D1 = (D @ params["W2"].T) * ((Z1 > 0) if relu_grad else 1.0)
    return -float(np.mean(logP[np.arange(B), y])), {"W1": X.T @ D1, "b1": D1.sum(0), "W2": H.T @ D, "b2": D.sum(0)}


def _train_cls(X, y, seed, steps=1000):
    rng = np.random.default_rng(seed)
    p = {"W1": rng.normal(size=(2, 64)), "b1": np.zeros(64), "W2": rng.normal(size=(64, 3)) * 0.18, "b2": np.zeros(3)}
    m = {k: np.zeros_like(v) for k, v in p.items()}
    v = {k: np.zeros_like(a) for k, a in p.items()}
    for t in range(1, steps + 1):
        g = _cls_loss_grad(p, X, y)[1]
        for k in p:
            m[k] = 0.9 * m[k] + 0.1 * g[k]
            v[k] = 0.999 * v[k] + 0.001 * g[k] ** 2
            p[k] -= 0.02 * (m[k] / (1 - 0.9**t)) / (np.sqrt(v[k] / (1 - 0.999**t)) + 1e-8)
    return p


def _cls_steps_inside(params, X, y):
    L, g = _cls_loss_grad(params, X, y)
    params["W1"] -= 0.1 * g["W1"]  # a training step inside the loss function: params must stay as handed
    return L, g


def _bce(X, W1, b1, w2, b2, T, printed=False, factor=1.0):
    Z1 = X @ W1 + b1
    z = np.maximum(Z1, 0) @ w2 + b2
    p = 0.5 * (1 + np.tanh(0.5 * z))
    dz = factor * (p - T) / len(X)
    if printed:
        dz = dz / (p * (1 - p))
    D1 = (dz @ w2.T) * (Z1 > 0)
    return X.T @ D1, D1.sum(axis=0)


def _floor(lo, hi, erf=False):
    """The closed form with Φ from math.erfc (accurate in both tails); erf=True: Φ = ½(1 + erf(x/√2)) and
    1 − Φ(hi), which cancel on wide intervals ([−8, 8]: relative error 60)."""
    if erf:
        Phi = lambda x: 0.5 * (1 + math.erf(x / math.sqrt(2)))  # noqa: E731
    else:
        Phi = lambda x: 0.5 * math.erfc(-x / math.sqrt(2))  # noqa: E731
    phi = lambda x: math.exp(-x * x / 2) / math.sqrt(2 * math.pi)  # noqa: E731
    upper = (1 - Phi(hi)) if erf else Phi(-hi)
    return 0.5 * ((1 + lo * lo) * Phi(lo) + lo * phi(lo) + (1 + hi * hi) * upper - hi * phi(hi))


def _softmax_rows(Z, clip=False):
    """Row softmax shifted by each row's maximum; clip=True: unshifted exp of logits clipped to ±700."""
    E = np.exp(np.clip(Z, -700.0, 700.0)) if clip else np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def _softmax_vjp(Z, G, clip=False):
    P = _softmax_rows(Z, clip)
    return P * (G - np.sum(G * P, axis=1, keepdims=True))


def _log_softmax_vjp(Z, G, clip=False):
    return G - _softmax_rows(Z, clip) * np.sum(G, axis=1, keepdims=True)


def _lsv_through_division(Z, G):
    """∂L/∂P = G / P, then the softmax's VJP: right, except where some p is exactly 0 (inf, then NaN)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return _softmax_vjp(Z, G / _softmax_rows(Z))


def _smoothed_grad(Z, y, eps, clip=False):
    C = Z.shape[1]
    return (_softmax_rows(Z, clip) - ((1 - eps) * np.eye(C)[y] + eps / C)) / Z.shape[0]


def _cls_global_max(params, X, y):
    """The shift by the batch's largest logit Z.max() instead of each row's own."""
    B = X.shape[0]
    Z1 = X @ params["W1"] + params["b1"]
    H = np.maximum(Z1, 0.0)
    Z = H @ params["W2"] + params["b2"]
    with np.errstate(all="ignore"):
        S = Z - Z.max()
        E = np.exp(S)
        logP = S - np.log(E.sum(axis=1, keepdims=True))
        D = E / E.sum(axis=1, keepdims=True)
    D[np.arange(B), y] -= 1.0
    D /= B
    D1 = (D @ params["W2"].T) * (Z1 > 0)
    return -float(np.mean(logP[np.arange(B), y])), {"W1": X.T @ D1, "b1": D1.sum(0), "W2": H.T @ D, "b2": D.sum(0)}


_T_HI, _T_LO = 1 - 0.1 + 0.1 / 3, 0.1 / 3
_SMOOTH = (-(_T_HI * math.log(_T_HI) + 2 * _T_LO * math.log(_T_LO)), math.log(_T_HI / _T_LO))


def _folded(W, b, mu, s):
    with np.errstate(divide="ignore", invalid="ignore"):  # s zeroed by a hostile answer: no scale to fold
        return W / s[:, None], b - (mu / s) @ W


def _entries_01_03(Entry, sig):
    NEW_ENTRIES = {
        # ---- 01
        "nb01.check_hand_forward_prediction": Entry(
            lambda: np.array([[-1.0], [5.0]]), "Eq. (1.2)–(1.4)",
            {"no ReLU in the hidden layer": (lambda: np.array([[-4.0], [9.0]]), "ReLU"),
             "ReLU on the output": (lambda: np.array([[0.0], [5.0]]), "identity"),
             "hidden bias left out": (lambda: np.array([[2.0], [8.0]]), "b_1")},
            kind="value"),
        "nb01.check_folded_standardisation": Entry(
            _folded, "Eq. (1.2) on (X − 1μᵀ)/s",
            {"μ not divided by s": (lambda W, b, mu, s: (W / s[:, None], b - mu @ W), "Eq. (1.2) on (X − 1μᵀ)/s"),
             "bias kept": (lambda W, b, mu, s: (W / s[:, None], b.copy()), "Eq. (1.2) on (X − 1μᵀ)/s"),
             "shift added": (lambda W, b, mu, s: (W / s[:, None], b + (mu / s) @ W), "Eq. (1.2) on (X − 1μᵀ)/s")}),
        "nb01.check_merged_linear": Entry(
            lambda W1, b1, W2, b2: (W1 @ W2, b1 @ W2 + b2), "Eq. (1.2) applied twice",
            {"first bias dropped": (lambda W1, b1, W2, b2: (W1 @ W2, b2.copy()), "Eq. (1.2) applied twice"),
             "product reversed": (lambda W1, b1, W2, b2: (W2 @ W1, b1 @ W2 + b2), "Eq. (1.2) applied twice")}),
    }


    _numgrad, _numgrad_forward = t2.numgrad_right, t2.numgrad_forward  # written once, in 02's tests

    def _verify(grad_fn, X, W, Y, lam, lam_term=True):
        def loss(W_):
            return np.sum((X @ W_ - Y) ** 2) + (lam * np.sum(W_**2) if lam_term else 0.0)

        g, n = grad_fn(X, W, Y, lam), _numgrad(loss, W.copy())
        return float(np.linalg.norm(g - n) / max(np.linalg.norm(g) + np.linalg.norm(n), 1e-300))


    NEW_ENTRIES.update({
        # ---- 02
        "nb02.check_rel_error_prediction": Entry(
            (0.5, 1 / 3), "2.6",
            {"divided by ‖b‖ only": ((2.0, 0.5), "2.6"), "swapped": ((1 / 3, 0.5), "wrong order")},
            kind="value"),
        "nb02.check_mixing_layer_grads": Entry(
            lambda M, X, W, D: ((M @ X).T @ D, M.T @ D @ W.T), "Eq. (2.",
            {"no transpose on M": (lambda M, X, W, D: ((M @ X).T @ D, M @ D @ W.T), "Eq. (2.2)"),
             "M ignored": (lambda M, X, W, D: (X.T @ D, D @ W.T), "Eq. (2.7)")}),
        "nb02.check_column_layer_grads": Entry(
            lambda x, V, t: (V.T @ ((np.tanh(V @ x) - t) * (1 - np.tanh(V @ x) ** 2)),
                             np.outer((np.tanh(V @ x) - t) * (1 - np.tanh(V @ x) ** 2), x)), "Eq. (2.",
            {"section 3's table with V for W": (
                lambda x, V, t: (V @ ((np.tanh(V @ x) - t) * (1 - np.tanh(V @ x) ** 2)),
                                 np.outer(x, (np.tanh(V @ x) - t) * (1 - np.tanh(V @ x) ** 2))), "Eq. (2.3)"),
             "tanh' dropped": (lambda x, V, t: (V.T @ (np.tanh(V @ x) - t), np.outer(np.tanh(V @ x) - t, x)),
                               "Eq. (2.3)")}),
        "nb02.check_ridge_minimiser": Entry(
            lambda X, Y, lam: np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ Y), "∂L/∂W = 0",
            {"2λ": (lambda X, Y, lam: np.linalg.solve(X.T @ X + 2 * lam * np.eye(X.shape[1]), X.T @ Y), "∂L/∂W = 0"),
             "pseudo-inverse, no λ": (lambda X, Y, lam: np.linalg.pinv(X) @ Y, "∂L/∂W = 0")}),
        "nb02.check_numerical_grad": Entry(
            _numgrad, "Eq. (2.5)",
            {"one-sided": (_numgrad_forward, "one-sided"),
             "ignores h": (lambda f, x, h=1e-5: _numgrad(f, x, 1e-5), "argument h")},
            edits_ok=False, own_triage=True),  # "edits its inputs" fails: x must be restored ("new array" named)
        "nb02.check_ridge_verification": Entry(
            _verify, None,
            {"loss without λ": (lambda *a: _verify(*a, lam_term=False), "RIGHT"),
             "accepts everything": (lambda *a: 0.0, "WRONG")},
            numeric=False, cheat=False),
    })


    def _stable_sig(z):
        e = np.exp(-np.abs(z))
        return np.where(z >= 0, 1.0, e) / (1.0 + e)


    NEW_ENTRIES.update({
        # ---- 03
        "nb03.check_leaky_kink_prediction": Entry(
            (0.55, 0.685), "straddles the kink",
            {"ReLU's 0.5": ((0.5, 0.685), "ReLU"), "right slope": ((1.0, 1.0), "right alone")},
            kind="value"),
        "nb03.check_silu_derivative": Entry(
            lambda Z: _stable_sig(Z) * (1 + Z * (1 - _stable_sig(Z))), "the SiLU derivative",
            {"product rule half": (lambda Z: Z * _stable_sig(Z) * (1 - _stable_sig(Z)), "the SiLU derivative"),
             "naive σ (overflow)": (lambda Z: (1 / (1 + np.exp(-Z))) * (1 + Z * (1 - 1 / (1 + np.exp(-Z)))), "3.4")}),
        "nb03.check_pos_weight_bce_grad": Entry(
            lambda Z, T, p: ((1 - T) * _stable_sig(Z) - p * T * _stable_sig(-Z)) / Z.size,
            "the pos-weighted BCE gradient",
            {"p on everything": (lambda Z, T, p: p * (sig(Z) - T) / Z.size, "the pos-weighted BCE gradient"),
             "p ignored": (lambda Z, T, p: (sig(Z) - T) / Z.size, "the pos-weighted BCE gradient")}),
        "nb03.check_bce_curvature": Entry(
            lambda Z, T: _stable_sig(Z) * _stable_sig(-Z), "the derivative of Eq. (3.10)",
            {"first derivative": (lambda Z, T: sig(Z) - T, "the derivative of Eq. (3.10)"),
             "1 − σ(z) rounds to 0 at large z": (lambda Z, T: _stable_sig(Z) * (1 - _stable_sig(Z)), "entry by entry"),
             "depends on t": (lambda Z, T: np.where(T > 0.5, sig(Z) * (1 - sig(Z)), sig(Z)), "Eq. (3.10)")}),
    })
    return NEW_ENTRIES


def _entries_04_06(Entry):
    return {
        "nb04.check_dead_units_prediction": Entry(
            (8, 6, 2), None, {"one per unit": ((2, 2, 2), "∇W"), "∇S as n_x": ((8, 4, 2), "∇S")},
            kind="value", numeric=False),
        "nb04.check_tanh_mean_grads": Entry(t4.tanh_mean_right, "Eq. (4.", {
            "ReLU′ kept": (lambda *a: t4.tanh_mean_right(*a, tanh_prime="relu"), "Eq. (4.11) with (4.8)"),
            "sum loss": (lambda *a: t4.tanh_mean_right(*a, scale=lambda X, T: 2.0), "2(Y − T)/B")}),
        "nb04.check_homogeneity": Entry(t4.homogeneity_right, "Euler", {
            "missing 2": (lambda *a: t4.homogeneity_right(*a) / 2, "Euler"),
            "L": (lambda X, W, S, T: 1.0, "Euler"),
            "abs of the value": (lambda *a: abs(t4.homogeneity_right(*a)), "Euler")}),
        "nb05.check_residual_backward": Entry(t5._residual, ("Eq. (5.", "skip path"), {
            "skip path missing": (lambda *a: t5._residual(*a, skip=False), "skip path"),
            "W not transposed": (lambda *a: t5._residual(*a, transpose=False), "transpose"),
            "tanh′ missing": (lambda *a: t5._residual(*a, tanh_prime=False), "(5.1)")}),
        "nb05.check_shared_weight_grad": Entry(t5._shared, "Eq. (5.2)", {
            "last layer's term only": (lambda *a: t5._shared(*a, terms="last"), "term alone"),
            "no tanh′": (lambda *a: t5._shared(*a, tanh_prime=False), "Eq. (5.2)")}),
        "nb05.check_gated_backward": Entry(t5._gated, None, {
            "σ′ as σ": (lambda *a: t5._gated(*a, sigma_prime=False), "gate branch"),
            "sum loss": (lambda p, X, T: t5._gated(p, X, T, scale=2.0), "every array"),
            "halves params['W1']": (t5._gated_halving_W1, "leaves params unchanged"),
            "σ = e^V/(1 + e^V), NaN at V = 800": (t5._gated_naive_bwd, "Eq. (3.4)")},
            call=lambda c, a: c(t5._gated_fwd, a), numeric=False),
        "nb05.check_gated_gradcheck": Entry(t5._gradcheck(), None, {
            "one-sided": (t5._gradcheck(central=False), "one-sided"),
            "ignores forward": (t5._gradcheck(use_forward=False), "mirror"),
            "absolute errors": (t5._gradcheck(error="norm"), "Eq. (2.6)"),
            "x not restored": (t5._gradcheck(restore=False), "put back"),
            "central, h = 1e-2": (t5._gradcheck(h=1e-2), "far too large"),
            "central, h = 0.1": (t5._gradcheck(h=0.1), "far too large"),
            "central, h = 1e-10": (t5._gradcheck(h=1e-10), "far below 1e-5")}, numeric=False),
        # 6.2 and 6.4 ask for a new array with the inputs left unchanged: editing them fails ("new array" named)
        "nb06.check_nesterov": Entry(t6.nesterov, "Nesterov momentum", {
            "plain momentum": (t6.nesterov_plain_momentum, "Nesterov momentum"),
            "φ updated in place": (t6._nesterov_in_place, "new array"),
            "grads emptied by pop(0)": (t6._popping_nesterov, "empties/shortens the list grads")}, edits_ok=False),
        "nb06.check_adamw": Entry(t6.adamw, "AdamW", {
            "L2 inside Adam": (t6.adamw_l2_inside, "AdamW"),
            "θ updated in place": (t6._adamw_in_place, "new array"),
            "grads cleared": (t6._clearing_adamw, "empties/shortens the list grads")}, edits_ok=False),
        "nb06.check_momentum_distance": Entry(t6.momentum_distance_right, "Eq. (6.3)", {
            "terminal size": (lambda g, lr, mu, n: n * lr * g / (1 - mu), "Eq. (6.3)"),
            "plain SGD": (lambda g, lr, mu, n: n * lr * g, "Eq. (6.3)")}, cheat=False),
        "nb06.check_leaky_he_std": Entry(t6.leaky_he_right, "Var(z)", {
            "He": (lambda fi, a: (2 / fi) ** 0.5, "Var(z)"),
            "a not a²": (lambda fi, a: (2 / ((1 + a) * fi)) ** 0.5, "Var(z)")}, cheat=False),
        "nb06.check_decay_numbers": Entry(t6._right_decay(), None, {
            "linearised": ({"adamw": (1e-3, 0.5), "l2_in_adam": (0.1, 0.1)}, "AdamW"),
            "L2 ∝ λ": ({"adamw": t6._right_decay()["adamw"], "l2_in_adam": (1e-3, 0.5)}, "L2 inside Adam")},
            kind="value", numeric=False),
    }


def _entries_10_12(Entry, PASS_, FAIL_, NA):
    return {
        "nb10.check_normalize_vjp": Entry(
            _normalize_vjp, "Eq. (10.1) for y = x / ‖x‖",
            {"norm treated as a constant": (lambda X, G: G / np.linalg.norm(X, axis=1, keepdims=True), "‖x‖"),
             "missing 1/‖x‖": (lambda X, G: _normalize_vjp(X, G) * np.linalg.norm(X, axis=1, keepdims=True),
                               "Eq. (10.1) for y = x / ‖x‖"),
             "row sum without keepdims": (lambda X, G: (G - X / np.linalg.norm(X, axis=1, keepdims=True) * np.sum(
                 G * X / np.linalg.norm(X, axis=1, keepdims=True), axis=1)) / np.linalg.norm(X, axis=1, keepdims=True),
                 "keepdims=True")}, edits_ok=False),  # 10.1: the VJP leaves X and G unchanged
        "nb10.check_scale_shift_vjp": Entry(
            lambda X, g, b, G: (G * g, np.sum(G * X, axis=0), np.sum(G, axis=0)), "Eq. (10.",
            {"grad_gamma not summed": (lambda X, g, b, G: (G * g, G * X, G.sum(0)), "sum over the B rows"),
             "grad_X without γ": (lambda X, g, b, G: (G, np.sum(G * X, 0), G.sum(0)), "Eq. (10.2) with f' = γ")}),
        "nb10.check_graph_size_prediction": Entry(
            431, None, {"the printed 2-3-1 count": (124, "2-3-1"), "off by one": (432, "number of nodes")},
            kind="value", numeric=False),
        "nb11.check_half_mean_fix_prediction": Entry(
            (6.0, 5.0), None, {"Eq. (11.5)'s n_out/2, against mean": ((3.0, 2.0), "factor k"),
                               "the fix believed to work": ((1.0, 0.0), "not 1"), "e = k": ((6.0, 6.0), "error e")},
            kind="value", numeric=False),
        "nb11.check_bce_excerpt_grads": Entry(
            _bce, "Eq. (3.10)",
            {"the excerpt as printed": (lambda *a: _bce(*a, printed=True), "Eq. 3.10"),
             "missing 1/B": (lambda *a: _bce(*a, factor=len(a[0])), "Eq. (3.10)")}),
        "nb11.check_expected_floor": Entry(
            _floor, "E[½(t − clip(t, lo, hi))²]",
            {"without the ½": (lambda lo, hi: 2 * _floor(lo, hi), "E[½(t − clip(t, lo, hi))²]"),
             "upper tail only": (lambda lo, hi: _floor(-40.0, hi), "E[½(t − clip(t, lo, hi))²]"),
             "1 − Φ(hi) with math.erf": (lambda lo, hi: _floor(lo, hi, erf=True), "math.erfc")},
            cheat=False),
        # 12.1 and 12.2 replace the entries of test_checkers.py: logits clipped to ±700 fail (fixed rows beyond
        # ±700), and 12.1's VJP must leave Z and G unchanged
        "nb12.check_softmax_vjp": Entry(
            _softmax_vjp, "Eq. (12.3) applied row by row",
            {"diagonal of J only": (lambda Z, G: G * _softmax_rows(Z) * (1 - _softmax_rows(Z)), "Eq. (12.3)"),
             "missing the p pᵀ term": (lambda Z, G: G * _softmax_rows(Z), "Eq. (12.3)"),
             "logits clipped to ±700": (lambda Z, G: _softmax_vjp(Z, G, clip=True), "clipping")}, edits_ok=False),
        # 12.1 since the softmax's own VJP moved to notebook 14 (Eq. 14.6): the log-softmax's, for any G
        "nb12.check_log_softmax_vjp": Entry(
            _log_softmax_vjp, "the log-softmax's Jacobian",
            {"(12.7) copied, G = −T/B": (lambda Z, G: _softmax_rows(Z) / Z.shape[0] + G, "(12.7)"),
             "the row sum of G forgotten": (lambda Z, G: G - _softmax_rows(Z), "Σ_k g_k"),
             "softmax(Z) ⊙ G": (lambda Z, G: _softmax_rows(Z) * G, "softmax(Z) ⊙ G"),
             "the softmax's VJP": (lambda Z, G: _softmax_rows(Z) * (G - np.sum(G * _softmax_rows(Z), axis=1,
                                                                              keepdims=True)), "∂L/∂P"),
             "J g for gᵀ J": (lambda Z, G: G - np.sum(G * _softmax_rows(Z), axis=1, keepdims=True), "J g"),
             "row sums without keepdims": (lambda Z, G: G - _softmax_rows(Z) * np.sum(G, axis=1), "keepdims=True"),
             "through G / P": (_lsv_through_division, "dividing by P"),
             "logits clipped to ±700": (lambda Z, G: _log_softmax_vjp(Z, G, clip=True), "clipping")}, edits_ok=False),
        "nb12.check_label_smoothing_grad": Entry(
            _smoothed_grad, "Eq. (12.7) with smoothed targets",
            {"no smoothing": (lambda Z, y, eps: _smoothed_grad(Z, y, 0.0), "Eq. (12.7) with smoothed targets"),
             "logits clipped to ±700": (lambda Z, y, eps: _smoothed_grad(Z, y, eps, clip=True), "clipping")}),
        "nb12.check_smoothing_floor_prediction": Entry(
            _SMOOTH, None, {"the loss can reach 0": ((0.0, _SMOOTH[1]), "not 0"),
                            "gap log((1 − ε)/ε)": ((_SMOOTH[0], math.log(9)), "logit gap")},
            kind="value", numeric=False),
        "nb12.check_classifier_loss_grad": Entry(
            _cls_loss_grad, None,
            {"missing 1/B": (lambda p, X, y: (_cls_loss_grad(p, X, y)[0], _cls_loss_grad(p, X, y, X.shape[0])[1]),
                             "Eq. (12.7)"),
             "missing relu'": (lambda p, X, y: _cls_loss_grad(p, X, y, relu_grad=False), "relu'"),
             "a step inside (params['W1'] -= …)": (_cls_steps_inside, "new array"),
             "shift by the global max Z.max()": (_cls_global_max, "each row's own maximum")},
            numeric=False, cheat=False, own_triage=True, edits_ok=False),
        "nb12.check_trained_classifier": Entry(
            _train_cls, None,
            {"untrained": (lambda X, y, s: _train_cls(X, y, s, steps=0), "below the target"),
             "a list": (lambda X, y, s: list(_train_cls(X, y, s, steps=0).values()), "params dict"),
             "ignores the seed": (lambda X, y, s: _train_cls(X, y, 0), "ignores seed")},
            kind="slow function", numeric=False),
    }


def _one_pass_depth(names, edges):
    """Learner G's slip: depths from one pass over the connections in the order given (right only when they are
    listed in topological order)."""
    d = {n: 0 for n in names}
    for u, v in edges:
        d[v] = max(d[v], d[u] + 1)
    return sorted(names, key=d.get)


def _kahn(names, edges):
    """A topological order (Kahn's algorithm), written here independently of course_lib."""
    order, placed = [], set()
    while len(order) < len(names):
        ready = next(n for n in names if n not in placed and all(u in placed for u, v in edges if v == n))
        order.append(ready)
        placed.add(ready)
    return order


def _entries_07_09(Entry, PASS_, FAIL_, NA):
    return {
        "nb07.check_sum_loss_lr": Entry(
            t7.sum_loss_lr, ("η ∇L_sum = η_mean ∇MSE", "×"),
            {"Eq. (7.2) copied (no B)": (t7.sum_lr_eq_7_2, "1/B ×"), "½ not cancelled": (t7.sum_lr_no_half, "2 ×"),
             "inverted": (t7.sum_lr_inverted, "inverse")}, cheat=False),
        "nb07.check_bias_scaling": Entry(
            t7.bias_factors, ("Z_l = A_{l−1} W_l + 1 b_lᵀ", "b_"),
            {"own layer's c only": (t7.bias_own_layer, "b_2"), "product below only": (t7.bias_product_below, "b_1"),
             "unscaled": (t7.bias_unscaled, "b_1"), "the right β written into c": (t7.bias_in_place, "new array")},
            cheat=False, edits_ok=False),
        # 7.5 and 7.2 replace the entries of test_checkers.py: their failures no longer state the formula
        "nb07.check_relu_kinks": Entry(
            t7.kinks, "kink positions",
            {"sign": (t7.kinks_sign, "mirrored"),
             "w = 0, b = 0 as a kink at 0 (nan_to_num)": (t7.kinks_nan_to_zero, "never bends"),
             "|w| < 1e-3 dropped": (t7.kinks_drop_small_w, "small but nonzero w"),
             "outside [lo, hi] kept": (t7.kinks_unfiltered, "kink positions"),
             "ends left out": (t7.kinks_strict, "includes its ends"), "unsorted": (t7.kinks_unsorted, "not sorted"),
             "duplicates dropped (np.unique)": (t7.kinks_unique, "one entry per unit")}),
        "nb07.check_train_noise_floor": Entry(
            t7.train_noise_floor, "the expected training MSE",
            {"σ² regardless of p": (t7.floor_ignores_parameters, "σ², Eq. (7.3)"),
             "σ² p / n": (lambda s, n, p: s**2 * p / n, "σ²·p/n"),
             "σ not squared": (t7.floor_sigma_not_squared, "like σ, not σ²")}, cheat=False),
        "nb07.check_fresh_noise_prediction": Entry(
            1 + 8 / 30, None, {"the training MSE": (22 / 30, "training MSE"), "σ² alone": (1.0, "Eq. 7.3")},
            kind="value", numeric=False),
        "nb07.check_train_gated": Entry(
            t7.sol.train_gated, None,
            {"untrained": (t7._train_untrained, "below 0.05"), "W3 transposed": (t7._train_returns_W3_transposed,
                                                                                  "transpose"),
             "X rescaled in place": (t7._train_rescales_X_in_place, "changed its input X")},
            call=lambda c, a: c(t7.sol.gated_forward, t7.sol.gated_backward, a), kind="slow function",
            numeric=False),
        "nb08.check_critical_lr": Entry(
            t8.critical_lr, ("edge of stability", "×", "eigenvalue"),
            {"no 1/B": (t8.critical_no_mean, "1/B ×"), "no 2": (t8.critical_no_two, "2 ×"),
             "smallest eigenvalue": (t8.critical_smallest, "smallest eigenvalue"),
             "doubles X after": (t8.critical_right_then_doubles_X, "leave X unchanged"),
             "np.linalg.eig's first eigenvalue": (lambda X: len(X) / np.linalg.eig(X.T @ X)[0][0].real, "eigenvalue")},
            edits_ok=False),
        "nb08.check_relu_kinks": Entry(
            lambda W1, b1, lo, hi: int(sum(lo < -b / w < hi for w, b in zip(W1.reshape(-1), b1) if w != 0)),
            "strictly inside (lo, hi)",
            {"sign of the kink": (lambda W1, b1, lo, hi: int(sum(lo < b / w < hi for w, b in zip(W1.reshape(-1), b1)
                                                                 if w != 0)), "strictly inside (lo, hi)"),
             "every unit": (lambda W1, b1, lo, hi: W1.size, "outside (lo, hi)"),
             "ends counted": (t8.count_with_ends, "exactly on lo or hi"),
             "w = 0, b = 0 as a kink at 0 (nan_to_num)": (t8.count_nan_to_zero, "never bends"),
             "|w| < 1e-3 dropped": (t8.count_drop_small_w, "small but nonzero")}, cheat=False),
        "nb08.check_lr_scaling_prediction": Entry(
            1 / 9, None, {"scale counted once": (1 / 3, "twice, not once"), "inverted": (9.0, "inverse")},
            kind="value", numeric=False),
        "nb09.check_topological_order": Entry(
            _kahn, None,
            {"as given": (lambda names, edges: list(names), "comes before its parent"),
             "reversed": (lambda names, edges: _kahn(names, edges)[::-1], "comes before its parent"),
             "one pass over the edges as listed": (_one_pass_depth, "comes before its parent")},
            numeric=False, cheat=False,
            odd={"an int": (lambda n, e: 5, FAIL_), "mixed types": (lambda n, e: [1] + n[1:], FAIL_),
                 "a generator": (lambda n, e: (x for x in _kahn(n, e)), PASS_)}),
        "nb09.check_roads_prediction": Entry(
            17.5, None, {"skip forgotten": (21.0, "skip connection"), "inactive road counted": (-52.5, "active")},
            kind="value", numeric=False),
    }


def _entries_13(Entry):
    return {
        "nb13.check_null_directions_prediction": Entry(
            2, None, {"only the shift": (1, "one direction"), "none": (0, "invertible"), "the rank": (4, "rank")},
            kind="value", numeric=False),
        "nb13.check_rmsnorm_backward": Entry(
            t13.rms_right, ("Eq. (13.", "G = dY diag(γ)"),
            {"LayerNorm's (13.12), mean subtracted": (t13.rms_as_layernorm, "∂L/∂X"),
             "r treated as a constant": (t13.rms_r_constant, "∂L/∂X"),
             "∇γ not summed over the batch": (t13.rms_gamma_per_sample, "∇γ"),
             "ε outside the root": (t13.rms_eps_outside, "∂L/∂X")}),
        "nb13.check_bn3d_backward": Entry(
            t13.bn3_right, ("Eq. (13.", "G = dY γ"),
            {"statistics over N only": (t13.bn3_batch_axis_only, "summed over axes 0 and 2"),
             "μ and σ² treated as constants": (t13.bn3_no_mean_terms, "∂L/∂X"),
             "reshape(-1, C) without the transpose": (t13.bn3_reshape_without_transpose, "Eq. (13.")}),
    }


def _entries_14(Entry):
    return {
        "nb14.check_causal_value_grad_prediction": Entry(
            25 / 12, None, {"without the mask": (1.0, "without the mask"), "one entry of P": (0.25, "one entry of P"),
                            "rows counted": (4.0, "counts the rows")},
            kind="value", numeric=False),
        "nb14.check_cross_attention_backward": Entry(
            t14.cross_right, "Eq. (14.",
            {"missing 1/√d_k": (t14.cross_no_sqrt, "Eq. (14.6)–(14.8) for W_q"),
             "diagonal of (12.3) only": (t14.cross_diagonal_softmax, "Eq. (14.6)"),
             "M through V only": (t14.cross_m_values_only, "through K and V"),
             "unshifted exp": (t14.cross_unshifted, "subtract each row's maximum")}),
        "nb14.check_pool_backward": Entry(
            t14.pool_right, "Eq. (14.",
            {"missing 1/√d_k": (lambda *a: t14._pool(*a, scale=False), "for one query vector"),
             "diagonal of (12.3) only": (lambda *a: t14._pool(*a, jacobian=False), "Eq. (14.6)"),
             "X through V only": (lambda *a: t14._pool(*a, x_paths=1), "Eq. (14.9)")}),
    }


def entries(Entry, sig, PASS_, FAIL_, NA):
    """Every ladder checker's entry, keyed "nbNN.check_name"."""
    found = _entries_01_03(Entry, sig)
    found.update(_entries_04_06(Entry))
    found.update(_entries_07_09(Entry, PASS_, FAIL_, NA))
    found.update(_entries_10_12(Entry, PASS_, FAIL_, NA))
    found.update(_entries_13(Entry))
    found.update(_entries_14(Entry))
    return found
