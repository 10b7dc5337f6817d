"""Every gradient course_lib computes, against central finite differences and against autograd.

Finite differences (float64, h = 1e-6) on seeded random architectures: depth 1–5, widths 1–16,
batch 1–9, every activation and every loss; max relative error (Eq. 2.6) <= 1e-6.
ReLU kinks are handled honestly: gradcheck detects any entry whose ±h step flips a unit's on/off state
and reports it; the tests redraw the data until no entry crosses a kink (so every entry is compared) and
never loosen the tolerance.
The independent oracle is the `autograd` package: the same network written in autograd.numpy from the
same weights, differentiated by autograd's reverse mode; agreement <= 1e-9.
"""

from __future__ import annotations

import autograd.numpy as anp
import numpy as np
import pytest
from autograd import grad as ag_grad
from autograd_oracle import AG_ACT, ag_loss_terms

from course_lib import (
    ACTIVATIONS,
    MLP,
    BCEWithLogitsLoss,
    MSELoss,
    check_gradients,
    get_activation,
    gradcheck,
    numerical_grad,
    rel_error,
)

ACTS = sorted(ACTIVATIONS)
LOSSES = [MSELoss("mean"), MSELoss("sum"), BCEWithLogitsLoss("mean"), BCEWithLogitsLoss("sum")]


