"""Checkers for notebook 14 · One attention head (the ladder: predict, derive, build and verify).

- `check_causal_value_grad_prediction` (predict): ∂L/∂V for L = Σ Y, a causal head with W_q = 0 and T = 4;
- `check_cross_attention_backward` (derive): the backward pass of cross-attention (queries from X, keys and
  values from another sequence M), which the notebook does not derive;
- `check_pool_backward` (build and verify): the backward pass of attention pooling with one learned query
  vector, checked by the learner's own central differences in the next cell.
The references are written here from the equations, independently of course_lib.attention; every array
checker tries non-square shapes, a sequence of one token, scores of several hundred (an unshifted exp
overflows) and a case drawn at call time.
"""

from __future__ import annotations

import numpy as np

from .checking import (
    FAIL,
    PASS,
    Result,
    _not_attempted,
    _type_name,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
)

HINTS = {
    "causal_value_grad_prediction": [
        "With W_q = 0 every score is 0, so each row of P is uniform over the tokens that row may see. Which rows "
        "see token 0, and with what weight? Then use (14.5) with ∂L/∂Y = all ones.",
        "∇V = Pᵀ ∇Y, and with ∇Y all ones, ∂L/∂V_{0j} is the sum of column 0 of P. Under the causal mask row i "
        "spreads its weight evenly over i + 1 tokens, so P_{i0} = 1/(i + 1): add them up for i = 0 … 3.",
    ],
    "cross_attention_backward": [
        "Redo section 2 with two inputs: Q comes from X, K and V from M. The steps (14.5)–(14.8) do not change; "
        "only the last step, where the paths are summed into an input, does. Which paths reach X, which reach M?",
        "dV = Pᵀ dY, dP = dY Vᵀ, dS = P ⊙ (dP − rowsum(P ⊙ dP)), dQ = dS K/√d_k, dK = dSᵀ Q/√d_k. Then "
        "∇W_q = Xᵀ dQ, ∇W_k = Mᵀ dK, ∇W_v = Mᵀ dV; ∂L/∂X = dQ W_qᵀ only; ∂L/∂M = dK W_kᵀ + dV W_vᵀ. Subtract "
        "each row's maximum score before exp.",
    ],
    "pool_backward": [
        "Write the forward pass with shapes first: s = K q/√d_k is (T,), a = softmax(s) is (T,), y = Vᵀ a is "
        "(d_k,). Then go backward one line at a time, as in section 2, with a vector in place of the matrix P.",
        "dV = a dyᵀ (an outer product, T×d_k); da = V dy (T,); ds = a ⊙ (da − a·da), one row of (14.6); "
        "dq = Kᵀ ds/√d_k; dK = ds qᵀ/√d_k; ∇W_k = Xᵀ dK, ∇W_v = Xᵀ dV; ∂L/∂X = dK W_kᵀ + dV W_vᵀ.",
    ],
}


def _softmax_rows(S):
    E = np.exp(S - S.max(axis=-1, keepdims=True))
    return E / E.sum(axis=-1, keepdims=True)


# ---------------------------------------------------------------------------------------------------
# 14.1 predict
# ---------------------------------------------------------------------------------------------------

PREDICT_T = 4


def causal_uniform_column_sum(T: int = PREDICT_T) -> float:
    """Σ_i P_{i0} for a causal head whose scores are all 0: row i gives 1/(i + 1) to each of its i + 1 tokens."""
    return float(sum(1.0 / (i + 1) for i in range(T)))


