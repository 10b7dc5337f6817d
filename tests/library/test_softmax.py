"""Softmax, log-softmax and CrossEntropyLoss (notebook 12): values, gradients, stability and input checks.

The gradient of Eq. (12.7) is compared with central finite differences and with autograd differentiating an
independent autograd.numpy formula (nothing of course_lib's derivatives involved). Eq. (12.1)–(12.3) are
checked through the Jacobian of softmax.
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from course_lib import MLP, SGD, CrossEntropyLoss, log_softmax, softmax
from course_lib.data import make_spiral
from course_lib.gradcheck import numerical_grad, rel_error
from course_lib.losses import get_loss
from course_lib.train import fit


def _case(seed, B=5, C=4, scale=3.0):
    rng = np.random.default_rng(seed)
    return scale * rng.standard_normal((B, C)), rng.integers(0, C, size=B)


def _ag_ce(Z, y, reduction):
    """An independent cross-entropy in autograd.numpy, the textbook way: log Σ exp(z) − z_y (moderate logits)."""
    picked = anp.sum(Z * np.eye(Z.shape[1])[y], axis=1)
    ell = anp.log(anp.sum(anp.exp(Z), axis=1)) - picked
    return anp.mean(ell) if reduction == "mean" else anp.sum(ell)


@pytest.mark.parametrize("seed", range(5))
def test_softmax_rows_are_probabilities_and_match_the_definition(seed):
    Z, _ = _case(seed)
    P = softmax(Z)
    E = np.exp(Z)
    np.testing.assert_allclose(P, E / E.sum(axis=1, keepdims=True), rtol=1e-13)  # Eq. (12.1)
    np.testing.assert_allclose(P.sum(axis=1), 1.0, rtol=1e-14)
    np.testing.assert_allclose(log_softmax(Z), np.log(P), rtol=1e-12, atol=1e-13)
    # shifting every logit of a row by one number changes nothing
    np.testing.assert_allclose(softmax(Z + 100.0), P, rtol=1e-12)


@pytest.mark.parametrize("seed", range(3))
def test_softmax_jacobian_is_diag_p_minus_p_p_transpose(seed):
    z = np.random.default_rng(seed).standard_normal((1, 4))
    p = softmax(z)[0]
    J = np.empty((4, 4))  # numerator layout: J[k, j] = ∂p_k/∂z_j, by central differences
    for j in range(4):
        e = np.zeros((1, 4))
        e[0, j] = 1e-6
        J[:, j] = (softmax(z + e)[0] - softmax(z - e)[0]) / 2e-6
    expected = np.diag(p) - np.outer(p, p)  # Eq. (12.3)
    assert rel_error(J, expected) < 1e-8
    J_ag = autograd.jacobian(lambda v: anp.exp(v) / anp.sum(anp.exp(v)))(z[0])
    assert rel_error(J_ag, expected) < 1e-13


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("seed", range(5))
def test_cross_entropy_gradient_matches_finite_differences_and_autograd(seed, reduction):
    Z, y = _case(seed)
    loss = CrossEntropyLoss(reduction)
    G = loss.grad(Z, y)
    assert G.shape == Z.shape
    G_fd = numerical_grad(lambda: loss(Z, y), Z)
    assert rel_error(G, G_fd) < 1e-7
    G_ag = autograd.grad(lambda z: _ag_ce(z, y, reduction))(Z)
    assert rel_error(G, G_ag) < 1e-12
    assert abs(loss(Z, y) - float(_ag_ce(Z, y, reduction))) < 1e-12 * max(1.0, abs(loss(Z, y)))


def test_cross_entropy_gradient_is_p_minus_onehot_over_b():
    Z, y = _case(7, B=6, C=3)
    T = np.eye(3)[y]
    np.testing.assert_allclose(CrossEntropyLoss().grad(Z, y), (softmax(Z) - T) / 6, rtol=1e-14)  # Eq. (12.7)
    # every row of the gradient sums to zero: the softmax cannot change the total probability
    np.testing.assert_allclose(CrossEntropyLoss().grad(Z, y).sum(axis=1), 0.0, atol=1e-16)


def test_cross_entropy_matches_hand_values():
    # two classes with equal logits: p = 1/2 each, ℓ = log 2; logits (log 3, 0): p = (3/4, 1/4)
    Z = np.array([[0.0, 0.0], [np.log(3.0), 0.0]])
    y = np.array([0, 1])
    expected = (np.log(2.0) + np.log(4.0)) / 2
    assert abs(CrossEntropyLoss()(Z, y) - expected) < 1e-15
    assert abs(CrossEntropyLoss("sum")(Z, y) - 2 * expected) < 1e-15


def test_probability_targets_agree_with_index_targets():
    Z, y = _case(3)
    T = np.eye(Z.shape[1])[y]
    loss = CrossEntropyLoss()
    assert loss(Z, T) == pytest.approx(loss(Z, y), rel=1e-14)
    np.testing.assert_allclose(loss.grad(Z, T), loss.grad(Z, y), rtol=1e-14)
    # soft targets (label smoothing): gradient still (P − T)/B, checked by finite differences
    T_soft = 0.9 * T + 0.1 / Z.shape[1]
    assert rel_error(loss.grad(Z, T_soft), numerical_grad(lambda: loss(Z, T_soft), Z)) < 1e-7


def test_column_of_float_indices_is_what_fit_passes():
    Z, y = _case(4)
    loss = CrossEntropyLoss()
    assert loss(Z, y[:, None].astype(float)) == loss(Z, y)
    np.testing.assert_array_equal(loss.grad(Z, y[:, None].astype(float)), loss.grad(Z, y))


def test_large_logits_give_no_overflow_and_no_nan():
    Z = np.array([[1000.0, 0.0, -1000.0], [-800.0, 800.0, 0.0]])
    y = np.array([2, 1])
    loss = CrossEntropyLoss()
    with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
        value = loss(Z, y)
        G = loss.grad(Z, y)
        P = softmax(Z)
    assert value == pytest.approx(2000.0 / 2)  # ℓ_0 = 1000 − (−1000) = 2000, ℓ_1 = 0
    assert np.all(np.isfinite(G)) and np.all(np.isfinite(P))
    # the naive formula overflows on the same logits
    with np.errstate(over="ignore", invalid="ignore"):
        naive = np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)
    assert not np.all(np.isfinite(naive))


BIG = np.finfo(np.float64).max  # about 1.8e308


@pytest.mark.parametrize(
    "target, loss_value",
    [
        (np.array([0]), 0.0),  # the target class is the maximum: p = 1 exactly
        (np.array([[0]]), 0.0),  # the (B, 1) column that fit passes
        (np.array([[1.0, 0.0]]), 0.0),  # one-hot probabilities: the far class has weight 0, so 0·log p = 0
        (np.array([[0.9, 0.1]]), 2e307),  # exact: 0.1·(1e308 − (−1e308)) = 2e307, finite
        (np.array([[0.5, 0.5]]), 1e308),
        (np.array([1]), np.inf),  # exact loss 2e308 > float64's largest: inf is the nearest float
    ],
)
def test_cross_entropy_is_right_for_a_row_spanning_more_than_float64(target, loss_value):
    """A row [1e308, −1e308]: z_max − z = 2e308 is beyond float64, so log p of the far class rounds to −inf. The
    loss used to be NaN there (0·(−inf)); now it is the exact value wherever that is a float, and no warning."""
    Z = np.array([[1e308, -1e308]])
    with np.errstate(all="raise"):
        for reduction in ("mean", "sum"):
            loss = CrossEntropyLoss(reduction=reduction)
            value = loss(Z, target)
            assert value == pytest.approx(loss_value, rel=1e-15), (reduction, value)
            T = np.array([[1.0, 0.0], [0.0, 1.0]])[target.ravel()] if target.dtype.kind == "i" else target
            np.testing.assert_array_equal(loss.grad(Z, target), np.array([[1.0, 0.0]]) - T)  # P − T, Eq. (12.7)
        assert np.array_equal(softmax(Z), [[1.0, 0.0]])
        assert np.array_equal(log_softmax(Z), [[0.0, -np.inf]])


def test_cross_entropy_mean_is_finite_where_the_sum_of_rows_overflows():
    Z = np.array([[-1e308, 1e308], [1e308, -1e308], [0.0, 0.0]])
    T = np.array([[0.5, 0.5], [0.5, 0.5], [0.5, 0.5]])  # ℓ = 1e308, 1e308, log 2
    with np.errstate(all="raise"):
        assert CrossEntropyLoss()(Z, T) == pytest.approx(2 * (1e308 / 3) + np.log(2) / 3, rel=1e-15)
        assert CrossEntropyLoss(reduction="sum")(Z, T) == np.inf  # the exact sum, 2e308, is beyond float64


def test_cross_entropy_ordinary_values_are_unchanged_by_the_far_branch():
    """Within float64's range, the loss equals the direct −Σ t·log_softmax(Z) bit for bit."""
    rng = np.random.default_rng(7)
    Z = rng.normal(scale=30.0, size=(9, 5))
    y = rng.integers(0, 5, size=9)
    T = rng.dirichlet(np.ones(5), size=9)
    for target, Tm in ((y, np.eye(5)[y]), (T, T)):
        assert CrossEntropyLoss(reduction="sum")(Z, target) == float(-(Tm * log_softmax(Z)).sum())


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_cross_entropy_extreme_logits_against_autograd(reduction):
    """Logits up to ±1e300 (rows within float64's range): the loss and gradient agree with autograd's."""
    Z = np.array([[1e300, -1e300, 0.0], [-5e299, 2e299, 1e299], [3.0, -2.0, 0.5]])
    T = np.array([[0.2, 0.3, 0.5], [0.0, 1.0, 0.0], [0.4, 0.4, 0.2]])

    def ag_loss(Z_):
        S = Z_ - anp.max(Z_, axis=1, keepdims=True)
        logp = S - anp.log(anp.sum(anp.exp(S), axis=1, keepdims=True))
        total = -anp.sum(T * logp)
        return total / 3 if reduction == "mean" else total

    loss = CrossEntropyLoss(reduction=reduction)
    assert loss(Z, T) == pytest.approx(float(ag_loss(Z)), rel=1e-14)
    np.testing.assert_allclose(loss.grad(Z, T), autograd.grad(ag_loss)(Z), rtol=1e-14, atol=1e-16)


