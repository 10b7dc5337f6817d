"""Optimizers (course_lib.optim) against updates worked out by hand from the published rules, Eq. (6.1)–(6.7).

The expected numbers are computed here, scalar by scalar, from the update rules as printed in
Kingma & Ba (2015) and in the PyTorch documentation of torch.optim.SGD — never by calling the optimizer.
"""

import math

import numpy as np
import pytest

from course_lib import MLP, SGD, Adam


class TwoNumbers:
    """A stand-in model: one parameter vector w with a gradient the test sets by hand before each step."""

    def __init__(self, w):
        self.w = np.array(w, dtype=np.float64)
        self.g = np.zeros_like(self.w)

    def parameters(self):
        return [(self.w, self.g)]


G1 = [0.5, -1.0]  # gradient at step 1
G2 = [0.1, 0.2]  # gradient at step 2


def run(opt_cls, grads=(G1, G2), **kw):
    model = TwoNumbers([1.0, -2.0])
    opt = opt_cls(model, **kw)
    out = []
    for g in grads:
        model.g[:] = g
        opt.step()
        out.append(model.w.copy())
    return out


def test_plain_sgd_two_steps_by_hand():
    # Eq. (6.1): w ← w − η g, η = 0.1
    w1, w2 = run(SGD, lr=0.1)
    np.testing.assert_allclose(w1, [1.0 - 0.05, -2.0 + 0.1], rtol=0, atol=1e-15)
    np.testing.assert_allclose(w2, [0.95 - 0.01, -1.9 - 0.02], rtol=0, atol=1e-15)


def test_sgd_momentum_two_steps_by_hand():
    # Eq. (6.3), μ = 0.9: step 1 v = g1 = (0.5, −1), w = (0.95, −1.9);
    # step 2 v = 0.9·(0.5, −1) + (0.1, 0.2) = (0.55, −0.7), w = (0.95 − 0.055, −1.9 + 0.07) = (0.895, −1.83)
    w1, w2 = run(SGD, lr=0.1, momentum=0.9)
    np.testing.assert_allclose(w1, [0.95, -1.9], rtol=0, atol=1e-15)
    np.testing.assert_allclose(w2, [0.895, -1.83], rtol=0, atol=1e-15)


def test_sgd_weight_decay_two_steps_by_hand():
    # Eq. (6.2), λ = 0.1: step 1 g = (0.5 + 0.1·1, −1 + 0.1·(−2)) = (0.6, −1.2), w = (0.94, −1.88);
    # step 2 g = (0.1 + 0.094, 0.2 − 0.188) = (0.194, 0.012), w = (0.94 − 0.0194, −1.88 − 0.0012)
    w1, w2 = run(SGD, lr=0.1, weight_decay=0.1)
    np.testing.assert_allclose(w1, [0.94, -1.88], rtol=0, atol=1e-15)
    np.testing.assert_allclose(w2, [0.9206, -1.8812], rtol=0, atol=1e-15)


def test_sgd_momentum_and_weight_decay_two_steps_by_hand():
    # PyTorch's order: d = g + λw; v = μv + d; w −= ηv.
    # step 1: d = (0.6, −1.2) = v, w = (0.94, −1.88)
    # step 2: d = (0.194, 0.012), v = 0.9·(0.6, −1.2) + d = (0.734, −1.068), w = (0.94 − 0.0734, −1.88 + 0.1068)
    w1, w2 = run(SGD, lr=0.1, momentum=0.9, weight_decay=0.1)
    np.testing.assert_allclose(w1, [0.94, -1.88], rtol=0, atol=1e-15)
    np.testing.assert_allclose(w2, [0.8666, -1.7732], rtol=0, atol=1e-15)


