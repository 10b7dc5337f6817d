"""Checkers of notebook 01's transfer exercises (1.5, 1.6): the reference passes, None is "not attempted",
typical wrong answers fail."""

from __future__ import annotations

import numpy as np
import pytest

from course_lib.exercises import nb01

ABS_RIGHT = (np.array([[1.0, -1.0]]), np.zeros(2), np.array([[1.0], [1.0]]), np.zeros(1))


def test_abs_network_reference_and_another_right_answer_pass():
    assert nb01.check_abs_network(ABS_RIGHT).passed
    # any positive scale a on the first layer with 1/a on the second also computes |x|
    scaled = (np.array([[2.0, -0.5]]), np.zeros(2), np.array([[0.5], [2.0]]), np.zeros(1))
    assert nb01.check_abs_network(scaled).passed


def test_abs_network_none_is_not_attempted():
    assert nb01.check_abs_network(None).status == "not attempted yet"


@pytest.mark.parametrize(
    "weights, match",
    [
        ((np.array([[1.0, -1.0]]), np.zeros(2), np.array([[1.0], [-1.0]]), np.zeros(1)), "rel. error"),  # gives x
        ((np.array([[1.0, 0.0]]), np.zeros(2), np.array([[1.0], [1.0]]), np.zeros(1)), "rel. error"),  # ReLU(x)
        ((np.array([[1.0, -1.0]]), np.ones(2), np.array([[1.0], [1.0]]), np.zeros(1)), "rel. error"),  # |x| + 2
        ((np.array([[1.0], [-1.0]]), np.zeros(2), np.array([[1.0], [1.0]]), np.zeros(1)), "transpose"),
        ((np.array([[1.0, -1.0]]), np.zeros(2)), "4 arrays"),
    ],
)
def test_abs_network_wrong_answers_fail(weights, match):
    result = nb01.check_abs_network(weights)
    assert result.status == "fail" and match in result.message, result


def _right_predictions():
    return {
        "X": (16, 3), "W1": (3, 8), "b1": (8,), "Z1": (16, 8), "A1": (16, 8),
        "W2": (8, 8), "b2": (8,), "Z2": (16, 8), "A2": (16, 8),
        "W3": (8, 2), "b3": (2,), "Z3": (16, 2), "A3": (16, 2), "Y_hat": (16, 2),
        "n_params": 4 * 8 + 9 * 8 + 9 * 2,  # (n_{l-1} + 1) n_l, counted by hand
    }


def test_predicted_shapes_reference_passes():
    assert nb01.measured_shapes()["n_params"] == 122
    assert nb01.check_predicted_shapes(_right_predictions()).passed


def test_predicted_shapes_none_is_not_attempted():
    assert nb01.check_predicted_shapes(None).status == "not attempted yet"


def _with(**changes):
    p = _right_predictions()
    p.update(changes)
    return p


@pytest.mark.parametrize(
    "predicted, match",
    [
        (_with(W1=(8, 3), W3=(2, 8)), "swapped"),  # the column convention's W
        (_with(b1=(16, 8)), "b1 is (8,)"),  # a bias per sample
        (_with(n_params=32 + 64 + 16), "parameter count is 122"),  # weights only
        (_with(X=(3, 16)), "X is (16, 3)"),  # samples as columns
        ({"X": (16, 3)}, "miss the key"),
        (_with(Z1="16x8"), "tuple of ints"),
        ([(16, 3)], "should be a dict"),
    ],
)
def test_predicted_shapes_wrong_answers_fail(predicted, match):
    result = nb01.check_predicted_shapes(predicted)
    assert result.status == "fail" and match in result.message, result
