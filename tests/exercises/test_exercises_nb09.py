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
    # learner K: transposes only when W is not square (the shapes then force it), so a square W is needed
    "no transpose when W is square": lambda D, W, n_a: (
        lambda G: (G[:, :n_a], G[:, n_a:]))(D @ W if W.shape[0] == W.shape[1] else D @ W.T),
}


def test_concat_reference_passes():
    res = nb09.check_concat_grads(concat_right)
    assert res.status == PASS, res


def test_concat_none_is_not_attempted():
    assert nb09.check_concat_grads(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize("name", sorted(CONCAT_WRONG))
def test_concat_wrong_answers_fail(name):
    results = {(r.status, r.message) for r in (nb09.check_concat_grads(CONCAT_WRONG[name]) for _ in range(20))}
    assert len(results) == 1 and next(iter(results))[0] == FAIL, (name, results)  # the same verdict every run


def test_concat_none_returned_is_reported():
    res = nb09.check_concat_grads(lambda D, W, n_a: None)
    assert res.status == FAIL and "return" in res.message


# --- The ladder: 9.1 predict ∂L/∂x by adding the roads of a small graph -----------------------------------------


def test_roads_reference_by_hand_and_by_finite_differences():
    """The reference (Graph.backward) against the hand computation and central differences of the graph's loss."""
    from course_lib import numerical_grad
    g = nb09.roads_graph()
    x, t = np.array([[nb09.ROADS_X]]), np.array([[nb09.ROADS_T]])
    assert g.forward({"x": x})["y"][0, 0] == -3.5  # z_a = −1 (a off), b = 4, ŷ = −4 + 0.5
    assert nb09._roads_grad() == 17.5  # 2(ŷ − t) · (0 − 3 + 0.5)

    def loss():
        g.forward({"x": x})
        return g.loss({"y": t})

    assert abs(numerical_grad(loss, x)[0, 0] - 17.5) < 1e-6


def test_roads_prediction_passes():
    assert nb09.check_roads_prediction(17.5).passed
    assert nb09.check_roads_prediction(np.float64(17.5)).passed
    assert nb09.check_roads_prediction(None).status == NOT_ATTEMPTED


@pytest.mark.parametrize(("value", "why"), [
    (21.0, "skip connection"),      # only the road through b: the skip forgotten
    (24.0, "skip connection"),      # the skip left out of the forward pass too (ŷ = −4)
    (-52.5, "active"),              # the road through the inactive ReLU unit counted
    (8.75, "without ½"),            # ½(ŷ − t)²: the derivative 1 × (ŷ − t)
    (-17.5, "sign"),                # ∂L/∂ŷ = 2(t − ŷ)
    (-2.5, "∂ŷ/∂x"),                # the loss's factor forgotten
    (17.0, "forward pass first"),   # a near miss
    (-7.0, "forward pass first"),   # ∂L/∂ŷ alone
])
def test_roads_wrong_predictions_fail(value, why):
    res = nb09.check_roads_prediction(value)
    assert res.status == FAIL and why in res.message, str(res)


@pytest.mark.parametrize("value", ["17.5", np.array([17.5]), True, float("nan"), 10**400, [17.5]])
def test_roads_odd_predictions_fail(value):
    assert nb09.check_roads_prediction(value).status == FAIL


def test_every_exercise_has_two_hint_tiers():
    from course_lib.exercises.solutions import exercises
    ids = [ex["id"] for ex in exercises("09")]
    assert sorted(ids) == sorted(nb09.HINTS) and all(len(nb09.HINTS[i]) == 2 for i in ids)


# --- 9.4: a failing order is told which connection it breaks, never shown a right order ----------------------------


def test_topological_order_failures_show_no_right_answer():
    def as_given(names, edges):  # the names in the order they came: breaks a connection
        return list(names)

    def drops_isolated(names, edges):  # only the layers that have a connection
        used = {n for e in edges for n in e}
        return [n for n in sorted(names) if n in used]

    res = nb09.check_topological_order(as_given)
    assert res.status == FAIL and "comes before its parent" in res.message and "right answer" not in res.message, \
        str(res)
    res = nb09.check_topological_order(drops_isolated)
    assert res.status == FAIL and "'bias_input' missing" in res.message and "right answer" not in res.message, str(res)


# --- learner G's trial: a verdict that depended on the draw, and a message that did not name the slip --------------


def one_pass_depth(names, edges):  # one pass over the connections in the order given: right only if listed in order
    d = {n: 0 for n in names}
    for u, v in edges:
        d[v] = max(d[v], d[u] + 1)
    return sorted(names, key=d.get)


def kahn(names, edges):  # a right answer: repeatedly place a layer all of whose parents are placed
    order, left = [], list(names)
    while left:
        ready = next(n for n in left if all(u in order for u, v in edges if v == n))
        order.append(ready)
        left.remove(ready)
    return order


def test_topological_order_one_pass_depth_fails_every_run():
    """The fixed graphs listed every connection in topological order, so a one-pass depth labelling passed 7 runs
    in 10; two fixed chains listed against the order now catch it on every run."""
    assert one_pass_depth(["c", "b", "a"], [("b", "c"), ("a", "b")]) == ["a", "c", "b"]  # breaks b → c
    for _ in range(20):
        res = nb09.check_topological_order(one_pass_depth)
        assert res.status == FAIL and "comes before its parent" in res.message, str(res)
        assert nb09.check_topological_order(kahn).status == PASS


@pytest.mark.parametrize(("name", "missing"), [("second use only", "the first use"),
                                               ("first use only", "the second use")])
def test_tied_weights_one_use_only_is_named(name, missing):
    """Dropping one of W's two uses got only "rel. error 0.31": the message now names the missing use."""
    for _ in range(20):
        res = nb09.check_tied_weights_grad(TIED_WRONG[name])
        assert res.status == FAIL and missing in res.message and "one use of W only" in res.message, str(res)
