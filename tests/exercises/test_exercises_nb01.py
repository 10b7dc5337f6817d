"""Checkers of notebook 01's exercises: the reference passes, None and the template are "not attempted",
typical wrong answers fail (each with the reason it is wrong)."""

from __future__ import annotations

import numpy as np
import pytest
from exercise_support import standard_checker_tests

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


# ---- the ladder: 1.1 predict, 1.2 and 1.3 derive ------------------------------------------------

def test_hand_forward_prediction_right_answer_passes_and_none_is_not_attempted():
    assert nb01.check_hand_forward_prediction(np.array([[-1.0], [5.0]])).passed
    assert nb01.check_hand_forward_prediction([[-1], [5]]).passed  # a nested list of ints is the same Ŷ
    assert nb01.check_hand_forward_prediction(None).status == "not attempted yet"


@pytest.mark.parametrize(
    "prediction, match",
    [
        ([[-4.0], [9.0]], "without the ReLU"),  # ReLU forgotten in the hidden layer: Z_1 used as A_1
        ([[0.0], [5.0]], "ReLU on the output"),  # a ReLU after the output layer too (sample 1 is negative)
        ([[2.0], [8.0]], "leaves out b_1"),  # the hidden bias dropped
        ([[-1.0], [6.0]], "sample 1 is right, sample 2 is not"),  # an arithmetic slip in one row
        ([-1.0, 5.0], "shape (2,)"),  # a flat vector: Ŷ is (B, n_2) = (2, 1)
        ([[5.0], [-1.0]], "both samples are off"),  # the samples swapped
        ("[-1, 5]", "should be"),  # a string is not a prediction
    ],
)
def test_hand_forward_prediction_wrong_answers_fail(prediction, match):
    result = nb01.check_hand_forward_prediction(prediction)
    assert result.status == "fail" and match in result.message, result


def _fold_right(W, b, mu, s):
    return W / s[:, None], b - (mu / s) @ W


def _fold_columns(W, b, mu, s):  # divides the columns of W by s: a shape error, or wrong numbers where n_0 = n_1
    return W / s, b - (mu / s) @ W


def _fold_no_scale_in_bias(W, b, mu, s):  # forgets that μ is divided by s too
    return W / s[:, None], b - mu @ W


def _fold_sign(W, b, mu, s):  # adds the shift instead of subtracting it
    return W / s[:, None], b + (mu / s) @ W


def _fold_bias_kept(W, b, mu, s):  # scales W, keeps b: the shift by μ is lost
    return W / s[:, None], b.copy()


def _fold_multiplied(W, b, mu, s):  # multiplies by s instead of dividing
    return W * s[:, None], b - (mu * s) @ W


def _merge_right(W1, b1, W2, b2):
    return W1 @ W2, b1 @ W2 + b2


def _merge_biases_added(W1, b1, W2, b2):  # b1 + b2: b1 does not pass through W2 (shape error unless n_1 = n_2)
    return W1 @ W2, b1 + b2


def _merge_second_bias_only(W1, b1, W2, b2):  # forgets the first bias entirely
    return W1 @ W2, b2.copy()


def _merge_reversed(W1, b1, W2, b2):  # W2 W1: the order of the layers reversed (runs only when square)
    return W2 @ W1, b1 @ W2 + b2


def _merge_transposed(W1, b1, W2, b2):  # (W1 W2)ᵀ: the column convention's matrix
    return (W1 @ W2).T, b1 @ W2 + b2


def _merge_hard_coded(W1, b1, W2, b2):  # right only for the checker's first fixed case
    rng = np.random.default_rng(106)
    A1, a1, A2, a2 = rng.normal(size=(2, 5)), rng.normal(size=5), rng.normal(size=(5, 3)), rng.normal(size=3)
    return A1 @ A2, a1 @ A2 + a2


_LADDER = {
    "folded_standardisation": (nb01.check_folded_standardisation, _fold_right,
                               [_fold_columns, _fold_no_scale_in_bias, _fold_sign, _fold_bias_kept, _fold_multiplied]),
    "merged_linear": (nb01.check_merged_linear, _merge_right,
                      [_merge_biases_added, _merge_second_bias_only, _merge_reversed, _merge_transposed,
                       _merge_hard_coded]),
}
(test_ladder_reference_passes, test_ladder_none_not_attempted, test_ladder_template_not_attempted,
 test_ladder_wrong_answers_fail) = standard_checker_tests(_LADDER)


def test_folded_layer_really_reads_raw_inputs():
    # the claim of the exercise, measured: the folded layer on raw X equals the layer on standardised X
    rng = np.random.default_rng(7)
    X, W, b = rng.normal(size=(6, 3)), rng.normal(size=(3, 4)), rng.normal(size=4)
    mu, s = X.mean(axis=0), X.std(axis=0)
    W_raw, b_raw = _fold_right(W, b, mu, s)
    assert np.allclose(X @ W_raw + b_raw, ((X - mu) / s) @ W + b, rtol=1e-12, atol=1e-12)


def test_hints_cover_every_exercise_of_notebook_01():
    from course_lib.exercises.solutions import exercises

    ids = [ex["id"] for ex in exercises("01")]
    assert ids == ["hand_forward_prediction", "folded_standardisation", "merged_linear", "abs_network"]
    for ex_id in ids:
        nudge, key = nb01.HINTS[ex_id]
        assert nudge and key and nudge != key