def check_causal_value_grad_prediction(prediction) -> Result:
    """Exercise 14.1 (predict): ∂L/∂V_{0j} for L = Σ Y, causal mask, W_q = 0, T = 4 (25/12), to 1e-3 relative."""
    if prediction is None or prediction is Ellipsis:
        return _not_attempted("my_prediction")
    value = exact_number(prediction)
    if value is None or not np.isfinite(value):
        return Result(FAIL, f"my_prediction should be one finite number, got {_type_name(prediction)}")
    want = causal_uniform_column_sum()
    if abs(value - want) <= 1e-3 * want:
        return Result(PASS, "my_prediction is right: the sum of column 0 of the causal P, every row of which "
                            "reads token 0")
    if abs(value - 1.0) <= 1e-3:
        return Result(FAIL, "1 is the answer without the mask (every row uniform over all T tokens, 1/T each, T "
                            "rows). Under the causal mask, how many tokens does row i share its weight with?")
    if abs(value - 1.0 / PREDICT_T) <= 1e-3 or abs(value - 1.0) <= 1e-3 / PREDICT_T:
        return Result(FAIL, "that is one entry of P; ∇V = Pᵀ ∇Y (14.5) adds up every row that reads token 0")
    if abs(value - PREDICT_T) <= 1e-3 * PREDICT_T:
        return Result(FAIL, "that counts the rows that read token 0; each row reads it with its attention weight, "
                            "not with weight 1")
    if value == 0:
        return Result(FAIL, "∇V is not zero: W_q = 0 stops the gradient of W_k (Q = 0), but V still reaches Y "
                            "through P, Eq. (14.5)")
    return Result(FAIL, "not right: write down P for T = 4 with all scores 0 and the mask, then use ∇V = Pᵀ ∇Y "
                        "(14.5) with ∇Y all ones")


# ---------------------------------------------------------------------------------------------------
# 14.2 derive: cross-attention
# ---------------------------------------------------------------------------------------------------

_CROSS_LABELS = ("∂L/∂X", "∂L/∂M", "∇W_q", "∇W_k", "∇W_v")
_CROSS_EQS = ("Eq. (14.9), through Q only", "Eq. (14.9), through K and V", "Eq. (14.6)–(14.8) for W_q",
              "Eq. (14.6)–(14.8) for W_k, with M", "Eq. (14.5) and (14.8) for W_v, with M")
_CROSS_ORDER = (4, 2, 3, 0, 1)  # the backward pass: V first, then S and Q, K, then the inputs


def cross_attention_reference(X, M, W_q, W_k, W_v, dY):
    """Queries from X (T, d_x), keys and values from M (T_m, d_m): Y = softmax(X W_q (M W_k)ᵀ/√d_k) M W_v."""
    Q, K, V = X @ W_q, M @ W_k, M @ W_v
    P = _softmax_rows(Q @ K.T / np.sqrt(W_q.shape[1]))
    dV = P.T @ dY
    dP = dY @ V.T
    dS = P * (dP - np.sum(P * dP, axis=1, keepdims=True))
    dQ = dS @ K / np.sqrt(W_q.shape[1])
    dK = dS.T @ Q / np.sqrt(W_q.shape[1])
    return dQ @ W_q.T, dK @ W_k.T + dV @ W_v.T, X.T @ dQ, M.T @ dK, M.T @ dV


def _cross_case(rng, T, T_m, d_x, d_m, d_k, shift=0.0, scale=1.0):
    """scale multiplies X; shift is added to every entry of M, so all keys share one large part: the scores of a
    row are all of several hundred while their differences stay moderate (an unshifted exp overflows or underflows
    to 0/0; the softmax does not saturate)."""
    return (scale * rng.standard_normal((T, d_x)), rng.standard_normal((T_m, d_m)) + shift,
            rng.standard_normal((d_x, d_k)), rng.standard_normal((d_m, d_k)), rng.standard_normal((d_m, d_k)),
            rng.standard_normal((T, d_k)))


def check_cross_attention_backward(fn) -> Result:
    """Exercise 14.2 (derive): fn(X, M, W_q, W_k, W_v, dY) -> (∂L/∂X, ∂L/∂M, ∇W_q, ∇W_k, ∇W_v).

    Cases: T ≠ T_m and d_x ≠ d_m (a formula that mixes X and M fails on shape or value), one query token,
    one memory token, scores of several hundred (an unshifted exp overflows), and a shape drawn at call time.
    """
    rng = np.random.default_rng(1402)
    cases = [_cross_case(rng, 3, 5, 4, 2, 3), _cross_case(rng, 1, 4, 2, 3, 2), _cross_case(rng, 4, 1, 3, 5, 2),
             _cross_case(rng, 5, 3, 2, 4, 6), _cross_case(rng, 3, 4, 3, 2, 2, shift=400.0, scale=3.0)]
    fresh = fresh_rng()
    T, T_m, d_x, d_m, d_k = (int(v) for v in fresh.integers(1, 8, size=5))
    res = check_function("cross_attention_backward", fn, cross_attention_reference, cases,
                         "the backward pass of cross-attention", labels=_CROSS_LABELS, equations=_CROSS_EQS,
                         upstream=_CROSS_ORDER, random_cases=[_cross_case(fresh, T, T_m, d_x, d_m, d_k)])
    return _overflow_note(res, "case 5")


