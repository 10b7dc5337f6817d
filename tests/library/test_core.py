"""Unit tests of the core: shapes, initialisers, stable sigmoid, MLP API, and a clear error for each bad input."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from course_lib import (
    INITIALISERS,
    MLP,
    BCEWithLogitsLoss,
    Linear,
    MSELoss,
    Sigmoid,
    get_activation,
    get_initialiser,
    get_loss,
)
from course_lib.init import as_generator

# ---------------------------------------------------------------- shapes and API


def test_linear_shapes_and_gradients_in_place():
    lin = Linear(3, 2, seed=0)
    assert lin.W.shape == (3, 2) and lin.b.shape == (2,) and lin.dW.shape == (3, 2) and lin.db.shape == (2,)
    dW_id, db_id = id(lin.dW), id(lin.db)
    X = np.arange(12.0).reshape(4, 3)
    Z = lin.forward(X)
    assert Z.shape == (4, 2)
    dX = lin.backward(np.ones((4, 2)))
    assert dX.shape == (4, 3)
    assert id(lin.dW) == dW_id and id(lin.db) == db_id
    # Eq. (5.2), (5.3) by hand for Δ = ones: ∇W = column sums of X repeated, ∇b = B
    np.testing.assert_array_equal(lin.dW, np.repeat(X.sum(axis=0)[:, None], 2, axis=1))
    np.testing.assert_array_equal(lin.db, [4.0, 4.0])


def test_mlp_api():
    m = MLP([2, 5, 3, 1], activation=["tanh", "relu"], output_activation="sigmoid", seed=1)
    assert [type(layer).__name__ for layer in m.layers] == ["Linear", "Tanh", "Linear", "ReLU", "Linear", "Sigmoid"]
    assert m.activations == ["tanh", "relu", "sigmoid"]
    p1, p2 = m.parameters(), m.parameters()
    assert p1 is not p2 and len(p1) == 6
    assert all(v.shape == g.shape for v, g in p1)
    assert [v.shape for v, _ in p1] == [(2, 5), (5,), (5, 3), (3,), (3, 1), (1,)]
    assert m.parameter_names() == ["W1", "b1", "W2", "b2", "W3", "b3"]
    Y = m.forward(np.ones((4, 2)))
    m.backward(np.ones_like(Y))
    assert any(np.any(g != 0) for _, g in m.parameters())
    m.zero_grad()
    assert all(np.all(g == 0) for _, g in m.parameters())
    assert m.num_parameters() == 2 * 5 + 5 + 5 * 3 + 3 + 3 + 1


def test_same_seed_same_network_and_config_round_trip():
    a = MLP([1, 8, 8, 1], activation="tanh", init="glorot_uniform", seed=7)
    b = MLP.from_config(a.get_config())
    for (va, _), (vb, _) in zip(a.parameters(), b.parameters()):
        np.testing.assert_array_equal(va, vb)
    c = MLP([1, 8, 8, 1], activation="tanh", init="glorot_uniform", seed=8)
    assert not np.array_equal(a.linears[0].W, c.linears[0].W)


@pytest.mark.parametrize(
    "name, std",
    [
        ("he", lambda i, o: np.sqrt(2 / i)),
        ("he_uniform", lambda i, o: np.sqrt(2 / i)),
        ("glorot", lambda i, o: np.sqrt(2 / (i + o))),
        ("glorot_uniform", lambda i, o: np.sqrt(2 / (i + o))),
        ("sqrt2_glorot_normal", lambda i, o: np.sqrt(4 / (i + o))),
    ],
)
def test_initialiser_spread(name, std):
    """Published variances (He: 2/fan_in, Glorot: 2/(fan_in+fan_out), S2: 4/(fan_in+fan_out))."""
    fan_in, fan_out = 400, 300
    W = get_initialiser(name)(fan_in, fan_out, np.random.default_rng(0))
    assert W.shape == (fan_in, fan_out)
    assert W.std() == pytest.approx(std(fan_in, fan_out), rel=0.01)
    assert abs(W.mean()) < 0.01 * std(fan_in, fan_out) * 10


def test_s2_scheme_is_not_he_on_a_1_to_50_layer():
    """Notebook 06: on S2's first 1→50 layer its scheme draws with std √(4/51) ≈ 0.28, He with √2 ≈ 1.41."""
    rng = np.random.default_rng(0)
    s2 = np.concatenate([get_initialiser("sqrt2_glorot_normal")(1, 50, rng) for _ in range(400)])
    he = np.concatenate([get_initialiser("he")(1, 50, rng) for _ in range(400)])
    assert s2.shape == he.shape == (400, 50)
    assert s2.std() == pytest.approx(0.28, rel=0.03) and he.std() == pytest.approx(1.41, rel=0.03)