def test_adam_two_steps_by_hand():
    # Eq. (6.4)–(6.7) with η = 0.1, β1 = 0.9, β2 = 0.999, ε = 1e-8, worked scalar by scalar.
    # Step 1: m = 0.1·g1, v = 0.001·g1², m̂ = g1, v̂ = g1², so w moves by η·g/(|g| + ε) ≈ η·sign(g).
    w1_0 = 1.0 - 0.1 * 0.5 / (0.5 + 1e-8)
    w1_1 = -2.0 - 0.1 * (-1.0) / (1.0 + 1e-8)
    # Step 2 (element 0): m = 0.9·0.05 + 0.1·0.1 = 0.055;  v = 0.999·0.00025 + 0.001·0.01 = 0.00025975
    #         (element 1): m = 0.9·(−0.1) + 0.1·0.2 = −0.07; v = 0.999·0.001 + 0.001·0.04 = 0.001039
    # bias corrections: 1 − 0.9² = 0.19, 1 − 0.999² = 0.001999
    w2_0 = w1_0 - 0.1 * (0.055 / 0.19) / (math.sqrt(0.00025975 / 0.001999) + 1e-8)
    w2_1 = w1_1 - 0.1 * (-0.07 / 0.19) / (math.sqrt(0.001039 / 0.001999) + 1e-8)
    w1, w2 = run(Adam, lr=0.1, betas=(0.9, 0.999), eps=1e-8)
    np.testing.assert_allclose(w1, [w1_0, w1_1], rtol=1e-13)
    np.testing.assert_allclose(w2, [w2_0, w2_1], rtol=1e-13)
    # the same numbers rounded, as worked on paper: 0.81970, −1.84890
    np.testing.assert_allclose(w2, [0.819696, -1.848897], atol=1e-6)


def test_adam_first_step_is_lr_times_sign_of_gradient():
    # Identity: after one step m̂ = g and v̂ = g², so Δw = −η g/(|g| + ε), whatever the scale of g.
    for scale in (1e-3, 1.0, 1e3):
        model = TwoNumbers([0.0, 0.0])
        model.g[:] = [3.0 * scale, -7.0 * scale]
        Adam(model, lr=0.01, eps=1e-12).step()
        np.testing.assert_allclose(model.w, [-0.01, 0.01], rtol=1e-9)


def test_sgd_on_a_real_model_uses_its_gradients_in_place():
    model = MLP([2, 3, 1], seed=0)
    X = np.array([[0.5, -1.0], [2.0, 0.25]])
    Yhat = model.forward(X)
    model.backward(np.full_like(Yhat, 0.5))
    before = [(v.copy(), g.copy()) for v, g in model.parameters()]
    SGD(model, lr=0.3).step()
    for (v, _), (v0, g0) in zip(model.parameters(), before, strict=True):
        np.testing.assert_array_equal(v, v0 - 0.3 * g0)


@pytest.mark.parametrize("lr", [0, -0.1, float("nan"), float("inf")])
def test_bad_learning_rates_are_refused(lr):
    for cls in (SGD, Adam):
        with pytest.raises(ValueError, match="lr must be"):
            cls(TwoNumbers([1.0]), lr=lr)


@pytest.mark.parametrize("betas", [(1.0, 0.999), (0.9, 1.0), (-0.1, 0.999), (0.9, 1.5), (float("nan"), 0.9)])
def test_adam_betas_outside_unit_interval_are_refused(betas):
    with pytest.raises(ValueError, match=r"betas\[[01]\] must be a finite number in \[0, 1\)"):
        Adam(TwoNumbers([1.0]), betas=betas)


@pytest.mark.parametrize("betas", [(0.9,), (0.9, 0.99, 0.5), "ab", 0.9])
def test_adam_betas_must_be_a_pair(betas):
    with pytest.raises(ValueError, match="betas must be a pair"):
        Adam(TwoNumbers([1.0]), betas=betas)


@pytest.mark.parametrize("eps", [0.0, -1e-8, float("nan")])
def test_adam_eps_must_be_positive(eps):
    with pytest.raises(ValueError, match="eps must be"):
        Adam(TwoNumbers([1.0]), eps=eps)


