"""BatchNorm1d, LayerNorm, Dropout and Sequential (notebook 13): values, gradients, modes and input checks.

Every gradient (Eq. 13.2, 13.6–13.10, 13.12) is compared with central finite differences and with autograd
differentiating an independent autograd.numpy formula of the forward pass (nothing of course_lib's derivatives
involved), on random shapes, in training and evaluation mode. The running statistics are compared with the
update PyTorch documents (Eq. 13.5).
"""

from __future__ import annotations

import autograd
import autograd.numpy as anp
import numpy as np
import pytest

from course_lib import SGD, BatchNorm1d, Dropout, LayerNorm, Linear, MSELoss, Sequential, Sigmoid
from course_lib.gradcheck import numerical_grad, rel_error

TOL_FD, TOL_AG = 1e-6, 1e-10


def _ag_batchnorm(X, gamma, beta, eps, mean=None, var=None):
    """BatchNorm's forward pass in autograd.numpy: batch statistics unless mean and var are given."""
    if mean is None:
        mean = anp.mean(X, axis=0)
        var = anp.mean((X - mean) ** 2, axis=0)
    return (X - mean) / anp.sqrt(var + eps) * gamma + beta


def _ag_layernorm(X, gamma, beta, eps):
    mean = anp.mean(X, axis=1, keepdims=True)
    var = anp.mean((X - mean) ** 2, axis=1, keepdims=True)
    return (X - mean) / anp.sqrt(var + eps) * gamma + beta


def _case(seed):
    rng = np.random.default_rng(seed)
    B, n = (int(v) for v in rng.integers(2, 9, size=2))
    X = rng.normal(1.0, 2.0, size=(B, n))
    R = rng.standard_normal((B, n))  # L = Σ R ⊙ Y: its gradient dY = R is not of any special form
    return rng, X, R


def _layer(kind, n, rng, mode):
    layer = BatchNorm1d(n) if kind == "batchnorm" else LayerNorm(n)
    layer.gamma[:] = rng.normal(size=n)
    layer.beta[:] = rng.normal(size=n)
    if kind == "batchnorm" and mode == "eval":
        layer.running_mean[:] = rng.normal(size=n)
        layer.running_var[:] = rng.uniform(0.5, 2.0, size=n)
        layer.eval()
    return layer


def _ag_forward(kind, layer, mode):
    if kind == "layernorm":
        return lambda X, g, b: _ag_layernorm(X, g, b, layer.eps)
    if mode == "eval":
        mean, var = layer.running_mean.copy(), layer.running_var.copy()
        return lambda X, g, b: _ag_batchnorm(X, g, b, layer.eps, mean, var)
    return lambda X, g, b: _ag_batchnorm(X, g, b, layer.eps)


@pytest.mark.parametrize("mode", ["train", "eval"])
@pytest.mark.parametrize("kind", ["batchnorm", "layernorm"])
@pytest.mark.parametrize("seed", range(6))
def test_norm_gradients_match_finite_differences_and_autograd(kind, mode, seed):
    rng, X, R = _case(seed)
    layer = _layer(kind, X.shape[1], rng, mode)

    def loss():
        return float(np.sum(layer.forward(X) * R))

    Y = layer.forward(X)
    dX = layer.backward(R.copy())
    grads = {"X": dX, "gamma": layer.dgamma.copy(), "beta": layer.dbeta.copy()}
    for name, value in (("X", X), ("gamma", layer.gamma), ("beta", layer.beta)):
        assert rel_error(grads[name], numerical_grad(loss, value)) < TOL_FD, (name, kind, mode)
    fwd = _ag_forward(kind, layer, mode)
    np.testing.assert_allclose(Y, fwd(X, layer.gamma, layer.beta), rtol=1e-12, atol=1e-12)
    for i, name in enumerate(("X", "gamma", "beta")):
        g = autograd.grad(lambda *a: anp.sum(fwd(*a) * R), i)(X, layer.gamma.copy(), layer.beta.copy())
        assert rel_error(grads[name], g) < TOL_AG, (name, kind, mode)


