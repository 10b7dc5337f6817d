"""SelfAttention (notebook 14): gradients against central differences and against autograd, the causal mask, and
clear errors for bad input.

The oracle is autograd differentiating an independent autograd.numpy formula of one attention head (the textbook
softmax(QKᵀ/√d_k) V, masked with a large negative number), so nothing of course_lib's derivatives is involved.
Eq. (14.1)–(14.10) are all covered: the forward values by the formula, the backward pass by both oracles.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from course_lib import SelfAttention
from course_lib.gradcheck import numerical_grad, rel_error


def _layer_and_data(seed, T, d_in, d_k, causal):
    rng = np.random.default_rng(seed)
    layer = SelfAttention(d_in, d_k, seed=seed, causal=causal)
    X = rng.standard_normal((T, d_in))
    R = rng.standard_normal((T, d_k))  # L = Σ Y ⊙ R, so ∂L/∂Y = R
    return layer, X, R


def _ag_attention(X, Wq, Wk, Wv, causal):
    d_k = Wq.shape[1]
    S = anp.dot(anp.dot(X, Wq), anp.dot(X, Wk).T) / np.sqrt(d_k)
    if causal:
        T = X.shape[0]
        S = S - 1e30 * np.triu(np.ones((T, T)), k=1)
    E = anp.exp(S - anp.max(S, axis=1, keepdims=True))
    return anp.dot(E / anp.sum(E, axis=1, keepdims=True), anp.dot(X, Wv))


SHAPES = [(1, 3, 2), (2, 1, 1), (5, 3, 4), (7, 4, 2), (4, 6, 6), (9, 2, 5)]


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("T, d_in, d_k", SHAPES)
def test_forward_follows_the_formula(T, d_in, d_k, causal):
    layer, X, _ = _layer_and_data(T + d_in, T, d_in, d_k, causal)
    Y = layer.forward(X)
    Q, K, V = X @ layer.W_q, X @ layer.W_k, X @ layer.W_v
    S = Q @ K.T / np.sqrt(d_k)
    if causal:
        S = np.where(np.tril(np.ones((T, T))) > 0, S, -np.inf)
    P = np.exp(S) / np.exp(S).sum(axis=1, keepdims=True)
    np.testing.assert_allclose(Y, P @ V, rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(layer.P.sum(axis=1), 1.0, rtol=1e-14)
    if causal:
        assert np.all(layer.P[np.triu_indices(T, k=1)] == 0.0)


@pytest.mark.parametrize("causal", [False, True])
@pytest.mark.parametrize("T, d_in, d_k", SHAPES)
def test_gradients_match_finite_differences(T, d_in, d_k, causal):
    layer, X, R = _layer_and_data(10 * T + d_k, T, d_in, d_k, causal)
    layer.forward(X)
    dX = layer.backward(R)

    def loss():
        return float(np.sum(layer.forward(X) * R))

    for W, dW in layer.parameters():
        assert rel_error(dW, numerical_grad(loss, W)) < 1e-7
    assert rel_error(dX, numerical_grad(loss, X)) < 1e-7


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("causal", [False, True])
def test_gradients_match_autograd_for_random_shapes(seed, causal):
    rng = np.random.default_rng(1000 + seed)
    T, d_in, d_k = (int(v) for v in rng.integers(1, 9, size=3))
    layer, X, R = _layer_and_data(seed, T, d_in, d_k, causal)
    Y = layer.forward(X)
    dX = layer.backward(R)
    W = (layer.W_q, layer.W_k, layer.W_v)
    np.testing.assert_allclose(Y, _ag_attention(X, *W, causal), rtol=1e-12, atol=1e-14)

    def L(X_, Wq, Wk, Wv):
        return anp.sum(_ag_attention(X_, Wq, Wk, Wv, causal) * R)

    args = (X, *W)
    mine = (dX, layer.dW_q, layer.dW_k, layer.dW_v)
    for i, got in enumerate(mine):
        want = autograd.grad(L, i)(*args)
        assert rel_error(got, want) < 1e-9, (i, rel_error(got, want))


def test_masked_scores_get_zero_gradient_and_future_tokens_do_not_move_the_past():
    layer, X, R = _layer_and_data(3, 6, 4, 3, True)
    layer.forward(X)
    layer.backward(R)
    Y = layer.forward(X)
    X2 = X.copy()
    X2[4:] += 10.0  # change the last two tokens: rows 0–3 of Y must not move
    np.testing.assert_array_equal(layer.forward(X2)[:4], Y[:4])
    # ∂L/∂X for a loss on row 0 only reaches token 0
    layer.forward(X)
    G = np.zeros_like(R)
    G[0] = R[0]
    dX = layer.backward(G)
    assert np.all(dX[1:] == 0.0) and np.any(dX[0] != 0.0)


def test_parameters_are_W_q_W_k_W_v_in_order_with_their_gradients():
    layer = SelfAttention(4, 3, seed=1)
    names = [("W_q", "dW_q"), ("W_k", "dW_k"), ("W_v", "dW_v")]
    pairs = layer.parameters()
    assert len(pairs) == 3
    for (W, dW), (w, dw) in zip(pairs, names):
        assert W is getattr(layer, w) and dW is getattr(layer, dw) and W.shape == dW.shape == (4, 3)
    dW_before = [dW for _, dW in pairs]
    layer.forward(np.ones((5, 4)))
    layer.backward(np.ones((5, 3)))
    assert all(a is b for a, b in zip(dW_before, (layer.dW_q, layer.dW_k, layer.dW_v)))  # filled in place
    same = SelfAttention(4, 3, seed=1)
    assert all(np.array_equal(a, b) for (a, _), (b, _) in zip(pairs, same.parameters()))  # seeded
    assert not np.array_equal(SelfAttention(4, 3, seed=2).W_q, layer.W_q)


def test_editing_the_input_after_forward_does_not_change_the_gradients():
    layer, X, R = _layer_and_data(5, 4, 3, 2, False)
    layer.forward(X)
    want = layer.backward(R), layer.dW_q.copy()
    layer.forward(X)
    X[...] = 0.0
    got = layer.backward(R), layer.dW_q
    np.testing.assert_array_equal(got[0], want[0])
    np.testing.assert_array_equal(got[1], want[1])


def test_large_scores_stay_finite():
    layer = SelfAttention(2, 2, seed=0)
    X = np.array([[300.0, -200.0], [-250.0, 310.0], [1.0, 2.0]])
    Y = layer.forward(X)
    dX = layer.backward(np.ones_like(Y))
    assert np.all(np.isfinite(Y)) and np.all(np.isfinite(dX))


@pytest.mark.parametrize(
    "X, match",
    [
        (np.zeros((0, 4)), r"empty sequence .*shape \(0, 4\).*T >= 1"),
        (np.zeros((5, 3)), r"expects tokens with 4 features \(shape \(T, 4\)\), got an array of shape \(5, 3\)"),
        (np.zeros(4), r"2-D array \(T, 4\).*got an array of shape \(4,\) \(1-D\)"),
        (np.zeros((2, 5, 4)), r"2-D array \(T, 4\).*got an array of shape \(2, 5, 4\) \(3-D\)"),
        (np.array([[1.0, np.nan, 0.0, 0.0]]), r"NaN"),
        ("abc", r"real numbers"),
    ],
)
def test_bad_input_gets_a_clear_error(X, match):
    with pytest.raises(ValueError, match=match):
        SelfAttention(4, 2).forward(X)


def test_bad_construction_and_backward_misuse():
    with pytest.raises(ValueError, match="d_in must be a positive integer, got 0"):
        SelfAttention(0, 2)
    with pytest.raises(ValueError, match="d_k must be a positive integer"):
        SelfAttention(3, 2.5)
    with pytest.raises(TypeError, match="causal must be True or False"):
        SelfAttention(3, 2, causal="yes")
    layer = SelfAttention(3, 2)
    with pytest.raises(RuntimeError, match="before forward"):
        layer.backward(np.zeros((4, 2)))
    layer.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"expects ∂L/∂Y of shape \(4, 2\).*got \(4, 3\)"):
        layer.backward(np.zeros((4, 3)))