@pytest.mark.parametrize("momentum", [1.0, -0.1, 2.0, float("nan")])
def test_sgd_momentum_outside_unit_interval_is_refused(momentum):
    with pytest.raises(ValueError, match=r"momentum must be a finite number in \[0, 1\)"):
        SGD(TwoNumbers([1.0]), lr=0.1, momentum=momentum)


@pytest.mark.parametrize("wd", [-0.01, float("inf"), float("nan")])
def test_sgd_negative_or_infinite_weight_decay_is_refused(wd):
    with pytest.raises(ValueError, match="weight_decay must be"):
        SGD(TwoNumbers([1.0]), lr=0.1, weight_decay=wd)


def test_optimizer_needs_a_model_with_parameters():
    with pytest.raises(TypeError, match="parameters"):
        SGD(object(), lr=0.1)


def test_minibatch_gradient_is_the_mean_of_per_sample_gradients():
    # Eq. (6.11): with L = mean over the batch of the per-sample losses, ∇L is the mean of the per-sample
    # gradients — the identity behind minibatch SGD (and why S0's batch-size-1 steps are the B = 1 case).
    from course_lib import MSELoss

    rng = np.random.default_rng(0)
    X, T = rng.normal(size=(5, 2)), rng.normal(size=(5, 1))
    model, loss = MLP([2, 4, 1], activation="tanh", seed=1), MSELoss("mean")
    Y = model.forward(X)
    model.backward(loss.grad(Y, T))
    batch = [g.copy() for _, g in model.parameters()]
    per_sample = []
    for i in range(5):
        Y = model.forward(X[i : i + 1])
        model.backward(loss.grad(Y, T[i : i + 1]))
        per_sample.append([g.copy() for _, g in model.parameters()])
    for k, g in enumerate(batch):
        np.testing.assert_allclose(g, np.mean([p[k] for p in per_sample], axis=0), rtol=1e-12, atol=1e-15)


def test_adam_weight_decay_is_l2_inside_adam_worked_by_hand():
    """torch.optim.Adam's weight_decay: λθ joins the gradient before the moments. With a zero loss gradient,
    λ = 0.5, θ = 1 and −2: step 1 g = λθ = (0.5, −1), m̂ = g, v̂ = g², so θ moves by η·g/(|g| + ε) ≈ η·sign(g)."""
    eta, lam, eps = 0.1, 0.5, 1e-8
    (w1,) = run(Adam, grads=([0.0, 0.0],), lr=eta, weight_decay=lam, eps=eps)
    g = np.array([lam * 1.0, lam * -2.0])
    np.testing.assert_allclose(w1, np.array([1.0, -2.0]) - eta * g / (np.abs(g) + eps), rtol=0, atol=1e-15)
    (plain,) = run(Adam, grads=([0.0, 0.0],), lr=eta)
    np.testing.assert_array_equal(plain, [1.0, -2.0])  # no decay by default: a zero gradient moves nothing


def test_the_hyperparameter_names_are_torchs_and_the_state_names_are_the_courses():
    """What the docstrings say matches PyTorch, and what does not: the hyperparameter keys are torch's param_group
    keys (lr, momentum, weight_decay, betas, eps), the state keys are not."""
    assert "L2 *inside* Adam" in Adam.__doc__ and "AdamW" in Adam.__doc__ and "dampening" in SGD.__doc__
    sgd = SGD(TwoNumbers([1.0]), lr=0.1, momentum=0.9, weight_decay=0.01)
    adam = Adam(TwoNumbers([1.0]), lr=0.1, weight_decay=0.01)
    assert set(sgd.state_dict()) == {"lr", "momentum", "weight_decay", "steps", "velocities"}
    assert set(adam.state_dict()) == {"lr", "betas", "eps", "weight_decay", "steps", "m", "v"}
