"""Checkers for the "Check yourself" exercises of notebook 01 (the forward pass, Eq. 1.1–1.4).

Each checker calls the learner's function on a few seeded random cases and compares the result with
course_lib (the reference): `Linear.forward` for one layer, `MLP.forward` for a whole network.
Usage in the notebook: `from course_lib.exercises import nb01; nb01.check_layer_forward(my_layer_forward)`.
"""

from __future__ import annotations

import numpy as np

from ..gradcheck import rel_error
from ..layers import Linear
from ..network import MLP
from .checking import (
    FAIL,
    NOT_ATTEMPTED,
    PASS,
    Result,
    _not_attempted,
    _short,
    _type_name,
    call_learner,
    check_array,
    check_function,
    exact_number,
    fresh_rng,
    guard_checkers,
    random_sizes,
)

# (B, n_in, n_out): a single sample, a square layer, a wide and a narrow one.
_LAYER_SHAPES = [(1, 3, 2), (5, 4, 4), (7, 2, 6), (16, 9, 1)]
# Networks for the forward-pass exercise: one hidden layer, two hidden layers, several outputs.
_NETWORKS = [[1, 3, 1], [2, 3, 2, 1], [4, 8, 5, 3], [3, 6, 6, 6, 2]]


# Checkers of exercises a course update replaced. No notebook calls them; they stay so that a learner's copy
# made before the update still runs (its cell calls them). tests/exercises/test_checkers.py keeps this list
# exact: every checker is called by its notebook or listed here.
RETIRED = ('check_column_forward', 'check_count_parameters', 'check_mlp_forward', 'check_predicted_shapes')


def _layer_cases(seed: int | None = 101):
    """The fixed cases (seeded); with seed None, one case of a random non-square shape, drawn at call time."""
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    cases = []
    for B, n_in, n_out in _LAYER_SHAPES if seed is not None else [random_sizes(rng, 3, 2, 9)]:
        cases.append((rng.normal(size=(B, n_in)), rng.normal(size=(n_in, n_out)), rng.normal(size=n_out)))
    return cases


def _layer_reference(A_prev, W, b):
    lin = Linear(W.shape[0], W.shape[1])
    lin.W[...] = W
    lin.b[...] = b
    return lin.forward(A_prev)


def check_layer_forward(fn):
    """Exercise 1.1: `fn(A_prev, W, b)` returns Z = A_prev W + 1 bᵀ, Eq. (1.2).

    A_prev is (B, n_in), W is (n_in, n_out), b is (n_out,); the answer must be (B, n_out). Compared with
    `Linear.forward` on four seeded cases (including a batch of one sample).
    """
    return check_function("your layer forward", fn, _layer_reference, _layer_cases(), "Eq. (1.2)",
                          random_cases=_layer_cases(None))


def _network_cases(seed: int | None = 102):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    cases = []
    for sizes in _NETWORKS if seed is not None else [random_sizes(rng, int(rng.integers(3, 6)), 1, 9, False)]:
        weights = [rng.normal(size=(n_in, n_out)) for n_in, n_out in zip(sizes[:-1], sizes[1:], strict=True)]
        biases = [rng.normal(size=n_out) for n_out in sizes[1:]]
        X = rng.normal(size=(int(rng.integers(1, 9)), sizes[0]))
        cases.append((X, weights, biases))
    return cases


def _network_reference(X, weights, biases):
    sizes = [weights[0].shape[0]] + [W.shape[1] for W in weights]
    model = MLP(sizes, activation="relu", output_activation="identity")
    for lin, W, b in zip(model.linears, weights, biases, strict=True):
        lin.W[...] = W
        lin.b[...] = b
    return model.forward(X)


def check_mlp_forward(fn):
    """Exercise 1.2: `fn(X, weights, biases)` returns Ŷ of a ReLU network with an identity output.

    weights = [W_1, …, W_D] with W_l of shape (n_{l−1}, n_l), biases = [b_1, …, b_D] with b_l of shape
    (n_l,), for depth D. The answer is Ŷ = A_D with A_0 = X, Z_l = A_{l−1} W_l + 1 b_lᵀ, A_l = ReLU(Z_l) for the
    hidden layers and A_D = Z_D: Eq. (1.2)–(1.4). Compared with `MLP.forward` on four seeded networks.
    """
    return check_function("your forward pass", fn, _network_reference, _network_cases(), "Eq. (1.2)–(1.4)",
                          random_cases=_network_cases(None))


