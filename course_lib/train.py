"""The training loop: `train_step`, `fit`, its `History`, and `TrainingDiverged`. Derived in notebook 06;
used for the fits of notebook 07 and the live lab of notebook 08.

One training step is four lines: forward pass (Eq. 1.2–1.4), loss (Eq. 3.7), backward pass (Eq. 5.5) and
an optimiser update (Eq. 6.1–6.7) with the minibatch gradient, Eq. (6.11). `fit` runs epochs of such steps
over shuffled minibatches and records, per epoch:

- `train_loss`: the loss over the WHOLE training set at the end of the epoch, so that it is comparable
  across batch sizes and with `val_loss` (the price: one forward pass over the training set per epoch,
  about a third of the work of an epoch of training);
- `batch_loss_mean`: the mean of the batch losses seen during the epoch (free, but measured on a moving
  model);
- `last_batch_loss`: the loss of the epoch's last batch. With batch_size=1 this is what source S0 prints
  ("last-sample loss"); notebook 07 shows how little it says about the fit;
- `grad_norms`: for every weight matrix, the Frobenius norm ‖∇W_l‖ of its gradient at the epoch's last step
  (the minibatch gradient the optimiser used last; free, since backward already computed it);
- `val_loss` (when `val=(X_val, Y_val)` is given), `steps` and `wall_time`.

Divergence: if a loss, a gradient or a parameter becomes NaN or ±Inf, `fit` raises `TrainingDiverged`
naming the epoch, the step and the last finite loss, and leaves the model exactly as it was before the
step that went wrong. The fast loop does no per-step checks: a bad update shows up as a non-finite loss
at a later step or in the end-of-epoch checks; `fit` then restores the parameters (and optimiser state) it
saved at the start of that epoch and replays the epoch with the checked `train_step` to find the exact
step, which it does not apply.
"""

from __future__ import annotations

import copy
import math
import time
from dataclasses import dataclass, field

import numpy as np

from .checks import as_batch, check_positive_int
from .init import as_generator
from .losses import get_loss


class TrainingDiverged(RuntimeError):
    """Training produced a NaN or ±Inf loss, gradient or parameter.

    Attributes: `epoch` and `step` (1-based; step counts optimiser updates over the whole run) of the step
    that went wrong, `last_loss` (the last finite batch loss before it, or None), `reason` (what turned
    non-finite). The model is left as it was before that step; the step was not applied.
    """

    def __init__(self, message, *, epoch=None, step=None, last_loss=None, reason=""):
        super().__init__(message)
        self.epoch = epoch
        self.step = step
        self.last_loss = last_loss
        self.reason = reason


@dataclass
class History:
    """What `fit` recorded, one entry per finished epoch (see the module docstring for the definitions).

    train_loss:      loss over the whole training set at the end of each epoch.
    val_loss:        loss over the validation set at the end of each epoch ([] without validation data).
    batch_loss_mean: mean of the batch losses during each epoch.
    last_batch_loss: loss of the last batch of each epoch (S0's "last-sample loss" when batch_size=1).
    grad_norms:      {"W1": [...], "W2": [...], …}: ‖∇W_l‖_F at the last step of each epoch.
    steps:           optimiser updates applied in total.
    wall_time:       seconds spent in fit (including the per-epoch evaluations).
    stopped_early:   True if a callback asked to stop.
    """

    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    batch_loss_mean: list = field(default_factory=list)
    last_batch_loss: list = field(default_factory=list)
    grad_norms: dict = field(default_factory=dict)
    steps: int = 0
    wall_time: float = 0.0
    stopped_early: bool = False

    @property
    def epochs(self) -> int:
        """Number of finished epochs."""
        return len(self.train_loss)


def _all_finite(a) -> bool:
    # Summing is a cheap first test (NaN/Inf anywhere makes the sum non-finite); a finite array whose sum
    # overflows is rare, and then the element-wise scan decides.
    return math.isfinite(float(np.add.reduce(a, axis=None))) or bool(np.isfinite(a).all())


def _loss_value(loss, Yhat, Yb) -> float:
    """loss(Yhat, Yb), or nan when the predictions are not finite (the losses refuse them with ValueError)."""
    try:
        return loss(Yhat, Yb)
    except ValueError:
        if not _all_finite(Yhat):
            return math.nan
        raise


EVAL_CHUNK = 64
"""Rows per forward pass when fit evaluates a whole data set. Products of at most 64 rows stay on one BLAS
thread; for the course's small networks that is faster than one big multi-threaded product, and much
faster on a busy machine. Each row's prediction does not depend on the other rows, so chunking changes
nothing but, at most, the rounding."""


def _predict(model, X):
    """model(X) computed EVAL_CHUNK rows at a time."""
    if X.shape[0] <= EVAL_CHUNK:
        return model.forward(X)
    return np.concatenate([model.forward(X[i : i + EVAL_CHUNK]) for i in range(0, X.shape[0], EVAL_CHUNK)])


def _param_names(model, params):
    names = model.parameter_names() if callable(getattr(model, "parameter_names", None)) else None
    if names is None or len(names) != len(params):
        names = [f"param{i}" for i in range(len(params))]
    return list(names)