def test_sigmoid_is_stable_for_large_inputs():
    Z = np.array([[-1000.0, -40.0, 0.0, 40.0, 1000.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        s = Sigmoid.fn(Z)
        d = Sigmoid.derivative(Z)
        loss = BCEWithLogitsLoss()
        value = loss(Z, np.array([[0.0, 0.0, 1.0, 1.0, 1.0]]))
        g = loss.grad(Z, np.array([[1.0, 1.0, 1.0, 1.0, 0.0]]))
    assert s[0, 0] == 0.0 and s[0, 2] == 0.5 and s[0, 4] == 1.0
    assert np.all(np.isfinite(d)) and np.all(np.isfinite(g)) and np.isfinite(value)
    # σ(z) + σ(−z) = 1 exactly where representable
    z = np.linspace(-30, 30, 61)
    np.testing.assert_allclose(Sigmoid.fn(z) + Sigmoid.fn(-z), 1.0, rtol=0, atol=1e-15)


def test_bce_with_logits_is_finite_for_any_finite_logits():
    """Each term is at most |z| + log 2, so the mean is finite for any finite logits, also where the sum of the
    terms passes float64's largest number (two logits of 1e308 with target 0: sum 2e308, mean 1e308)."""
    Z = np.array([[1e308], [1e308], [-1.7e308], [0.0]])
    T = np.array([[0.0], [0.0], [1.0], [0.5]])  # ℓ = 1e308, 1e308, 1.7e308, log 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        mean = BCEWithLogitsLoss()(Z, T)
        G = BCEWithLogitsLoss().grad(Z, T)
    assert mean == pytest.approx(1e308 / 4 * 2 + 1.7e308 / 4 + np.log(2) / 4, rel=1e-15)
    np.testing.assert_array_equal(G, (np.array([[1.0], [1.0], [0.0], [0.5]]) - T) / 4)
    with np.errstate(over="ignore"):
        assert BCEWithLogitsLoss(reduction="sum")(Z, T) == np.inf  # the exact sum, 3.7e308, is beyond float64
    Zs, Ts = np.array([[3.0, -2.0], [0.5, 40.0]]), np.array([[1.0, 0.0], [0.3, 1.0]])
    terms = np.maximum(Zs, 0) - Ts * Zs + np.log1p(np.exp(-np.abs(Zs)))  # ordinary logits: the plain mean, exactly
    assert BCEWithLogitsLoss()(Zs, Ts) == float(terms.sum()) / 4


def test_loss_names():
    assert isinstance(get_loss("mse"), MSELoss)
    assert isinstance(get_loss("bce_with_logits"), BCEWithLogitsLoss)


# ---------------------------------------------------------------- bad input: clear errors


def test_wrong_number_of_columns_names_layer_expected_and_got():
    m = MLP([3, 4, 1])
    msg = r"Linear\(3→4\) expects inputs with 3 columns.*got an array of shape \(20, 2\)"
    with pytest.raises(ValueError, match=msg):
        m.forward(np.zeros((20, 2)))


@pytest.mark.parametrize("X", [np.zeros(3), np.zeros((2, 3, 1)), np.float64(1.0)], ids=["1-D", "3-D", "0-D"])
def test_wrong_number_of_dimensions(X):
    with pytest.raises(ValueError, match=r"must be a 2-D array.*got an array of shape"):
        MLP([3, 1]).forward(X)


def test_direct_linear_wrong_dimensions():
    with pytest.raises(ValueError, match=r"Linear\(3→1\) expects inputs with 3 columns.*shape \(3,\)"):
        Linear(3, 1).forward(np.zeros(3))


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_non_finite_inputs(bad):
    X = np.zeros((4, 2))
    X[2, 1] = bad
    with pytest.raises(ValueError, match=r"non-finite.*index \(2, 1\)"):
        MLP([2, 1]).forward(X)


@pytest.mark.parametrize("loss", [MSELoss(), BCEWithLogitsLoss()], ids=repr)
def test_non_finite_targets_and_predictions(loss):
    Y, T = np.zeros((3, 1)), np.full((3, 1), 0.5)
    T_bad = T.copy()
    T_bad[1, 0] = np.nan
    for call in (loss, loss.grad):
        with pytest.raises(ValueError, match=r"targets contains 1 non-finite"):
            call(Y, T_bad)
        with pytest.raises(ValueError, match=r"predictions contains 3 non-finite"):
            call(np.full((3, 1), np.inf), T)


@pytest.mark.parametrize("loss", [MSELoss(), BCEWithLogitsLoss()], ids=repr)
def test_shape_mismatch_names_both_shapes(loss):
    for call in (loss, loss.grad):
        with pytest.raises(ValueError, match=r"predictions \(5, 1\) and targets \(5,\)"):
            call(np.zeros((5, 1)), np.zeros(5))


def test_empty_batch():
    with pytest.raises(ValueError, match="empty batch"):
        MLP([2, 1]).forward(np.zeros((0, 2)))
    with pytest.raises(ValueError, match="empty batch"):
        MSELoss()(np.zeros((0, 1)), np.zeros((0, 1)))


@pytest.mark.parametrize("sizes", [[3], [], [3, 0, 1], [0, 1], [2, -1], [2, 1.5]])
def test_bad_layer_sizes(sizes):
    with pytest.raises(ValueError, match=r"at least two layer sizes|positive integer"):
        MLP(sizes)


def test_bad_linear_width():
    with pytest.raises(ValueError, match=r"Linear fan_out must be a positive integer, got 0"):
        Linear(3, 0)


def test_unknown_activation_lists_valid_names():
    msg = r"unknown activation 'relu6'; choose one of: identity, leaky_relu, relu, sigmoid, tanh"
    with pytest.raises(ValueError, match=msg):
        MLP([1, 2, 1], activation="relu6")
    with pytest.raises(ValueError, match="unknown activation"):
        get_activation("softmax")


def test_unknown_initialiser_lists_valid_names():
    with pytest.raises(ValueError, match=r"unknown initialiser 'kaiming'.*glorot.*he_uniform.*sqrt2_glorot_normal"):
        MLP([1, 2, 1], init="kaiming")
    assert "he" in INITIALISERS


def test_wrong_number_of_hidden_activations():
    with pytest.raises(ValueError, match="got 1 hidden activations for 2 hidden layers"):
        MLP([1, 4, 4, 1], activation=["relu"])


def test_backward_before_forward():
    with pytest.raises(RuntimeError, match="backward was called before forward"):
        MLP([2, 1]).backward(np.zeros((1, 1)))
    with pytest.raises(RuntimeError, match=r"Linear\(2→1\).backward was called before forward"):
        Linear(2, 1).backward(np.zeros((1, 1)))
    with pytest.raises(RuntimeError, match="before forward"):
        get_activation("tanh").backward(np.zeros((1, 1)))


def test_gradient_of_wrong_shape():
    m = MLP([2, 3, 1])
    m.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"expects ∂L/∂Ŷ of shape \(4, 1\).*got \(4, 2\)"):
        m.backward(np.zeros((4, 2)))
    lin = Linear(2, 3)
    lin.forward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match=r"expects a gradient of shape \(4, 3\).*got \(3, 4\)"):
        lin.backward(np.zeros((3, 4)))


def test_bce_targets_outside_unit_interval():
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\].*from -1 to 2"):
        BCEWithLogitsLoss()(np.zeros((2, 1)), np.array([[-1.0], [2.0]]))
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\]"):
        BCEWithLogitsLoss().grad(np.zeros((1, 1)), np.array([[1.5]]))