@pytest.mark.parametrize(
    "Z, target, match",
    [
        (np.zeros((3, 4)), np.array([0, 1, 4]), r"class index 4 is out of range.*0 … 3"),
        (np.zeros((3, 4)), np.array([0, -1, 2]), r"class index -1 is out of range"),
        (np.zeros((3, 4)), np.array([0.0, 1.5, 2.0]), r"whole numbers"),
        (np.zeros((3, 4)), np.array([0, 1]), r"shape \(3,\).*got shape \(2,\)"),
        (np.zeros((3, 4)), np.array([True, False, True]), r"dtype bool"),
        (np.zeros((3, 4)), np.array(["a", "b", "c"]), r"dtype <U1"),
        (np.zeros((3, 4)), np.full((3, 4), 0.5), r"sum to 1"),
        (np.zeros(4), np.array([1]), r"2-D array of logits \(B, C\).*shape \(4,\)"),
        (np.zeros((3, 1)), np.array([0, 0, 0]), r"C >= 2"),
        (np.array([[0.0, np.nan]]), np.array([0]), r"non-finite"),
        (np.zeros((3, 4)), np.array([0.0, np.inf, 1.0]), r"non-finite"),
    ],
)
def test_bad_input_gives_a_clear_error(Z, target, match):
    with pytest.raises(ValueError, match=match):
        CrossEntropyLoss()(Z, target)
    with pytest.raises(ValueError, match=match):
        CrossEntropyLoss().grad(Z, target)