def _save_optimizer(optimizer):
    """A deep copy of the optimiser's state (everything but the model it points to)."""
    model = getattr(optimizer, "model", None)
    return copy.deepcopy({k: v for k, v in vars(optimizer).items() if v is not model})


def _restore_optimizer(optimizer, state):
    for k, v in state.items():
        setattr(optimizer, k, v)


def train_step(model, loss, optimizer, Xb, Yb, *, check: bool = True) -> float:
    """One step on the minibatch (Xb, Yb): forward, loss, backward, optimiser update. Returns the batch loss.

    Ŷ = model(Xb) (Eq. 1.2–1.4); L = loss(Ŷ, Yb); model.backward(∂L/∂Ŷ) fills every gradient (Eq. 5.5);
    optimizer.step() updates every parameter (Eq. 6.1–6.7). The loss is the batch loss *before* the update.

    With check=True (the default) nothing non-finite gets into the model: the step raises TrainingDiverged
    (and changes neither the parameters nor the optimiser state) if the loss or a gradient is NaN/Inf, or
    if the update would make a parameter NaN/Inf. check=False is the bare four lines.
    """
    loss = get_loss(loss)
    if not check:
        Yhat = model.forward(Xb)
        value = loss(Yhat, Yb)
        model.backward(loss.grad(Yhat, Yb))
        optimizer.step()
        return value
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        Yhat = model.forward(Xb)
        value = _loss_value(loss, Yhat, Yb)
        if not math.isfinite(value):
            raise TrainingDiverged(f"the batch loss is {value}", reason="loss")
        model.backward(loss.grad(Yhat, Yb))
        params = model.parameters()
        names = _param_names(model, params)
        for name, (_, grad) in zip(names, params, strict=True):
            if not _all_finite(grad):
                raise TrainingDiverged(f"the gradient of {name} is not finite (batch loss {value:.6g})",
                                       reason="gradient")
        saved = [v.copy() for v, _ in params]
        saved_opt = _save_optimizer(optimizer)
        optimizer.step()
        for name, (v, _) in zip(names, params, strict=True):
            if not _all_finite(v):
                for (v2, _), old in zip(params, saved, strict=True):
                    np.copyto(v2, old)
                _restore_optimizer(optimizer, saved_opt)
                raise TrainingDiverged(
                    f"the update would make {name} non-finite (batch loss {value:.6g}); it was not applied",
                    reason="parameter",
                )
    return value


def _check_val(val, n_in, n_out):
    try:
        Xv, Yv = val
    except (TypeError, ValueError):
        raise ValueError("val must be a pair (X_val, Y_val) of arrays, or None") from None
    Xv = as_batch(Xv, "X_val")
    Yv = as_batch(Yv, "Y_val")
    if Xv.shape[0] != Yv.shape[0] or Xv.shape[1] != n_in or Yv.shape[1] != n_out:
        raise ValueError(
            f"val=(X_val, Y_val) must have the training data's columns and matching rows: training X has {n_in} "
            f"column(s) and Y {n_out}, got X_val {Xv.shape} and Y_val {Yv.shape}"
        )
    return Xv, Yv


def _diverged_message(err, epoch, step, batch, n_batches, last_loss, optimizer):
    lr = getattr(optimizer, "lr", None)
    hint = f" (now lr={lr:g})" if isinstance(lr, float) else ""
    last = "none (the very first step)" if last_loss is None else f"{last_loss:.6g}"
    return (
        f"training diverged at epoch {epoch}, step {step} (batch {batch} of {n_batches} in that epoch): {err}. "
        f"Last finite batch loss: {last}. The model is left as it was before step {step}. "
        f"Try a smaller learning rate{hint}, e.g. 10× smaller."
    )