def test_unknown_loss_reduction():
    with pytest.raises(ValueError, match="unknown reduction 'avg'; choose one of: mean, sum"):
        MSELoss("avg")


def test_seed_required():
    with pytest.raises(ValueError, match="seed must be an int"):
        as_generator(None)


def test_mlp_without_biases():
    """bias=False: Z = A W in every layer, no bias parameters, and gradients still exact."""
    from course_lib import gradcheck

    m = MLP([2, 6, 5, 1], activation="tanh", seed=2, bias=False)
    assert m.parameter_names() == ["W1", "W2", "W3"]
    assert [v.shape for v, _ in m.parameters()] == [(2, 6), (6, 5), (5, 1)]
    X = np.random.default_rng(0).normal(size=(7, 2))
    T = np.random.default_rng(1).normal(size=(7, 1))
    assert gradcheck(m, MSELoss(), X, T).passed
    # with no biases and odd activations the network is an odd function: f(−x) = −f(x)
    np.testing.assert_allclose(m.forward(-X), -m.forward(X), rtol=1e-14)
    assert MLP.from_config(m.get_config()).bias is False


def test_save_load_without_biases(tmp_path):
    from course_lib.io import load, save

    m = MLP([1, 4, 1], seed=3, bias=False)
    m.linears[0].W *= 3.0
    path = save(m, tmp_path / "nobias.npz")
    back = load(path)
    assert back.bias is False
    for (a, _), (b, _) in zip(m.parameters(), back.parameters()):
        np.testing.assert_array_equal(a, b)