def _count_reference(layer_sizes):
    return sum(value.size for value, _ in MLP(layer_sizes).parameters())


def check_count_parameters(fn):
    """Exercise 1.3: `fn(layer_sizes)` returns how many numbers (weights and biases) the MLP learns.

    Compared exactly with the total size of `MLP(layer_sizes).parameters()`, for small networks and for
    S2's [1, 50 (×9), 1] network. A wrong count is reported with what the weights and biases alone give.
    """
    name = "your parameter count"
    if fn is None:
        return _not_attempted(name)
    cases = [[1, 3, 1], [2, 3, 2, 1], [784, 100, 10], [1] + [50] * 9 + [1]]
    rng = fresh_rng()  # and one network drawn at call time
    for sizes in cases + [random_sizes(rng, int(rng.integers(2, 6)), 1, 60, False)]:
        got, verdict = call_learner(name, fn, (list(sizes),))
        if verdict is not None:
            return verdict
        expected = _count_reference(sizes)
        number = exact_number(got)
        if number is None:
            return Result(FAIL, f"{name} should return a whole number, got {_type_name(got)}")
        if number != expected:
            n_w = sum(a * b for a, b in zip(sizes[:-1], sizes[1:], strict=False))
            n_b = sum(sizes[1:])
            return Result(
                FAIL,
                f"{name} gives {_short(number)} for layer sizes {sizes}; the network has {expected} "
                f"({n_w} weights in the W_l and {n_b} biases in the b_l)",
            )
    return Result(PASS, f"{name} is right for all {len(cases)} networks, including S2's [1, 50 (×9), 1]")


def _column_cases(seed: int | None = 104):
    return [(W.T.copy(), b, A_prev.T.copy()) for A_prev, W, b in _layer_cases(seed)]


def _column_reference(W_col, b, X_col):
    return _layer_reference(X_col.T, W_col.T, b).T


def check_column_forward(fn):
    """Exercise 1.4: `fn(W_col, b, X_col)` computes a layer in the column convention: Z_col = W_col X_col + b 1ᵀ.

    W_col is (n_out, n_in) (= Wᵀ), X_col is (n_in, B) with one sample per column, b is (n_out,); the
    answer must be (n_out, B). It is Eq. (1.2) transposed, so it is compared with `Linear.forward(X).T`.
    """
    return check_function(
        "your column-convention layer", fn, _column_reference, _column_cases(), "Eq. (1.2) in column form",
        random_cases=_column_cases(None),
    )


# ---------------------------------------------------------------------------------------------------------
# Transfer exercises: design weights; predict shapes before measuring them.
# ---------------------------------------------------------------------------------------------------------


def _abs_net_output(W1, b1, W2, b2, x):
    """Ŷ of the 1-2-1 ReLU network (identity output) on the column of inputs x, by Eq. (1.2)–(1.4)."""
    model = MLP([1, 2, 1], activation="relu", output_activation="identity")
    for lin, W, b in zip(model.linears, (W1, W2), (b1, b2), strict=True):
        lin.W[...] = W
        lin.b[...] = b
    return model.forward(x)


_ABS_SHAPES = {"W1": (1, 2), "b1": (2,), "W2": (2, 1), "b2": (1,)}


def _abs_structure_mistake(arrays):
    """None if b1 = 0 and b2 = 0 exactly (the structural condition: |x| bends only at 0, and is 0 there), else what
    is wrong in THIS answer: the x where a hidden unit switches (−b1_i / W1_i) or the constant b2 adds. A bias of
    1e-10 passes any test on sample points, so it is read off the weights, not the output."""
    a, c, v, d = arrays[0][0], arrays[1], arrays[2][:, 0], float(arrays[3][0])
    for i in range(2):
        if c[i] != 0 and a[i] != 0 and v[i] != 0:
            with np.errstate(all="ignore"):
                at = float(-c[i] / a[i])
            return (f"hidden unit {i + 1} switches at x = −b1[{i}]/W1[0, {i}] = {at:.3g}, not at 0 where |x| bends, "
                    "so the output is not |x| between the two")
    if d != 0:
        return f"b2 = {d:.3g} is added to every output, so at x = 0 your network gives {d:.3g} instead of |0| = 0"
    return None