def fit(
    model,
    X,
    Y,
    *,
    loss,
    optimizer,
    epochs: int,
    batch_size: int,
    val=None,
    seed=0,
    progress: bool = False,
    callbacks=(),
    shuffle: bool = True,
) -> History:
    """Train `model` on (X, Y) with minibatch steps; return a `History` (one entry per epoch).

    model:      an MLP, or any model with forward(X) → Ŷ, backward(∂L/∂Ŷ) and parameters().
    X, Y:       (n, n_in) and (n, n_out) arrays, one sample per row.
    loss:       a loss object (e.g. MSELoss()) or its name ("mse").
    optimizer:  an optimiser built on this model, e.g. SGD(model, lr=0.01) or Adam(model, lr=1e-3).
    epochs, batch_size: each epoch visits every row once in batches of batch_size (last batch may be
                shorter), in the order of `course_lib.data.minibatches` with one Generator seeded by `seed`
                for the whole run (a new shuffle every epoch). shuffle=False keeps the rows' order (like S0).
    val:        optional (X_val, Y_val); its loss is recorded after every epoch.
    progress:   show a tqdm progress bar over the epochs.
    callbacks:  functions cb(epoch, history) called after each epoch (epoch counts from 1); if one returns
                True, training stops after that epoch and history.stopped_early is True.

    Plain SGD with batch_size=1 is source S0's per-sample training. Raises TrainingDiverged when the loss,
    a gradient or a parameter turns NaN/Inf; the model is then left as it was before the bad step.
    """
    loss = get_loss(loss)
    X = as_batch(X, "X (training inputs)")
    Y = as_batch(Y, "Y (training targets)")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same number of rows (one per sample), got X {X.shape} and Y {Y.shape}")
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    if val is not None:
        val = _check_val(val, X.shape[1], Y.shape[1])
    for cb in callbacks:
        if not callable(cb):
            raise ValueError(f"callbacks must be functions cb(epoch, history), got {cb!r}")
    rng = as_generator(seed)
    if getattr(optimizer, "model", model) is not model:
        raise ValueError("the optimizer was built on another model: build it on this one, e.g. SGD(model, lr=0.01)")
    params = model.parameters()
    names = _param_names(model, params)
    weight_idx = [i for i, (v, _) in enumerate(params) if v.ndim == 2]
    history = History(grad_norms={names[i]: [] for i in weight_idx})

    epoch_iter = range(1, epochs + 1)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(epoch_iter, desc="training", unit="epoch")
        epoch_iter = bar

    start_time = time.perf_counter()
    try:
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for epoch in epoch_iter:
                _run_epoch(model, loss, optimizer, X, Y, batch_size, rng, shuffle, epoch, history, params, names,
                           weight_idx, val)
                history.wall_time = time.perf_counter() - start_time
                if bar is not None:
                    bar.set_postfix(loss=f"{history.train_loss[-1]:.3g}")
                stop = [cb(epoch, history) for cb in callbacks]  # every callback runs, then we decide
                if any(s is True for s in stop):
                    history.stopped_early = True
                    break
    finally:
        if bar is not None:
            bar.close()
    history.wall_time = time.perf_counter() - start_time
    return history


def _run_epoch(model, loss, optimizer, X, Y, batch_size, rng, shuffle, epoch, history, params, names, weight_idx,
               val):
    """One epoch of fit: the fast loop, the end-of-epoch checks and records, or the replay after a divergence."""
    forward, backward, grad_of, step = model.forward, model.backward, loss.grad, optimizer.step
    n = X.shape[0]
    saved = [v.copy() for v, _ in params]
    saved_opt = _save_optimizer(optimizer)
    if shuffle:  # the same order as course_lib.data.minibatches(X, Y, batch_size, rng)
        perm = rng.permutation(n)
        X, Y = X[perm], Y[perm]
    starts = range(0, n, batch_size)
    losses = []
    bad = None
    for start in starts:  # the fast loop: the four lines of train_step, no checks
        Xb, Yb = X[start : start + batch_size], Y[start : start + batch_size]
        Yhat = forward(Xb)
        value = _loss_value(loss, Yhat, Yb)
        if not math.isfinite(value):
            bad = len(losses)
            break
        backward(grad_of(Yhat, Yb))
        step()
        losses.append(value)
    last_before = history.last_batch_loss[-1] if history.last_batch_loss else None
    if bad is None and not all(_all_finite(v) for v, _ in params):
        bad = len(losses)  # the last update made a parameter non-finite
    if bad is not None:
        # Back to the start of the epoch; replay it with the checked step, which stops before the bad step.
        for (v, _), old in zip(params, saved, strict=True):
            np.copyto(v, old)
        _restore_optimizer(optimizer, saved_opt)
        last = last_before
        for i, start in enumerate(starts):
            try:
                last = train_step(model, loss, optimizer, X[start : start + batch_size], Y[start : start + batch_size])
            except TrainingDiverged as err:
                step_no = history.steps + i + 1
                msg = _diverged_message(err, epoch, step_no, i + 1, len(starts), last, optimizer)
                raise TrainingDiverged(msg, epoch=epoch, step=step_no, last_loss=last, reason=err.reason) from None
        raise TrainingDiverged(  # pragma: no cover - only if the replay is not deterministic
            f"training diverged in epoch {epoch}, but replaying the epoch did not reproduce it", epoch=epoch
        )
    history.steps += len(losses)
    # end-of-epoch records: the gradient norms of the last step, then the loss over the whole training set
    for i in weight_idx:
        g = params[i][1]
        history.grad_norms[names[i]].append(math.sqrt(float(np.vdot(g, g))))
    train_loss = _loss_value(loss, _predict(model, X), Y)
    if not math.isfinite(train_loss):
        raise TrainingDiverged(
            f"training diverged at the end of epoch {epoch} (after step {history.steps}): every batch loss was "
            f"finite, but the loss over the whole training set is {train_loss}. The model is left as it is after "
            f"step {history.steps}. Try a smaller learning rate.",
            epoch=epoch,
            step=history.steps,
            last_loss=losses[-1],
            reason="epoch-end loss",
        )
    history.train_loss.append(train_loss)
    history.batch_loss_mean.append(math.fsum(losses) / len(losses))
    history.last_batch_loss.append(losses[-1])
    if val is not None:
        history.val_loss.append(_loss_value(loss, _predict(model, val[0]), val[1]))