def test_mlp_draws_each_layer_from_one_generator_in_order():
    """W_1, W_2, … are the initialiser's consecutive draws from default_rng(seed); biases start at zero."""
    m = MLP([2, 3, 4], init="he", seed=5)
    rng = np.random.default_rng(5)
    for lin, (n_in, n_out) in zip(m.linears, [(2, 3), (3, 4)], strict=True):
        np.testing.assert_array_equal(lin.W, get_initialiser("he")(n_in, n_out, rng))
        np.testing.assert_array_equal(lin.b, np.zeros(n_out))


def test_relu_derivative_at_zero_is_zero_in_backward():
    """Eq. (3.1) with PyTorch's convention f'(0) = 0, also in the backward pass (not only in derivative)."""
    relu = get_activation("relu")
    relu.forward(np.array([[-1.0, 0.0, 2.0]]))
    np.testing.assert_array_equal(relu.backward(np.ones((1, 3))), [[0.0, 0.0, 1.0]])
    np.testing.assert_array_equal(relu.derivative(np.array([0.0])), [0.0])


def test_kink_pattern_is_every_relu_units_state():
    m = MLP([1, 3, 2, 1], activation=["relu", "tanh"], seed=0)
    assert m.kink_pattern().size == 0  # before any forward pass
    X = np.linspace(-1, 1, 5).reshape(-1, 1)
    m.forward(X)
    Z1 = X @ m.linears[0].W + m.linears[0].b
    np.testing.assert_array_equal(m.kink_pattern(), (Z1 > 0).ravel())  # the tanh layer has no kink
