"""Checkers of notebook 14's ladder: the right answers pass, None is "not attempted", typical wrong answers fail
with a message that names where they go wrong. The references here are written independently of
course_lib/exercises/nb14.py (cross-attention through autograd, pooling by hand)."""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from course_lib.exercises import FAIL, NOT_ATTEMPTED, PASS, nb14


def _softmax(S):
    E = np.exp(S - S.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


# ------------------------------------------------------------------------------ 14.1 predict
@pytest.mark.parametrize("answer", [25 / 12, 2.0833, np.float64(2.08333), 1 + 1 / 2 + 1 / 3 + 1 / 4])
def test_prediction_right(answer):
    assert nb14.check_causal_value_grad_prediction(answer).status == PASS


@pytest.mark.parametrize("answer, words", [(1.0, "without the mask"), (0.25, "one entry of P"),
                                           (4, "counts the rows"), (0, "not zero"), (2.0, "not right"),
                                           (2.1, "not right")])
def test_prediction_wrong(answer, words):
    res = nb14.check_causal_value_grad_prediction(answer)
    assert res.status == FAIL and words in res.message, res


@pytest.mark.parametrize("answer", ["2.08", [25 / 12], True, float("nan"), float("inf"), 1 + 1j])
def test_prediction_odd(answer):
    assert nb14.check_causal_value_grad_prediction(answer).status == FAIL


def test_prediction_not_attempted():
    assert nb14.check_causal_value_grad_prediction(None).status == NOT_ATTEMPTED


# ------------------------------------------------------------------------------ 14.2 derive: cross-attention
def _ag_cross(X, M, Wq, Wk, Wv, dY):
    d_k = Wq.shape[1]

    def L(X_, M_, Wq_, Wk_, Wv_):
        S = anp.dot(anp.dot(X_, Wq_), anp.dot(M_, Wk_).T) / np.sqrt(d_k)
        E = anp.exp(S - anp.max(S, axis=1, keepdims=True))
        return anp.sum(anp.dot(E / anp.sum(E, axis=1, keepdims=True), anp.dot(M_, Wv_)) * dY)

    return tuple(autograd.grad(L, i)(X, M, Wq, Wk, Wv) for i in range(5))


def cross_right(X, M, Wq, Wk, Wv, dY):
    return _ag_cross(X, M, Wq, Wk, Wv, dY)


def _cross_parts(X, M, Wq, Wk, Wv, dY, scale=True, jacobian=True, shift=True):
    d_k = Wq.shape[1]
    r = 1 / np.sqrt(d_k) if scale else 1.0
    Q, K, V = X @ Wq, M @ Wk, M @ Wv
    S = Q @ K.T / np.sqrt(d_k)
    E = np.exp(S - S.max(axis=1, keepdims=True)) if shift else np.exp(S)
    P = E / E.sum(axis=1, keepdims=True)
    dV = P.T @ dY
    dP = dY @ V.T
    dS = P * (dP - np.sum(P * dP, axis=1, keepdims=True)) if jacobian else P * (1 - P) * dP
    return Q, K, V, r * dS @ K, r * dS.T @ Q, dV


def cross_no_sqrt(X, M, Wq, Wk, Wv, dY):  # forgot 1/√d_k in (14.7)
    Q, K, V, dQ, dK, dV = _cross_parts(X, M, Wq, Wk, Wv, dY, scale=False)
    return dQ @ Wq.T, dK @ Wk.T + dV @ Wv.T, X.T @ dQ, M.T @ dK, M.T @ dV


def cross_diagonal_softmax(X, M, Wq, Wk, Wv, dY):  # "⊙ f'" with f' = p(1 − p): the diagonal of (12.3) only
    Q, K, V, dQ, dK, dV = _cross_parts(X, M, Wq, Wk, Wv, dY, jacobian=False)
    return dQ @ Wq.T, dK @ Wk.T + dV @ Wv.T, X.T @ dQ, M.T @ dK, M.T @ dV


def cross_m_values_only(X, M, Wq, Wk, Wv, dY):  # ∂L/∂M through V only: the path through K forgotten
    Q, K, V, dQ, dK, dV = _cross_parts(X, M, Wq, Wk, Wv, dY)
    return dQ @ Wq.T, dV @ Wv.T, X.T @ dQ, M.T @ dK, M.T @ dV


def cross_unshifted(X, M, Wq, Wk, Wv, dY):  # exp without the row maximum: overflows on case 5
    with np.errstate(all="ignore"):
        Q, K, V, dQ, dK, dV = _cross_parts(X, M, Wq, Wk, Wv, dY, shift=False)
        return dQ @ Wq.T, dK @ Wk.T + dV @ Wv.T, X.T @ dQ, M.T @ dK, M.T @ dV


def cross_self_attention_formula(X, M, Wq, Wk, Wv, dY):  # (14.9) copied: X gets all three paths
    Q, K, V, dQ, dK, dV = _cross_parts(X, M, Wq, Wk, Wv, dY)
    return dQ @ Wq.T + dK @ Wk.T + dV @ Wv.T, dK @ Wk.T + dV @ Wv.T, X.T @ dQ, M.T @ dK, M.T @ dV


def test_cross_right():
    res = nb14.check_cross_attention_backward(cross_right)
    assert res.status == PASS and "5 test cases and 1 drawn at random" in res.message, res


@pytest.mark.parametrize("fn, words", [
    (cross_no_sqrt, "∇W_q"), (cross_diagonal_softmax, "∇W_q"), (cross_m_values_only, "∂L/∂M"),
    (cross_unshifted, "subtract each row's maximum"), (cross_self_attention_formula, "shapes do not fit")])
def test_cross_wrong(fn, words):
    res = nb14.check_cross_attention_backward(fn)
    assert res.status == FAIL and words in res.message, res


def test_cross_hard_coded_answers_fail():
    rng = np.random.default_rng(1402)
    fixed = [nb14._cross_case(rng, 3, 5, 4, 2, 3)]
    memo = [cross_right(*fixed[0])]

    def memorised(X, M, Wq, Wk, Wv, dY):
        return memo[0]

    assert nb14.check_cross_attention_backward(memorised).status == FAIL
    assert nb14.check_cross_attention_backward(None).status == NOT_ATTEMPTED


# ------------------------------------------------------------------------------ 14.3 build: attention pooling
def pool_right(X, q, Wk, Wv, dy):
    def L(X_, q_, Wk_, Wv_):
        s = anp.dot(anp.dot(X_, Wk_), q_) / np.sqrt(q.shape[0])
        e = anp.exp(s - anp.max(s))
        return anp.dot(anp.dot(anp.dot(X_, Wv_).T, e / anp.sum(e)), dy)

    g = [autograd.grad(L, i)(X, q, Wk, Wv) for i in range(4)]
    return g[1], g[2], g[3], g[0]


def _pool(X, q, Wk, Wv, dy, scale=True, jacobian=True, x_paths=2):
    r = 1 / np.sqrt(q.shape[0])
    K, V = X @ Wk, X @ Wv
    a = _softmax(r * (K @ q))
    dV = np.outer(a, dy)
    da = V @ dy
    ds = a * (da - a @ da) if jacobian else a * (1 - a) * da
    rr = r if scale else 1.0
    dK = rr * np.outer(ds, q)
    dX = dV @ Wv.T if x_paths == 1 else dK @ Wk.T + dV @ Wv.T
    return rr * (K.T @ ds), X.T @ dK, X.T @ dV, dX


@pytest.mark.parametrize("fn, words", [
    (lambda *a: _pool(*a, scale=False), "∂L/∂q"), (lambda *a: _pool(*a, jacobian=False), "∂L/∂q"),
    (lambda *a: _pool(*a, x_paths=1), "∂L/∂X"),
    (lambda X, q, Wk, Wv, dy: _pool(X, q, Wk, Wv, dy)[:3] + (_pool(X, q, Wk, Wv, dy)[3].T,), "transpose")])
def test_pool_wrong(fn, words):
    res = nb14.check_pool_backward(fn)
    assert res.status == FAIL and words in res.message, res


def test_pool_right_and_unshifted_exp():
    res = nb14.check_pool_backward(pool_right)
    assert res.status == PASS and "5 test cases and 1 drawn at random" in res.message, res

    def unshifted(X, q, Wk, Wv, dy):
        with np.errstate(all="ignore"):
            r = 1 / np.sqrt(q.shape[0])
            K, V = X @ Wk, X @ Wv
            e = np.exp(r * (K @ q))
            a = e / e.sum()
            dV, da = np.outer(a, dy), V @ dy
            ds = a * (da - a @ da)
            dK = r * np.outer(ds, q)
            return r * (K.T @ ds), X.T @ dK, X.T @ dV, dK @ Wk.T + dV @ Wv.T

    res = nb14.check_pool_backward(unshifted)
    assert res.status == FAIL and "subtract each row's maximum" in res.message, res
    assert nb14.check_pool_backward(None).status == NOT_ATTEMPTED


def test_hints_have_two_tiers_and_name_no_answer_number():
    assert set(nb14.HINTS) == {"causal_value_grad_prediction", "cross_attention_backward", "pool_backward"}
    for tiers in nb14.HINTS.values():
        assert len(tiers) == 2 and all(len(t) > 40 for t in tiers)
    assert "25/12" not in " ".join(nb14.HINTS["causal_value_grad_prediction"])
    assert "2.08" not in " ".join(nb14.HINTS["causal_value_grad_prediction"])
