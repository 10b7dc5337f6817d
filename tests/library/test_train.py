"""course_lib.train: fit, train_step, History, TrainingDiverged.

Reference values come from independent reasoning: a hand-written per-sample loop (source S0's algorithm),
the loss recomputed from scratch, and identities such as "with one batch per epoch, the first batch loss of
epoch k+1 is the whole-set loss after epoch k".
"""

import math

import numpy as np
import pytest

from course_lib import MLP, SGD, Adam, MSELoss
from course_lib.data import make_dataset, minibatches
from course_lib.train import History, TrainingDiverged, fit, train_step


def params_of(model):
    return [v.copy() for v, _ in model.parameters()]


def assert_same_params(a, b):
    assert len(a) == len(b)
    for x, y in zip(a, b, strict=True):
        np.testing.assert_array_equal(x, y)


@pytest.fixture
def sinc_data():
    return make_dataset("sinc", 64, noise=0.05, seed=0)


def test_fit_lowers_the_loss(sinc_data):
    X, Y = sinc_data
    model = MLP([1, 16, 16, 1], activation="tanh", seed=1)
    start = MSELoss()(model(X), Y)
    h = fit(model, X, Y, loss=MSELoss(), optimizer=Adam(model, lr=0.01), epochs=30, batch_size=16)
    assert isinstance(h, History) and h.epochs == 30 and h.steps == 30 * 4
    assert h.train_loss[-1] < 0.5 * start
    assert h.train_loss[-1] < h.train_loss[0]


def test_per_sample_sgd_equals_a_hand_written_loop():
    """S0's training: one sample at a time, plain SGD on the squared error of that sample."""
    X, Y = make_dataset("sin_s0", 40, seed=2)
    lr, seed = 0.01, 5
    a = MLP([1, 3, 1], seed=4)
    fit(a, X, Y, loss=MSELoss(), optimizer=SGD(a, lr=lr), epochs=3, batch_size=1, seed=seed)

    b = MLP([1, 3, 1], seed=4)
    rng = np.random.default_rng(seed)
    for _ in range(3):
        for i in rng.permutation(len(X)):  # the documented order: one Generator, a new permutation per epoch
            x, y = X[i : i + 1], Y[i : i + 1]
            y_hat = b.forward(x)
            b.backward(2.0 * (y_hat - y))  # d/dŷ of (ŷ − y)², one sample, one output
            for W, dW in b.parameters():
                W -= lr * dW
    assert_same_params(params_of(a), params_of(b))


def test_per_sample_sgd_in_stored_order_with_shuffle_false():
    X, Y = make_dataset("abs", 15, seed=1)
    a = MLP([1, 4, 1], seed=0)
    fit(a, X, Y, loss="mse", optimizer=SGD(a, lr=0.05), epochs=2, batch_size=1, shuffle=False)
    b = MLP([1, 4, 1], seed=0)
    for _ in range(2):
        for i in range(len(X)):
            y_hat = b.forward(X[i : i + 1])
            b.backward(2.0 * (y_hat - Y[i : i + 1]))
            for W, dW in b.parameters():
                W -= 0.05 * dW
    assert_same_params(params_of(a), params_of(b))


def test_history_records_are_what_they_say(sinc_data):
    X, Y = sinc_data
    Xv, Yv = make_dataset("sinc", 20, noise=0.05, seed=1)
    model = MLP([1, 8, 8, 1], activation="tanh", seed=0)
    h = fit(model, X, Y, loss=MSELoss(), optimizer=Adam(model, lr=0.01), epochs=4, batch_size=10, val=(Xv, Yv))
    for series in (h.train_loss, h.val_loss, h.batch_loss_mean, h.last_batch_loss):
        assert len(series) == 4 and all(math.isfinite(v) for v in series)
    assert h.steps == 4 * 7  # 64 rows in batches of 10: 7 batches (the last holds 4)
    assert h.wall_time > 0 and not h.stopped_early
    # train/val loss: the MSE over the whole set, recomputed here from its definition
    assert h.train_loss[-1] == pytest.approx(np.mean((model(X) - Y) ** 2), rel=1e-12)
    assert h.val_loss[-1] == pytest.approx(np.mean((model(Xv) - Yv) ** 2), rel=1e-12)
    assert list(h.grad_norms) == ["W1", "W2", "W3"]
    assert all(len(v) == 4 for v in h.grad_norms.values())


def test_grad_norms_are_the_last_steps_gradient_norms(sinc_data):
    # One full batch per epoch: the gradient of epoch 1's only step is the whole-set gradient at the
    # initial parameters, which we compute here by hand on an identical copy.
    X, Y = sinc_data
    model, copy = MLP([1, 8, 8, 1], seed=2), MLP([1, 8, 8, 1], seed=2)
    h = fit(model, X, Y, loss=MSELoss(), optimizer=SGD(model, lr=0.1), epochs=1, batch_size=len(X))
    Yhat = copy.forward(X)
    copy.backward(2 * (Yhat - Y) / Y.size)  # ∂/∂Ŷ of mean((Ŷ − Y)²), Eq. (3.7)
    for name, lin in zip(["W1", "W2", "W3"], copy.linears, strict=True):
        assert h.grad_norms[name] == [pytest.approx(np.sqrt((lin.dW**2).sum()), rel=1e-10)]


