"""The transfer-exercise checkers of notebook 05: the right answer passes, None is "not attempted", and the
typical wrong answers fail.

Each reference is checked independently: ∂L/∂X against finite differences of the loss; the measured rank
against min(B, n_in, n_out), the rank of a sum of B generic outer products. That formula is only the generic rank
(an upper bound, reached with probability 1 for random inputs and weights through tanh): the tests check that every
size the checker can draw is generic, and that dead ReLU units and repeated samples give a lower rank.
"""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.exercises import FAIL, NOT_ATTEMPTED, nb05
from course_lib.gradcheck import numerical_grad, rel_error
from course_lib.network import MLP


def _forward(Ws, bs, X):
    As = [X]
    for l, (W, b) in enumerate(zip(Ws, bs, strict=True)):
        Z = As[-1] @ W + b
        As.append(Z if l == len(Ws) - 1 else np.tanh(Z))
    return As


def saliency_right(Ws, bs, X, T):
    As = _forward(Ws, bs, X)
    G = As[-1] - T
    for l in range(len(Ws) - 1, -1, -1):
        Delta = G if l == len(Ws) - 1 else G * (1 - As[l + 1] ** 2)
        G = Delta @ Ws[l].T
    return G


def _saliency_variant(tanh_prime_at_input=False, no_tanh_prime=False, no_transpose=False, stop_at_delta1=False,
                      factor=1.0):
    def fn(Ws, bs, X, T):
        As = _forward(Ws, bs, X)
        G = factor * (As[-1] - T)
        for l in range(len(Ws) - 1, -1, -1):
            if l == len(Ws) - 1 or no_tanh_prime:
                Delta = G
            else:
                Delta = G * (1 - As[l + 1] ** 2)
            if l == 0 and stop_at_delta1:
                return Delta
            G = Delta @ (Ws[l] if no_transpose else Ws[l].T)
        return G * (1 - np.tanh(X) ** 2) if tanh_prime_at_input else G

    return fn


def test_saliency_reference_matches_finite_differences():
    for Ws, bs, X, T in nb05._saliency_cases():
        X = X.copy()

        def loss(Ws=Ws, bs=bs, X=X, T=T):
            return 0.5 * np.sum((_forward(Ws, bs, X)[-1] - T) ** 2)

        assert rel_error(numerical_grad(loss, X), nb05._saliency_reference(Ws, bs, X, T)) < 1e-8


