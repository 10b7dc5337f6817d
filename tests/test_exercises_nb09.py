"""Notebook 09's transfer checkers: the reference passes, None is "not attempted", typical wrong answers fail."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.exercises import FAIL, NOT_ATTEMPTED, PASS, nb09


def tied_right(X, W, T):
    A1 = np.tanh(X @ W)
    Y = np.tanh(A1 @ W)
    D2 = (Y - T) * (1 - Y**2)
    D1 = (D2 @ W.T) * (1 - A1**2)
    return X.T @ D1 + A1.T @ D2


def tied_parts(X, W, T):
    A1 = np.tanh(X @ W)
    Y = np.tanh(A1 @ W)
    D2 = (Y - T) * (1 - Y**2)
    D1 = (D2 @ W.T) * (1 - A1**2)
    return X, A1, D1, D2


TIED_WRONG = {
    "second use only": lambda X, W, T: (lambda X, A1, D1, D2: A1.T @ D2)(*tied_parts(X, W, T)),
    "first use only": lambda X, W, T: (lambda X, A1, D1, D2: X.T @ D1)(*tied_parts(X, W, T)),
    "transposed": lambda X, W, T: tied_right(X, W, T).T,
    "factor 2": lambda X, W, T: 2 * tied_right(X, W, T),
    "sign": lambda X, W, T: -tied_right(X, W, T),
}


def test_tied_weights_reference_passes():
    assert nb09.check_tied_weights_grad(tied_right).status == PASS


def test_tied_weights_none_is_not_attempted():
    assert nb09.check_tied_weights_grad(None).status == NOT_ATTEMPTED


def test_tied_weights_template_is_not_attempted():
    def template(X, W, T):
        raise NotImplementedError()

    assert nb09.check_tied_weights_grad(template).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(TIED_WRONG))
def test_tied_weights_wrong_answers_fail(name):
    res = nb09.check_tied_weights_grad(TIED_WRONG[name])
    assert res.status == FAIL, (name, res)
    assert "Eq. (9.3)" in res.message or "transpose" in res.message


def concat_right(D, W, n_a):
    return D @ W[:n_a].T, D @ W[n_a:].T


CONCAT_WRONG = {
    "blocks swapped": lambda D, W, n_a: (D @ W[n_a:].T, D @ W[:n_a].T),
    "missing transpose": lambda D, W, n_a: ((W[:n_a] @ D.T).T.T, (W[n_a:] @ D.T)),
    "factor 2": lambda D, W, n_a: (2 * D @ W[:n_a].T, 2 * D @ W[n_a:].T),
    "whole matrix": lambda D, W, n_a: (D @ W.T, D @ W.T),
    "one array": lambda D, W, n_a: D @ W.T,
}


def test_concat_reference_passes():
    res = nb09.check_concat_grads(concat_right)
    assert res.status == PASS, res


def test_concat_none_is_not_attempted():
    assert nb09.check_concat_grads(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(CONCAT_WRONG))
def test_concat_wrong_answers_fail(name):
    res = nb09.check_concat_grads(CONCAT_WRONG[name])
    assert res.status == FAIL, (name, res)


def test_concat_none_returned_is_reported():
    res = nb09.check_concat_grads(lambda D, W, n_a: None)
    assert res.status == FAIL and "return" in res.message
