"""The live training lab of notebook 08: `LiveTrainer`, an ipywidgets dashboard that trains an MLP while you watch.

`LiveTrainer()` builds controls for the data (target, noise, number of samples, train/validation split,
seed), the network (hidden layers, width, activation, initialiser) and the optimiser (SGD, momentum,
Adam, learning rate on a log scale, batch size); buttons `Train`, `Pause`, `Step`, `Reset`; a status line
"step 1200 · train loss 0.0123 · val loss 0.015"; and one picture with four live views: the fit (data,
true function, prediction), the train and validation losses (log scale), the per-layer gradient norms
‖∇W_l‖ (log scale: vanishing gradients in a deep sigmoid net show as a falling profile) and the hidden
units' outputs as functions of x.

Nothing here is new mathematics: the data come from `course_lib.data`, every step is
`course_lib.train.train_step` (forward Eq. 1.2–1.4, MSE Eq. 3.7, backward Eq. 5.5, update Eq. 6.1–6.7),
and the network is `course_lib.network.MLP`.

How it runs
- `Train` starts an asyncio task on the kernel's running event loop. The task trains for about one frame
  interval (1/fps seconds minus the time the last frame took to draw), records a history point, draws a
  frame and yields (`await asyncio.sleep(...)`), so button clicks are handled between chunks: `Pause`
  takes effect within one chunk (well under 250 ms).
- Frames are drawn into ONE matplotlib Agg figure made once (`matplotlib.figure.Figure` + `FigureCanvasAgg`):
  each frame only updates line data and axis limits, then encodes a PNG into an `ipywidgets.Image`.
- `train(steps)` does the same work synchronously (for tests, scripts and a notebook's committed output).

What a control change does
- data (target, noise, samples, split, seed) and architecture (hidden layers, width, activation,
  initialiser) changes rebuild the data and a fresh model and clear the history (a reset); a running
  loop keeps running on the new model;
- learning rate: applied on the fly (the optimiser's `lr` is changed; its momentum/Adam moments are kept);
- optimiser: a new optimiser on the same model (its momentum/Adam state starts from zero);
- batch size: the next minibatch is drawn with the new size (a new epoch starts); the model is kept.

Robustness
- A NaN/Inf loss (or a ValueError from the loss on non-finite predictions) pauses training with a message;
  `Reset` recovers. Plots skip non-finite values (no log-scale errors).
- The history keeps at most `max_history` points: when full, every other point is dropped and points are
  recorded half as often from then on, so an hour of training uses the same memory as a minute.
- A new LiveTrainer stops the training loops of all earlier ones (re-running a cell leaves one loop).
- The whole configuration exports to a short string (`export_config()`, "lt1:" + base64 of compact JSON)
  and loads from it or from plain JSON (`load_config(text)`), validated with clear errors.
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import math
import numbers
import struct
import time
import weakref
import zlib

import numpy as np

from .checks import unknown_name
from .data import TARGETS, make_dataset, minibatches, train_val_split
from .losses import MSELoss
from .network import MLP
from .optim import SGD, Adam
from .plots import COLORS
from .train import train_step

__all__ = ["LiveTrainer", "PRESETS", "DEFAULT_CONFIG", "CONTROLS", "ConfigError", "decode_config", "encode_config"]

# ---------------------------------------------------------------------------------------------------------
# The configuration: names, allowed values, defaults, presets
# ---------------------------------------------------------------------------------------------------------

TARGET_OPTIONS = {  # config value -> label; "sin_s0" is S0's 3·sin(20x) on [0, 1]
    "sin_s0": f"S0: {TARGETS['sin_s0'].formula}",
    "sinc": f"S2: {TARGETS['sinc'].formula}",
    "sin": TARGETS["sin"].formula,
    "step": "step (jump at 0)",
    "abs": "|x| (kink at 0)",
}
ACTIVATION_OPTIONS = ("relu", "leaky_relu", "tanh", "sigmoid")
INIT_OPTIONS = ("he", "he_uniform", "glorot", "glorot_uniform", "sqrt2_glorot_normal")
OPTIMISER_OPTIONS = ("sgd", "momentum", "adam")
MOMENTUM = 0.9
SAMPLE_OPTIONS = (20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000)
BATCH_OPTIONS = (1, 2, 4, 8, 16, 20, 32, 64, 128, 256)
LR_RANGE = (1e-5, 10.0)

# name -> (kind, allowed): kind is "choice" (allowed = options), "int"/"float" (allowed = (low, high)), "bool"
CONFIG_SPEC = {
    "target": ("choice", tuple(TARGET_OPTIONS)),
    "noise": ("float", (0.0, 1.0)),
    "n_samples": ("choice", SAMPLE_OPTIONS),
    "val_fraction": ("float", (0.05, 0.5)),
    "hidden_layers": ("int", (1, 10)),
    "width": ("int", (1, 128)),
    "activation": ("choice", ACTIVATION_OPTIONS),
    "init": ("choice", INIT_OPTIONS),
    "optimiser": ("choice", OPTIMISER_OPTIONS),
    "lr": ("float", LR_RANGE),
    "batch_size": ("choice", BATCH_OPTIONS),
    "seed": ("int", (0, 2**31 - 1)),
    "show_hidden": ("bool", None),
}
CONTROLS = tuple(CONFIG_SPEC) + ("presets", "share")
"""Names accepted by `LiveTrainer(hide=[...])`: every config key, plus the preset buttons and the share box."""

DATA_KEYS = ("target", "noise", "n_samples", "val_fraction", "seed")
ARCH_KEYS = ("hidden_layers", "width", "activation", "init")

DEFAULT_CONFIG = {
    "target": "sinc",
    "noise": 0.1,
    "n_samples": 500,
    "val_fraction": 0.2,
    "hidden_layers": 2,
    "width": 32,
    "activation": "tanh",
    "init": "glorot",
    "optimiser": "adam",
    "lr": 0.01,
    "batch_size": 32,
    "seed": 0,
    "show_hidden": True,
}

PRESETS = {
    # S0: 3·sin(20z) on 100 000 points, 1-3-1 ReLU, per-sample SGD (batch 1), no noise.
    "S0": dict(DEFAULT_CONFIG, target="sin_s0", noise=0.0, n_samples=100_000, val_fraction=0.1, hidden_layers=1,
               width=3, activation="relu", init="he", optimiser="sgd", lr=0.01, batch_size=1),
    # S2: noisy sinc (σ = 0.1), 500 points, [1, 50×9, 1] ReLU, √2·Glorot init, SGD batch 20. S2's lr 0.01 acts on
    # half the gradient of the MSE it reports (notebook 07), so the same steps take lr 0.005 with the true gradient.
    "S2": dict(DEFAULT_CONFIG, target="sinc", noise=0.1, n_samples=500, val_fraction=0.2, hidden_layers=9,
               width=50, activation="relu", init="sqrt2_glorot_normal", optimiser="sgd", lr=0.005, batch_size=20),
}
"""One-click settings of the source designs (see SOURCES.md): "S0" and "S2"."""

CONFIG_PREFIX = "lt1:"
_SINGLE_THREAD_WORK = 2**18  # rows × fan_in × fan_out below which OpenBLAS multiplies on one thread


class ConfigError(ValueError):
    """A configuration string or dict that LiveTrainer cannot load; the message says what is wrong."""


def _check_value(key, value):
    """Check one config value against CONFIG_SPEC; return it normalised (int/float) or raise ConfigError."""
    kind, allowed = CONFIG_SPEC[key]
    if kind == "choice":
        if isinstance(value, bool) or value not in allowed:
            raise ConfigError(f"config[{key!r}] must be one of {', '.join(map(repr, allowed))}; got {value!r}")
        return value
    if kind == "bool":
        if not isinstance(value, bool):
            raise ConfigError(f"config[{key!r}] must be true or false, got {value!r}")
        return value
    low, high = allowed
    if kind == "int":
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise ConfigError(f"config[{key!r}] must be an integer from {low} to {high}, got {value!r}")
        value = int(value)
    else:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise ConfigError(f"config[{key!r}] must be a number from {low:g} to {high:g}, got {value!r}")
        value = float(value)
    if not low <= value <= high:
        raise ConfigError(f"config[{key!r}] must lie between {low:g} and {high:g}, got {value!r}")
    return value


def validate_config(config, base=None) -> dict:
    """A complete, checked config dict: `config`'s keys over `base` (default DEFAULT_CONFIG).

    Raises ConfigError naming the first unknown key or bad value (with the allowed values or range).
    """
    if not isinstance(config, dict):
        raise ConfigError(f"a LiveTrainer config must be a dict (a JSON object), got {type(config).__name__}")
    unknown = [k for k in config if k not in CONFIG_SPEC]
    if unknown:
        raise ConfigError(f"unknown config key {unknown[0]!r}; the keys are: {', '.join(CONFIG_SPEC)}")
    out = dict(DEFAULT_CONFIG if base is None else base)
    for key, value in config.items():
        out[key] = _check_value(key, value)
    return out


def encode_config(config) -> str:
    """The config as a short shareable string: "lt1:" + URL-safe base64 of compact JSON (sorted keys)."""
    config = validate_config(config)
    raw = json.dumps(config, separators=(",", ":"), sort_keys=True).encode()
    return CONFIG_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_config(text) -> dict:
    """Parse a string from `encode_config` (or plain JSON) into a checked config dict.

    Missing keys take DEFAULT_CONFIG's values. Raises ConfigError with a readable reason.
    """
    if not isinstance(text, str):
        raise ConfigError(f"a config string is expected, got {type(text).__name__}")
    text = text.strip()
    if not text:
        raise ConfigError("the config string is empty: paste the text that 'Export' produced")
    if text.startswith(CONFIG_PREFIX):
        body = text[len(CONFIG_PREFIX):]
        try:
            raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise ConfigError(
                "the config string is damaged (its base64 part does not decode); copy the whole text again"
            ) from None
    elif text.startswith("{"):
        raw = text
    else:
        raise ConfigError(
            f"a config string starts with {CONFIG_PREFIX!r} (from Export) or is a JSON object '{{…}}'; "
            f"got {text[:20]!r}"
        )
    try:
        config = json.loads(raw)
    except json.JSONDecodeError as err:
        raise ConfigError(f"the config is not valid JSON ({err.msg} at character {err.pos})") from None
    return validate_config(config)


# ---------------------------------------------------------------------------------------------------------
# The bounded history
# ---------------------------------------------------------------------------------------------------------


class BoundedHistory:
    """Loss history with at most `max_points` points: when full, every other point is dropped and
    from then on only every `stride`-th offered point is kept (stride doubles), so points stay evenly spread.

    Attributes (lists of equal length): `steps`, `train_loss`, `val_loss`.
    """

    def __init__(self, max_points: int = 1000):
        """See the class docstring."""
        if max_points < 4:
            raise ValueError(f"max_points must be at least 4, got {max_points!r}")
        self.max_points = int(max_points)
        self.clear()

    def clear(self):
        """Forget everything."""
        self.steps, self.train_loss, self.val_loss = [], [], []
        self.stride = 1
        self._offered = 0

    def __len__(self) -> int:
        """Number of points kept."""
        return len(self.steps)

    def add(self, step, train_loss, val_loss):
        """Offer one point; it is kept if it falls on the current stride."""
        keep = self._offered % self.stride == 0
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


def _finite_positive(values):
    """The finite, positive entries of `values` as a 1-D float array (what a log axis can show)."""
    a = np.asarray(values, dtype=np.float64)
    return a[np.isfinite(a) & (a > 0)]


def _fmt(x) -> str:
    """A loss for the status line: 3 significant digits, or 'nan'/'inf'."""
    return f"{x:.3g}" if math.isfinite(x) else str(x)


# ---------------------------------------------------------------------------------------------------------
# LiveTrainer
# ---------------------------------------------------------------------------------------------------------


class LiveTrainer:
    """The live training dashboard of notebook 08. Display it as the last expression of a cell.

    LiveTrainer(config=None, hide=(), *, fps=20, step_chunk=100, record_every=25, max_history=1000,
                eval_points=512)

    config:       a dict (missing keys take DEFAULT_CONFIG's values) or a string from `export_config()`.
    hide:         control names to hide from learners (see CONTROLS), e.g. ["optimiser", "init"].
    fps:          frames per second the live loop aims for (it trains for the rest of each frame).
    step_chunk:   how many steps the `Step` button takes.
    record_every: `train(steps)` records a history point every this many steps.
    max_history:  the most history points kept (see BoundedHistory).
    eval_points:  the train and validation losses are measured on (at most) this many fixed points of each
                  set, and the gradient norms ‖∇W_l‖ are those of the loss on the training points measured.

    Methods: `train(steps)` (synchronous), `start()` / `pause()` / `step()` / `reset()` (what the buttons do),
    `stop()` (pause and cancel the task), `close()` (stop and close the widgets), `export_config()` /
    `load_config(text)` / `load_preset(name)`, `set(**changes)` (change controls from code), `render()` (PNG
    bytes of the current frame), `describe()` (one stable line about the setup, also the text/plain repr).
    Properties: `config`, `step_count`, `train_loss`, `val_loss`, `grad_norms`, `status`, `message`,
    `running`, `diverged`, `history`; `widget` is the ipywidgets box; `buttons` maps labels to Buttons;
    `controls` maps config keys to their widgets.
    """

    _instances: list = []  # weak references to every LiveTrainer made, so a new one can stop the old loops

    def __init__(self, config=None, hide=(), *, fps: float = 20.0, step_chunk: int = 100, record_every: int = 25,
                 max_history: int = 1000, eval_points: int = 512):
        """See the class docstring."""
        for other in LiveTrainer.live_instances():
            other.stop()
        LiveTrainer._instances = [r for r in LiveTrainer._instances if r() is not None] + [weakref.ref(self)]

        if isinstance(config, str):
            config = decode_config(config)
        self._config = validate_config(config or {})
        hide = [hide] if isinstance(hide, str) else list(hide)
        for name in hide:
            if name not in CONTROLS:
                raise unknown_name("control to hide", name, CONTROLS)
        self.hidden_controls = tuple(hide)
        if not fps > 0:
            raise ValueError(f"fps must be > 0, got {fps!r}")
        self.frame_interval = 1.0 / float(fps)
        self.step_chunk = int(step_chunk)
        self.record_every = int(record_every)
        self.eval_points = int(eval_points)
        self.yield_seconds = 0.002  # pause between chunks, so the kernel can handle widget messages
        self.history = BoundedHistory(max_history)
        self.loss = MSELoss()
        self._task = None
        self._running = False
        self._generation = 0
        self._diverged = False
        self._message = ""
        self._render_time = 0.0
        self.frames_drawn = 0
        self.full_redraws = 0
        self._suspend = False
        self._build_figure()
        self._build_widgets()
        self.reset()

    # ----- registry -----------------------------------------------------------------------------------
    @classmethod
    def live_instances(cls):
        """Every LiveTrainer still alive (oldest first)."""
        return [t for t in (r() for r in cls._instances) if t is not None]

    # ----- configuration ------------------------------------------------------------------------------
    @property
    def config(self) -> dict:
        """A copy of the current configuration (JSON-friendly dict)."""
        return dict(self._config)

    def export_config(self) -> str:
        """The configuration as a short string ("lt1:…") that `load_config` or `LiveTrainer(config=…)` accepts."""
        return encode_config(self._config)

    def load_config(self, text):
        """Load a config string (from export_config, or JSON) or dict; invalid input raises ConfigError
        and changes nothing. Training pauses and the model is rebuilt (a reset)."""
        config = decode_config(text) if isinstance(text, str) else validate_config(text)
        self._apply(config, reset=True)

    def load_preset(self, name: str):
        """Load one of PRESETS ("S0", "S2"): the source design's data, network and optimiser."""
        if name not in PRESETS:
            raise unknown_name("preset", name, PRESETS)
        self._apply(PRESETS[name], reset=True)
        self._set_message(f"Loaded preset {name}. Press Train.")

    def set(self, **changes):
        """Change controls from code, e.g. `lt.set(lr=0.1, optimiser="sgd")`: the same effect as moving them."""
        config = validate_config(changes, base=self._config)
        for key in changes:
            self.controls[key].value = config[key]

    def _apply(self, config, reset):
        """Put a whole (validated) config into the controls, then rebuild once."""
        self.pause()
        self._suspend = True
        try:
            for key, value in config.items():
                self.controls[key].value = value
        finally:
            self._suspend = False
        self._config = dict(config)
        if reset:
            self.reset()

    def _on_control(self, change, key):
        """Observer of every control: apply the change (see the module docstring for what each one does)."""
        if self._suspend:
            return
        try:
            value = _check_value(key, change["new"])
        except ConfigError as err:
            self._set_message(str(err), error=True)
            return
        old = self._config.get(key)
        self._config[key] = value
        if value == old:
            return
        if key in DATA_KEYS or key in ARCH_KEYS:
            self.reset(keep_running=True)
            what = "data" if key in DATA_KEYS else "network"
            self._set_message(f"{key} changed: new {what}, fresh model, history cleared.")
        elif key == "lr":
            self.optimizer.lr = value
            self._set_message(f"learning rate now {value:.3g} (applied on the fly; optimiser state kept)")
        elif key == "optimiser":
            self.optimizer = self._make_optimizer()
            self._set_message(f"optimiser now {value}: a new optimiser on the same model (its state starts at zero)")
        elif key == "batch_size":
            self._batches = None
            self._set_message(f"batch size now {value} (from the next step; the model is kept)")
        elif key == "show_hidden":
            self._draw()

    # ----- model, data, optimiser ---------------------------------------------------------------------
    def _make_optimizer(self):
        """A new optimiser on the current model from the config: SGD, SGD with momentum 0.9, or Adam."""
        c = self._config
        if c["optimiser"] == "adam":
            return Adam(self.model, lr=c["lr"])
        return SGD(self.model, lr=c["lr"], momentum=MOMENTUM if c["optimiser"] == "momentum" else 0.0)

    def _build_data(self):
        """Draw the data set, split it, and fix the evaluation subsets and the plotting grid."""
        c = self._config
        X, Y = make_dataset(c["target"], c["n_samples"], noise=c["noise"], seed=c["seed"])
        (self.X_train, self.Y_train), (self.X_val, self.Y_val) = train_val_split(
            X, Y, val_fraction=c["val_fraction"], seed=c["seed"]
        )
        k = self.eval_points  # fixed evaluation subsets (the sets are already in random order)
        self._eval_train = (self.X_train[:k], self.Y_train[:k])
        self._eval_val = (self.X_val[:k], self.Y_val[:k])
        target = TARGETS[c["target"]]
        self._target = target
        lo, hi = target.x_range
        self._grid = np.linspace(lo, hi, 241).reshape(-1, 1)
        self._grid_true = target(self._grid)

    def _build_model(self):
        """A fresh MLP [1, width × hidden_layers, 1], its optimiser and the minibatch generator."""
        c = self._config
        sizes = [1] + [c["width"]] * c["hidden_layers"] + [1]
        self.model = MLP(sizes, activation=c["activation"], init=c["init"], seed=c["seed"])
        self.optimizer = self._make_optimizer()
        self._batch_rng = np.random.default_rng([c["seed"], 8])
        self._batches = None

    def reset(self, keep_running=False):
        """New data and a fresh model from the current config; step 0, history cleared, divergence cleared."""
        was_running = self._running
        if not keep_running:
            self.pause()
        self._build_data()
        self._build_model()
        self._step = 0
        self._diverged = False
        self.history.clear()
        self._set_message("")
        self._record()
        self._grad_norms0 = self._grad_norms.copy()
        self._setup_figure()
        self._draw()
        if keep_running and was_running and not self._running:
            self.start()

    # ----- training -----------------------------------------------------------------------------------
    def _next_batch(self):
        """The next minibatch; a new shuffled epoch (course_lib.data.minibatches) when one ends."""
        if self._batches is not None:
            batch = next(self._batches, None)
            if batch is not None:
                return batch
        self._batches = minibatches(self.X_train, self.Y_train, self._config["batch_size"], self._batch_rng)
        return next(self._batches)

    def _steps(self, n, deadline=None):
        """Take up to n steps (stop early at `deadline`, a perf_counter time). Returns steps taken.

        Each step is course_lib.train.train_step without its per-step checks (check=False); a non-finite
        loss, or the loss refusing non-finite predictions, marks the run as diverged and pauses it.
        """
        if self._diverged:
            return 0
        model, loss, opt = self.model, self.loss, self.optimizer
        done = 0
        with np.errstate(all="ignore"):
            while done < n:
                Xb, Yb = self._next_batch()
                try:
                    value = train_step(model, loss, opt, Xb, Yb, check=False)
                except ValueError:  # the loss refuses non-finite predictions: diverged, unless it is a real bug
                    if np.isfinite(model.forward(Xb)).all():
                        raise
                    value = math.nan
                self._step += 1
                done += 1
                if not math.isfinite(value):
                    self._on_diverged(value)
                    break
                if deadline is not None and (done & 7) == 0 and time.perf_counter() >= deadline:
                    break
        return done

    def _on_diverged(self, value):
        """Pause, record the non-finite point and show the divergence message."""
        self._diverged = True
        self._running = False
        self._record()
        self._set_message(
            f"Training diverged at step {self._step}: the loss became {value} (NaN or Inf). "
            f"Lower the learning rate (now {self._config['lr']:.3g}), then press Reset.",
            error=True,
        )

    # Evaluation runs in row chunks small enough that OpenBLAS keeps each matrix product on one thread
    # (it goes multi-threaded above about 2^18 multiply-adds). On a busy machine, or next to the browser
    # drawing the frames, threaded products of a few hundred rows were 100× slower than single-threaded ones.
    def _chunk_rows(self) -> int:
        """Rows per evaluation chunk so that each matrix product stays on one OpenBLAS thread."""
        biggest = max(lin.fan_in * lin.fan_out for lin in self.model.linears)
        return max(8, _SINGLE_THREAD_WORK // biggest)

    def _forward_rows(self, X, layers=None):
        """The forward pass through `layers` (default: all) in row chunks; returns the stacked outputs."""
        layers = self.model.layers if layers is None else layers
        rows = self._chunk_rows()
        outs = []
        for start in range(0, X.shape[0], rows):
            A = X[start : start + rows]
            for layer in layers:
                A = layer.forward(A)
            outs.append(A)
        return np.concatenate(outs)

    def _loss_and_grad_norms(self, X, Y):
        """MSE on (X, Y) and ‖∇W_l‖ of that loss for every layer, computed chunk by chunk.

        The mean over all rows is the row-weighted mean of the chunks' means, for the loss and (Eq. 6.11) for
        its gradient alike. Returns (nan, nan-array) if the predictions are not finite.
        """
        model, loss, n = self.model, self.loss, X.shape[0]
        lins = model.linears
        acc = [np.zeros_like(lin.W) for lin in lins]
        total, rows = 0.0, self._chunk_rows()
        for start in range(0, n, rows):
            Xc, Yc = X[start : start + rows], Y[start : start + rows]
            Yhat = model.forward(Xc)
            if not np.isfinite(Yhat).all():
                return math.nan, np.full(len(lins), np.nan)
            total += loss(Yhat, Yc) * Xc.shape[0]
            model.backward(loss.grad(Yhat, Yc))
            for a, lin in zip(acc, lins, strict=True):
                a += Xc.shape[0] * lin.dW
        return total / n, np.array([math.sqrt(float(np.vdot(a, a))) / n for a in acc])

    def _record(self):
        """Measure train/val loss and per-layer ‖∇W_l‖ on the evaluation points; add a history point."""
        with np.errstate(all="ignore"):
            tr, self._grad_norms = self._loss_and_grad_norms(*self._eval_train)
            va = math.nan
            if math.isfinite(tr):
                Yv = self._forward_rows(self._eval_val[0])
                if np.isfinite(Yv).all():
                    va = self.loss(Yv, self._eval_val[1])
        self._train_loss, self._val_loss = float(tr), float(va)
        self.history.add(self._step, tr, va)
        self._update_status()

    def train(self, steps: int, render: bool = True):
        """Train `steps` steps synchronously (pauses a running loop first); records every `record_every` steps.

        Stops early if training diverges (see `diverged` and `message`). Draws one frame at the end.
        """
        if isinstance(steps, bool) or not isinstance(steps, numbers.Integral) or steps < 0:
            raise ValueError(f"steps must be an integer >= 0, got {steps!r}")
        self.pause()
        left = int(steps)
        while left > 0 and not self._diverged:
            done = self._steps(min(left, self.record_every))
            left -= done
            if not self._diverged:
                self._record()
        if render:
            self._draw()

    def start(self):
        """What `Train` does: start the asyncio training task on the running (kernel's) event loop."""
        if self._running:
            return self._task
        if self._diverged:
            self._set_message("This run diverged: press Reset (and lower the learning rate) first.", error=True)
            return None
        try:
            loop = asyncio.get_running_loop()  # a Jupyter kernel runs cells and widget callbacks on its loop
        except RuntimeError:
            raise RuntimeError(
                "LiveTrainer.start() runs the live loop on a running asyncio event loop, as in a Jupyter kernel; "
                "outside one (a script, a plain Python shell) use train(steps)"
            ) from None
        for other in LiveTrainer.live_instances():  # one loop at a time
            if other is not self:
                other.stop()
        self._running = True
        self._set_message("")
        self._sync_buttons()
        self._generation += 1
        self._task = loop.create_task(self._run(self._generation))
        return self._task

    def pause(self):
        """What `Pause` does: the training task stops after its current chunk (the model is kept)."""
        self._running = False
        self._sync_buttons()

    def stop(self):
        """Pause and cancel the training task (used when a newer LiveTrainer starts)."""
        self.pause()
        task = self._task
        if task is not None and not task.done():
            task.cancel()
        self._task = None

    def close(self):
        """Stop training and close every widget of the dashboard (its views disappear; frees the kernel side)."""
        self.stop()
        for w in self._all_widgets():
            w.close()

    def _all_widgets(self):
        """Every widget of the dashboard (the box and all its descendants), each once."""
        seen, stack = [], [self.widget]
        while stack:
            w = stack.pop()
            if any(w is s for s in seen):
                continue
            seen.append(w)
            stack.extend(getattr(w, "children", ()))
        return seen

    def step(self):
        """What `Step` does: pause, take `step_chunk` steps, record and draw."""
        self.pause()
        if self._diverged:
            self._set_message("This run diverged: press Reset (and lower the learning rate) first.", error=True)
            return
        self._steps(self.step_chunk)
        if not self._diverged:
            self._record()
        self._draw()

    async def _run(self, generation):
        """The live loop: train about one frame's worth of steps, record, draw, yield; until paused.

        `generation` tells this task from a newer one: after Pause and a quick Train, the old task may still
        be asleep; it wakes, sees it is no longer current and ends, leaving the flags to the new one.
        """
        try:
            while self._running and self._generation == generation:
                start = time.perf_counter()
                budget = max(0.2 * self.frame_interval, self.frame_interval - self._render_time)
                self._steps(10**9, deadline=start + budget)
                if not self._diverged:
                    self._record()
                self._draw()
                await asyncio.sleep(self.yield_seconds)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # show it in the dashboard, never lose it in a background task
            self._set_message(f"training stopped by an error: {type(exc).__name__}: {exc}", error=True)
        finally:
            if self._generation == generation:
                self._running = False
                self._sync_buttons()

    # ----- read-outs ----------------------------------------------------------------------------------
    @property
    def step_count(self) -> int:
        """Optimiser steps taken since the last reset."""
        return self._step

    @property
    def train_loss(self) -> float:
        """MSE on the (up to eval_points) training points at the last record."""
        return self._train_loss

    @property
    def val_loss(self) -> float:
        """MSE on the (up to eval_points) validation points at the last record."""
        return self._val_loss

    @property
    def grad_norms(self) -> np.ndarray:
        """‖∇W_l‖ for l = 1…L (first layer first) at the last record."""
        return self._grad_norms.copy()

    @property
    def running(self) -> bool:
        """True while the live loop is training."""
        return self._running

    @property
    def diverged(self) -> bool:
        """True after a NaN/Inf loss, until Reset."""
        return self._diverged

    @property
    def message(self) -> str:
        """The last message shown under the status line ('' if none)."""
        return self._message

    @property
    def status(self) -> str:
        """"step 1200 · train loss 0.0123 · val loss 0.015" (3 significant digits)."""
        return f"step {self._step} · train loss {_fmt(self._train_loss)} · val loss {_fmt(self._val_loss)}"

    def describe(self) -> str:
        """A one-line description of the configuration (stable text, no numbers measured)."""
        c = self._config
        sizes = "-".join(str(n) for n in [1] + [c["width"]] * c["hidden_layers"] + [1])
        return (
            f"LiveTrainer: target {c['target']}, {c['n_samples']} samples (noise {c['noise']:g}), "
            f"network {sizes} {c['activation']} ({c['init']} init), {c['optimiser']} lr {c['lr']:.3g}, "
            f"batch {c['batch_size']}"
        )

    def __repr__(self) -> str:
        """The stable one-line description (no measured numbers)."""
        return self.describe()

    # ----- widgets ------------------------------------------------------------------------------------
    def _build_widgets(self):
        """Create the controls, buttons, status line, message line, share box and image; lay them out."""
        import ipywidgets as W

        c = self._config
        style = {"description_width": "92px"}
        def full():
            """A fresh full-width layout per control (a Layout shared by two widgets would hide both at once)."""
            return W.Layout(width="96%")

        self.controls = {
            "target": W.Dropdown(options=[(v, k) for k, v in TARGET_OPTIONS.items()], value=c["target"],
                                 description="target", style=style, layout=full()),
            "noise": W.FloatSlider(value=c["noise"], min=0.0, max=1.0, step=0.01, description="noise σ",
                                   style=style, layout=full()),
            "n_samples": W.SelectionSlider(options=list(SAMPLE_OPTIONS), value=c["n_samples"], description="samples",
                                           style=style, layout=full()),
            "val_fraction": W.FloatSlider(value=c["val_fraction"], min=0.05, max=0.5, step=0.05,
                                          description="validation", readout_format=".0%", style=style, layout=full()),
            "hidden_layers": W.IntSlider(value=c["hidden_layers"], min=1, max=10, description="hidden layers",
                                         style=style, layout=full()),
            "width": W.IntSlider(value=c["width"], min=1, max=128, description="width", style=style, layout=full()),
            "activation": W.Dropdown(options=list(ACTIVATION_OPTIONS), value=c["activation"],
                                     description="activation", style=style, layout=full()),
            "init": W.Dropdown(options=list(INIT_OPTIONS), value=c["init"], description="initialiser",
                               style=style, layout=full()),
            "optimiser": W.Dropdown(options=[("SGD", "sgd"), (f"momentum {MOMENTUM}", "momentum"), ("Adam", "adam")],
                                    value=c["optimiser"], description="optimiser", style=style, layout=full()),
            "lr": W.FloatLogSlider(value=c["lr"], base=10, min=math.log10(LR_RANGE[0]), max=math.log10(LR_RANGE[1]),
                                   step=0.1, description="learning rate", readout_format=".2g", style=style,
                                   layout=full()),
            "batch_size": W.SelectionSlider(options=list(BATCH_OPTIONS), value=c["batch_size"],
                                            description="batch size", style=style, layout=full()),
            "seed": W.BoundedIntText(value=c["seed"], min=0, max=2**31 - 1, description="seed", style=style,
                                     layout=W.Layout(width="60%")),
            "show_hidden": W.Checkbox(value=c["show_hidden"], description="show hidden units",
                                      indent=False),
        }
        for key, w in self.controls.items():
            w.observe(lambda change, key=key: self._on_control(change, key), names="value")

        self.buttons = {}
        for label, icon, tip, handler in (
            ("Train", "play", "train continuously (live)", lambda _: self.start()),
            ("Pause", "pause", "pause (the model is kept)", lambda _: self.pause()),
            ("Step", "step-forward", f"take {self.step_chunk} steps", lambda _: self.step()),
            ("Reset", "undo", "fresh model and data from the controls", lambda _: self.reset()),
        ):
            b = W.Button(description=label, icon=icon, tooltip=tip, layout=W.Layout(width="88px"))
            b.on_click(handler)
            self.buttons[label] = b
        self.buttons["Train"].button_style = "success"

        self.status_label = W.HTML(layout=W.Layout(margin="0 0 0 12px"))
        self.status_label.add_class("live-trainer-status")
        self.message_label = W.HTML(layout=W.Layout(min_height="1.4em"))
        self.message_label.add_class("live-trainer-message")

        self.preset_buttons = {}
        for name in PRESETS:
            b = W.Button(description=f"Preset {name}", tooltip=f"load {name}'s settings",
                         layout=W.Layout(width="110px"))
            b.on_click(lambda _, name=name: self.load_preset(name))
            self.preset_buttons[name] = b
        self.config_text = W.Text(placeholder="lt1:… or {JSON}", layout=W.Layout(width="96%"))
        export_b = W.Button(description="Export", tooltip="write this setup into the box",
                            layout=W.Layout(width="80px"))
        load_b = W.Button(description="Load", tooltip="load the setup in the box", layout=W.Layout(width="80px"))
        export_b.on_click(lambda _: self._export_clicked())
        load_b.on_click(lambda _: self._load_clicked())
        self.share_buttons = {"Export": export_b, "Load": load_b}

        self.image = W.Image(format="png", layout=W.Layout(width="100%", max_width=f"{self._px[0]}px",
                                                           height="auto", object_fit="contain"))
        self.image.add_class("live-trainer-plot")

        def section(title, keys):
            """A bold section title followed by the named controls."""
            return [W.HTML(f"<b>{title}</b>")] + [self.controls[k] for k in keys]

        presets_box = W.HBox(list(self.preset_buttons.values()))
        share_box = W.VBox([W.HTML("<b>Share this setup</b>"), self.config_text,
                            W.HBox([export_b, load_b])])
        self._hideable = dict(self.controls, presets=presets_box, share=share_box)
        for name in self.hidden_controls:
            self._hideable[name].layout.display = "none"

        panel = W.VBox(
            [presets_box]
            + section("Data", ["target", "noise", "n_samples", "val_fraction", "seed"])
            + section("Network", ["hidden_layers", "width", "activation", "init"])
            + section("Optimiser", ["optimiser", "lr", "batch_size"])
            + [self.controls["show_hidden"], share_box],
            layout=W.Layout(width="330px", min_width="300px", flex="0 0 330px"),
        )
        top = W.HBox(list(self.buttons.values()) + [self.status_label],
                     layout=W.Layout(align_items="center", flex_flow="row wrap"))
        view = W.VBox([top, self.message_label, self.image], layout=W.Layout(flex="1 1 520px", min_width="400px"))
        self.widget = W.HBox([panel, view], layout=W.Layout(flex_flow="row wrap", align_items="flex-start",
                                                            width="100%"))
        self.widget.add_class("live-trainer")
        self._sync_buttons()

    def _export_clicked(self):
        """Export button: write the config string into the text box."""
        self.config_text.value = self.export_config()
        self._set_message("Exported: copy the text in the box; Load (or LiveTrainer(config=…)) restores this setup.")

    def _load_clicked(self):
        """Load button: load the config string in the text box, or show why it cannot be loaded."""
        try:
            self.load_config(self.config_text.value)
        except ConfigError as err:
            self._set_message(f"Could not load the setup: {err}", error=True)
            return
        self._set_message("Setup loaded. Press Train.")

    def _sync_buttons(self):
        """Enable Train only when paused and Pause only while training."""
        if not hasattr(self, "buttons"):
            return
        self.buttons["Train"].disabled = self._running
        self.buttons["Pause"].disabled = not self._running

    def _set_message(self, text, error=False):
        """Show `text` under the status line (in vermillion when it is an error)."""
        self._message = text
        if hasattr(self, "message_label"):
            import html

            color = COLORS["vermillion"] if error else "#555"
            self.message_label.value = f'<span style="color:{color}">{html.escape(text)}</span>' if text else ""

    def _update_status(self):
        """Write the status line into its widget."""
        if hasattr(self, "status_label"):
            self.status_label.value = f"<code>{self.status}</code>"

    def _repr_mimebundle_(self, **kwargs):
        """The widget view plus a stable plain-text line (no model ids, no measured numbers)."""
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = self.describe()
        return bundle

    # ----- the figure ---------------------------------------------------------------------------------
    # One Figure + FigureCanvasAgg for the trainer's whole life. Everything that changes per frame (the
    # prediction, loss curves, gradient norms, hidden units) is an "animated" artist: a full
    # draw leaves them out and its pixels are cached as the background; a frame restores the background,
    # draws only those artists and encodes the PNG. Axis limits snap to coarse values (decades, 1-1.5-2-3-5-7 steps),
    # so the expensive full draw (ticks, labels, data points) happens only when a limit actually moves.
    def _build_figure(self, size=(9.6, 5.6), dpi=80):
        """Create the one Figure + FigureCanvasAgg with its four axes and every artist the frames update."""
        from matplotlib.backends.backend_agg import FigureCanvasAgg
        from matplotlib.figure import Figure

        self._px = (int(size[0] * dpi), int(size[1] * dpi))
        fig = Figure(figsize=size, dpi=dpi)
        self._canvas = FigureCanvasAgg(fig)
        self.figure = fig
        self._background = None
        self._stale_axes = {}
        self._limits = {}
        fig.subplots_adjust(left=0.08, right=0.98, bottom=0.08, top=0.94, wspace=0.22, hspace=0.42)
        axes = fig.subplots(2, 2)
        (self.ax_fit, self.ax_loss), (self.ax_grad, self.ax_hidden) = axes
        for ax in axes.flat:
            ax.grid(True, alpha=0.3)
            for side in ("top", "right"):
                ax.spines[side].set_visible(False)
            ax.tick_params(labelsize=8)
        ax = self.ax_fit
        (self.l_train_pts,) = ax.plot([], [], "o", ms=2.5, color=COLORS["sky"], alpha=0.6, label="train")
        (self.l_val_pts,) = ax.plot([], [], "o", ms=2.5, color=COLORS["orange"], alpha=0.8, label="validation")
        (self.l_true,) = ax.plot([], [], "-", lw=1.5, color=COLORS["black"], alpha=0.7, label="true function")
        (self.l_pred,) = ax.plot([], [], "-", lw=2.2, color=COLORS["vermillion"], label="prediction")
        ax.legend(loc="upper right", fontsize=7, ncol=2, frameon=False)
        ax.set_xlabel("x", fontsize=8, labelpad=1)

        ax = self.ax_loss
        ax.set_title("loss (MSE, log scale)", fontsize=10)
        _plain_log_axis(ax)
        (self.l_loss_tr,) = ax.plot([], [], "-", lw=1.5, color=COLORS["blue"], label="train")
        (self.l_loss_val,) = ax.plot([], [], "-", lw=1.5, color=COLORS["orange"], label="validation")
        (self.l_loss_tr_now,) = ax.plot([], [], "o", ms=4, color=COLORS["blue"])  # the latest points, visible
        (self.l_loss_val_now,) = ax.plot([], [], "o", ms=4, color=COLORS["orange"])  # even at step 0
        ax.legend(loc="upper right", fontsize=7, frameon=False)
        ax.set_xlabel("step", fontsize=8, labelpad=1)

        ax = self.ax_grad
        ax.set_title("gradient norm ‖∇W_l‖ per layer (log scale)", fontsize=10)
        _plain_log_axis(ax)
        (self.l_grad0,) = ax.plot([], [], "o--", ms=3, lw=1, color="0.6", label="step 0")
        (self.l_grad,) = ax.plot([], [], "o-", ms=4, lw=1.8, color=COLORS["green"], label="now")
        ax.legend(loc="upper left", fontsize=7, frameon=False)
        ax.set_xlabel("layer l (1 = first)", fontsize=8, labelpad=1)

        ax = self.ax_hidden
        colors = [COLORS[k] for k in ("blue", "orange", "green", "vermillion", "purple", "sky", "yellow")] + ["0.3"]
        self.l_hidden = [ax.plot([], [], "-", lw=1.2, color=c)[0] for c in colors]
        self._hidden_note = ax.text(0.5, 0.5, "", transform=ax.transAxes, ha="center", va="center", fontsize=9,
                                    color="0.4")
        ax.set_xlabel("x", fontsize=8, labelpad=1)
        self._animated = [self.l_pred, self.l_loss_tr, self.l_loss_val, self.l_loss_tr_now, self.l_loss_val_now,
                          self.l_grad, *self.l_hidden]
        for artist in self._animated:
            artist.set_animated(True)

    def _setup_figure(self):
        """Per reset: the static parts (data points, true function, axis ranges, titles)."""
        L = len(self.model.linears)
        self.ax_grad.set_xlim(0.5, L + 0.5)
        self.ax_grad.set_xticks(range(1, L + 1))
        self.l_grad0.set_data(np.arange(1, L + 1), np.where(self._grad_norms0 > 0, self._grad_norms0, np.nan))
        k = 400  # at most this many training points are drawn (and a quarter as many validation points)
        self.l_train_pts.set_data(self.X_train[:k, 0], self.Y_train[:k, 0])
        self.l_val_pts.set_data(self.X_val[: k // 4, 0], self.Y_val[: k // 4, 0])
        self.l_true.set_data(self._grid[:, 0], self._grid_true[:, 0])
        lo, hi = self._target.x_range
        ys = np.concatenate([self.Y_train[:k, 0], self._grid_true[:, 0]])
        pad = 0.1 * (ys.max() - ys.min() + 1e-9)
        self.ax_fit.set_xlim(lo, hi)
        self.ax_fit.set_ylim(ys.min() - pad, ys.max() + 3 * pad)  # fixed: a wild prediction leaves the frame
        self.ax_fit.set_title(f"fit: {self._target.formula}", fontsize=10)
        self.ax_hidden.set_xlim(lo, hi)
        width = self.model.sizes[-2]
        shown = min(width, len(self.l_hidden))
        self.ax_hidden.set_title(f"last hidden layer: {shown} of {width} units' outputs", fontsize=10)
        self._limits = {}
        self._background = None

    def _hidden_outputs(self):
        """Outputs of the last hidden layer's units (up to 8) on the grid, (241, ≤8)."""
        return self._forward_rows(self._grid, self.model.layers[:-2])[:, : len(self.l_hidden)]

    def _draw(self):
        """Render the current state and put the PNG into the Image widget."""
        t0 = time.perf_counter()
        png = self.render()
        self.image.value = png
        self._render_time = time.perf_counter() - t0
        self.frames_drawn += 1

    def _set_limits(self, key, setter, limits):
        """Set an axis range if it changed; the axes is then marked for a redraw of its background."""
        if self._limits.get(key) != limits:
            self._limits[key] = limits
            setter(*limits)
            self._stale_axes[setter.__self__] = True

    def _redraw_stale_axes(self):
        """Redraw only the axes whose range changed into the cached background (a quarter of a full draw)."""
        canvas, renderer = self._canvas, self._canvas.get_renderer()
        canvas.restore_region(self._background)
        pixels = np.asarray(canvas.buffer_rgba())
        height = pixels.shape[0]
        fig_w, fig_h = self._px
        for ax in self._stale_axes:
            # the axes' cell: the plot area plus room for its tick labels (left, below) and title (above);
            # the fixed subplots_adjust spacing keeps the cells of neighbouring axes apart
            box = ax.get_position()
            right = 1.0 if box.x1 > 0.9 else box.x1 + 0.025
            x0, x1 = int((box.x0 - 0.06) * fig_w), int(math.ceil(right * fig_w))
            y0 = height - int(math.ceil(min(1.0, box.y1 + 0.05) * fig_h))
            y1 = height - int(max(0.0, box.y0 - 0.08) * fig_h)
            pixels[max(0, y0) : y1, max(0, x0) : x1] = 255  # the figure's white background
            ax.draw(renderer)  # animated artists are left out, as in a full draw
        self._stale_axes = {}
        self._background = canvas.copy_from_bbox(self.figure.bbox)

    def render(self) -> bytes:
        """Draw the current state into the one figure and return it as PNG bytes (see the comment above)."""
        with np.errstate(all="ignore"):
            grid = self._grid[:, 0]
            pred = self._forward_rows(self._grid)[:, 0]
            self.l_pred.set_data(grid, np.where(np.isfinite(pred), pred, np.nan))

            h = self.history
            steps = np.asarray(h.steps, dtype=np.float64)
            tr, va = np.asarray(h.train_loss), np.asarray(h.val_loss)
            self.l_loss_tr.set_data(steps, np.where(tr > 0, tr, np.nan))
            self.l_loss_val.set_data(steps, np.where(va > 0, va, np.nan))
            last = steps[-1:]
            self.l_loss_tr_now.set_data(last, np.where(tr[-1:] > 0, tr[-1:], np.nan))
            self.l_loss_val_now.set_data(last, np.where(va[-1:] > 0, va[-1:], np.nan))
            self._set_limits("loss_x", self.ax_loss.set_xlim, (0.0, _nice_ceiling(steps[-1] if len(steps) else 0)))
            self._set_limits("loss_y", self.ax_loss.set_ylim,
                             _decades(np.concatenate([tr, va]), self._limits.get("loss_y")))

            g = self._grad_norms
            self.l_grad.set_data(np.arange(1, len(g) + 1), np.where(g > 0, g, np.nan))
            self._set_limits("grad_y", self.ax_grad.set_ylim,
                             _decades(np.concatenate([g, self._grad_norms0]), self._limits.get("grad_y")))

            show = self._config["show_hidden"]
            note = "" if show else "tick 'show hidden units' to see them"
            if self._hidden_note.get_text() != note:
                self._hidden_note.set_text(note)
                self._background = None
            H = self._hidden_outputs() if show else np.zeros((len(grid), 0))
            for i, line in enumerate(self.l_hidden):
                if i < H.shape[1] and np.isfinite(H[:, i]).all():
                    line.set_data(grid, H[:, i])
                else:
                    line.set_data([], [])
            finite = H[np.isfinite(H)]
            if finite.size:
                old = self._limits.get("hidden_y")
                new = _stable_range(float(finite.min()), float(finite.max()), old)
                self._set_limits("hidden_y", self.ax_hidden.set_ylim, new)

            canvas = self._canvas
            if self._background is None:
                self.full_redraws += 1
                canvas.draw()  # everything except the animated artists
                self._background = canvas.copy_from_bbox(self.figure.bbox)
                self._stale_axes = {}
            elif self._stale_axes:
                self._redraw_stale_axes()
            else:
                canvas.restore_region(self._background)
            for artist in self._animated:
                self.figure.draw_artist(artist)

        return encode_png(np.asarray(canvas.buffer_rgba())[:, :, :3])


def encode_png(rgb) -> bytes:
    """A PNG file of an (h, w, 3) uint8 image: no row filters, zlib level 1 with run-length matching.

    About twice as fast as Pillow's encoder for plot-like images (large flat areas), at a similar size;
    a frame of the dashboard is encoded in a few milliseconds.
    """
    h, w, _ = rgb.shape
    raw = np.empty((h, 3 * w + 1), dtype=np.uint8)
    raw[:, 0] = 0  # filter type 0 (None) for every row
    raw[:, 1:] = rgb.reshape(h, 3 * w)
    packer = zlib.compressobj(1, zlib.DEFLATED, 15, 8, zlib.Z_RLE)
    data = packer.compress(raw.tobytes()) + packer.flush()

    def chunk(tag, body):
        """One PNG chunk: length, tag, body, CRC-32."""
        return struct.pack(">I", len(body)) + tag + body + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF)

    header = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)  # 8-bit RGB, no interlace
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")


def _plain_log_axis(ax):
    """A log-scale y axis labelled "1e-3" at powers of ten (plain text draws far faster than mathtext)."""
    from matplotlib import ticker

    ax.set_yscale("log")
    ax.yaxis.set_major_locator(ticker.LogLocator(base=10.0, numticks=8))
    ax.yaxis.set_major_formatter(ticker.FuncFormatter(lambda v, _: f"{v:.0e}".replace("e-0", "e-").replace("e+0", "e")))
    ax.yaxis.set_minor_formatter(ticker.NullFormatter())


def _nice_ceiling(x) -> float:
    """The smallest (1, 1.5, 2, 3, 5, 7) × 10^k value >= 1.05·x, at least 1000 (an axis end that rarely moves)."""
    x = max(1000.0, 1.05 * float(x))
    k = math.floor(math.log10(x))
    for m in (1.0, 1.5, 2.0, 3.0, 5.0, 7.0, 10.0):
        if m * 10**k >= x:
            return m * 10**k
    return 10.0 ** (k + 1)  # pragma: no cover


def _decades(values, old=None, default=(1e-3, 1.0)):
    """Log-axis limits (10^a, 10^b) around the finite positive values; `default` if there are none.

    `old` limits are kept while they hold the values with less than two spare decades on either side, so
    values wobbling across a power of ten do not move the axis (and force a full redraw) every frame.
    """
    a = _finite_positive(values)
    if a.size == 0:
        return old or default
    vmin, vmax = float(a.min()), float(a.max())
    if old is not None and old[0] <= vmin and vmax <= old[1] and vmin < 100 * old[0] and vmax > old[1] / 100:
        return old
    lo = 10.0 ** math.floor(math.log10(vmin))
    hi = 10.0 ** math.ceil(math.log10(vmax))
    if hi <= lo:
        hi = lo * 10.0
    return lo, hi


def _stable_range(lo, hi, old):
    """Linear-axis limits for data in [lo, hi]: keep `old` while it holds the data and is not 4× too wide."""
    span = max(hi - lo, 1e-3)
    if old is not None and old[0] <= lo and hi <= old[1] and (old[1] - old[0]) <= 4 * span:
        return old
    step = 10.0 ** math.floor(math.log10(span)) / 2
    return math.floor((lo - 0.1 * span) / step) * step, math.ceil((hi + 0.1 * span) / step) * step