def random_case(seed):
    """A seeded random architecture, batch, loss and data (targets valid for the loss)."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 6))
    sizes = [int(n) for n in rng.integers(1, 17, size=depth + 1)]
    hidden = [ACTS[int(i)] for i in rng.integers(0, len(ACTS), size=depth - 1)]
    out_act = ACTS[int(rng.integers(0, len(ACTS)))]
    loss = LOSSES[int(rng.integers(0, len(LOSSES)))]
    if isinstance(loss, BCEWithLogitsLoss):
        out_act = "identity"  # the loss takes logits
    batch = int(rng.integers(1, 10))
    init = ["he", "glorot", "he_uniform", "glorot_uniform", "sqrt2_glorot_normal"][seed % 5]
    model = MLP(sizes, activation=hidden, output_activation=out_act, init=init, seed=seed)
    # Non-zero biases, so the bias gradients are tested away from the all-zero start.
    for lin in model.linears:
        lin.b[:] = rng.normal(0, 0.5, size=lin.b.shape)
    X = rng.normal(size=(batch, sizes[0]))
    if isinstance(loss, BCEWithLogitsLoss):
        T = rng.uniform(size=(batch, sizes[-1]))
    else:
        T = rng.normal(size=(batch, sizes[-1]))
    return model, loss, X, T, rng


CASES = list(range(60))


@pytest.mark.parametrize("seed", CASES)
def test_mlp_matches_finite_differences(seed):
    model, loss, X, T, rng = random_case(seed)
    for _attempt in range(20):
        report = gradcheck(model, loss, X, T)
        if report.kinks == 0:
            break
        X = rng.normal(size=X.shape)  # an entry straddled a ReLU kink: draw new inputs, compare all entries
    assert report.kinks == 0, "could not find inputs away from every kink"
    assert report.passed, f"{model} with {loss}:\n{report}"
    assert report.max_rel_error <= 1e-6


@pytest.mark.parametrize("seed", CASES[:20])
def test_input_gradient_matches_finite_differences(seed):
    """backward(..., input_grad=True) returns ∂L/∂X (Eq. 5.4 at the first layer), and by default None,
    with every parameter gradient the same either way."""
    model, loss, X, T, rng = random_case(seed)
    X = X.copy()
    dY = loss.grad(model.forward(X), T)
    assert model.backward(dY) is None
    grads = [g.copy() for _, g in model.parameters()]
    dX = model.backward(dY, input_grad=True)
    for before, (_, after) in zip(grads, model.parameters(), strict=True):
        np.testing.assert_array_equal(before, after)
    num = numerical_grad(lambda: loss(model.forward(X), T), X)
    assert rel_error(dX, num) <= 1e-6 or np.allclose(dX, num, atol=1e-9)


class _Counted(np.ndarray):
    """An array that records the multiply-adds m·k·n of every matrix product (m×k)(k×n) it takes part in.

    Whatever is computed from it stays _Counted, so a ∂L/∂Ŷ of this kind counts every product of a backward pass.
    """

    products: list = []

    def __array_ufunc__(self, ufunc, method, *inputs, out=None, **kwargs):
        if ufunc is np.matmul and method == "__call__":
            a, b = inputs
            _Counted.products.append(a.shape[0] * a.shape[1] * b.shape[1])
        plain = [x.view(np.ndarray) if isinstance(x, _Counted) else x for x in inputs]
        if out is not None:
            kwargs["out"] = tuple(o.view(np.ndarray) if isinstance(o, _Counted) else o for o in out)
        result = getattr(ufunc, method)(*plain, **kwargs)
        if out is not None:
            return out[0]
        return result.view(_Counted) if isinstance(result, np.ndarray) else result


@pytest.mark.parametrize("seed", CASES[:20])
def test_backward_multiply_adds_are_counted_by_eq_5_7(seed):
    """Eq. (5.7): the backward pass takes 2F − B·n_0·n_1 multiply-adds in its matrix products (A_{l−1}ᵀΔ_l for
    every layer, Δ_l W_lᵀ for every layer but the first), F = B Σ n_{l−1} n_l; asking for ∂L/∂X adds B·n_0·n_1."""
    model, loss, X, T, _ = random_case(seed)
    B, n = X.shape[0], model.sizes
    F = B * sum(a * b for a, b in zip(n[:-1], n[1:]))
    dY = loss.grad(model.forward(X), T)
    model.backward(dY)
    expected = [g.copy() for _, g in model.parameters()]
    _Counted.products = []
    assert model.backward(dY.view(_Counted)) is None
    assert sum(_Counted.products) == 2 * F - B * n[0] * n[1]
    assert len(_Counted.products) == 2 * len(model.linears) - 1
    for want, (_, got) in zip(expected, model.parameters(), strict=True):
        np.testing.assert_array_equal(got, want)  # counting changed nothing
    _Counted.products = []
    model.backward(dY.view(_Counted), input_grad=True)
    assert sum(_Counted.products) == 2 * F


@pytest.mark.parametrize("name", ACTS)
def test_activation_derivative_matches_finite_differences(name):
    act = get_activation(name)
    rng = np.random.default_rng(1)
    Z = rng.normal(scale=3, size=(7, 5))
    Z[np.abs(Z) < 1e-3] = 0.5  # away from the kink at 0 for relu-like activations
    G = rng.normal(size=Z.shape)
    act.forward(Z)
    analytic = act.backward(G)
    Zp = Z.copy()
    num = numerical_grad(lambda: float(np.sum(G * act.fn(Zp))), Zp)
    assert rel_error(analytic, num) <= 1e-8
    assert rel_error(act.derivative(Z) * G, analytic) <= 1e-14


@pytest.mark.parametrize("loss", LOSSES, ids=repr)
def test_loss_gradient_matches_finite_differences(loss):
    rng = np.random.default_rng(2)
    Y = rng.normal(scale=2, size=(6, 3))
    T = rng.uniform(size=(6, 3)) if isinstance(loss, BCEWithLogitsLoss) else rng.normal(size=(6, 3))
    num = numerical_grad(lambda: loss(Y, T), Y)
    assert rel_error(loss.grad(Y, T), num) <= 1e-8


def test_loss_values_follow_their_formulas():
    """Independent hand computations of each loss on a tiny case."""
    Y = np.array([[1.0, 2.0], [0.0, -1.0]])
    T = np.array([[0.0, 2.0], [1.0, 1.0]])
    # squared residuals 1, 0, 1, 4: sum 6, mean 1.5
    assert MSELoss("sum")(Y, T) == 6.0
    assert MSELoss("mean")(Y, T) == 1.5
    np.testing.assert_allclose(MSELoss("mean").grad(Y, T), 2 * (Y - T) / 4)
    Z = np.array([[0.0, 2.0]])
    Tb = np.array([[1.0, 0.0]])
    # ℓ(0, 1) = log 2; ℓ(2, 0) = −log(1 − σ(2)) = log(1 + e²)
    expected = (np.log(2.0) + np.log1p(np.exp(2.0))) / 2
    assert BCEWithLogitsLoss()(Z, Tb) == pytest.approx(expected, rel=1e-14)


# ---------------------------------------------------------------- autograd as an independent oracle
def ag_loss(loss, Y, T):
    total = anp.sum(ag_loss_terms("mse" if isinstance(loss, MSELoss) else "bce", Y, T))
    return total / Y.size if loss.reduction == "mean" else total


@pytest.mark.parametrize("seed", CASES[:40])
def test_mlp_matches_autograd(seed):
    model, loss, X, T, _ = random_case(seed)
    acts = model.activations
    params = [p.copy() for p, _ in model.parameters()]

    def f(flat):
        A = X
        for i, act in enumerate(acts):
            A = AG_ACT[act](anp.dot(A, flat[2 * i]) + flat[2 * i + 1])
        return ag_loss(loss, A, T)

    expected = ag_grad(f)(params)
    model.backward(loss.grad(model.forward(X), T))
    for name, (_, g), e in zip(model.parameter_names(), model.parameters(), expected):
        assert rel_error(g, e) <= 1e-9 or np.max(np.abs(g - e)) <= 1e-15, (name, rel_error(g, e))


# ---------------------------------------------------------------- the checker has teeth
def _square_net():
    model = MLP([4, 4, 4, 2], activation="tanh", seed=3)
    rng = np.random.default_rng(4)
    X, T = rng.normal(size=(5, 4)), rng.normal(size=(5, 2))
    loss = MSELoss()
    model.backward(loss.grad(model.forward(X), T))
    return model, loss, X, T


@pytest.mark.parametrize(
    "mistake",
    [lambda g: g.T, lambda g: 2.0 * g, lambda g: -g],
    ids=["transpose", "factor 2", "sign"],
)
def test_checker_reports_wrong_gradients(mistake):
    model, loss, X, T = _square_net()
    right = [(v, g.copy()) for v, g in model.parameters()]
    wrong = list(right)
    W2, dW2 = right[2]
    assert not np.allclose(dW2, dW2.T)  # otherwise a transpose would go unnoticed
    wrong[2] = (W2, mistake(dW2))
    report = check_gradients(lambda: loss(model.forward(X), T), wrong, model.parameter_names())
    assert not report.passed
    assert [r.name for r in report.failures()] == ["W2"]
    assert report.rows[2].rel_error > 0.1
    # ...and the same call with the right gradients passes, so the failure is the mistake's
    assert check_gradients(lambda: loss(model.forward(X), T), right, model.parameter_names()).passed


def test_report_is_readable():
    model, loss, X, T = _square_net()
    text = str(gradcheck(model, loss, X, T))
    assert "W1" in text and "b3" in text and "PASSED" in text


def test_gradcheck_reports_kink_crossings():
    """A pre-activation exactly at 0 makes the ±h step cross the kink: reported, not compared."""
    model = MLP([1, 2, 1], activation="relu", seed=0)
    model.linears[0].W[:] = [[1.0, -1.0]]
    model.linears[0].b[:] = [0.0, 0.5]
    X, T = np.array([[0.0]]), np.array([[1.0]])
    report = gradcheck(model, MSELoss(), X, T)
    assert report.kinks >= 1
    assert "kink" in str(report)