def _abs_bend_failure(arrays):
    """None if the network equals |x| for every real x, else an x where it does not.

    The output is piecewise linear, bending only where a hidden unit switches (x = −b1_i / W1_i). Two such functions
    are equal on all of ℝ iff they agree at every bend (the network's and |x|'s at 0) and at one point beyond each
    end; so those points decide it exactly, whatever the size of a bias (a kink at x = 10⁶ included)."""
    with np.errstate(all="ignore"):
        a, c, v = arrays[0][0], arrays[1], arrays[2][:, 0]
        live = (a != 0) & (v != 0)
        bends = np.concatenate([[0.0], -c[live] / a[live]])
        bends = bends[np.isfinite(bends)]
        lo, hi = float(bends.min()), float(bends.max())
        xs = np.concatenate([bends, [lo - 1.0 - abs(lo), hi + 1.0 + abs(hi), -1e12, 1e12]])[:, None]
        out = _abs_net_output(*arrays, xs)
        bad = ~(np.abs(out - np.abs(xs)) <= 1e-9 * np.maximum(1.0, np.abs(xs)))
    return float(xs[np.argmax(bad[:, 0]), 0]) if np.any(bad) else None


def check_abs_network(weights) -> Result:
    """Exercise 1.5: weights (W1, b1, W2, b2) of a 1-2-1 ReLU network (identity output) that computes |x|.

    Shapes follow Eq. (1.2): W1 (1, 2), b1 (2,), W2 (2, 1), b2 (1,). The network's output on 401 points of
    [−5, 5] (plus ±1000) must equal |x| to rounding; then "for every real x" is checked exactly: the output is
    piecewise linear with bends only at x = −b1_i/W1_i, so it must equal |x| at each bend, at 0 and one point
    beyond each end (and ±1e12). That holds iff b1 = 0, W1's entries have opposite signs, W2_i·|W1_i| = 1, b2 = 0;
    a kink moved to some x = C (right only for x ≤ C) fails for every C. b1 and b2 must be exactly 0 (read off the
    weights: biases of 1e-10 change the output by less than any test on sample points can see); a failure names
    the x where a unit switches or the constant b2 adds, not the whole condition.
    """
    name = "your |x| network"
    if weights is None or weights is Ellipsis:
        return Result(NOT_ATTEMPTED, f"{name} is still empty; write your code in the marked cell and run it again")
    if not isinstance(weights, (tuple, list)):
        return Result(FAIL, f"{name} should be a tuple (W1, b1, W2, b2) of numeric arrays, got {_type_name(weights)}")
    try:
        arrays = [np.asarray(w, dtype=np.float64) for w in weights]
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - a ragged list, 10**400, an object whose __array__ raises, …
        return Result(FAIL, f"{name} should be a tuple (W1, b1, W2, b2) of numeric arrays")
    if len(arrays) != 4:
        return Result(FAIL, f"{name} should be a tuple of 4 arrays (W1, b1, W2, b2), got {len(arrays)}")
    for (key, shape), a in zip(_ABS_SHAPES.items(), arrays, strict=True):
        if a.shape != shape:
            hint = " (a missing or extra transpose?)" if a.shape == shape[::-1] else ""
            return Result(FAIL, f"{key} has shape {a.shape}, but Eq. (1.2) for a 1-2-1 network needs {shape}{hint}")
    x = np.concatenate([np.linspace(-5.0, 5.0, 401), [-1000.0, 1000.0]])[:, None]
    res = check_array(f"{name}'s output on 401 points of [−5, 5] and at ±1000", _abs_net_output(*arrays, x),
                      np.abs(x), "|x|", tol=1e-12)
    x_bad = _abs_bend_failure(arrays)
    mistake = _abs_structure_mistake(arrays)
    if not res.passed:
        with np.errstate(all="ignore"):
            near = "rel. error" in res.message and rel_error(_abs_net_output(*arrays, x), np.abs(x)) < 1e-3
        return Result(FAIL, res.message + (f"; {mistake}" if near and mistake is not None else ""))
    if x_bad is not None:
        return Result(FAIL, f"{name} equals |x| on [−5, 5] and at ±1000, but not at x = {x_bad:.3g}, and the text "
                            f"asks for every real x" + (f": {mistake}" if mistake is not None else ""))
    if mistake is not None:
        return Result(FAIL, f"{name} equals |x| to rounding on the test points, but the text asks for exactly |x| "
                            f"for every real x: {mistake}")
    return Result(PASS, "your |x| network equals |x| on 401 points of [−5, 5] and at ±1000, and for every real x: "
                        "both hidden units switch at x = 0 (b1 = 0), one for each sign of x, and b2 = 0")