def test_one_batch_per_epoch_identity(sinc_data):
    # With batch_size >= n each epoch is one full-batch step, so the batch loss of epoch k+1 (taken before its
    # update) is the whole-set loss at the end of epoch k (the rows are only permuted).
    X, Y = sinc_data
    model = MLP([1, 8, 1], seed=0)
    h = fit(model, X, Y, loss=MSELoss(), optimizer=SGD(model, lr=0.1), epochs=5, batch_size=1000)
    assert h.steps == 5
    assert h.batch_loss_mean == h.last_batch_loss
    np.testing.assert_allclose(h.last_batch_loss[1:], h.train_loss[:-1], rtol=1e-12)


def test_train_step_returns_the_loss_before_the_update():
    X, Y = make_dataset("abs", 8, seed=0)
    model = MLP([1, 5, 1], seed=0)
    before = np.mean((model(X) - Y) ** 2)
    W1 = model.linears[0].W.copy()
    value = train_step(model, MSELoss(), SGD(model, lr=0.1), X, Y)
    assert value == pytest.approx(before, rel=1e-12)
    assert not np.array_equal(W1, model.linears[0].W)


def test_callbacks_run_every_epoch_and_true_stops(sinc_data):
    X, Y = sinc_data
    seen, other = [], []
    model = MLP([1, 4, 1], seed=0)

    def stop_at_three(epoch, history):
        seen.append((epoch, history.epochs))
        return epoch == 3

    h = fit(model, X, Y, loss="mse", optimizer=SGD(model, lr=0.01), epochs=10, batch_size=32,
            callbacks=[stop_at_three, lambda e, h: other.append(e)])
    assert seen == [(1, 1), (2, 2), (3, 3)] and other == [1, 2, 3]
    assert h.stopped_early and h.epochs == 3


def test_progress_bar_shows_every_epoch_and_the_loss(sinc_data, capsys):
    X, Y = sinc_data
    model = MLP([1, 4, 1], seed=0)
    h = fit(model, X, Y, loss="mse", optimizer=SGD(model, lr=0.01), epochs=2, batch_size=32, progress=True)
    err = capsys.readouterr().err
    assert h.epochs == 2 and "2/2" in err and f"loss={h.train_loss[-1]:.3g}" in err


def replay_steps(seed, X, Y, batch_size, n_steps, make_model, make_opt):
    """A fresh model trained for exactly n_steps unchecked steps in fit's documented batch order."""
    model = make_model()
    opt = make_opt(model)
    rng = np.random.default_rng(seed)
    done = 0
    while done < n_steps:
        for Xb, Yb in minibatches(X, Y, batch_size, rng):
            if done == n_steps:
                break
            train_step(model, MSELoss(), opt, Xb, Yb, check=False)
            done += 1
    return model, opt


def test_divergence_names_epoch_step_last_loss_and_leaves_model_before_the_bad_step():
    X, Y = make_dataset("sinc", 100, noise=0.1, seed=0)

    def make_model():
        return MLP([1, 16, 16, 1], seed=0)

    def make_opt(m):
        return SGD(m, lr=0.9)

    model = make_model()
    with pytest.raises(TrainingDiverged) as info:
        fit(model, X, Y, loss=MSELoss(), optimizer=make_opt(model), epochs=50, batch_size=10, seed=3)
    err = info.value
    msg = str(err)
    assert f"epoch {err.epoch}" in msg and f"step {err.step}" in msg
    assert "Last finite batch loss" in msg and f"{err.last_loss:.6g}" in msg
    assert "smaller learning rate" in msg
    assert err.step > 1 and math.isfinite(err.last_loss)
    assert err.epoch == (err.step - 1) // 10 + 1  # 10 batches per epoch
    # An independent replay of the first step-1 steps reproduces the parameters bit for bit ...
    ref, ref_opt = replay_steps(3, X, Y, 10, err.step - 1, make_model, make_opt)
    assert_same_params(params_of(model), params_of(ref))
    for v, _ in model.parameters():
        assert np.isfinite(v).all()
    # ... and the named step really is the bad one: applying it leaves something non-finite.
    rng = np.random.default_rng(3)
    batches = [b for _ in range(err.epoch) for b in minibatches(X, Y, 10, rng)]
    Xb, Yb = batches[err.step - 1]
    with np.errstate(all="ignore"):
        try:
            train_step(ref, MSELoss(), ref_opt, Xb, Yb, check=False)
            Yhat = ref(Xb)
            broke = not all(np.isfinite(v).all() for v, _ in ref.parameters()) or not np.isfinite(Yhat).all()
        except ValueError:  # the loss refuses non-finite predictions
            broke = True
    assert broke