def test_reduction_and_name():
    assert isinstance(get_loss("cross_entropy"), CrossEntropyLoss)
    assert repr(CrossEntropyLoss("sum")) == "CrossEntropyLoss(reduction='sum')"
    with pytest.raises(ValueError, match="reduction"):
        CrossEntropyLoss("none")


def test_make_spiral_is_seeded_and_shaped():
    X, y = make_spiral(50, 3, seed=1)
    assert X.shape == (150, 2) and y.shape == (150,) and y.dtype == np.int64
    assert np.bincount(y).tolist() == [50, 50, 50]
    X2, _ = make_spiral(50, 3, seed=1)
    np.testing.assert_array_equal(X, X2)
    assert np.abs(X).max() <= 1.0 + 1e-12
    with pytest.raises(ValueError, match="n_classes"):
        make_spiral(10, 1)


def test_fit_trains_a_spiral_classifier():
    X, y = make_spiral(60, 3, noise=0.1, seed=0)
    model = MLP([2, 32, 3], "tanh", seed=0)
    loss = CrossEntropyLoss()
    before = loss(model.forward(X), y)
    history = fit(model, X, y[:, None], loss=loss, optimizer=SGD(model, lr=0.5), epochs=200, batch_size=30, seed=0)
    accuracy = float(np.mean(model.forward(X).argmax(axis=1) == y))
    assert history.train_loss[-1] < 0.5 * before
    assert accuracy > 0.8