_PREDICT_SIZES, _PREDICT_B = [3, 8, 8, 2], 16


def _shape_tuple(value):
    """value as a tuple of Python ints if it is a sequence of whole numbers (read through numpy, so an
    element whose `__eq__` always says True is not trusted), else None."""
    if isinstance(value, (str, bytes, dict)):
        return None
    try:
        arr = np.asarray(value)
    except KeyboardInterrupt:
        raise
    except BaseException:  # noqa: BLE001 - learner-controlled
        return None
    if arr.ndim != 1 or arr.dtype.kind not in "iu":
        return None
    return tuple(int(v) for v in arr.tolist())


def measured_shapes():
    """Shapes measured on MLP([3, 8, 8, 2]) and a batch of 16: every W_l, b_l, Z_l, A_l, X, Ŷ and the count."""
    model = MLP(_PREDICT_SIZES, activation="tanh", output_activation="identity")
    X = np.zeros((_PREDICT_B, _PREDICT_SIZES[0]))
    shapes = {"X": X.shape}
    A = X
    for l, lin in enumerate(model.linears, start=1):
        shapes[f"W{l}"], shapes[f"b{l}"] = lin.W.shape, lin.b.shape
        Z = lin.forward(A)
        A = np.tanh(Z) if l < len(model.linears) else Z
        shapes[f"Z{l}"], shapes[f"A{l}"] = Z.shape, A.shape
    shapes["Y_hat"] = model.forward(X).shape
    shapes["n_params"] = model.num_parameters()
    return shapes


def check_predicted_shapes(predicted) -> Result:
    """Exercise 1.6: a dict of predicted shapes for MLP([3, 8, 8, 2]) on a batch of B = 16, and its count.

    Keys: "X", "W1", "b1", "Z1", "A1", "W2", "b2", "Z2", "A2", "W3", "b3", "Z3", "A3", "Y_hat" (tuples) and
    "n_params" (an int). Compared with the shapes measured on course_lib's MLP (`measured_shapes()`).
    """
    name = "your predictions"
    if predicted is None or predicted is Ellipsis:
        return Result(NOT_ATTEMPTED, f"{name} are still empty; fill in the dict in the marked cell and run it again")
    if not isinstance(predicted, dict):
        return Result(FAIL, f"{name} should be a dict such as {{'X': (16, 3), …}}, got {type(predicted).__name__}")
    truth = measured_shapes()
    missing = [k for k in truth if k not in predicted]
    if missing:
        return Result(FAIL, f"{name} miss the key(s) {', '.join(map(repr, missing))}. The dict needs one key per "
                            "array, named as in the text: 'X'; 'W1', 'b1', 'Z1', 'A1' for layer 1 and the same with "
                            "2 and 3; 'Y_hat' for Ŷ; and 'n_params' for the number of parameters")
    wrong = []
    for key, shape in truth.items():
        if key == "n_params":
            continue
        got = _shape_tuple(predicted[key])
        if got is None:
            return Result(FAIL, f"{key}: a shape is a tuple of ints such as (16, 3), got {_short(predicted[key])}")
        if got != shape:
            hint = " (rows and columns swapped?)" if got == shape[::-1] else ""
            wrong.append(f"{key} is {shape}, you predicted {got}{hint}")
    count = check_array("your parameter count", predicted["n_params"], truth["n_params"], "the measured count",
                        tol=0.0)
    count_wrong = None if count.passed else (f"the parameter count is {truth['n_params']}, you predicted "
                                             f"{_short(predicted['n_params'])} (weights and biases of all three "
                                             "layers)")
    if wrong:
        also = f"; and {count_wrong}" if count_wrong else ""
        return Result(FAIL, f"{len(wrong)} shape(s) differ from Eq. (1.2)–(1.4): " + "; ".join(wrong) + also)
    if count_wrong:
        return Result(FAIL, f"every shape is right, but {count_wrong}")
    return Result(PASS, f"all {len(truth) - 1} shapes and the parameter count ({truth['n_params']}) match the "
                        "measured network")


