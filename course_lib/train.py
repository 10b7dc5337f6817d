"""The training loop: `train_step`, `fit`, its `History`, and `TrainingDiverged`. Derived in notebook 06;
used for the fits of notebook 07.

One training step is four lines: forward pass (Eq. 1.2–1.4), loss (Eq. 3.7), backward pass (Eq. 5.5) and
an optimizer update (Eq. 6.1–6.7) with the minibatch gradient, Eq. (6.11). `fit` runs epochs of such
steps over shuffled minibatches and records, per epoch, the quantities listed in `History`.

If a loss, a gradient or a parameter becomes NaN or ±Inf, `fit` raises `TrainingDiverged` naming the
epoch, the step and the last finite loss, and leaves the model as it was before that step. The loop
itself checks nothing per step; only when an epoch went wrong does `_find_divergence` replay it with
checked steps, from a checkpoint taken at the start of the epoch, to name the step.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field

import numpy as np

from .checks import as_batch, check_positive_int
from .data import minibatches
from .init import as_generator
from .losses import get_loss


class TrainingDiverged(RuntimeError):
    """Training produced a NaN or ±Inf loss, gradient or parameter.

    Attributes: `epoch` and `step` (1-based; step counts optimizer updates over the whole run) of the step
    that went wrong, `last_loss` (the last finite batch loss before it, or None), `reason` ("loss",
    "gradient", "parameter" or "epoch-end loss"). The model is left as it was before that step.
    """

    def __init__(self, message, *, epoch=None, step=None, last_loss=None, reason=""):
        super().__init__(message)
        self.epoch = epoch
        self.step = step
        self.last_loss = last_loss
        self.reason = reason


@dataclass
class History:
    """What `fit` recorded, one entry per finished epoch.

    train_loss:      loss over the WHOLE training set at the end of each epoch (comparable across batch
                     sizes and with val_loss; costs one forward pass over the training set per epoch).
    val_loss:        loss over the validation set at the end of each epoch ([] without validation data).
    batch_loss_mean: mean of the batch losses during each epoch (free, but measured on a moving model).
    last_batch_loss: loss of the last batch of each epoch (S0's "last-sample loss" when batch_size=1).
    grad_norms:      {"W1": [...], …}: ‖∇W_l‖_F of the minibatch gradient at the last step of each epoch.
    steps:           optimizer updates applied in total.
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


def train_step(model, loss, optimizer, Xb, Yb, *, check: bool = True) -> float:
    """One step on the minibatch (Xb, Yb); returns the batch loss (before the update).

    check=False is the step itself, the four lines every training loop here runs (fit, the lab's Session):
    forward, loss, backward, update. A step whose loss is not finite (or whose predictions the loss refuses as
    NaN/Inf) updates nothing and returns nan/inf, so the caller decides what a divergence means.
    With check=True (the default) nothing non-finite gets into the model: if the loss, a gradient or an
    updated parameter is NaN/Inf, the step is undone and TrainingDiverged says which.
    """
    loss = get_loss(loss)
    _check_optimizer(optimizer, model)
    if check:
        return _checked_step(model, loss, optimizer, Xb, Yb)
    Yhat = model.forward(Xb)  # Eq. (1.2)–(1.4)
    try:
        value = loss(Yhat, Yb)  # Eq. (3.7)
    except ValueError:
        if _finite(Yhat):
            raise  # a real input error, not a divergence
        return math.nan  # the loss refuses non-finite predictions
    if math.isfinite(value):
        model.backward(loss.grad(Yhat, Yb))  # Eq. (5.5): fills every gradient
        optimizer.step()  # Eq. (6.1)–(6.7)
    return value


def fit(model, X, Y, *, loss, optimizer, epochs: int, batch_size: int, val=None, seed=0, progress: bool = False,
        callbacks=(), shuffle: bool = True) -> History:
    """Train `model` on (X, Y) with minibatch steps; return a `History` (one entry per epoch).

    model:      an MLP, or any model with forward(X) → Ŷ, backward(∂L/∂Ŷ) and parameters().
    X, Y:       (n, n_in) and (n, n_out) arrays, one sample per row (never modified).
    loss:       a loss object (e.g. MSELoss()) or its name ("mse").
    optimizer:  an optimizer built on this model, e.g. SGD(model, lr=0.01) or Adam(model, lr=1e-3).
    epochs, batch_size: each epoch visits every row once in batches of batch_size (the last may be shorter),
                in the order of `course_lib.data.minibatches` with one Generator seeded by `seed` for the
                whole run (a new shuffle every epoch). shuffle=False keeps the rows' order (like S0).
    val:        optional (X_val, Y_val); its loss is recorded after every epoch.
    progress:   show a tqdm progress bar over the epochs.
    callbacks:  functions cb(epoch, history) called after each epoch (epoch counts from 1); if one returns
                True, training stops after that epoch and history.stopped_early is True.

    Plain SGD with batch_size=1 is source S0's per-sample training. Raises TrainingDiverged when the loss,
    a gradient or a parameter turns NaN/Inf; the model is then left as it was before the bad step.
    """
    loss = get_loss(loss)
    X, Y, val, callbacks = _check_fit_arguments(model, X, Y, optimizer, val, callbacks)
    epochs = check_positive_int(epochs, "epochs")
    batch_size = check_positive_int(batch_size, "batch_size")
    rng = as_generator(seed)
    history = History(grad_norms={name: [] for name, (value, _) in _named(model) if value.ndim == 2})
    bar = _progress_bar(epochs) if progress else None
    start = time.perf_counter()
    for epoch in range(1, epochs + 1):
        checkpoint = _Checkpoint(model, optimizer)
        batches = list(minibatches(X, Y, batch_size, rng, shuffle=shuffle))
        losses = []
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            for Xb, Yb in batches:
                losses.append(train_step(model, loss, optimizer, Xb, Yb, check=False))
                if not math.isfinite(losses[-1]):
                    break  # _find_divergence replays the epoch and says where and why
            if len(losses) < len(batches) or not _finite(losses) or not _finite_parameters(model):
                _find_divergence(model, loss, optimizer, checkpoint, batches, epoch, history)
            history.steps += len(batches)
            _record(history, epoch, model, loss, X, Y, val, losses)
        history.wall_time = time.perf_counter() - start
        if bar is not None:
            bar.update()
            bar.set_postfix(loss=f"{history.train_loss[-1]:.3g}")
        if any([cb(epoch, history) is True for cb in callbacks]):  # every callback runs, then we decide
            history.stopped_early = True
            break
    if bar is not None:
        bar.close()
    return history


# ---------------------------------------------------------------- recording

EVAL_CHUNK = 64
"""Rows per forward pass when fit evaluates a whole data set. Products of at most 64 rows stay on one BLAS
thread, which for the course's small networks is faster than one big product, and much faster on a busy
machine. Each row's prediction does not depend on the other rows, so chunking changes at most rounding."""


def evaluate(model, loss, X, Y) -> float:
    """loss(model(X), Y) over a whole data set, computed EVAL_CHUNK rows at a time; nan if a prediction
    is not finite."""
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        Yhat = np.concatenate([model.forward(X[i : i + EVAL_CHUNK]) for i in range(0, len(X), EVAL_CHUNK)])
        return loss(Yhat, Y) if _finite(Yhat) else math.nan


def _record(history, epoch, model, loss, X, Y, val, losses):
    """Append the end-of-epoch records: gradient norms of the last step, then the whole-set losses."""
    for name, (_, grad) in _named(model):
        if name in history.grad_norms:
            history.grad_norms[name].append(math.sqrt(float(np.vdot(grad, grad))))
    train_loss = evaluate(model, loss, X, Y)
    if not math.isfinite(train_loss):
        raise TrainingDiverged(
            f"training diverged at the end of epoch {epoch} (after step {history.steps}): every batch loss was "
            f"finite, but the loss over the whole training set is {train_loss}. The model is left as it is "
            f"after step {history.steps}. Try a smaller learning rate.",
            epoch=epoch, step=history.steps, last_loss=losses[-1], reason="epoch-end loss",
        )
    history.train_loss.append(train_loss)
    history.batch_loss_mean.append(math.fsum(losses) / len(losses))
    history.last_batch_loss.append(losses[-1])
    if val is not None:
        history.val_loss.append(evaluate(model, loss, *val))


# ---------------------------------------------------------------- divergence (runs only on failure)


class _Checkpoint:
    """Copies of the model's parameters and of the optimizer's state, to go back to."""

    def __init__(self, model, optimizer):
        self.model, self.optimizer = model, optimizer
        self.values = [value.copy() for value, _ in model.parameters()]
        self.state = optimizer.state_dict() if hasattr(optimizer, "state_dict") else None

    def restore(self):
        for (value, _), saved in zip(self.model.parameters(), self.values, strict=True):
            np.copyto(value, saved)
        if self.state is not None:
            self.optimizer.load_state_dict(self.state)


def _checked_step(model, loss, optimizer, Xb, Yb) -> float:
    """train_step(check=False) from a checkpoint; undone, with TrainingDiverged, if anything is not finite."""
    checkpoint = _Checkpoint(model, optimizer)
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        value = train_step(model, loss, optimizer, Xb, Yb, check=False)
    if not math.isfinite(value):
        problem, reason = f"the batch loss is {value}", "loss"
    else:
        named = _named(model)
        bad_grad = next((name for name, (_, grad) in named if not _finite(grad)), None)
        bad_value = next((name for name, (v, _) in named if not _finite(v)), None)
        if bad_grad is not None:
            problem, reason = f"the gradient of {bad_grad} is not finite (batch loss {value:.6g})", "gradient"
        elif bad_value is not None:
            problem, reason = f"the update would make {bad_value} non-finite (batch loss {value:.6g})", "parameter"
        else:
            return value
    checkpoint.restore()
    raise TrainingDiverged(f"{problem}; the step was not applied", reason=reason)


def _find_divergence(model, loss, optimizer, checkpoint, batches, epoch, history):
    """Go back to the start of the epoch and replay it with checked steps, which stop before the bad one."""
    checkpoint.restore()
    last = history.last_batch_loss[-1] if history.last_batch_loss else None
    for i, (Xb, Yb) in enumerate(batches):
        try:
            last = _checked_step(model, loss, optimizer, Xb, Yb)
        except TrainingDiverged as err:
            step = history.steps + i + 1
            raise TrainingDiverged(
                _diverged_message(err, epoch, step, i + 1, len(batches), last, optimizer, Xb, Yb),
                epoch=epoch, step=step, last_loss=last, reason=err.reason,
            ) from None
    raise TrainingDiverged(  # pragma: no cover - only if the replay is not deterministic
        f"training diverged in epoch {epoch}, but replaying the epoch did not reproduce it", epoch=epoch
    )


def _diverged_message(err, epoch, step, batch, n_batches, last_loss, optimizer, Xb, Yb):
    where = f"training diverged at epoch {epoch}, step {step} (batch {batch} of {n_batches} in that epoch): {err}."
    if step == 1 and err.reason == "loss":  # no update has happened: the data or the initial weights did it
        scale = max(float(np.max(np.abs(Xb))), float(np.max(np.abs(Yb))))
        hint = (
            f"The very first forward pass already overflowed, before any update, so the learning rate is not "
            f"the cause: the batch's largest |value| is {scale:.3g}; rescale the data (e.g. to unit variance) "
            f"or check the initial weights."
        )
    else:
        lr = getattr(optimizer, "lr", None)
        hint = f"Try a smaller learning rate{f' (now lr={lr:g})' if isinstance(lr, float) else ''}, e.g. 10× smaller."
    last = "none (the very first step)" if last_loss is None else f"{last_loss:.6g}"
    return f"{where} Last finite batch loss: {last}. The model is left as it was before step {step}. {hint}"


# ---------------------------------------------------------------- small helpers


def _finite(values) -> bool:
    """True if every number in the array (or list of floats) is finite. The sum is a cheap first test; a
    finite array whose sum overflows is rare, and then the element-wise scan decides."""
    return math.isfinite(float(np.add.reduce(values, axis=None))) or bool(np.isfinite(values).all())


def _finite_parameters(model) -> bool:
    flat = getattr(model, "_flat", None)
    return _finite(flat[0]) if flat is not None else all(_finite(v) for v, _ in model.parameters())


def _named(model):
    """[(name, (value, gradient)), …]; models without parameter_names() get p0, p1, …"""
    params = model.parameters()
    names = model.parameter_names() if callable(getattr(model, "parameter_names", None)) else None
    if names is None or len(names) != len(params):
        names = [f"p{i}" for i in range(len(params))]
    return list(zip(names, params, strict=True))


def _check_optimizer(optimizer, model):
    if not callable(getattr(optimizer, "step", None)):
        raise TypeError(
            f"optimizer must be an optimizer built on the model, e.g. SGD(model, lr=0.01), got {optimizer!r:.60}"
        )
    if getattr(optimizer, "model", model) is not model:
        raise ValueError(
            "the optimizer was built on another model (was the model cell re-run without the optimizer cell?): "
            "build it on this one, e.g. SGD(model, lr=0.01)"
        )


def _check_fit_arguments(model, X, Y, optimizer, val, callbacks):
    X = as_batch(X, "X (training inputs)")
    Y = as_batch(Y, "Y (training targets)")
    if X.shape[0] != Y.shape[0]:
        raise ValueError(f"X and Y must have the same number of rows (one per sample), got X {X.shape} and Y {Y.shape}")
    _check_optimizer(optimizer, model)
    if val is not None:
        try:
            Xv, Yv = val
        except (TypeError, ValueError):
            raise ValueError("val must be a pair (X_val, Y_val) of arrays, or None") from None
        Xv, Yv = as_batch(Xv, "X_val"), as_batch(Yv, "Y_val")
        if Xv.shape[0] != Yv.shape[0] or Xv.shape[1] != X.shape[1] or Yv.shape[1] != Y.shape[1]:
            raise ValueError(
                f"val=(X_val, Y_val) must have the training data's columns and matching rows: training X has "
                f"{X.shape[1]} column(s) and Y {Y.shape[1]}, got X_val {Xv.shape} and Y_val {Yv.shape}"
            )
        val = (Xv, Yv)
    callbacks = () if callbacks is None else callbacks
    if callable(callbacks) or not hasattr(callbacks, "__iter__"):
        raise ValueError(f"callbacks must be a list of functions cb(epoch, history), got {callbacks!r:.60}")
    callbacks = list(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise ValueError(f"callbacks must be functions cb(epoch, history), got {cb!r:.60}")
    return X, Y, val, callbacks


def _progress_bar(epochs):
    from tqdm.auto import tqdm

    return tqdm(total=epochs, desc="training", unit="epoch")