@pytest.mark.parametrize("seed", range(4))
def test_batchnorm_eval_is_a_per_sample_map_and_train_couples_the_batch(seed):
    rng, X, _ = _case(seed)
    B, n = X.shape
    for kind, mode in (("batchnorm", "train"), ("batchnorm", "eval"), ("layernorm", "train")):
        fwd = _ag_forward(kind, _layer(kind, n, np.random.default_rng(seed), mode), mode)
        gamma, beta = np.ones(n), np.zeros(n)
        J = autograd.jacobian(lambda x, f=fwd, g=gamma, b=beta: f(x, g, b).reshape(-1))(X).reshape(B * n, B * n)
        off = J.copy()
        for i in range(B):
            off[i * n:(i + 1) * n, i * n:(i + 1) * n] = 0.0  # sample i's own block
        coupled = np.abs(off).max() > 1e-8
        assert coupled == (kind == "batchnorm" and mode == "train"), (kind, mode)


def test_batchnorm_statistics_and_running_update_follow_pytorch():
    rng = np.random.default_rng(7)
    bn = BatchNorm1d(3, momentum=0.2)
    rm, rv = np.zeros(3), np.ones(3)
    for _ in range(4):
        X = rng.normal(2.0, 3.0, size=(6, 3))
        Y = bn.forward(X)
        np.testing.assert_allclose(Y.mean(axis=0), 0.0, atol=1e-12)
        np.testing.assert_allclose(Y.var(axis=0), X.var(axis=0) / (X.var(axis=0) + 1e-5), rtol=1e-12)  # biased
        rm = 0.8 * rm + 0.2 * X.mean(axis=0)
        rv = 0.8 * rv + 0.2 * X.var(axis=0, ddof=1)  # unbiased in the running estimate, Eq. (13.5)
    np.testing.assert_allclose(bn.running_mean, rm, rtol=1e-13)
    np.testing.assert_allclose(bn.running_var, rv, rtol=1e-13)
    assert bn.num_batches_tracked == 4
    bn.eval()
    X = rng.standard_normal((1, 3))  # a batch of one is fine in evaluation
    np.testing.assert_allclose(bn.forward(X), (X - rm) / np.sqrt(rv + 1e-5), rtol=1e-12)
    np.testing.assert_allclose(bn.running_mean, rm, rtol=0)  # evaluation leaves them alone


def test_dropout_is_inverted_seeded_and_identity_in_eval():
    X = np.arange(1.0, 2001.0).reshape(400, 5)
    d = Dropout(0.25, seed=3)
    Y = d.forward(X)
    assert d.mask.shape == X.shape and set(np.unique(d.mask)) <= {0.0, 1.0}
    np.testing.assert_array_equal(Y, X * d.mask / 0.75)
    assert abs(d.mask.mean() - 0.75) < 0.03
    np.testing.assert_array_equal(Dropout(0.25, seed=3).forward(X), Y)  # the same seed, the same mask
    G = np.random.default_rng(0).standard_normal(X.shape)
    np.testing.assert_array_equal(d.backward(G), G * d.mask / 0.75)  # Eq. (13.2)
    X4 = X[:4].copy()
    R = np.random.default_rng(1).standard_normal(X4.shape)
    d.forward(X4)
    mask = d.mask.copy()  # this pass's mask, frozen for the finite differences

    def loss():
        return float(np.sum(X4 * mask / 0.75 * R))

    assert rel_error(d.backward(R), numerical_grad(loss, X4)) < TOL_FD
    d.eval()
    np.testing.assert_array_equal(d.forward(X), X)
    assert d.mask is None and d.parameters() == []
    np.testing.assert_array_equal(d.backward(G), G)
    assert Dropout(0.0).forward(X).tolist() == X.tolist()


def test_dropout_mean_is_kept():
    X = np.ones((2000, 50))
    assert abs(Dropout(0.6, seed=0).forward(X).mean() - 1.0) < 0.02  # E[Y] = X, Eq. (13.1)


@pytest.mark.parametrize("p", [1.0, -0.1, 1.5, float("nan"), True, "0.5"])
def test_dropout_refuses_p_outside_0_1(p):
    with pytest.raises(ValueError, match=r"\[0, 1\).*got"):
        Dropout(p)