# ---------------------------------------------------------------------------------------------------------
# The ladder: predict a forward pass by hand; derive a folded standardisation and a merged layer.
# ---------------------------------------------------------------------------------------------------------

# The 2-3-1 network of the prediction exercise (the notebook prints the same numbers in its text).
_HAND_X = np.array([[1.0, -2.0], [3.0, 1.0]])
_HAND_W1 = np.array([[1.0, -1.0, 2.0], [2.0, 0.0, -1.0]])
_HAND_B1 = np.array([0.0, 1.0, -3.0])
_HAND_W2 = np.array([[1.0], [-2.0], [1.0]])
_HAND_B2 = np.array([-2.0])


def _hand_output(relu_hidden=True, hidden_bias=True, relu_output=False):
    Z1 = _HAND_X @ _HAND_W1 + (_HAND_B1 if hidden_bias else 0.0)
    A1 = np.maximum(Z1, 0.0) if relu_hidden else Z1
    Z2 = A1 @ _HAND_W2 + _HAND_B2
    return np.maximum(Z2, 0.0) if relu_output else Z2


def check_hand_forward_prediction(prediction) -> Result:
    """Exercise 1.1 (predict): Ŷ of the 2-3-1 ReLU network of the text on its batch of two samples, by hand.

    The reference runs course_lib's MLP with those weights (Eq. 1.2–1.4); the answer must be Ŷ with shape (2, 1)
    to 1e-9. A wrong prediction that matches a typical slip (no ReLU, ReLU on the output, b_1 left out) is named.
    """
    name = "your predicted Ŷ"
    model = MLP([2, 3, 1], activation="relu", output_activation="identity")
    for lin, W, b in zip(model.linears, (_HAND_W1, _HAND_W2), (_HAND_B1, _HAND_B2), strict=True):
        lin.W[...] = W
        lin.b[...] = b
    truth = model.forward(_HAND_X.copy())
    res = check_array(name, prediction, truth, "Eq. (1.2)–(1.4)", tol=1e-9)
    if res.status != FAIL or "rel. error" not in res.message:
        return res
    got = np.asarray(prediction, dtype=np.float64)
    slips = [
        (_hand_output(relu_hidden=False), "that is the network without the ReLU of the hidden layer (Eq. 1.3)"),
        (_hand_output(relu_output=True), "that has a ReLU on the output too; here the output layer is the identity"),
        (_hand_output(hidden_bias=False), "that leaves out b_1: every sample gets the bias (the 1 b_1ᵀ of Eq. 1.2)"),
    ]
    for value, why in slips:
        if np.allclose(got, value, rtol=0, atol=1e-9):
            return Result(FAIL, f"{name} is off: {why}")
    right = [bool(np.isclose(g, t, rtol=0, atol=1e-9)) for g, t in zip(got[:, 0], truth[:, 0], strict=True)]
    which = {(True, False): "sample 1 is right, sample 2 is not; write Z_1, A_1 and Z_2 for sample 2, row by row",
             (False, True): "sample 2 is right, sample 1 is not; write Z_1, A_1 and Z_2 for sample 1, row by row",
             (False, False): "both samples are off; write Z_1, A_1 and Z_2 for each sample (one row each)"
             }[tuple(right)]
    return Result(FAIL, f"{name} fails Eq. (1.2)–(1.4): {which}")


def _fold_cases(seed: int | None = 105):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    shapes = [(3, 5), (4, 4), (6, 2), (1, 3)] if seed is not None else [tuple(random_sizes(rng, 2, 2, 9))]
    return [(rng.normal(size=(n0, n1)), rng.normal(size=n1), rng.normal(size=n0), rng.uniform(0.2, 3.0, n0))
            for n0, n1 in shapes]


def _fold_reference(W, b, mu, s):
    # Z = ((X − 1μᵀ) / s) W + 1bᵀ = X (W / s_i row by row) + 1 (b − (μ/s)ᵀ W)ᵀ, Eq. (1.2) on the raw X
    return W / s[:, None], b - (mu / s) @ W


