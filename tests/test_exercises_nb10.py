"""Notebook 10's transfer checkers: the reference passes, None is "not attempted", typical wrong answers fail."""

from __future__ import annotations

import math

import numpy as np
import pytest
from exercise_support import Value

from course_lib.exercises import FAIL, NOT_ATTEMPTED, PASS, nb10


def make_pow(da, db, assign=False):
    def value_pow(a, b):
        out = Value(a.data**b.data, (a, b))

        def _backward():
            if assign:
                a.grad = da(a.data, b.data) * out.grad
            else:
                a.grad += da(a.data, b.data) * out.grad
            b.grad += db(a.data, b.data) * out.grad

        out._backward = _backward
        return out

    return value_pow


RIGHT_DA, RIGHT_DB = (lambda a, b: b * a ** (b - 1)), (lambda a, b: a**b * math.log(a))
POW_WRONG = {
    "assigns instead of adding": make_pow(RIGHT_DA, RIGHT_DB, assign=True),
    "b.grad without ln a": make_pow(RIGHT_DA, lambda a, b: a**b),
    "a.grad as b·a^b (off by one power)": make_pow(lambda a, b: b * a**b, RIGHT_DB),
    "b.grad forgotten": make_pow(RIGHT_DA, lambda a, b: 0.0),
}


def test_value_pow_reference_passes():
    res = nb10.check_value_pow(make_pow(RIGHT_DA, RIGHT_DB), Value)
    assert res.status == PASS, res


def test_value_pow_none_is_not_attempted():
    assert nb10.check_value_pow(None, Value).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(POW_WRONG))
def test_value_pow_wrong_answers_fail(name):
    res = nb10.check_value_pow(POW_WRONG[name], Value)
    assert res.status == FAIL, (name, res)


def test_value_pow_wrong_type_is_reported():
    res = nb10.check_value_pow(lambda a, b: a.data**b.data, Value)
    assert res.status == FAIL and "Value" in res.message


def jacobian_right(jvp, vjp, n_in, n_out):
    if n_out <= n_in:
        return np.array([vjp(np.eye(n_out)[i]) for i in range(n_out)])
    return np.array([jvp(np.eye(n_in)[j]) for j in range(n_in)]).T


JAC_WRONG = {
    "always forward mode": lambda jvp, vjp, n_in, n_out: np.array([jvp(e) for e in np.eye(n_in)]).T,
    "always reverse mode": lambda jvp, vjp, n_in, n_out: np.array([vjp(e) for e in np.eye(n_out)]),
    "JVP columns stacked as rows (missing transpose)": lambda jvp, vjp, n_in, n_out: (
        np.array([jvp(e) for e in np.eye(n_in)]) if n_out > n_in else np.array([vjp(e) for e in np.eye(n_out)]).T
    ),
    "both modes": lambda jvp, vjp, n_in, n_out: (
        [jvp(e) for e in np.eye(n_in)] and np.array([vjp(e) for e in np.eye(n_out)])
    ),
}


def test_jacobian_reference_passes():
    res = nb10.check_jacobian(jacobian_right)
    assert res.status == PASS, res


def test_jacobian_none_is_not_attempted():
    assert nb10.check_jacobian(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(JAC_WRONG))
def test_jacobian_wrong_answers_fail(name):
    res = nb10.check_jacobian(JAC_WRONG[name])
    assert res.status == FAIL, (name, res)