def test_clear_errors_for_bad_input():
    bn, ln = BatchNorm1d(3), LayerNorm(3)
    with pytest.raises(ValueError, match=r"at least 2 samples.*got a batch of 1.*eval"):
        bn.forward(np.zeros((1, 3)))
    for layer in (bn, ln):
        with pytest.raises(ValueError, match=r"expects inputs with 3 columns.*shape \(4, 2\)"):
            layer.forward(np.zeros((4, 2)))
        with pytest.raises(ValueError, match="2-D"):
            layer.forward(np.zeros(3))
        with pytest.raises(RuntimeError, match="before forward"):
            type(layer)(3).backward(np.zeros((4, 3)))
        layer.forward(np.ones((4, 3)) + np.arange(4.0)[:, None] * np.arange(1.0, 4.0))
        with pytest.raises(ValueError, match=r"expects a gradient of shape \(4, 3\).*got \(4, 2\)"):
            layer.backward(np.zeros((4, 2)))
    with pytest.raises(ValueError, match="positive integer"):
        BatchNorm1d(0)
    with pytest.raises(ValueError, match="eps"):
        LayerNorm(3, eps=0.0)
    with pytest.raises(ValueError, match="momentum"):
        BatchNorm1d(3, momentum=1.5)
    with pytest.raises(ValueError, match="non-finite"):
        bn.forward(np.array([[0.0, np.nan, 1.0], [1.0, 2.0, 3.0]]))


def _net(seed):
    rng = np.random.default_rng(seed)
    return Sequential(Linear(3, 5, init="glorot", seed=rng), BatchNorm1d(5), Sigmoid(),
                      Linear(5, 4, init="glorot", seed=rng), LayerNorm(4), Dropout(0.3, seed=seed),
                      Linear(4, 2, init="glorot", seed=rng))


@pytest.mark.parametrize("seed", range(3))
def test_sequential_gradients_match_finite_differences(seed):
    model = _net(seed)
    rng = np.random.default_rng(100 + seed)
    X, T = rng.standard_normal((6, 3)), rng.standard_normal((6, 2))
    loss = MSELoss()
    model.layers[5].eval()  # a fixed network for the finite differences (dropout's mask would change)
    model.backward(loss.grad(model.forward(X), T))
    grads = [g.copy() for _, g in model.parameters()]
    assert model.parameter_names() == ["0.W", "0.b", "1.gamma", "1.beta", "3.W", "3.b", "4.gamma", "4.beta",
                                       "6.W", "6.b"]
    for name, (value, _), g in zip(model.parameter_names(), model.parameters(), grads):
        fd = numerical_grad(lambda: loss(model.forward(X), T), value)
        if name == "0.b":  # a bias right before BatchNorm: the mean subtraction cancels it, its gradient is 0
            assert np.abs(g).max() < 1e-14 and np.abs(fd).max() < 1e-8
            continue
        assert rel_error(g, fd) < TOL_FD, name
    dX = model.backward(loss.grad(model.forward(X), T))
    assert rel_error(dX, numerical_grad(lambda: loss(model.forward(X), T), X)) < TOL_FD


def test_sequential_trains_with_the_library_optimizer_and_switches_modes():
    model = _net(0)
    rng = np.random.default_rng(5)
    X = rng.standard_normal((32, 3))
    T = np.column_stack([np.sin(X[:, 0]), X[:, 1] * X[:, 2]])
    loss, opt = MSELoss(), SGD(model, lr=0.1, momentum=0.9)
    first = None
    for _ in range(300):
        L = loss(model.forward(X), T)
        first = L if first is None else first
        model.backward(loss.grad(model.forward(X), T))
        opt.step()
    model.eval()
    assert not model.layers[1].training and not model.layers[5].training
    assert loss(model.forward(X), T) < 0.5 * first
    np.testing.assert_allclose(model.forward(X[:1]), model.forward(X)[:1], rtol=1e-13)  # eval: one sample at a time
    with pytest.raises(ValueError, match="same layer"):
        layer = Sigmoid()
        Sequential(layer, layer)
    with pytest.raises(TypeError, match="not a layer"):
        Sequential(Sigmoid)
