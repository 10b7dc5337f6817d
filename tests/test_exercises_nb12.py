"""Checkers of notebook 12's transfer exercises: the reference passes, None is "not attempted", typical
wrong answers fail."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.exercises import nb12


def _softmax(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def vjp_right(Z, G):
    P = _softmax(Z)
    return P * (G - (G * P).sum(axis=1, keepdims=True))


def vjp_elementwise(Z, G):  # treats softmax like an activation: G ⊙ p(1 − p), the diagonal only
    P = _softmax(Z)
    return G * P * (1 - P)


def vjp_wrong_axis(Z, G):  # sums over the batch instead of the classes
    P = _softmax(Z)
    return P * (G - (G * P).sum(axis=0, keepdims=True))


def vjp_sign(Z, G):
    P = _softmax(Z)
    return P * ((G * P).sum(axis=1, keepdims=True) - G)


def vjp_one_jacobian(Z, G):  # the first sample's Jacobian for the whole batch
    p = _softmax(Z)[0]
    return G @ (np.diag(p) - np.outer(p, p))


def ls_right(Z, y, eps):
    C = Z.shape[1]
    T = (1 - eps) * np.eye(C)[y] + eps / C
    return (_softmax(Z) - T) / Z.shape[0]


def ls_ignores_smoothing(Z, y, eps):
    return (_softmax(Z) - np.eye(Z.shape[1])[y]) / Z.shape[0]


def ls_eps_over_c_minus_1(Z, y, eps):  # another convention: the other C − 1 classes share eps
    C = Z.shape[1]
    T = np.where(np.eye(C)[y] == 1, 1 - eps, eps / (C - 1))
    return (_softmax(Z) - T) / Z.shape[0]


def ls_mean_over_entries(Z, y, eps):
    C = Z.shape[1]
    T = (1 - eps) * np.eye(C)[y] + eps / C
    return (_softmax(Z) - T) / Z.size


def ls_no_mean(Z, y, eps):
    C = Z.shape[1]
    return _softmax(Z) - ((1 - eps) * np.eye(C)[y] + eps / C)


def test_references_pass():
    assert nb12.check_softmax_vjp(vjp_right).passed
    assert nb12.check_label_smoothing_grad(ls_right).passed


@pytest.mark.parametrize("check", [nb12.check_softmax_vjp, nb12.check_label_smoothing_grad])
def test_none_is_not_attempted(check):
    result = check(None)
    assert result.status == "not attempted yet"

    def template(*args):
        raise NotImplementedError()

    assert check(template).status == "not attempted yet"


@pytest.mark.parametrize("wrong", [vjp_elementwise, vjp_wrong_axis, vjp_sign, vjp_one_jacobian])
def test_wrong_softmax_vjps_fail(wrong):
    result = nb12.check_softmax_vjp(wrong)
    assert result.status == "fail", result
    assert "12.3" in result.message


@pytest.mark.parametrize("wrong", [ls_ignores_smoothing, ls_eps_over_c_minus_1, ls_mean_over_entries, ls_no_mean])
def test_wrong_label_smoothing_gradients_fail(wrong):
    result = nb12.check_label_smoothing_grad(wrong)
    assert result.status == "fail", result
    assert "12.7" in result.message


def test_an_answer_that_mutates_its_inputs_still_passes():
    def mutating(Z, G):
        out = vjp_right(Z, G)
        Z *= 0.0
        G *= 2.0
        return out

    assert nb12.check_softmax_vjp(mutating).passed