def _overflow_note(res: Result, case: str) -> Result:
    if not res.passed and f"({case})" in res.message and "NaN or Inf" in res.message:
        return Result(FAIL, res.message + f". {case} has scores of several hundred, where exp overflows: subtract "
                                          "each row's maximum score before exp (Eq. 12.5)")
    return res


# ---------------------------------------------------------------------------------------------------
# 14.3 build and verify: attention pooling
# ---------------------------------------------------------------------------------------------------

_POOL_LABELS = ("∂L/∂q", "∇W_k", "∇W_v", "∂L/∂X")
_POOL_EQS = ("Eq. (14.6)–(14.7) for one query vector", "Eq. (14.6)–(14.8) for W_k", "Eq. (14.5) and (14.8) for W_v",
             "Eq. (14.9), the paths through K and V")
_POOL_ORDER = (2, 0, 1, 3)


def pool_reference(X, q, W_k, W_v, dy):
    """y = Vᵀ softmax(K q/√d_k) for one learned query q (d_k,): gradients for the upstream dy (d_k,)."""
    r = 1.0 / np.sqrt(q.shape[0])
    K, V = X @ W_k, X @ W_v
    a = _softmax_rows(r * (K @ q))
    dV = np.outer(a, dy)
    da = V @ dy
    ds = a * (da - a @ da)
    dK = r * np.outer(ds, q)
    return r * (K.T @ ds), X.T @ dK, X.T @ dV, dK @ W_k.T + dV @ W_v.T


def _pool_case(rng, T, d_in, d_k, offset=0.0):
    """offset: a number added to every score (by shifting every row of X by the same vector): the scores are
    all about `offset` while their differences stay moderate (an unshifted exp overflows, the softmax does not
    saturate)."""
    X, q, W_k, W_v, dy = (rng.standard_normal((T, d_in)), rng.standard_normal(d_k), rng.standard_normal((d_in, d_k)),
                          rng.standard_normal((d_in, d_k)), rng.standard_normal(d_k))
    if offset:
        q = q * (1.5 / np.linalg.norm(W_k @ q / np.sqrt(d_k)))  # score differences of about 1.5, not 0.05
    u = W_k @ q / np.sqrt(d_k)  # a row x adds x·u to its score
    return X + offset * u / (u @ u), q, W_k, W_v, dy


def check_pool_backward(fn) -> Result:
    """Exercise 14.3 (build): fn(X, q, W_k, W_v, dy) -> (∂L/∂q, ∇W_k, ∇W_v, ∂L/∂X) for attention pooling.

    Cases: T ≠ d_in ≠ d_k, one token (a = [1], so the score gradients vanish), d_k = 1, scores of several
    hundred (an unshifted exp overflows), and a shape drawn at call time.
    """
    rng = np.random.default_rng(1403)
    cases = [_pool_case(rng, 5, 3, 4), _pool_case(rng, 1, 3, 2), _pool_case(rng, 4, 2, 1),
             _pool_case(rng, 6, 4, 3), _pool_case(rng, 3, 2, 3, offset=900.0)]
    fresh = fresh_rng()
    T, d_in, d_k = (int(v) for v in fresh.integers(1, 8, size=3))
    res = check_function("pool_backward", fn, pool_reference, cases, "the backward pass of attention pooling",
                         labels=_POOL_LABELS, equations=_POOL_EQS, upstream=_POOL_ORDER,
                         random_cases=[_pool_case(fresh, T, d_in, d_k)])
    return _overflow_note(res, "case 5")


guard_checkers(globals())