# ---- the learner trial's messages (1.1, 1.4) ------------------------------------------------------------------

def test_hand_forward_prediction_message_reads_for_one_or_both_samples():
    # Ŷ = [[−1], [5]] (the right answer above); one wrong sample is named, two wrong ones are "each sample".
    one = nb01.check_hand_forward_prediction([[-1.0], [6.0]])
    assert one.status == "fail" and "for sample 2, row by row" in one.message, one
    both = nb01.check_hand_forward_prediction([[5.0], [-1.0]])
    assert both.status == "fail" and "for each sample" in both.message and "that sample" not in both.message, both


def test_abs_network_message_names_the_points_as_the_text_does():
    # The exercise text says "401 points of [−5, 5] and at ±1000"; the verdict must say the same.
    result = nb01.check_abs_network((np.array([[1.0, -1.0]]), np.zeros(2), np.array([[1.0], [1.0]]), np.zeros(1)))
    assert result.passed and "401 points of [−5, 5] and at ±1000" in result.message, result


# ---- learner trial E: false passes and messages (1.2, 1.4) -------------------------------------------------------

@pytest.mark.parametrize("C", [1024.0, 2048.0, 4096.0, 1e4, 1e6, 1e8])
def test_abs_network_with_a_kink_moved_far_out_fails_and_names_where_the_unit_switches(C):
    # 2ReLU(x) + ReLU(−x + C) − C equals |x| only for x ≤ C; "every real x" must reject it whatever C is, every run,
    # naming this answer's mistake (unit 2 switches at x = C) without the whole condition
    weights = (np.array([[1.0, -1.0]]), np.array([0.0, C]), np.array([[2.0], [1.0]]), np.array([-C]))
    for _ in range(3):
        result = nb01.check_abs_network(weights)
        assert result.status == "fail" and f"hidden unit 2 switches at x = −b1[1]/W1[0, 1] = {C:.3g}" in \
            result.message and "W2_i·|W1_i| = 1" not in result.message, result


def test_abs_network_with_a_huge_bias_fails_on_rounding_already():
    # C = 1e12: 2ReLU(x) + ReLU(−x + C) − C loses x's digits to rounding on [−5, 5], so the first comparison fails
    weights = (np.array([[1.0, -1.0]]), np.array([0.0, 1e12]), np.array([[2.0], [1.0]]), np.array([-1e12]))
    result = nb01.check_abs_network(weights)
    assert result.status == "fail" and "switches at x = −b1[1]/W1[0, 1] = 1e+12" in result.message, result


def test_abs_network_condition_is_exact_not_a_threshold():
    # the right structure at other scales passes; a tiny bias moves the bends off 0 and fails (exact condition)
    assert nb01.check_abs_network((np.array([[4.0, -0.25]]), np.zeros(2), np.array([[0.25], [4.0]]),
                                   np.zeros(1))).passed
    result = nb01.check_abs_network((np.array([[1.0, -1.0]]), np.array([0.0, 1e-6]), np.array([[1.0], [1.0]]),
                                     np.array([-1e-6])))
    assert result.status == "fail", result


def test_folded_layer_dividing_w_by_s_is_named_by_rows():
    # W / s broadcasts s along W's columns (a ValueError when n_0 ≠ n_1): the message says which rows to divide
    result = nb01.check_folded_standardisation(lambda W, b, mu, s: (W / s, b - (mu / s) @ W))
    assert result.status == "fail" and "wrong axis" in result.message and "drops that axis" not in result.message
    assert "s[:, None]" not in result.message, "the message names the mistake without handing over the code"


# ---- learner trial I: tiny biases pass "exactly |x|"; the fail message handed over the whole condition -----------

TINY = [(np.array([1e-10, 1e-10]), np.array([-2e-10])), (np.array([1e-12, 1e-12]), np.array([-2e-12])),
        (np.zeros(2), np.array([1e-12]))]


@pytest.mark.parametrize("b1, b2", TINY)
def test_abs_network_with_tiny_biases_fails_every_run(b1, b2):
    # ReLU(x + 1e-10) + ReLU(−x + 1e-10) − 2e-10 is 0 on |x| < 1e-10, not |x|; |x| + 1e-12 is not |x| at 0: the text
    # asks for exactly |x| for every real x, i.e. b1 = 0 and b2 = 0 (a rescaled right answer still passes)
    weights = (np.array([[1.0, -1.0]]), b1, np.array([[1.0], [1.0]]), b2)
    for _ in range(20):
        result = nb01.check_abs_network(weights)
        assert result.status == "fail" and "b1 = 0" not in result.message, result
    assert ("hidden unit 1 switches at x = −b1[0]/W1[0, 0] = " if b1[0] else "b2 = 1e-12 is added") in result.message


@pytest.mark.parametrize("e", [1e-3, 1e-5, 1e-8])
def test_abs_network_small_bias_names_where_this_answer_switches_not_the_solution(e):
    weights = (np.array([[1.0, -1.0]]), np.array([e, e]), np.array([[1.0], [1.0]]), np.array([-2 * e]))
    for _ in range(20):
        result = nb01.check_abs_network(weights)
        assert result.status == "fail" and f"switches at x = −b1[0]/W1[0, 0] = {-e:.3g}, not at 0" in result.message
        assert "rounding" not in result.message and "W2_i·|W1_i| = 1" not in result.message and \
            "b2 = 0" not in result.message, result