def test_divergence_at_the_first_step_changes_nothing():
    X, Y = make_dataset("abs", 20, seed=0)
    model = MLP([1, 4, 1], seed=0)
    model.linears[1].W[:] = 1e200  # predictions ~1e200: the squared error overflows at once
    before = params_of(model)
    with pytest.raises(TrainingDiverged, match=r"epoch 1, step 1 .*Last finite batch loss: none") as info:
        fit(model, X, Y, loss=MSELoss(), optimizer=SGD(model, lr=0.1), epochs=3, batch_size=5)
    assert info.value.step == 1 and info.value.last_loss is None
    assert_same_params(params_of(model), before)


def test_an_update_that_would_overflow_is_not_applied():
    # Finite loss and finite gradients, but lr·g overflows: the check after the update must undo it exactly,
    # including the optimizer's state.
    X, Y = make_dataset("abs", 4, seed=0)
    Y = Y + 100.0  # residuals ≈ 100, so |∂L/∂b2| ≈ 200 and lr·g ≈ 2e310 > the largest float64 (1.8e308)
    model = MLP([1, 3, 1], seed=0)
    opt = SGD(model, lr=1e308, momentum=0.5)
    before = params_of(model)
    with pytest.raises(TrainingDiverged, match="non-finite") as info:
        train_step(model, MSELoss(), opt, X, Y)
    assert info.value.reason == "parameter"
    assert_same_params(params_of(model), before)
    assert opt.velocities is None and opt.steps == 0
    with pytest.raises(TrainingDiverged, match=r"step 1 .*before step 1"):
        fit(model, X, Y, loss=MSELoss(), optimizer=opt, epochs=2, batch_size=2)
    assert_same_params(params_of(model), before)


def test_non_finite_gradient_is_caught_before_the_update():
    class BadLoss(MSELoss):
        def grad(self, Y, T):
            G = super().grad(Y, T)
            G[0, 0] = np.nan
            return G

    X, Y = make_dataset("abs", 6, seed=0)
    model = MLP([1, 3, 1], seed=0)
    before = params_of(model)
    with pytest.raises(TrainingDiverged, match="gradient of W") as info:
        train_step(model, BadLoss(), SGD(model, lr=0.1), X, Y)
    assert info.value.reason == "gradient"
    assert_same_params(params_of(model), before)


def test_an_update_that_makes_one_weight_non_finite_is_undone():
    """One NaN among finite weights (a partly non-finite array) must stop the step like an all-NaN one."""
    class OneBadWeight(SGD):
        def step(self):
            super().step()
            self.model.parameters()[0][0][0, 0] = np.nan

    X, Y = make_dataset("abs", 6, seed=0)
    model = MLP([1, 3, 1], seed=0)
    before = params_of(model)
    with pytest.raises(TrainingDiverged, match="non-finite") as info:
        train_step(model, MSELoss(), OneBadWeight(model, lr=0.1), X, Y)
    assert info.value.reason == "parameter"
    assert_same_params(params_of(model), before)


@pytest.mark.parametrize("kwargs, match", [
    (dict(epochs=0), "epochs must be a positive integer"),
    (dict(batch_size=0), "batch_size must be a positive integer"),
    (dict(val=(np.ones((3, 2)), np.ones((3, 1)))), "val=.*columns"),
    (dict(val=np.ones(3)), "val must be a pair"),
    (dict(callbacks=[3]), "callbacks must be functions"),
])
def test_fit_bad_arguments(kwargs, match):
    X, Y = make_dataset("abs", 6, seed=0)
    model = MLP([1, 3, 1], seed=0)
    args = dict(loss="mse", optimizer=SGD(model, lr=0.1), epochs=1, batch_size=2)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        fit(model, X, Y, **args)


def test_fit_refuses_mismatched_rows_and_a_foreign_optimizer():
    model = MLP([1, 3, 1], seed=0)
    with pytest.raises(ValueError, match="same number of rows"):
        fit(model, np.ones((4, 1)), np.ones((5, 1)), loss="mse", optimizer=SGD(model, lr=0.1), epochs=1,
            batch_size=2)
    other = MLP([1, 3, 1], seed=1)
    with pytest.raises(ValueError, match="another model"):
        fit(model, np.ones((4, 1)), np.ones((4, 1)), loss="mse", optimizer=SGD(other, lr=0.1), epochs=1,
            batch_size=2)


def test_batch_loss_mean_and_last_batch_loss_against_a_hand_loop(sinc_data):
    """Each epoch's batch losses, recomputed by a hand loop over fit's documented batch order."""
    X, Y = sinc_data
    model, ref = MLP([1, 8, 1], seed=0), MLP([1, 8, 1], seed=0)
    h = fit(model, X, Y, loss=MSELoss(), optimizer=SGD(model, lr=0.1), epochs=2, batch_size=10, seed=4)
    opt, rng = SGD(ref, lr=0.1), np.random.default_rng(4)
    for epoch in range(2):
        losses = [train_step(ref, MSELoss(), opt, Xb, Yb, check=False) for Xb, Yb in minibatches(X, Y, 10, rng)]
        assert len(losses) == 7 and len(set(losses)) == 7
        assert h.batch_loss_mean[epoch] == pytest.approx(np.mean(losses), rel=1e-12)
        assert h.last_batch_loss[epoch] == losses[-1]