def test_saliency_right_answer_passes_and_none_is_not_attempted():
    assert nb05.check_input_gradient(saliency_right).passed
    assert nb05.check_input_gradient(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize(
    "wrong",
    [
        _saliency_variant(tanh_prime_at_input=True),  # an f' at the input, which is no activation
        _saliency_variant(no_tanh_prime=True),  # the activation's factor forgotten
        _saliency_variant(no_transpose=True),  # W instead of Wᵀ (runs on the square network)
        _saliency_variant(stop_at_delta1=True),  # Δ_1 instead of ∂L/∂X
        _saliency_variant(factor=2.0),  # ∂/∂Ŷ of ½Σ(Ŷ − T)² taken as 2(Ŷ − T)
        _saliency_variant(factor=-1.0),  # sign of the residual
    ],
)
def test_saliency_wrong_answers_fail(wrong):
    assert nb05.check_input_gradient(wrong).status == FAIL


def test_measured_rank_is_the_rank_of_a_sum_of_B_outer_products():
    for B, n_in, n_out in nb05._RANK_SIZES:
        assert nb05._measured_rank(B, n_in, n_out) == min(B, n_in, n_out)


def test_every_size_the_rank_checker_can_draw_has_the_generic_rank():
    """The checker draws B, n_in, n_out distinct from 1 to 9 at call time: each such case reaches the bound."""
    for B in range(1, 10):
        for n_in in range(1, 10):
            for n_out in range(1, 10):
                if len({B, n_in, n_out}) == 3:
                    assert nb05._measured_rank(B, n_in, n_out) == min(B, n_in, n_out), (B, n_in, n_out)


def test_rank_formula_is_only_generic_dead_units_and_repeated_samples_lower_it():
    """Exercise 5.4's answer is an upper bound: what notebook 05 shows after the exercise, measured here too."""
    rng = np.random.default_rng(9)
    relu_net = MLP([3, 6, 4], activation="relu", seed=1)
    relu_net.linears[0].b[:3] = -100.0  # three of six hidden units dead on every sample
    relu_net.backward(rng.standard_normal(relu_net.forward(rng.standard_normal((8, 3))).shape))
    assert np.linalg.matrix_rank(relu_net.linears[1].dW) == 3 < min(8, 6, 4)
    tanh_net = MLP([3, 6, 4], activation="tanh", seed=1)
    X_rep = np.repeat(rng.standard_normal((2, 3)), 4, axis=0)  # 8 rows, 2 distinct samples
    tanh_net.backward(rng.standard_normal(tanh_net.forward(X_rep).shape))
    assert np.linalg.matrix_rank(tanh_net.linears[1].dW) == 2 < min(8, 6, 4)


def test_rank_prediction_verdicts():
    assert nb05.check_rank_prediction(lambda B, n_in, n_out: min(B, n_in, n_out)).passed
    assert nb05.check_rank_prediction(None).status == NOT_ATTEMPTED
    for wrong in (
        lambda B, n_in, n_out: min(n_in, n_out),  # the batch size forgotten
        lambda B, n_in, n_out: B,  # the widths forgotten
        lambda B, n_in, n_out: 1,  # "an outer product has rank 1", for any batch
        lambda B, n_in, n_out: n_in * n_out,  # the number of entries
    ):
        assert nb05.check_rank_prediction(wrong).status == FAIL


# ---- the ladder: 5.1 residual block, 5.2 shared weight, 5.5 gated network, 5.6 own gradient check ----
# Every reference is checked independently (central differences, and autograd for the gated network); then the
# right answer passes, the untouched template reads "not attempted", and plausible wrong answers fail.

from exercise_support import standard_checker_tests  # noqa: E402


def _residual(X, W, b, G, skip=True, layer=True, transpose=True, tanh_prime=True, db_mean=False):
    Delta = G * (1.0 - np.tanh(X @ W + b) ** 2) if tanh_prime else G
    dX = (G if skip else 0.0) + ((Delta @ (W.T if transpose else W)) if layer else 0.0)
    return X.T @ Delta, (Delta.mean(axis=0) if db_mean else Delta.sum(axis=0)), dX


def test_residual_reference_matches_finite_differences():
    rng = np.random.default_rng(0)
    for X, W, b, G in nb05._residual_cases(rng, [(5, 3), (1, 4), (4, 4)]):
        def loss(X=X, W=W, b=b, G=G):  # L = Σ G ⊙ Y, so ∂L/∂Y = G
            return float(np.sum(G * (X + np.tanh(X @ W + b))))

        dW, db, dX = nb05._residual_reference(X, W, b, G)
        for value, grad in ((W, dW), (b, db), (X, dX)):
            assert rel_error(numerical_grad(loss, value), grad) < 1e-8


def _shared(W, bs, X, T, terms="all", tanh_prime=True, transpose=True, factor=1.0):
    As = [X]
    for b in bs:
        As.append(np.tanh(As[-1] @ W + b))
    G, grads = factor * (As[-1] - T), []
    for l in range(len(bs), 0, -1):
        Delta = G * (1.0 - As[l] ** 2) if tanh_prime else G
        grads.append(As[l - 1].T @ Delta)
        G = Delta @ (W.T if transpose else W)
    if terms == "last":
        return grads[0]
    if terms == "first":
        return grads[-1]
    if terms == "mean":
        return sum(grads) / len(grads)
    return sum(grads)


def test_shared_weight_reference_matches_finite_differences():
    for W, bs, X, T in nb05._shared_cases(np.random.default_rng(1), [(4, 3, 3), (2, 2, 1), (3, 5, 4)]):
        def loss(W=W, bs=bs, X=X, T=T):
            return 0.5 * float(np.sum((nb05._shared_forward(W, bs, X)[-1] - T) ** 2))

        assert rel_error(numerical_grad(loss, W), nb05._shared_reference(W, bs, X, T)) < 1e-8


def _gated(params, X, T, gate_factor=True, sigma_prime=True, scale=None, transpose_W3=False, keepdims_b3=False):
    p = params
    P, S = np.tanh(X @ p["W1"] + p["b1"]), 1.0 / (1.0 + np.exp(-(X @ p["W2"] + p["b2"])))
    H = P * S
    G_Y = (2.0 / T.size if scale is None else scale) * (H @ p["W3"] + p["b3"] - T)
    G_H = G_Y @ p["W3"].T
    D1 = G_H * S * (1 - P**2) if gate_factor else G_H * (1 - P**2)
    D2 = G_H * P * S * (1 - S) if sigma_prime else G_H * P * S
    return {"W1": X.T @ D1, "b1": D1.sum(axis=0), "W2": X.T @ D2, "b2": D2.sum(axis=0),
            "W3": (G_Y.T @ H) if transpose_W3 else H.T @ G_Y, "b3": G_Y.sum(axis=0, keepdims=keepdims_b3)}


def _gated_fwd(params, X, act=np.tanh):
    p = params
    return (act(X @ p["W1"] + p["b1"]) / (1.0 + np.exp(-(X @ p["W2"] + p["b2"])))) @ p["W3"] + p["b3"]


def test_gated_reference_matches_autograd_and_finite_differences():
    import autograd
    import autograd.numpy as anp

    def ag_loss(params, X, T):
        H = anp.tanh(X @ params["W1"] + params["b1"]) / (1.0 + anp.exp(-(X @ params["W2"] + params["b2"])))
        return anp.mean((H @ params["W3"] + params["b3"] - T) ** 2)

    for params, X, T in nb05._gated_cases(np.random.default_rng(2), nb05._GATED_SIZES + [(3, 5, 2, 6)]):
        ours = nb05._gated_reference(params, X, T)
        theirs = autograd.grad(ag_loss)(params, X, T)
        for k in nb05.GATED_KEYS:
            assert rel_error(ours[k], theirs[k]) < 1e-12, k

            def loss(params=params, X=X, T=T):
                return float(np.mean((nb05._gated_forward_reference(params, X) - T) ** 2))

            assert rel_error(numerical_grad(loss, params[k]), ours[k]) < 1e-7, k
        # the forward reference is course_lib's MSELoss of Eq. (5.8)
        from course_lib.losses import MSELoss

        assert abs(MSELoss()(nb05._gated_forward_reference(params, X), T) - ag_loss(params, X, T)) < 1e-14


def _gradcheck(central=True, h=1e-5, use_forward=True, restore=True, loss="mean", divide=None, on_copy=False,
               error="relative"):
    """A learner's gated_gradcheck, right (defaults) or with one plausible bug."""
    def numerical(f, x):
        grad = np.zeros(x.shape)
        target = x.copy() if on_copy else x
        flat = target.reshape(-1)
        for i in range(flat.size):
            old = flat[i]
            flat[i] = old + h
            fp = f()
            flat[i] = old - h if central else old
            fm = f()
            if restore:
                flat[i] = old
            else:
                flat[i] = old + h  # left at x + h: the next entries are measured at a moved point
            grad.reshape(-1)[i] = (fp - fm) / (divide or (2 * h if central else h))
        return grad

    def gated_gradcheck(forward, backward, params, X, T):
        fwd = forward if use_forward else nb05._gated_forward_reference
        reduce = np.mean if loss == "mean" else np.sum
        analytic = backward(params, X, T)
        compare = {"relative": rel_error, "norm": lambda a, n: float(np.linalg.norm(a - n)),
                   "max": lambda a, n: float(np.max(np.abs(a - n)))}[error]
        return {k: compare(analytic[k], numerical(lambda: reduce((fwd(params, X) - T) ** 2), v))
                for k, v in params.items()}

    return gated_gradcheck


def _hard_coded(check_cases, reference, wrong):
    """An answer that returns the reference on the checker's fixed cases (recognised by their first array) and
    a wrong answer otherwise: the case drawn at call time must reject it."""
    known = {a[0].tobytes() if isinstance(a[0], np.ndarray) else a[0]["W1"].tobytes() for a in check_cases}

    def fn(*args):
        key = args[0].tobytes() if isinstance(args[0], np.ndarray) else args[0]["W1"].tobytes()
        return reference(*args) if key in known else wrong(*args)

    return fn


CASES = {
    "residual_backward": (nb05.check_residual_backward, _residual, [
        lambda *a: _residual(*a, skip=False),  # the skip path forgotten: dX = ΔWᵀ only
        lambda *a: _residual(*a, layer=False),  # only the skip path: dX = G
        lambda *a: _residual(*a, transpose=False),  # W instead of Wᵀ in (5.4) (runs: W is square)
        lambda *a: _residual(*a, tanh_prime=False),  # Δ = G: tanh′ forgotten in (5.1)
        lambda *a: _residual(*a, db_mean=True),  # db as a mean over the batch, not the sum (5.3)
        _hard_coded(nb05._residual_cases(np.random.default_rng(56), [(5, 3), (4, 4), (1, 5), (6, 2)]),
                    _residual, lambda *a: _residual(*a, skip=False)),  # right only on the fixed cases
    ]),
    "shared_weight_grad": (nb05.check_shared_weight_grad, _shared, [
        lambda *a: _shared(*a, terms="last"),  # only the top layer's use of W
        lambda *a: _shared(*a, terms="first"),  # only the bottom layer's use of W
        lambda *a: _shared(*a, terms="mean"),  # the mean of the uses instead of their sum
        lambda *a: _shared(*a, tanh_prime=False),  # tanh′ forgotten in (5.1)
        lambda *a: _shared(*a, transpose=False),  # W instead of Wᵀ in the recursion (runs: W is square)
        lambda *a: _shared(*a, factor=2.0),  # ∂(½Σ(Ŷ − T)²)/∂Ŷ taken as 2(Ŷ − T)
    ]),
}
(test_reference_answer_passes, test_none_reads_not_attempted, test_template_reads_not_attempted,
 test_typical_wrong_answers_fail) = standard_checker_tests(CASES)


def test_residual_diagnoses_the_path():
    msg = nb05.check_residual_backward(lambda *a: _residual(*a, skip=False)).message
    assert "skip path" in msg and "Eq. 2.2" in msg
    assert "transpose" in nb05.check_residual_backward(lambda *a: _residual(*a, transpose=False)).message
    assert "(5.1)" in nb05.check_residual_backward(lambda *a: _residual(*a, tanh_prime=False)).message


def test_shared_weight_names_the_single_term():
    assert "term alone" in nb05.check_shared_weight_grad(lambda *a: _shared(*a, terms="last")).message


def test_gated_backward_verdicts():
    assert nb05.check_gated_backward(_gated_fwd, _gated).passed
    assert nb05.check_gated_backward(None, None).status == NOT_ATTEMPTED

    def template(*args):
        raise NotImplementedError()

    assert nb05.check_gated_backward(template, template).status == NOT_ATTEMPTED
    assert nb05.check_gated_backward(_gated_fwd, template).status == NOT_ATTEMPTED
    wrong_backward = {
        "the gate's factor σ(V) missing from the tanh branch": (lambda *a: _gated(*a, gate_factor=False), "∇b1"),
        "σ′ taken as σ in the gate branch": (lambda *a: _gated(*a, sigma_prime=False), "∇b2"),
        "the sum loss: 1/(B·n_out) forgotten": (lambda p, X, T: _gated(p, X, T, scale=2.0), "every array"),
        "the mean over B only: 1/n_out forgotten": (lambda p, X, T: _gated(p, X, T, scale=2.0 / len(X)), "∂L/∂Ŷ"),
        "no 2 from the square": (lambda p, X, T: _gated(p, X, T, scale=1.0 / T.size), "1/2 ×"),
        "∇W3 as G_Ŷᵀ H (transposed)": (lambda *a: _gated(*a, transpose_W3=True), "∇W3"),
        "∇b3 with keepdims: (1, n_out) instead of (n_out,)": (lambda *a: _gated(*a, keepdims_b3=True), "∇b3"),
        "a tuple instead of a dict": (lambda *a: tuple(_gated(*a).values()), "dict"),
        "a key named dW1": (lambda *a: {("d" + k if k == "W1" else k): v for k, v in _gated(*a).items()}, "'W1'"),
        "right only on the checker's fixed networks": (
            _hard_coded(nb05._gated_cases(np.random.default_rng(58), nb05._GATED_SIZES), _gated,
                        lambda *a: _gated(*a, gate_factor=False)), "∇b1"),
    }
    for what, (wrong, named) in wrong_backward.items():
        res = nb05.check_gated_backward(_gated_fwd, wrong)
        assert res.status == FAIL and named in res.message, (what, str(res))
    wrong_forward = {
        "ReLU instead of tanh": lambda p, X: _gated_fwd(p, X, act=lambda z: np.maximum(z, 0)),
        "no output bias": lambda p, X: _gated_fwd(p, X) - p["b3"],
        "the gate added instead of multiplied": lambda p, X: (np.tanh(X @ p["W1"] + p["b1"]) + 1 / (
            1 + np.exp(-(X @ p["W2"] + p["b2"])))) @ p["W3"] + p["b3"],
    }
    for what, wrong in wrong_forward.items():
        res = nb05.check_gated_backward(wrong, _gated)
        assert res.status == FAIL and "gated_forward" in res.message and "(5.8)" in res.message, (what, str(res))


def test_gated_gradcheck_verdicts():
    right = _gradcheck()
    assert nb05.check_gated_gradcheck(right).passed
    assert nb05.check_gated_gradcheck(right, _gated_fwd, _gated).passed
    assert nb05.check_gated_gradcheck(None).status == NOT_ATTEMPTED

    def template(*args):
        raise NotImplementedError()

    assert nb05.check_gated_gradcheck(template, template, template).status == NOT_ATTEMPTED
    assert nb05.check_gated_gradcheck(right, _gated_fwd, template).status == NOT_ATTEMPTED
    # the learner's own backward pass is wrong: their (right) check must say so, naming the parameters
    res = nb05.check_gated_gradcheck(right, _gated_fwd, lambda *a: _gated(*a, sigma_prime=False))
    assert res.status == FAIL and "W2, b2" in res.message, str(res)
    wrong_checks = {
        "one-sided differences, error O(h)": (_gradcheck(central=False), "one-sided"),
        "ignores the forward it is handed (its own network)": (_gradcheck(use_forward=False), "mirror"),
        "entries not restored after the step": (_gradcheck(restore=False), "no longer holds the values"),
        "sum of squares instead of the mean": (_gradcheck(loss="sum"), "sum of the squares"),
        "divides by h in a central difference": (_gradcheck(divide=1e-5), "2 ×"),
        "perturbs a copy that forward never reads": (_gradcheck(on_copy=True), "COPY"),
        # the statement asks for {key: relative error (Eq. 2.6)}: an absolute error flags the planted bugs
        # (> 1e-3) and passes the right gradients (< 1e-7), so only comparing the number itself rejects it
        "absolute error ‖a − b‖": (_gradcheck(error="norm"), "absolute error ‖a − b‖"),
        "largest absolute difference": (_gradcheck(error="max"), "max |a − b|"),
        "returns arrays, not one number per parameter": (
            lambda f, b, p, X, T: {k: np.abs(v) for k, v in b(p, X, T).items()}, "a relative error"),
        "says every gradient is right": (lambda f, b, p, X, T: {k: 0.0 for k in p}, "missed a planted bug"),
    }
    for what, (wrong, named) in wrong_checks.items():
        res = nb05.check_gated_gradcheck(wrong)
        assert res.status == FAIL and named in res.message, (what, str(res))


def test_absolute_errors_are_not_the_relative_errors_of_the_planted_bugs():
    # why the absolute-error answers must fail: on the checker's seeded network, for every planted bug, the number
    # they return for a wrong gradient is more than 5 % away from Eq. (2.6)'s relative error (computed here from
    # the right and the planted gradients, which the checker knows), while both are above 1e-3
    params, X, T = nb05._well_conditioned(np.random.default_rng(59), lambda rng: (4, 3, 5, 2))
    right = nb05._variant_backward(True)(params, X, T)
    for _, bug, keys in nb05._planted_backwards()[1:]:
        wrong = nb05._variant_backward(True, bug)(params, X, T)
        for k in keys:
            rel = rel_error(wrong[k], right[k])
            for absolute in (np.linalg.norm(wrong[k] - right[k]), np.max(np.abs(wrong[k] - right[k]))):
                if abs(absolute - rel) > 0.05 * rel:
                    break
            else:
                continue
            return  # at least one (bug, key) separates them: the checker's comparison can reject both
    raise AssertionError("no planted bug separates an absolute error from the relative one")


def test_gated_gradcheck_right_check_reports_the_relative_errors_within_half_a_percent():
    # the 5 % tolerance on the reported errors leaves a wide margin for a right check: its numbers match Eq. (2.6)
    params, X, T = nb05._well_conditioned(np.random.default_rng(59), lambda rng: (4, 3, 5, 2))
    right = nb05._variant_backward(True)(params, X, T)
    for _, bug, keys in nb05._planted_backwards()[1:]:
        report = _gradcheck()(nb05._variant_forward(True), nb05._variant_backward(True, bug), params, X, T)
        for k in keys:
            rel = rel_error(nb05._variant_backward(True, bug)(params, X, T)[k], right[k])
            assert abs(report[k] - rel) < 0.005 * rel, (bug, k, report[k], rel)


def test_central_differences_stay_far_below_the_threshold_on_random_networks():
    # the margin behind "right gradients below 1e-7": central differences of the reference, 200 networks of
    # random sizes (the checker draws one at call time), both the gated network and its mirror
    rng = np.random.default_rng(3)
    worst = 0.0
    right = _gradcheck()
    for i in range(300):
        params, X, T = nb05._well_conditioned(
            rng, lambda r: (int(r.integers(2, 7)), *(int(v) for v in r.integers(1, 7, 3))))
        swapped = bool(i % 2)
        report = right(nb05._variant_forward(swapped), nb05._variant_backward(swapped), params, X, T)
        worst = max(worst, max(report.values()))
    assert worst < 2e-8, worst  # 5× below the checker's 1e-7


def test_gated_gradcheck_on_a_learner_pair_that_is_not_a_function_fails():
    for odd in (42, "gated_forward", [1, 2]):
        assert nb05.check_gated_gradcheck(_gradcheck(), odd, _gated).status == FAIL
        assert nb05.check_gated_gradcheck(_gradcheck(), _gated_fwd, odd).status == FAIL


# --- learner F's trial: a backward pass that changes params, and a gradient check with a bad step -----------------


def _gated_halving_W1(p, X, T):  # right gradients, then params["W1"] halved in place
    g = _gated(p, X, T)
    p["W1"] *= 0.5
    return g


def test_gated_backward_that_changes_params_fails():
    """5.5 says backward leaves params unchanged (5.6 checks gradients at the params it was given): halving W1 in
    place passed before."""
    def steps_after(p, X, T):  # a training step inside backward
        g = _gated(p, X, T)
        for k in p:
            p[k] -= 0.1 * g[k]
        return g

    for wrong in (_gated_halving_W1, steps_after):
        for _ in range(20):
            res = nb05.check_gated_backward(_gated_fwd, wrong)
            assert res.status == FAIL and "leaves params unchanged" in res.message and "params['W1']" in res.message, \
                str(res)
    assert nb05.check_gated_backward(_gated_fwd, _gated).passed


@pytest.mark.parametrize(("h", "says", "not_says"), [(1e-2, "far too large", "one-sided"),
                                                     (1e-1, "far too large", "mirror"),
                                                     (3e-1, "far too large", "mirror"),
                                                     (1e-10, "far below 1e-5", "one-sided")])
def test_gated_gradcheck_names_a_bad_step_not_one_sided(h, says, not_says):
    """Central differences with a bad step were told "one-sided": the step is diagnosed instead."""
    for _ in range(20):
        res = nb05.check_gated_gradcheck(_gradcheck(h=h))
        assert res.status == FAIL and says in res.message and not_says not in res.message, str(res)


@pytest.mark.parametrize("h", [1e-5, 1e-4, 1e-6])
def test_gated_gradcheck_one_sided_is_still_told_one_sided(h):
    res = nb05.check_gated_gradcheck(_gradcheck(central=False, h=h))
    assert res.status == FAIL and "one-sided" in res.message, str(res)


def test_rank_prediction_capped_at_a_constant_fails():
    """Learner trial J: `min(B, n_in, n_out, 8)` passed, every size having some dimension ≤ 8; the fixed size
    (12, 15, 20) has a measured rank of 12. Same verdict on every run."""
    assert nb05._measured_rank(12, 15, 20) == 12
    for _ in range(20):
        res = nb05.check_rank_prediction(lambda B, n_in, n_out: min(B, n_in, n_out, 8))
        assert res.status == FAIL and "B = 12, n_in = 15, n_out = 20" in res.message and "is 12" in res.message, \
            str(res)


def _naive_sigmoid(V):
    return np.exp(V) / (1.0 + np.exp(V))  # overflows for V ≳ 710: inf/inf = NaN


def _gated_naive_fwd(params, X):
    return (np.tanh(X @ params["W1"] + params["b1"]) * _naive_sigmoid(X @ params["W2"] + params["b2"])) \
        @ params["W3"] + params["b3"]


def _gated_naive_bwd(params, X, T):
    P, S = np.tanh(X @ params["W1"] + params["b1"]), _naive_sigmoid(X @ params["W2"] + params["b2"])
    G_Y = 2.0 * ((P * S) @ params["W3"] + params["b3"] - T) / T.size
    G_H = G_Y @ params["W3"].T
    D1, D2 = G_H * S * (1 - P**2), G_H * P * S * (1 - S)
    return {"W1": X.T @ D1, "b1": D1.sum(axis=0), "W2": X.T @ D2, "b2": D2.sum(axis=0),
            "W3": (P * S).T @ G_Y, "b3": G_Y.sum(axis=0)}


def test_gated_unstable_sigmoid_fails_on_the_saturated_case():
    """Learner trial J: σ(V) = e^V/(1 + e^V) passed (no case reached V ≈ 710); notebook 07 trains this network.
    The fixed case with pre-activations near ±800 rejects it, naming Eq. (3.4), on every run; the stable forms pass."""
    V = nb05._saturated_case()
    pre = V[1] @ V[0]["W2"] + V[0]["b2"]
    assert pre.max() > 790 and pre.min() < -790
    for _ in range(20):
        for forward, backward, who in ((_gated_naive_fwd, _gated, "gated_forward"),
                                       (_gated_fwd, _gated_naive_bwd, "gated_backward")):
            res = nb05.check_gated_backward(forward, backward)
            assert res.status == FAIL and who in res.message and "Eq. (3.4)" in res.message \
                and f"case {nb05._SATURATED_CASE}" in res.message, str(res)
    assert nb05.check_gated_backward(_gated_fwd, _gated).passed  # 1/(1 + e^−v): overflows to the right limit


def test_gated_gradcheck_mirror_diagnosis_only_for_the_other_networks_numbers():
    """Learner trial J: h = 0.1 was told "a check must differentiate the forward pass it is handed" (it did: the step
    was the cause). The mirror diagnosis now fires only when the numbers are those of the network not handed."""
    for _ in range(20):
        res = nb05.check_gated_gradcheck(_gradcheck(use_forward=False))
        assert res.status == FAIL and "mirror" in res.message and "your numbers are those of the gated network" \
            in res.message and "far too large" not in res.message, str(res)
        res = nb05.check_gated_gradcheck(_gradcheck(h=0.1))
        assert res.status == FAIL and "far too large" in res.message and "forward pass it is handed" not in \
            res.message, str(res)
