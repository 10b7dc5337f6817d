"""Checkers of notebook 13's ladder: the reference passes, None is "not attempted", typical wrong answers fail with
a message that names where they go wrong, an answer memorising the fixed cases fails. The references here are
written independently of course_lib (autograd checks the checkers' own references)."""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from course_lib.exercises import FAIL, NOT_ATTEMPTED, PASS, nb13


# --------------------------------------------------------------------------- 13.2 RMSNorm
def rms_right(X, gamma, dY, eps):
    r = np.sqrt(np.mean(X * X, axis=1, keepdims=True) + eps)
    Xh = X / r
    G = dY * gamma
    return (G - Xh * np.mean(G * Xh, axis=1, keepdims=True)) / r, np.sum(dY * Xh, axis=0)


def rms_as_layernorm(X, gamma, dY, eps):  # LayerNorm's (13.12): subtracts a mean RMSNorm never took
    C = X - X.mean(axis=1, keepdims=True)
    s = np.sqrt(np.mean(C * C, axis=1, keepdims=True) + eps)
    Xh, G = C / s, dY * gamma
    return (G - G.mean(axis=1, keepdims=True) - Xh * np.mean(G * Xh, axis=1, keepdims=True)) / s, np.sum(dY * Xh, 0)


def rms_r_constant(X, gamma, dY, eps):  # treats r as a constant: only the direct path
    r = np.sqrt(np.mean(X * X, axis=1, keepdims=True) + eps)
    return dY * gamma / r, np.sum(dY * X / r, axis=0)


def rms_gamma_per_sample(X, gamma, dY, eps):  # ∇γ not summed over the batch
    dX, _ = rms_right(X, gamma, dY, eps)
    return dX, dY * X / np.sqrt(np.mean(X * X, axis=1, keepdims=True) + eps)


def rms_eps_outside(X, gamma, dY, eps):  # r = √mean(x²) + ε: ε outside the root
    r = np.sqrt(np.mean(X * X, axis=1, keepdims=True)) + eps
    Xh, G = X / r, dY * gamma
    return (G - Xh * np.mean(G * Xh, axis=1, keepdims=True)) / r, np.sum(dY * Xh, axis=0)


# --------------------------------------------------------------------------- 13.3 BatchNorm over (N, C, L)
def bn3_right(X, gamma, dY, eps):
    N, C, L = X.shape
    Xc = X.transpose(0, 2, 1).reshape(-1, C)
    D = dY.transpose(0, 2, 1).reshape(-1, C)
    s = np.sqrt(Xc.var(axis=0) + eps)
    Xh = (Xc - Xc.mean(axis=0)) / s
    G = D * gamma
    dX = (G - G.mean(axis=0) - Xh * np.mean(G * Xh, axis=0)) / s
    return dX.reshape(N, L, C).transpose(0, 2, 1), np.sum(D * Xh, axis=0), D.sum(axis=0)


def bn3_batch_axis_only(X, gamma, dY, eps):  # statistics over the N samples only, one per (channel, position)
    s = np.sqrt(X.var(axis=0) + eps)
    Xh = (X - X.mean(axis=0)) / s
    G = dY * gamma[None, :, None]
    return (G - G.mean(axis=0) - Xh * np.mean(G * Xh, axis=0)) / s, np.sum(dY * Xh, axis=(0, 2)), dY.sum(axis=(0, 2))


def bn3_no_mean_terms(X, gamma, dY, eps):  # treats μ and σ² as constants
    dX, dgamma, dbeta = bn3_right(X, gamma, dY, eps)
    s = np.sqrt(X.var(axis=(0, 2), keepdims=True) + eps)
    return dY * gamma[None, :, None] / s, dgamma, dbeta


def bn3_gamma_over_n_only(X, gamma, dY, eps):  # ∇γ, ∇β summed over the samples but not the positions
    dX, _, _ = bn3_right(X, gamma, dY, eps)
    Xh = (X - X.mean(axis=(0, 2), keepdims=True)) / np.sqrt(X.var(axis=(0, 2), keepdims=True) + eps)
    return dX, np.sum(dY * Xh, axis=0), dY.sum(axis=0)


def bn3_reshape_without_transpose(X, gamma, dY, eps):  # X.reshape(-1, C) mixes channels and positions
    N, C, L = X.shape
    Xc, D = X.reshape(-1, C), dY.reshape(-1, C)
    s = np.sqrt(Xc.var(axis=0) + eps)
    Xh = (Xc - Xc.mean(axis=0)) / s
    G = D * gamma
    dX = (G - G.mean(axis=0) - Xh * np.mean(G * Xh, axis=0)) / s
    return dX.reshape(N, C, L), np.sum(D * Xh, axis=0), D.sum(axis=0)


