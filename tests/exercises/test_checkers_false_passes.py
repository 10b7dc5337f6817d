"""Wrong answers that once passed a checker, and messages that once misled, each replayed: the wrong answer must
now fail, for the reason the exercise text gives.

Expected values come from the mathematics (σ(z) = 1/(1 + e^(−z)) evaluated with care, var(|x|) on the target's
range), never from the checker's output.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from exercise_support import Value

from course_lib.exercises import FAIL, PASS, nb01, nb03, nb04, nb05, nb06, nb07, nb08, nb09, nb10, nb12


def sigma(z):
    return math.exp(-math.log1p(math.exp(-z))) if z >= 0 else math.exp(z - math.log1p(math.exp(z)))


# --------------------------------------------------------------------------- 10.3: Value sigmoid
def value_sigmoid(assign=False, chain=True, parents=True):
    def fn(v):
        s = sigma(v.data)
        out = Value(s, (v,) if parents else ())

        def _backward():
            g = s * (1.0 - s) * (out.grad if chain else 1.0)
            if assign:
                v.grad = g
            else:
                v.grad += g

        out._backward = _backward
        return out

    return fn


def test_value_sigmoid_bugs_show_only_in_a_larger_expression():
    # at v = 0.3 the true dL/dv of L = σ(v)·v is σ + vσ(1 − σ) = 0.64778
    s = sigma(0.3)
    assert abs(s + 0.3 * s * (1 - s) - 0.64778) < 1e-5
    assert nb10.check_value_sigmoid(value_sigmoid(), Value).status == PASS
    res = nb10.check_value_sigmoid(value_sigmoid(assign=True), Value)
    assert res.status == FAIL and "+=" in res.message
    res = nb10.check_value_sigmoid(value_sigmoid(chain=False), Value)
    assert res.status == FAIL and "out.grad" in res.message
    res = nb10.check_value_sigmoid(value_sigmoid(parents=False), Value)
    assert res.status == FAIL and "parent" in res.message


# --------------------------------------------------------------------------- 08.1: a 1-point validation set
def test_abs_config_is_judged_on_a_grid_not_on_one_validation_point():
    gamed = dict(target="abs", noise=0.0, n_samples=20, val_fraction=0.05, hidden_layers=1, width=1,
                 activation="tanh", seed=3)
    res = nb08.check_abs_config(gamed)
    assert res.status == FAIL and "var(|x|)" in res.message and "1 validation point" in res.message
    good = dict(target="abs", noise=0.0, hidden_layers=1, width=16, activation="relu", init="he",
                optimiser="adam", lr=0.01, batch_size=32)
    assert nb08.check_abs_config(good).status == PASS


# --------------------------------------------------------------------------- 08.2, 08.4, 08.5: numbers only
@pytest.mark.parametrize("answer", ["1", 1.0000000001, 10**400, np.float32(1.0) + np.float32(1e-6)])
def test_diverging_lr_wants_exactly_a_power_of_ten(answer):
    assert nb08.check_diverging_lr(answer).status == FAIL


def test_predictions_are_not_fooled_by_an_int_that_equals_everything():
    class Liar(int):
        def __eq__(self, other):
            return True

        def __ne__(self, other):
            return False

        __hash__ = int.__hash__

    assert nb08.check_kinks_prediction(Liar(17)).status == FAIL
    assert nb08.check_batch_prediction(Liar(17)).status == FAIL
    assert nb01.check_count_parameters(lambda sizes: Liar(1)).status == FAIL


# --------------------------------------------------------------------------- 12.1 and 12.2: softmax
def softmax_naive(Z):
    E = np.exp(Z)
    return E / E.sum(axis=1, keepdims=True)


def softmax_shifted(Z):
    E = np.exp(Z - Z.max(axis=1, keepdims=True))
    return E / E.sum(axis=1, keepdims=True)


def test_softmax_vjp_needs_a_stable_softmax_and_no_c_by_c_matrix():
    def vjp(softmax):
        def fn(Z, G):
            P = softmax(Z)
            return P * (G - (G * P).sum(axis=1, keepdims=True))

        return fn

    def per_sample_jacobians(Z, G):
        P = softmax_shifted(Z)
        return np.stack([G[i] @ (np.diag(P[i]) - np.outer(P[i], P[i])) for i in range(Z.shape[0])])

    assert nb12.check_softmax_vjp(vjp(softmax_shifted)).status == PASS
    with np.errstate(all="ignore"):
        res = nb12.check_softmax_vjp(vjp(softmax_naive))
    assert res.status == FAIL and "NaN or Inf" in res.message and "Eq. (12.5)" in res.message
    res = nb12.check_softmax_vjp(per_sample_jacobians)
    assert res.status == FAIL and "C × C" in res.message


def test_label_smoothing_needs_a_stable_softmax_and_numpy_only():
    from course_lib.losses import CrossEntropyLoss

    def grad(softmax):
        def fn(Z, y, eps):
            B, C = Z.shape
            return (softmax(Z) - ((1 - eps) * np.eye(C)[y] + eps / C)) / B

        return fn

    def with_course_lib(Z, y, eps):
        C = Z.shape[1]
        return CrossEntropyLoss("mean").grad(Z, (1 - eps) * np.eye(C)[y] + eps / C)

    assert nb12.check_label_smoothing_grad(grad(softmax_shifted)).status == PASS
    with np.errstate(all="ignore"):
        assert nb12.check_label_smoothing_grad(grad(softmax_naive)).status == FAIL
    res = nb12.check_label_smoothing_grad(with_course_lib)
    assert res.status == FAIL and "numpy only" in res.message
    assert CrossEntropyLoss("mean").grad(np.zeros((1, 2)), np.array([1])).shape == (1, 2)  # restored afterwards


# --------------------------------------------------------------------------- 09.3: a layer with no connection
def test_topological_order_must_keep_a_layer_without_connections():
    def from_edges_only(names, edges):
        nodes = list(dict.fromkeys(n for e in edges for n in e))
        order, done = [], set()
        while len(order) < len(nodes):
            n = next(n for n in nodes if n not in done and all(u in done for u, v in edges if v == n))
            order.append(n)
            done.add(n)
        return order

    res = nb09.check_topological_order(from_edges_only)
    assert res.status == FAIL and "no connection" in res.message
    res = nb09.check_topological_order(lambda names, edges: list(range(10**6)))
    assert res.status == FAIL and len(res.message) < 700  # was a 7.9 MB message


# --------------------------------------------------------------------------- 03.1 and 03.4: overflow and tails
def test_a_clipped_sigmoid_fails_on_its_tiny_values():
    assert abs(sigma(-40.0) - 4.248354255291589e-18) < 1e-30  # the value a clip at ±35 gets wrong
    clipped = nb03.check_stable_sigmoid(lambda z: 1 / (1 + np.exp(-np.clip(np.asarray(z, float), -35, 35))))
    assert clipped.status == FAIL and "entry by entry" in clipped.message
    stable = nb03.check_stable_sigmoid(lambda z: np.where(z >= 0, 1 / (1 + np.exp(-np.abs(z))),
                                                          np.exp(-np.abs(z)) / (1 + np.exp(-np.abs(z)))))
    assert stable.status == PASS


def test_elu_derivative_must_not_overflow_in_the_unused_branch():
    res = nb03.check_elu_derivative(lambda Z, a: np.where(np.asarray(Z) > 0, 1.0, a * np.exp(Z)))
    assert res.status == FAIL and "overflow" in res.message
    guarded = nb03.check_elu_derivative(lambda Z, a: np.where(Z > 0, 1.0, a * np.exp(np.minimum(Z, 0.0))))
    assert guarded.status == PASS


# --------------------------------------------------------------------------- 04.2 and 04.5
def test_relu_derivative_at_zero_is_zero():
    res = nb04.check_hidden_delta(lambda dY, S, U: (dY @ S.T) * (U >= 0))
    assert res.status == FAIL


def test_per_sample_gradients_with_swapped_axes_get_a_transpose_hint():
    def swapped(X, W, b1, S, b2, T):
        U = X @ W + b1
        D = ((2.0 * (np.maximum(U, 0.0) @ S + b2 - T)) @ S.T) * (U > 0)
        return D[:, :, None] * X[:, None, :]  # (B, n_h, n_x): the factors of the outer product swapped

    res = nb04.check_per_sample_grads(swapped)
    assert res.status == FAIL and "np.transpose" in res.message and "reshape it to" not in res.message


# --------------------------------------------------------------------------- 05.4: the measured rank
def test_rank_failure_states_the_measured_rank():
    res = nb05.check_rank_prediction(lambda B, n_in, n_out: min(n_in, n_out))
    # first size (1, 6, 4): one sample gives an outer product, rank 1; min(n_in, n_out) says 4
    assert res.status == FAIL and "the measured rank of ∇W is 1" in res.message and "gives 4" in res.message


# --------------------------------------------------------------------------- 06.1 and 06.5
def test_sgd_step_must_return_a_new_array():
    def in_place(theta, grad, lr, wd):
        theta -= lr * (grad + wd * theta)
        return theta

    res = nb06.check_sgd_step(in_place)
    assert res.status == FAIL and "new array" in res.message


def test_decay_prediction_may_not_call_the_measurement():
    from course_lib.exercises.nb06 import measure_decay

    for leak in (lambda th, lr, wd, n: nb06.measure_decay(th, lr, wd, n), lambda *a: measure_decay(*a)):
        res = nb06.check_decay_prediction(leak)
        assert res.status == FAIL and "measure_decay" in res.message
    with pytest.raises(RuntimeError, match="retired"):  # it would answer the new 6.5 (decay_numbers)
        measure_decay(1.0, 1e-3, 0.1, 100)

    def adamw_zero(theta0, lr, wd, n):  # case 1's AdamW distance (1e-3) hides in the pair's norm (0.1)
        return [0.0, min(abs(theta0), n * lr)]

    assert nb06.check_decay_prediction(adamw_zero).status == FAIL


# --------------------------------------------------------------------------- 07.5: a list, then a crash
def test_relu_kinks_must_return_an_array():
    def as_list(W1, b1, lo, hi):
        with np.errstate(divide="ignore", invalid="ignore"):  # a unit with w = 0 has no kink: -b/0 on purpose
            x = -b1 / W1[0]
        return sorted(v for v in x if lo <= v <= hi)

    res = nb07.check_relu_kinks(as_list)
    assert res.status == FAIL and "numpy array" in res.message
    assert nb07.check_relu_kinks(lambda W1, b1, lo, hi: np.sort(np.array(as_list(W1, b1, lo, hi)))).status == PASS


# --------------------------------------------------------------------------- 01.6: key names
def test_predicted_shapes_names_every_key_and_reports_the_count_too():
    res = nb01.check_predicted_shapes({})
    assert res.status == FAIL and "'Y_hat' for Ŷ" in res.message and "'n_params'" in res.message
    shapes = {"X": (16, 3), "W1": (8, 3), "b1": (8,), "Z1": (16, 8), "A1": (16, 8), "W2": (8, 8), "b2": (8,),
              "Z2": (16, 8), "A2": (16, 8), "W3": (8, 2), "b3": (2,), "Z3": (16, 2), "A3": (16, 2),
              "Y_hat": (16, 2), "n_params": 3 * 8 + 8 * 8 + 8 * 2}  # W1 transposed, biases not counted
    res = nb01.check_predicted_shapes(shapes)
    assert res.status == FAIL and "W1 is (3, 8)" in res.message and "parameter count is 122" in res.message
