"""A headless training session of the lab: data, model, optimiser, history, and snapshots to draw.

`Session(config)` builds everything from a config dict (see `course_lib.lab.config`) and never touches a
widget or a figure. Every step is the course's own four lines (forward Eq. 1.2–1.4, MSE Eq. 3.7, backward
Eq. 5.5, update Eq. 6.1–6.7), plus weight decay λθ added to every gradient (Eq. 6.2) when λ > 0.

    s = Session(dict(hidden_layers=8, activation="sigmoid"))
    s.train(1000)                # synchronous; records every `record_every` steps
    s.val_loss, s.grad_rms       # read-outs of the last record
    snap = s.snapshot()          # everything a frame draws, as plain arrays (course_lib.lab.frame)

Diagnostics per layer (measured on the same fixed training points as the train loss):
- `grad_norms`: ‖∇W_l‖_F (Eq. 8.1);
- `grad_rms`: the per-entry RMS of ∇W_l, ‖∇W_l‖_F / √(n_{l−1} n_l) (Eq. 8.2): comparable across layers of
  different shapes (a 1×32 first layer and 32×32 hidden ones);
- `act_std`: the standard deviation of each hidden layer's outputs A_l over those points (the forward signal,
  Eq. 8.3).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass

import numpy as np

from ..data import TARGETS, make_dataset, minibatches, train_val_split
from ..losses import MSELoss
from ..network import MLP
from ..optim import SGD, Adam
from ..train import EVAL_CHUNK, train_step
from .config import ARCH_KEYS, CONTROL_TABLE, DATA_KEYS, EFFECTS, MOMENTUM, check_count, validate_config

__all__ = ["Session", "Snapshot", "StepResult", "BoundedHistory", "GRID_POINTS"]

GRID_POINTS = 241  # x values at which the prediction and hidden units are drawn
DIAGRAM_NODES = 12  # at most this many circles per layer in the network diagram; wider layers are grouped


class BoundedHistory:
    """Loss history with at most `max_points` points: when full, every other point is dropped and
    from then on only every `stride`-th offered point is kept (stride doubles), so points stay evenly spread.

    Attributes (lists of equal length): `steps`, `train_loss`, `val_loss`.
    """

    def __init__(self, max_points: int = 1000):
        """See the class docstring."""
        self.max_points = check_count("max_history", max_points, low=4)
        self.clear()

    def clear(self):
        """Forget everything."""
        self.steps, self.train_loss, self.val_loss = [], [], []
        self.stride = 1
        self._offered = 0

    def __len__(self) -> int:
        """Number of points kept."""
        return len(self.steps)

    def add(self, step, train_loss, val_loss, force=False):
        """Offer one point; it is kept if it falls on the current stride (or `force`, e.g. a divergence)."""
        keep = force or self._offered % self.stride == 0
        self._offered += 1
        if not keep:
            return
        self.steps.append(int(step))
        self.train_loss.append(float(train_loss))
        self.val_loss.append(float(val_loss))
        if len(self.steps) >= self.max_points:
            for name in ("steps", "train_loss", "val_loss"):
                setattr(self, name, getattr(self, name)[::2])
            self.stride *= 2


@dataclass(frozen=True)
class StepResult:
    """What `Session.steps` did: steps taken, whether the run diverged, the last batch loss."""

    taken: int
    diverged: bool
    loss: float


@dataclass(frozen=True)
class Snapshot:
    """Everything one frame shows, as plain arrays (a frame never calls the model).

    Curves on the grid: `grid` (G,), `truth` (G,), `prediction` (G,), `hidden` (G, ≤8) or None.
    Data: `x_train`, `y_train`, `x_val`, `y_val` (at most 400 / 100 points). History: `steps`, `train_losses`,
    `val_losses`. Per layer (first layer first): `grad_rms`, `grad_rms0` (at step 0), `act_std`, `act_std0`
    (hidden layers only). Diagram: `sizes` (the layer sizes), `diagram` (one (rows, cols) matrix per layer of
    weights between the drawn nodes, block means when grouped), `groups` (units per drawn node, per layer).
    """

    step: int
    train_loss: float
    val_loss: float
    diverged: bool
    diverged_at: int | None
    title: str
    x_range: tuple
    grid: np.ndarray
    truth: np.ndarray
    prediction: np.ndarray
    hidden: np.ndarray | None
    hidden_width: int
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    steps: np.ndarray
    train_losses: np.ndarray
    val_losses: np.ndarray
    grad_rms: np.ndarray
    grad_rms0: np.ndarray
    act_std: np.ndarray
    act_std0: np.ndarray
    sizes: tuple
    diagram: tuple
    groups: tuple
    key: tuple  # changes whenever the data or the architecture changes (a frame redraws its static parts)


def _groups(n, most=DIAGRAM_NODES):
    """Split n units into at most `most` consecutive groups of near-equal size; returns the group sizes."""
    k = min(n, most)
    base, extra = divmod(n, k)
    return [base + (1 if i < extra else 0) for i in range(k)]


def _block_means(W, rows, cols):
    """Mean of W over the blocks given by group sizes `rows` × `cols`."""
    r = np.repeat(np.arange(len(rows)), rows)
    c = np.repeat(np.arange(len(cols)), cols)
    out = np.zeros((len(rows), len(cols)))
    np.add.at(out, (r[:, None], c[None, :]), W)
    return out / np.outer(rows, cols)


class Session:
    """A headless lab session (see the module docstring).

    Session(config=None, *, record_every=25, max_history=1000, eval_points=512)

    config:       a dict; missing keys take DEFAULT_CONFIG's values (checked: LabConfigError).
    record_every: `train(steps)` records a history point every this many steps (>= 1).
    max_history:  the most history points kept (see BoundedHistory).
    eval_points:  the losses and diagnostics are measured on (at most) this many fixed points of each set.
    """

    def __init__(self, config=None, *, record_every: int = 25, max_history: int = 1000, eval_points: int = 512):
        """See the class docstring."""
        self._config = validate_config({} if config is None else config)
        self.record_every = check_count("record_every", record_every)
        self.eval_points = check_count("eval_points", eval_points)
        self.history = BoundedHistory(max_history)
        self.loss = MSELoss()
        self.reset()

    # ----- configuration ------------------------------------------------------------------------------
    @property
    def config(self) -> dict:
        """A copy of the current configuration."""
        return dict(self._config)

    def set(self, **changes) -> str:
        """Change settings, as moving controls does; returns the strongest effect of the settings that changed
        (their `effect` in CONTROL_TABLE; "none" if nothing changed):

        "reset" (data or network: new data, a fresh model, history cleared), "optimiser" (a new optimiser on
        the same weights), "on the fly" (the optimiser's attribute of the same name, e.g. `lr`, changes and its
        state is kept), "batch" (the next minibatch is drawn with the new size) or "display". Bad values raise
        LabConfigError and change nothing.
        """
        new = validate_config(changes, base=self._config)
        changed = [k for k in changes if new[k] != self._config[k]]
        self._config = new
        effects = {CONTROL_TABLE[k].effect for k in changed}
        strongest = next((e for e in EFFECTS if e in effects), "none")
        if strongest == "reset":
            self.reset()
        elif strongest == "optimiser":
            self.optimizer = self._make_optimizer()
        else:
            for k in changed:
                if CONTROL_TABLE[k].effect == "on the fly":
                    setattr(self.optimizer, k, new[k])  # weight decay is L2 in the gradient (course_lib.optim)
            if "batch" in effects:
                self._batches = None
        return strongest

    # ----- building -----------------------------------------------------------------------------------
    def _make_optimizer(self):
        """A new optimiser on the current model from the config: SGD, SGD with momentum 0.9, or Adam."""
        c = self._config
        if c["optimiser"] == "adam":
            return Adam(self.model, lr=c["lr"], weight_decay=c["weight_decay"])
        return SGD(self.model, lr=c["lr"], momentum=MOMENTUM if c["optimiser"] == "momentum" else 0.0,
                   weight_decay=c["weight_decay"])

    def reset(self):
        """New data and a fresh model from the config; step 0, history cleared, divergence cleared."""
        c = self._config
        X, Y = make_dataset(c["target"], c["n_samples"], noise=c["noise"], seed=c["seed"])
        (self.X_train, self.Y_train), (self.X_val, self.Y_val) = train_val_split(
            X, Y, val_fraction=c["val_fraction"], seed=c["seed"]
        )
        k = self.eval_points  # fixed evaluation subsets (the sets are already in random order)
        self._eval_train = (self.X_train[:k], self.Y_train[:k])
        self._eval_val = (self.X_val[:k], self.Y_val[:k])
        self.target = TARGETS[c["target"]]
        lo, hi = self.target.x_range
        self.grid = np.linspace(lo, hi, GRID_POINTS).reshape(-1, 1)
        self.truth = self.target(self.grid)
        sizes = [1] + [c["width"]] * c["hidden_layers"] + [1]
        self.model = MLP(sizes, activation=c["activation"], init=c["init"], seed=c["seed"])
        self.optimizer = self._make_optimizer()
        self._batch_rng = np.random.default_rng([c["seed"], 8])
        self._batches = None
        self.step_count = 0
        self.diverged = False
        self.diverged_at = None
        self.divergence_value = None
        self._key = (tuple(c[k] for k in DATA_KEYS), tuple(c[k] for k in ARCH_KEYS))
        self.history.clear()
        self.record()
        self.grad_rms0 = self.grad_rms.copy()
        self.act_std0 = self.act_std.copy()

    # ----- training -----------------------------------------------------------------------------------
    def _next_batch(self):
        """The next minibatch; a new shuffled epoch (course_lib.data.minibatches) when one ends."""
        if self._batches is not None:
            batch = next(self._batches, None)
            if batch is not None:
                return batch
        self._batches = minibatches(self.X_train, self.Y_train, self._config["batch_size"], self._batch_rng)
        return next(self._batches)

    def steps(self, n, deadline=None, clock=time.perf_counter) -> StepResult:
        """Take up to n steps (stop early once `clock()` >= `deadline`, checked every 8 steps). A non-finite
        loss marks the run as diverged (recorded in the history at once) and stops; a diverged session takes no
        steps until reset."""
        n = check_count("steps", n, low=0)
        if self.diverged:
            return StepResult(0, True, math.nan)
        model, loss, opt = self.model, self.loss, self.optimizer
        done, value = 0, math.nan
        with np.errstate(all="ignore"):
            while done < n:
                Xb, Yb = self._next_batch()
                value = train_step(model, loss, opt, Xb, Yb, check=False)  # the library's one step
                self.step_count += 1
                done += 1
                if not math.isfinite(value):
                    self._diverge(value)
                    break
                if deadline is not None and (done & 7) == 0 and clock() >= deadline:
                    break
        return StepResult(done, self.diverged, float(value))

    def _diverge(self, value):
        """Mark the run as diverged at this step and record the point (shown on the loss plot)."""
        self.diverged = True
        self.diverged_at = self.step_count
        self.divergence_value = value
        self.record(force=True)

    def train(self, steps, record_every=None) -> StepResult:
        """Train `steps` steps synchronously, recording every `record_every` (default: the session's) steps;
        stops early if the run diverges. Returns the total as a StepResult."""
        steps = check_count("steps", steps, low=0)
        every = self.record_every if record_every is None else check_count("record_every", record_every)
        left, taken = steps, 0
        while left > 0 and not self.diverged:
            r = self.steps(min(left, every))
            left -= r.taken
            taken += r.taken
            if not self.diverged:
                self.record()
        return StepResult(taken, self.diverged, self.train_loss)

    # ----- measuring ----------------------------------------------------------------------------------
    def _forward(self, X, upto=None):
        """The forward pass through the first `upto` layers (default all), EVAL_CHUNK rows at a time (the same
        chunking as course_lib.train.fit, so each product stays on one BLAS thread)."""
        layers = self.model.layers if upto is None else self.model.layers[:upto]
        outs = []
        for start in range(0, X.shape[0], EVAL_CHUNK):
            A = X[start : start + EVAL_CHUNK]
            for layer in layers:
                A = layer.forward(A)
            outs.append(A)
        return np.concatenate(outs)

    def _measure(self):
        """(train MSE, ‖∇W_l‖ per layer, std of A_l per hidden layer) on the fixed training points.

        The mean over all rows is the row-weighted mean of the chunks' means, for the loss and (Eq. 6.11) for
        its gradient alike. Non-finite predictions give (nan, nan…, nan…).
        """
        model, loss = self.model, self.loss
        X, Y = self._eval_train
        n, lins = X.shape[0], model.linears
        acc = [np.zeros_like(lin.W) for lin in lins]
        n_hidden = len(lins) - 1
        s1, s2 = np.zeros(n_hidden), np.zeros(n_hidden)
        total = 0.0
        for start in range(0, n, EVAL_CHUNK):
            Xc, Yc = X[start : start + EVAL_CHUNK], Y[start : start + EVAL_CHUNK]
            A = Xc
            for i, layer in enumerate(model.layers[:-2]):  # the hidden layers' outputs A_l, for their spread
                A = layer.forward(A)
                if i % 2 == 1:
                    s1[i // 2] += A.sum()
                    s2[i // 2] += np.vdot(A, A)
            Yhat = model.forward(Xc)
            if not np.isfinite(Yhat).all():
                return math.nan, np.full(len(lins), np.nan), np.full(n_hidden, np.nan)
            total += loss(Yhat, Yc) * Xc.shape[0]
            model.backward(loss.grad(Yhat, Yc))
            for a, lin in zip(acc, lins, strict=True):
                a += Xc.shape[0] * lin.dW
        counts = n * np.array([lin.fan_out for lin in lins[:-1]], dtype=np.float64)
        mean = s1 / counts
        std = np.sqrt(np.maximum(s2 / counts - mean**2, 0.0))
        norms = np.array([math.sqrt(float(np.vdot(a, a))) / n for a in acc])
        return total / n, norms, std

    def record(self, force=False):
        """Measure the train/validation loss and the per-layer diagnostics; add a history point."""
        with np.errstate(all="ignore"):
            tr, self.grad_norms, self.act_std = self._measure()
            va = math.nan
            if math.isfinite(tr):
                Yv = self._forward(self._eval_val[0])
                if np.isfinite(Yv).all():
                    va = self.loss(Yv, self._eval_val[1])
        sizes = np.array([lin.W.size for lin in self.model.linears], dtype=np.float64)
        self.grad_rms = self.grad_norms / np.sqrt(sizes)
        self.train_loss, self.val_loss = float(tr), float(va)
        self.history.add(self.step_count, tr, va, force=force)

    # ----- snapshots ----------------------------------------------------------------------------------
    def snapshot(self, hidden=None) -> Snapshot:
        """Everything one frame shows, computed now (prediction and hidden units on the grid, the diagram's
        weights). `hidden` (default: the config's show_hidden) says whether to compute the hidden units."""
        show = self._config["show_hidden"] if hidden is None else bool(hidden)
        with np.errstate(all="ignore"):
            last_hidden = len(self.model.layers) - 2  # the output layer and its identity come after it
            A = self._forward(self.grid, upto=last_hidden)
            H = A[:, :8] if show else None
            for layer in self.model.layers[last_hidden:]:  # one pass: the prediction goes on from A
                A = layer.forward(A)
            pred = A[:, 0]
        sizes = tuple(self.model.sizes)
        groups = tuple(tuple(_groups(n)) for n in sizes)
        diagram = tuple(
            lin.W.copy() if len(groups[i]) == sizes[i] and len(groups[i + 1]) == sizes[i + 1]
            else _block_means(lin.W, groups[i], groups[i + 1])
            for i, lin in enumerate(self.model.linears)
        )
        k = 400
        h = self.history
        return Snapshot(
            step=self.step_count, train_loss=self.train_loss, val_loss=self.val_loss, diverged=self.diverged,
            diverged_at=self.diverged_at, title=self.target.formula, x_range=tuple(self.target.x_range),
            grid=self.grid[:, 0], truth=self.truth[:, 0], prediction=pred, hidden=H, hidden_width=sizes[-2],
            x_train=self.X_train[:k, 0], y_train=self.Y_train[:k, 0], x_val=self.X_val[: k // 4, 0],
            y_val=self.Y_val[: k // 4, 0], steps=np.asarray(h.steps, dtype=np.float64),
            train_losses=np.asarray(h.train_loss), val_losses=np.asarray(h.val_loss),
            grad_rms=self.grad_rms.copy(), grad_rms0=self.grad_rms0.copy(), act_std=self.act_std.copy(),
            act_std0=self.act_std0.copy(), sizes=sizes, diagram=diagram, groups=groups, key=self._key,
        )

    def describe(self) -> str:
        """A one-line description of the configuration (stable text, no numbers measured)."""
        c = self._config
        sizes = "-".join(str(n) for n in [1] + [c["width"]] * c["hidden_layers"] + [1])
        decay = f", weight decay {c['weight_decay']:g}" if c["weight_decay"] else ""
        return (
            f"target {c['target']}, {c['n_samples']} samples (noise {c['noise']:g}), "
            f"network {sizes} {c['activation']} ({c['init']} init), {c['optimiser']} lr {c['lr']:.3g}, "
            f"batch {c['batch_size']}{decay}"
        )