# --------------------------------------------------------------------------- the checkers' references are right
def test_rmsnorm_reference_matches_autograd():
    rng = np.random.default_rng(0)
    for B, n, eps in [(3, 4, 1e-5), (1, 6, 0.3), (5, 2, 1e-3)]:
        X, gamma, dY = rng.normal(size=(B, n)), rng.normal(size=n), rng.normal(size=(B, n))

        def f(X, g, eps=eps, dY=dY):
            return anp.sum(X / anp.sqrt(anp.mean(X * X, axis=1, keepdims=True) + eps) * g * dY)

        dX, dg = nb13._rmsnorm_reference(X, gamma, dY, eps)
        np.testing.assert_allclose(dX, autograd.grad(f, 0)(X, gamma), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(dg, autograd.grad(f, 1)(X, gamma), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(nb13.rmsnorm_forward(X, gamma, eps),
                                   X / np.sqrt(np.mean(X**2, axis=1, keepdims=True) + eps) * gamma)


def test_bn3d_reference_matches_autograd_and_torchs_convention():
    rng = np.random.default_rng(1)
    for shape, eps in [((2, 3, 4), 1e-5), ((1, 2, 5), 0.5), ((4, 1, 1), 1e-3)]:
        X, dY = rng.normal(size=shape), rng.normal(size=shape)
        gamma, beta = rng.normal(size=shape[1]), rng.normal(size=shape[1])

        def f(X, g, b, eps=eps, dY=dY):
            mu = anp.mean(X, axis=(0, 2), keepdims=True)
            var = anp.mean((X - mu) ** 2, axis=(0, 2), keepdims=True)
            return anp.sum(((X - mu) / anp.sqrt(var + eps) * g[None, :, None] + b[None, :, None]) * dY)

        ref = nb13._bn3d_reference(X, gamma, dY, eps)
        for i in range(3):
            np.testing.assert_allclose(ref[i], autograd.grad(f, i)(X, gamma, beta), rtol=1e-9, atol=1e-11)
        Y = nb13.bn3d_forward(X, gamma, beta, eps)
        np.testing.assert_allclose(Y.mean(axis=(0, 2)), beta, atol=1e-12)  # per channel, over N and L


# --------------------------------------------------------------------------- verdicts
def test_rmsnorm_checker():
    assert nb13.check_rmsnorm_backward(rms_right).status == PASS
    assert nb13.check_rmsnorm_backward(None).status == NOT_ATTEMPTED
    for wrong, says in [(rms_as_layernorm, "∂L/∂X"), (rms_r_constant, "∂L/∂X"), (rms_gamma_per_sample, "∇γ"),
                        (rms_eps_outside, "∂L/∂X")]:
        res = nb13.check_rmsnorm_backward(wrong)
        assert res.status == FAIL and says in res.message, (wrong.__name__, res)


def test_bn3d_checker():
    assert nb13.check_bn3d_backward(bn3_right).status == PASS
    assert nb13.check_bn3d_backward(None).status == NOT_ATTEMPTED
    for wrong, says in [(bn3_batch_axis_only, "∇γ"), (bn3_no_mean_terms, "∂L/∂X"),
                        (bn3_gamma_over_n_only, "summed over axes 0 and 2"),
                        (bn3_reshape_without_transpose, "Eq. (13.")]:
        res = nb13.check_bn3d_backward(wrong)
        assert res.status == FAIL and says in res.message, (wrong.__name__, res)


def test_bn3d_learners_own_check_reports_small_errors_only_for_right_answers():
    assert max(nb13.my_check_report(bn3_right).values()) < 1e-7
    assert nb13.my_check_report(bn3_no_mean_terms)["dX"] > 1e-3


@pytest.mark.parametrize("checker, right", [(nb13.check_rmsnorm_backward, rms_right),
                                            (nb13.check_bn3d_backward, bn3_right)])
def test_an_answer_memorising_the_fixed_cases_fails(checker, right):
    seen = {}

    def memorise(*args):  # right on the fixed cases (recognised by their shapes), zeros elsewhere
        key = tuple(np.shape(a) for a in args[:3])
        if key not in seen:
            seen[key] = len(seen) < 4
        out = right(*args)
        return out if seen[key] else tuple(np.zeros_like(o) for o in out)

    assert checker(memorise).status == FAIL


def test_prediction_checker():
    assert nb13.check_null_directions_prediction(2).status == PASS
    assert nb13.check_null_directions_prediction(2.0).status == PASS
    assert nb13.check_null_directions_prediction(None).status == NOT_ATTEMPTED
    for wrong, says in [(1, "one direction"), (0, "invertible"), (4, "rank"), (7, "cannot be"), (3, "not right")]:
        res = nb13.check_null_directions_prediction(wrong)
        assert res.status == FAIL and says in res.message, (wrong, res)
    for odd in ("2", [2], True, 2.5, float("nan")):
        assert nb13.check_null_directions_prediction(odd).status == FAIL


def test_prediction_is_what_the_notebook_measures():
    rng = np.random.default_rng(13)
    x = rng.normal(size=nb13.NULL_B)
    J = autograd.jacobian(lambda v: (v - anp.mean(v)) / anp.sqrt(anp.var(v) + 1e-5))(x)
    sv = np.linalg.svd(J, compute_uv=False)
    assert int(np.sum(sv < 1e-3 * sv[0])) == 2


def test_hints_are_tiered_for_every_exercise():
    assert set(nb13.HINTS) == {"null_directions_prediction", "rmsnorm_backward", "bn3d_backward"}
    assert all(len(tiers) == 2 for tiers in nb13.HINTS.values())