def check_folded_standardisation(fn) -> Result:
    """Exercise 1.2 (derive): `fn(W, b, mu, s)` returns (W_raw, b_raw) such that X W_raw + 1 b_rawᵀ equals the
    layer (Eq. 1.2) applied to the standardised input (X − 1μᵀ) / s (column i divided by s_i).

    W (n_0, n_1), b (n_1,), mu and s (n_0,). Reference: W_raw = W / s (row i divided by s_i), b_raw = b − (μ/s)ᵀ W.
    Cases include a square W (where dividing the columns by s still runs) and one drawn at call time.
    """
    result = check_function("your folded layer", fn, _fold_reference, _fold_cases(), "Eq. (1.2) on (X − 1μᵀ)/s",
                            labels=("W_raw", "b_raw"), random_cases=_fold_cases(None))
    if not result.passed and "drops that axis" in result.message:  # W / s: numpy lines s up with W's columns
        return Result(FAIL, "your folded layer divides W (n_0, n_1) by s (n_0,) along the wrong axis: numpy lines "
                            "s (n_0,) up with W's columns (and cannot, unless n_0 = n_1), but input i, the one "
                            "divided by s_i, meets row i of W")
    return result


def _merge_cases(seed: int | None = 106):
    rng = np.random.default_rng(seed) if seed is not None else fresh_rng()
    shapes = [(2, 5, 3), (4, 4, 4), (6, 3, 1), (1, 2, 7)] if seed is not None else [tuple(random_sizes(rng, 3, 2, 9))]
    return [(rng.normal(size=(n0, n1)), rng.normal(size=n1), rng.normal(size=(n1, n2)), rng.normal(size=n2))
            for n0, n1, n2 in shapes]


def _merge_reference(W1, b1, W2, b2):
    # (X W1 + 1 b1ᵀ) W2 + 1 b2ᵀ = X (W1 W2) + 1 (b1ᵀ W2 + b2ᵀ)
    return W1 @ W2, b1 @ W2 + b2


def check_merged_linear(fn) -> Result:
    """Exercise 1.3 (derive, show that): `fn(W1, b1, W2, b2)` returns (W, b) of ONE layer equal to two layers
    with the identity between them: X W + 1 bᵀ = (X W1 + 1 b1ᵀ) W2 + 1 b2ᵀ for every X, by Eq. (1.2) twice.

    Reference: W = W1 W2 (n_0, n_2), b = W2ᵀ b1 + b2 (n_2,). Cases include a square case (where W2 W1 runs)
    and one drawn at call time.
    """
    return check_function("your merged layer", fn, _merge_reference, _merge_cases(), "Eq. (1.2) applied twice",
                          labels=("W", "b"), random_cases=_merge_cases(None))


HINTS = {
    "hand_forward_prediction": [
        "Do one sample (one row of X) at a time: Eq. (1.2) gives a row of three pre-activations, Eq. (1.3) clips "
        "them, and the output layer is one more Eq. (1.2) with no activation.",
        "For sample 1, z_1ᵀ = x_1ᵀ W_1 + b_1ᵀ = 1·(row 1 of W_1) − 2·(row 2 of W_1) + b_1ᵀ; ReLU sets the negative "
        "entries (and 0) to 0; then ŷ = a_1ᵀ W_2 + b_2. Do not apply ReLU to ŷ. Write Ŷ as a (2, 1) array.",
    ],
    "folded_standardisation": [
        "Write the layer on the standardised input, ((X − 1μᵀ)/s) W + 1bᵀ, and expand it until it reads "
        "X·(something) + 1·(something)ᵀ. Which index of W meets s_i?",
        "Split the standardised input into two parts, X·diag(1/s) and −1(μ/s)ᵀ, and multiply each by W on its own. "
        "Then read off which matrix multiplies X (that is W_raw) and which row is added to every sample (with b, "
        "that is b_rawᵀ); write the shape under each.",
    ],
    "merged_linear": [
        "Substitute the first layer into the second and multiply out; keep the order of the factors (matrix "
        "products do not commute) and write the shape under each term.",
        "Multiply (X W1 + 1 b1ᵀ) by W2 term by term, keeping each product in its order (matrix products do not "
        "commute), then group: what multiplies X is W, and every row added to all samples, 1·(row), belongs to bᵀ. "
        "Check how many terms land in the second group.",
    ],
    "abs_network": [
        "What are ReLU(x) and ReLU(−x) for x > 0 and for x < 0? Can two hidden units give you those two?",
        "Compare ReLU(x) and ReLU(−x) on each side of 0 and add them. Then choose W1 and b1 so that the two hidden "
        "units receive x and −x, and W2 and b2 so that the output combines them as that sum does.",
    ],
}


guard_checkers(globals())
