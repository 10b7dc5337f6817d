"""`LiveTrainer`: the lab's ipywidgets dashboard and its asyncio training loop.

The dashboard owns widgets and a loop, nothing else: training and measuring are a `Session`
(course_lib.lab.session), drawing is a `Frame` (course_lib.lab.frame), configurations and share strings
are course_lib.lab.config.

How it runs
- `Train` starts an asyncio task on the kernel's running event loop. Each turn of the loop trains one chunk
  of steps, records, draws a frame and yields (`await asyncio.sleep(...)`), so button clicks are handled
  between chunks: `Pause` takes effect within one chunk (well under 250 ms).
- The `speed` control sets the pace. At a pace (steps per second, default DEFAULT_SPEED) a chunk is the steps
  due since the last turn, and the loop sleeps until the next frame is due: the picture moves at the same
  pace on any machine, and the kernel stays mostly idle (a fraction of a core; `make bench` measures it), so
  one machine can serve a class. "as fast as it can" trains for what is left of each frame interval (1/fps
  seconds minus the time the rest of the last turn took) and so holds a whole core.
- A live frame is encoded as JPEG (quality 90, no chroma subsampling: see `encode_jpeg`) in a worker thread
  while the next chunk trains, and sent at the start of the next turn; when the loop stops, the last frame
  is drawn again as a lossless PNG.
- Before every chunk the loop compares the controls with the session's configuration and applies any
  difference, so the model always matches what the controls show, however fast they were changed.

What a control change does: see `Session.set` (data and network → a reset, a running loop keeps running on
the new model; learning rate and weight decay on the fly; optimiser → a new optimiser on the same weights;
batch size from the next minibatch).

Classroom
- `hide=[...]` hides controls AND locks them: presets and Load leave a hidden control's value alone. The
  hidden list travels in the share string; a section header disappears with its last control.
- Re-running the cell that made a dashboard closes the previous one (its widgets, loop, figure and data
  are freed). In a Jupyter kernel "the same cell" is the cell id the front end sends; elsewhere every new
  dashboard closes the earlier ones.
- Divergence pauses training, is marked on the loss plot, and its red message stays until Reset.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import math
import time
import weakref

from ..plots import COLORS
from .config import (
    ACTIVATION_OPTIONS,
    ARCH_KEYS,
    BATCH_OPTIONS,
    CONFIG_SPEC,
    DATA_KEYS,
    INIT_OPTIONS,
    MOMENTUM,
    OPTIMISER_OPTIONS,
    PRESET_NOTES,
    PRESETS,
    SAMPLE_OPTIONS,
    TARGET_OPTIONS,
    LabConfigError,
    check_count,
    check_hide,
    check_value,
    decode_share,
    encode_config,
    validate_config,
)
from .frame import Frame, encode_jpeg
from .session import Session

__all__ = ["LiveTrainer", "SPEEDS", "DEFAULT_SPEED"]

SPEEDS = (  # (label, steps per second); None: as fast as the machine allows
    ("20 steps/s", 20),
    ("100 steps/s", 100),
    ("200 steps/s", 200),
    ("1000 steps/s", 1000),
    ("5000 steps/s", 5000),
    ("as fast as it can", None),
)
DEFAULT_SPEED = 200
MAX_CATCH_UP = 0.25  # seconds of steps a paced loop may owe after a stall (no burst after a long pause)
LR_GRID = tuple(float(f"{m}e{k}") for k in range(-5, 1) for m in (1, 2, 3, 5)) + (10.0,)
"""The learning rates the slider offers, 1-2-3-5 per decade; any other rate (a share string, `set`) is added."""

SECTIONS = (
    ("Data", ("target", "noise", "n_samples", "val_fraction", "seed")),
    ("Network", ("hidden_layers", "width", "activation", "init")),
    ("Optimiser", ("optimiser", "lr", "batch_size", "weight_decay")),
    ("View", ("show_hidden",)),
)
LAYOUTS = ("side", "stacked")
PICTURE_MAX_HEIGHT = "calc(100vh - 100px)"  # the buttons, the model line and the message take about 100 px


def _cell_key():
    """The id of the notebook cell running now (JupyterLab and nbclient send it), or None outside a kernel."""
    try:
        from IPython import get_ipython

        kernel = getattr(get_ipython(), "kernel", None)
        parent = kernel.get_parent() if kernel is not None else None
        return (parent or {}).get("metadata", {}).get("cellId")
    except Exception:  # noqa: BLE001 - no IPython, an old kernel: treat as "no cell"
        return None


class LiveTrainer:
    """The live training dashboard of notebook 08. Display it as the last expression of a cell.

    LiveTrainer(config=None, hide=(), *, speed=DEFAULT_SPEED, fps=17, step_chunk=100, record_every=25,
                max_history=1000, eval_points=512, scale=1.0, font_scale=1.0, layout="side")

    config:       a dict (missing keys take DEFAULT_CONFIG's values) or a share string from `export_config()`
                  (a share string's hidden controls are hidden too).
    hide:         control names to hide and lock (see CONTROLS), e.g. ["optimiser", "init"].
    speed:        training steps per second while Train runs (a number up to 100 000), or None: as fast as the
                  machine allows. The `speed` menu changes it while training; see SPEEDS.
    fps:          frames per second the live loop aims for.
    step_chunk:   how many steps the `Step` button takes.
    record_every, max_history, eval_points: see `Session`.
    scale:        picture size factor (1 = 832×480 pixels; 1.5–2 for a projector): text grows and stays sharp.
    font_scale:   extra factor for the picture's text.
    layout:       "side" (controls left of the picture; wraps below on a narrow screen) or "stacked" (controls
                  under the picture, in columns). Either way the picture fills the width it is given.

    Every bad argument raises LabConfigError naming it.

    Methods: `train(steps)` (synchronous), `start()` / `pause()` / `step()` / `reset()` (the buttons),
    `set_speed(speed)`, `stop()`, `close()`, `export_config()` / `load_config(text)` / `load_preset(name)`,
    `set(**changes)`, `render()` (PNG bytes), `picture()` (the picture with its description, for a notebook),
    `snapshot()`, `describe()`. The headless part is `session` (a `Session`).
    """

    _instances: list = []  # (weak reference, cell key) of every dashboard made

    def __init__(self, config=None, hide=(), *, speed=DEFAULT_SPEED, fps: float = 17.0, step_chunk: int = 100,
                 record_every: int = 25, max_history: int = 1000, eval_points: int = 512, scale: float = 1.0,
                 font_scale: float = 1.0, layout: str = "side"):
        """See the class docstring."""
        shared_hide = ()
        if isinstance(config, str):
            config, shared_hide = decode_share(config)
        hide = check_hide(tuple(check_hide(hide)) + tuple(shared_hide))
        if isinstance(fps, bool) or not isinstance(fps, (int, float)) or not (math.isfinite(fps) and 0 < fps <= 60):
            raise LabConfigError(f"fps must be a number in (0, 60], got {fps!r}")
        self.speed = _check_speed(speed)
        if layout not in LAYOUTS:
            raise LabConfigError(f"layout must be one of {', '.join(LAYOUTS)}; got {layout!r}")
        self.step_chunk = check_count("step_chunk", step_chunk)
        self.session = Session(config, record_every=record_every, max_history=max_history, eval_points=eval_points)
        self.frame = Frame(scale=scale, font_scale=font_scale)
        key = _cell_key()
        for ref, other_key in LiveTrainer._instances:  # re-running a cell: the previous dashboard goes
            other = ref()
            if other is not None and not other.closed and other_key == key:
                other.close()
        LiveTrainer._instances = [(r, k) for r, k in LiveTrainer._instances if r() is not None and not r().closed]
        LiveTrainer._instances.append((weakref.ref(self), key))
        self.hidden_controls = hide
        self.frame_interval = 1.0 / float(fps)
        self.layout_mode = layout
        self.yield_seconds = 0.002  # pause between chunks, so the kernel can handle widget messages
        self.closed = False
        self._task = None
        self._running = False
        self._generation = 0
        self._message = ""
        self._error = False
        self._overhead = 0.5 / float(fps)  # seconds of a loop turn not spent training (measured every turn)
        self._shown = 0  # serial number of the last frame put into the Image widget
        self._status_due = 0.0  # when the live loop may next rewrite the status line
        self.frames_drawn = 0
        self._suspend = False
        self._build_widgets()
        self._after_reset()

    # ----- registry -----------------------------------------------------------------------------------
    @classmethod
    def live_instances(cls):
        """Every dashboard not closed (oldest first)."""
        return [t for t in (r() for r, _ in cls._instances) if t is not None and not t.closed]

    # ----- configuration ------------------------------------------------------------------------------
    @property
    def config(self) -> dict:
        """A copy of the current configuration (JSON-friendly dict)."""
        return self._live().config

    def export_config(self) -> str:
        """The configuration and hidden controls as a short string ("lt1:…") that `load_config` or
        `LiveTrainer(config=…)` accepts."""
        return encode_config(self.config, self.hidden_controls)

    def load_config(self, text):
        """Load a share string (or JSON, or a dict): hidden controls keep their values (they are locked); the
        string's hidden controls are hidden too. Invalid input raises LabConfigError and changes nothing.
        Training pauses and the model is rebuilt (a reset)."""
        if isinstance(text, str):
            config, hide = decode_share(text)
        else:
            config, hide = validate_config(text), ()
        self._apply(config)
        if hide:
            self.hidden_controls = check_hide(self.hidden_controls + hide)
            self._apply_hidden()

    def load_preset(self, name: str):
        """Load one of PRESETS (hidden controls keep their values); see PRESET_NOTES for what each shows."""
        if name not in PRESETS:
            raise LabConfigError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
        locked = self._apply(PRESETS[name])
        note = PRESET_NOTES[name]
        if locked:
            note += f" (Locked by your instructor, kept: {', '.join(locked)}.)"
        self._set_message(f"Preset {name}: {note} Press Train.")

    def set(self, **changes):
        """Change settings from code, e.g. `lt.set(lr=0.1, optimiser="sgd")`: the same effect as moving the
        controls, applied at once (one reset at most). Hidden controls can be set from code."""
        config = validate_config(changes, base=self.config)
        self._suspend = True
        try:
            for key in changes:
                self._put(key, config[key])
        finally:
            self._suspend = False
        what = self.session.set(**{k: config[k] for k in changes})
        self._after_change(what, list(changes))

    def _apply(self, config):
        """Put a whole (validated) config, except locked (hidden) keys, into the controls; then reset once.
        Returns the locked keys whose values were kept."""
        self.pause()
        current = self.session.config
        locked = [k for k in CONFIG_SPEC if k in self.hidden_controls and config[k] != current[k]]
        new = {k: (current[k] if k in self.hidden_controls else v) for k, v in config.items()}
        self._suspend = True
        try:
            for key, value in new.items():
                self._put(key, value)
        finally:
            self._suspend = False
        if self.session.set(**new) != "reset":
            self.session.reset()
        self._after_reset()
        return locked

    def _put(self, key, value):
        """Show `value` in control `key` (call with _suspend set); the lr slider gains the rate if it lacks it."""
        w = self.controls[key]
        if key == "lr" and value not in w.options:
            w.options = _lr_options(value)
        w.value = value

    def _controls_config(self) -> dict:
        """The configuration the controls show (values they cannot hold are skipped)."""
        out = {}
        for key, w in self.controls.items():
            try:
                out[key] = check_value(key, w.value)
            except LabConfigError:
                pass
        return out

    def sync_from_controls(self):
        """Apply any difference between the controls and the session (the model always matches the UI)."""
        current = self._live().config
        shown = self._controls_config()
        diff = {k: v for k, v in shown.items() if v != current[k]}
        if diff:
            what = self.session.set(**diff)
            self._after_change(what, list(diff))
        return bool(diff)

    def _on_control(self, change, key):
        """Observer of every control: apply the change (see Session.set)."""
        if self._suspend or self.closed:
            return
        try:
            value = check_value(key, change["new"])
        except LabConfigError as err:
            self._set_message(str(err), error=True)
            return
        if value == self.session.config[key]:
            return
        what = self.session.set(**{key: value})
        self._after_change(what, [key])

    def _after_change(self, what, keys):
        """Messages, picture and loop after `Session.set` reported `what`."""
        c = self.session.config
        if what == "reset":
            self._after_reset()
            data = any(k in DATA_KEYS for k in keys)
            self._set_message(f"{', '.join(k for k in keys if k in DATA_KEYS + ARCH_KEYS)} changed: "
                              f"new {'data' if data else 'network'}, fresh model, history cleared.")
            return
        messages = {
            "lr": f"learning rate now {c['lr']:.3g} (applied on the fly; optimiser state kept)",
            "weight_decay": f"weight decay now {c['weight_decay']:g} (applied on the fly)",
            "optimiser": f"optimiser now {c['optimiser']}: a new optimiser on the same model (state starts at zero)",
            "batch": f"batch size now {c['batch_size']} (from the next step; the model is kept)",
        }
        if what in messages and not self.session.diverged:  # a divergence's banner stays until Reset
            self._set_message(messages[what])
        self._update_model_label()
        if what == "display":
            self._draw()

    def set_speed(self, speed):
        """Set the training pace: steps per second (up to 100 000), or None for as fast as it can. A running
        loop changes pace at its next frame."""
        self.speed = _check_speed(speed)
        if not self.closed and hasattr(self, "speed_menu"):
            self._suspend = True
            try:
                self.speed_menu.options = _speed_options(self.speed)
                self.speed_menu.value = self.speed
            finally:
                self._suspend = False
        if not self.closed and not self.session.diverged:  # a divergence's banner stays until Reset
            self._set_message(f"speed now {_speed_label(self.speed)}")

    def _speed_chosen(self, change):
        """The speed menu: a new pace (the model and the message about it are kept)."""
        if self._suspend or self.closed:
            return
        self.set_speed(change["new"])

    # ----- lifecycle ----------------------------------------------------------------------------------
    def _live(self) -> Session:
        """The session, or a clear error after close()."""
        if self.closed:
            raise RuntimeError("this LiveTrainer was closed (a newer one replaced it, or close() was called); "
                               "make a new one")
        return self.session

    def reset(self, keep_running=False):
        """New data and a fresh model from the controls; step 0, history cleared, divergence cleared.
        With keep_running a running loop goes on with the new model."""
        if not keep_running:
            self.pause()
        self.sync_from_controls()
        self._live().reset()
        self._after_reset()

    def _after_reset(self):
        """A frame, then message, status and labels after the session was reset (the picture is sent first, so
        by the time the status line reads step 0 the new picture is on its way too)."""
        self._draw()
        self._set_message("")
        self._update_status()
        self._update_model_label()

    def close(self):
        """Stop training, close every widget (and its layout and style), free the figure, data and model."""
        if self.closed:
            return
        self.stop()
        for w in self._all_widgets():
            for sub in (getattr(w, "layout", None), getattr(w, "style", None)):
                if sub is not None and hasattr(sub, "close"):
                    sub.close()
            w.close()
        self.closed = True
        self.session = self.frame = None  # the data, model and figure: what a re-run must free
        self.widget = self.image = self.status_label = self.model_label = self.message_label = None
        self.preset_menu = self.config_text = None
        self.controls, self.buttons, self._hideable, self._sections, self.share_buttons = {}, {}, {}, {}, {}

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

    # ----- training -----------------------------------------------------------------------------------
    def train(self, steps: int, render: bool = True):
        """Train `steps` steps synchronously (pauses a running loop first); stops early if the run diverges."""
        self.pause()
        self.sync_from_controls()
        self._live().train(steps)
        if render:
            self._draw()  # the picture first, then the numbers (as after Reset)
        self._after_steps()

    def _after_steps(self, live=False):
        """Status line, and the divergence banner when the run just diverged. In the live loop (`live`) the
        status line changes at most five times a second: a number changing faster cannot be read, and each
        change costs the browser a layout."""
        s = self.session
        if s.diverged:
            self._running = False
            self._sync_buttons()
            self._set_message(
                f"Training diverged at step {s.diverged_at}: the loss became {s.divergence_value} (NaN or Inf). "
                f"Lower the learning rate (now {s.config['lr']:.3g}), then press Reset.",
                error=True,
            )
        now = time.perf_counter()
        if not live or s.diverged or now >= self._status_due:
            self._status_due = now + 0.2
            self._update_status()

    def step(self):
        """What `Step` does: pause, take `step_chunk` steps, record and draw."""
        self.pause()
        self.sync_from_controls()
        if self.session.diverged:
            self._refuse_diverged()
            return
        self.session.steps(self.step_chunk)
        if not self.session.diverged:
            self.session.record()
        self._draw()
        self._after_steps()

    def _refuse_diverged(self):
        """Keep the divergence banner and say what to do."""
        self._set_message(f"This run diverged at step {self.session.diverged_at}: lower the learning rate and "
                          f"press Reset first.", error=True)

    def start(self):
        """What `Train` does: start the asyncio training task on the running (kernel's) event loop."""
        if self._running:
            return self._task
        self.sync_from_controls()
        if self.session.diverged:
            self._refuse_diverged()
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
        """Pause and cancel the training task."""
        self.pause()
        task = self._task
        if task is not None and not task.done():
            task.cancel()
        self._task = None

    async def _run(self, generation):
        """The live loop: apply the controls, train what is left of one frame interval, record, draw, yield.

        `generation` tells this task from a newer one: after Pause and a quick Train, the old task may still
        be asleep; it wakes, sees it is no longer current and ends.
        """
        pending = None  # (serial, future JPEG bytes) of the frame being encoded
        owed, last = 0.0, time.perf_counter()  # steps due at the pace, and when they were last counted
        due = last  # when the next frame is due (paced: frames keep to a fixed timetable)
        drew = False  # whether a live (JPEG) frame was drawn: then a lossless one when the loop ends
        recorded, recorded_at = self.session.step_count, last  # the step and time of the last measurement
        try:
            while self._running and self._generation == generation and not self.closed:
                start = time.perf_counter()
                self.sync_from_controls()
                pace = self.speed
                if pace is None:  # as fast as it can: train for what is left of this frame
                    budget = max(0.25 * self.frame_interval, self.frame_interval - self._overhead)
                    self.session.steps(10**9, deadline=time.perf_counter() + budget)
                else:  # the steps due since the last turn, never more than one frame's time of work
                    owed = min(owed + pace * (start - last), pace * MAX_CATCH_UP)
                    owed -= self.session.steps(int(owed), deadline=start + self.frame_interval).taken
                last = start
                trained = time.perf_counter() - start
                # measure every turn at full speed; at a pace every 2·record_every steps or 0.25 s (a measurement
                # costs about as much as a dozen steps of the default net)
                if not self.session.diverged and (pace is None or self.session.step_count - recorded
                                                  >= 2 * self.session.record_every or start - recorded_at >= 0.25):
                    self.session.record()
                    recorded, recorded_at = self.session.step_count, start
                self._after_steps(live=True)
                if pending is not None:
                    serial, jpeg = pending
                    self._show(serial, jpeg.result())  # encoded while this chunk trained
                    pending = None
                pixels = self.frame.draw(self.snapshot(), live=True)  # weight lines at most 4 times a second
                self.frames_drawn += 1
                drew = True
                if pace is None:  # encode while the next chunk trains
                    pending = (self.frames_drawn, _encoder().submit(encode_jpeg, pixels))
                    await asyncio.sleep(self.yield_seconds)
                else:  # the loop has time to spare: encode and send now (no thread hand-off), then idle
                    self._show(self.frames_drawn, encode_jpeg(pixels))
                    now = time.perf_counter()
                    due = max(due + self.frame_interval, now - self.frame_interval)  # a stall is not caught up
                    await asyncio.sleep(max(self.yield_seconds, due - now))
                self._overhead = time.perf_counter() - start - trained
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # show it in the dashboard, never lose it in a background task
            self._set_message(f"training stopped by an error: {type(exc).__name__}: {exc}", error=True)
        finally:
            if self._generation == generation and not self.closed:
                self._running = False
                self._sync_buttons()
                self._update_status()
                if drew:
                    self._draw()  # the picture a paused lab keeps: lossless

    def _show(self, serial, picture, fmt="jpeg"):
        """Put frame `serial` (JPEG or PNG bytes) into the Image widget unless a newer frame is already there
        (Step or Reset draw synchronously while the loop's last frame is still encoding)."""
        if serial > self._shown and not self.closed:
            self._shown = serial
            with self.image.hold_sync():  # format and bytes in one message
                self.image.format = fmt
                self.image.value = picture

    # ----- drawing ------------------------------------------------------------------------------------
    def snapshot(self):
        """The session's Snapshot now (what the next frame shows)."""
        return self._live().snapshot()

    def render(self) -> bytes:
        """PNG bytes of the current state (drawn from a snapshot)."""
        return self.frame.render(self.snapshot())

    def picture(self):
        """The current picture with its description: shown as a PNG in a notebook, its text form (alt text on the
        course website) is "[figure] the lab after N steps: …" (see Frame.picture)."""
        return self.frame.picture(self.snapshot(), about=self._live().describe())

    @property
    def figure(self):
        """The one matplotlib Figure every frame is drawn into."""
        return self.frame.figure

    def _draw(self):
        """Render the current state into the Image widget (synchronously: Step, Reset, train(), a change)."""
        if self.closed:
            return
        png = self.render()
        self.frames_drawn += 1
        self._show(self.frames_drawn, png, "png")

    # ----- read-outs (from the session) ---------------------------------------------------------------
    step_count = property(lambda self: self._live().step_count, doc="Optimiser steps taken since the last reset.")
    train_loss = property(lambda self: self._live().train_loss, doc="MSE on the training points at the last record.")
    val_loss = property(lambda self: self._live().val_loss, doc="MSE on the validation points at the last record.")
    grad_norms = property(lambda self: self._live().grad_norms.copy(), doc="‖∇W_l‖_F, l = 1…L, at the last record.")
    grad_rms = property(lambda self: self._live().grad_rms.copy(), doc="Per-entry RMS of ∇W_l at the last record.")
    act_std = property(lambda self: self._live().act_std.copy(), doc="std of A_l per hidden layer, last record.")
    diverged = property(lambda self: self._live().diverged, doc="True after a NaN/Inf loss, until Reset.")
    history = property(lambda self: self._live().history, doc="The BoundedHistory of losses.")
    model = property(lambda self: self._live().model, doc="The MLP being trained.")
    optimizer = property(lambda self: self._live().optimizer, doc="Its optimiser.")
    X_train = property(lambda self: self._live().X_train)
    Y_train = property(lambda self: self._live().Y_train)
    X_val = property(lambda self: self._live().X_val)
    Y_val = property(lambda self: self._live().Y_val)

    @property
    def running(self) -> bool:
        """True while the live loop is training."""
        return self._running

    @property
    def message(self) -> str:
        """The last message shown under the status line ('' if none)."""
        return self._message

    @property
    def status(self) -> str:
        """"step 1200 · train loss 0.0123 · val loss 0.015" (3 significant digits)."""
        s = self._live()
        return f"step {s.step_count} · train loss {_fmt(s.train_loss)} · val loss {_fmt(s.val_loss)}"

    def model_description(self) -> str:
        """What the session's model really is: "1-32-32-1 tanh · glorot init · Adam lr 0.01" (read from the
        model and optimiser objects, not from the controls)."""
        s = self._live()
        m, opt = s.model, s.optimizer
        kind = type(opt).__name__
        if kind == "SGD" and getattr(opt, "momentum", 0.0):
            kind = f"momentum {opt.momentum:g}"
        return (f"{'-'.join(map(str, m.sizes))} {m.activations[0]} · {m.init} init · {kind} lr {opt.lr:.3g} · "
                f"batch {s.config['batch_size']}")

    def describe(self) -> str:
        """A one-line description of the configuration (stable text, no numbers measured)."""
        return "LiveTrainer: " + self._live().describe()

    def __repr__(self) -> str:
        """The stable one-line description (no measured numbers)."""
        return "LiveTrainer (closed)" if self.closed else self.describe()

    def _repr_mimebundle_(self, **kwargs):
        """The widget view plus a stable plain-text line (no model ids, no measured numbers)."""
        if self.closed:
            return {"text/plain": repr(self)}
        bundle = self.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle

    # ----- widgets ------------------------------------------------------------------------------------
    def _build_widgets(self):
        """Create the controls, buttons, status, message, model line, presets, share box and image."""
        import ipywidgets as W

        c = self.session.config
        style = {"description_width": "88px"}

        def full():
            """A fresh full-width layout per control (a Layout shared by two widgets would hide both at once)."""
            return W.Layout(width="98%")

        self.controls = {
            "target": W.Dropdown(options=[(v, k) for k, v in TARGET_OPTIONS.items()], value=c["target"],
                                 description="target", style=style, layout=full()),
            "noise": W.FloatSlider(value=c["noise"], min=0.0, max=1.0, step=0.01, description="noise σ",
                                   style=style, layout=full()),
            "n_samples": W.SelectionSlider(options=list(SAMPLE_OPTIONS), value=c["n_samples"], description="samples",
                                           style=style, layout=full()),
            "val_fraction": W.FloatSlider(value=c["val_fraction"], min=0.05, max=0.5, step=0.05,
                                          description="validation", readout_format=".0%", style=style, layout=full()),
            "seed": W.BoundedIntText(value=c["seed"], min=0, max=2**31 - 1, description="seed", style=style,
                                     layout=W.Layout(width="70%")),
            "hidden_layers": W.IntSlider(value=c["hidden_layers"], min=1, max=10, description="layers",
                                         style=style, layout=full()),
            "width": W.IntSlider(value=c["width"], min=1, max=128, description="width", style=style, layout=full()),
            "activation": W.Dropdown(options=list(ACTIVATION_OPTIONS), value=c["activation"],
                                     description="activation", style=style, layout=full()),
            "init": W.Dropdown(options=list(INIT_OPTIONS), value=c["init"], description="initialiser",
                               style=style, layout=full()),
            "optimiser": W.Dropdown(options=[("SGD", "sgd"), (f"momentum {MOMENTUM}", "momentum"), ("Adam", "adam")],
                                    value=c["optimiser"], description="optimiser", style=style, layout=full()),
            "lr": W.SelectionSlider(options=_lr_options(c["lr"]), value=c["lr"], description="learning rate",
                                    style=style, layout=full()),  # options, not a log slider: rates stay exact
            "batch_size": W.SelectionSlider(options=list(BATCH_OPTIONS), value=c["batch_size"],
                                            description="batch size", style=style, layout=full()),
            "weight_decay": W.BoundedFloatText(value=c["weight_decay"], min=0.0, max=1.0, step=0.001,
                                               description="decay λ", style=style,
                                               layout=W.Layout(width="70%")),
            "show_hidden": W.Checkbox(value=c["show_hidden"], description="show hidden units", indent=False),
        }
        assert set(self.controls) == set(CONFIG_SPEC) and OPTIMISER_OPTIONS
        for key, w in self.controls.items():
            w.observe(lambda change, key=key: self._on_control(change, key), names="value")

        self.buttons = {}
        for label, icon, tip, handler in (
            ("Train", "play", "train continuously (live)", lambda _: self.start()),
            ("Pause", "pause", "pause (the model is kept)", lambda _: self.pause()),
            ("Step", "step-forward", f"take {self.step_chunk} steps", lambda _: self.step()),
            ("Reset", "undo", "fresh model and data from the controls", lambda _: self.reset()),
        ):
            b = W.Button(description=label, icon=icon, tooltip=tip, layout=W.Layout(width="84px"))
            b.on_click(handler)
            self.buttons[label] = b
        self.buttons["Train"].button_style = "success"

        self.status_label = W.HTML(layout=W.Layout(margin="0 0 0 10px"))
        self.status_label.add_class("live-trainer-status")
        self.model_label = W.HTML()
        self.model_label.add_class("live-trainer-model")
        self.message_label = W.HTML(layout=W.Layout(min_height="1.4em"))
        self.message_label.add_class("live-trainer-message")

        self.preset_menu = W.Dropdown(options=[("choose a preset…", "")] + [(n, n) for n in PRESETS], value="",
                                      description="preset", style=style, layout=full())
        self.preset_menu.observe(self._preset_chosen, names="value")
        self.config_text = W.Text(placeholder="lt1:… or {JSON}", layout=W.Layout(width="98%"))
        export_b = W.Button(description="Export", tooltip="write this setup into the box",
                            layout=W.Layout(width="80px"))
        load_b = W.Button(description="Load", tooltip="load the setup in the box", layout=W.Layout(width="80px"))
        export_b.on_click(lambda _: self._export_clicked())
        load_b.on_click(lambda _: self._load_clicked())
        self.share_buttons = {"Export": export_b, "Load": load_b}

        # the picture fills the width it is given (a projector: most of the screen), whatever its pixel size, but
        # no more than the screen's height allows (beside the buttons): the whole picture stays in view
        self.image = W.Image(format="png", layout=W.Layout(width="100%", height="auto", max_height=PICTURE_MAX_HEIGHT,
                                                           object_fit="contain", object_position="left top"))
        self.image.add_class("live-trainer-plot")

        self._sections = {}
        boxes = []
        for title, keys in SECTIONS:
            box = W.VBox([W.HTML(f"<b>{title}</b>")] + [self.controls[k] for k in keys],
                         layout=W.Layout(margin="2px 0"))
            self._sections[title] = (box, keys)
            boxes.append(box)
        presets_box = W.VBox([self.preset_menu])
        share_box = W.VBox([W.HTML("<b>Share this setup</b>"), self.config_text, W.HBox([export_b, load_b])])
        self._hideable = dict(self.controls, presets=presets_box, share=share_box)
        stacked = self.layout_mode == "stacked"
        panel = W.VBox([presets_box] + boxes + [share_box],
                       layout=W.Layout(width="100%" if stacked else "260px",
                                       flex="0 0 auto" if stacked else "0 0 260px"))
        panel.add_class("live-trainer-panel")
        if stacked:
            panel.layout.display = "grid"
            panel.layout.grid_template_columns = "repeat(auto-fill, minmax(260px, 1fr))"
        self.speed_menu = W.Dropdown(options=_speed_options(self.speed), value=self.speed, description="speed",
                                     style={"description_width": "44px"}, layout=W.Layout(width="210px"))
        self.speed_menu.add_class("live-trainer-speed")
        self.speed_menu.observe(self._speed_chosen, names="value")
        top = W.HBox(list(self.buttons.values()) + [self.speed_menu, self.status_label],
                     layout=W.Layout(align_items="center", flex_flow="row wrap"))
        # stacked: the view takes its content's height (a flex basis would be a height in a column and let the
        # panel below cover the picture); side by side it takes the width left of the panel
        view = W.VBox([top, self.model_label, self.message_label, self.image],
                      layout=W.Layout(flex="0 0 auto", width="100%") if stacked
                      else W.Layout(flex="1 1 420px", min_width="320px"))
        children = [view, panel] if stacked else [panel, view]
        self.widget = W.Box(children, layout=W.Layout(display="flex", width="100%",
                                                      align_items="stretch" if stacked else "flex-start",
                                                      flex_flow="column" if stacked else "row wrap"))
        self.widget.add_class("live-trainer")
        self._apply_hidden()
        self._sync_buttons()

    def _apply_hidden(self):
        """Hide the hidden controls, and a section's header with its last visible control."""
        for name, w in self._hideable.items():
            w.layout.display = "none" if name in self.hidden_controls else None
        for box, keys in self._sections.values():
            box.layout.display = "none" if all(k in self.hidden_controls for k in keys) else None

    def _preset_chosen(self, change):
        """Preset menu: load the chosen preset, then show the menu's prompt again."""
        name = change["new"]
        if not name or self.closed:
            return
        self.load_preset(name)
        self.preset_menu.unobserve(self._preset_chosen, names="value")
        self.preset_menu.value = ""
        self.preset_menu.observe(self._preset_chosen, names="value")

    def _export_clicked(self):
        """Export button: write the share string into the text box."""
        self.config_text.value = self.export_config()
        self._set_message("Exported: copy the text in the box; Load (or LiveTrainer(config=…)) restores this setup.")

    def _load_clicked(self):
        """Load button: load the share string in the text box, or show why it cannot be loaded."""
        try:
            self.load_config(self.config_text.value)
        except LabConfigError as err:
            self._set_message(f"Could not load the setup: {err}", error=True)
            return
        self._set_message("Setup loaded. Press Train.")

    def _sync_buttons(self):
        """Enable Train only when paused and Pause only while training."""
        if self.closed or not getattr(self, "buttons", None):
            return
        self.buttons["Train"].disabled = self._running
        self.buttons["Pause"].disabled = not self._running

    def _set_message(self, text, error=False):
        """Show `text` under the status line (in vermillion when it is an error)."""
        self._message, self._error = text, error
        if not self.closed and hasattr(self, "message_label"):
            color = COLORS["vermillion"] if error else "#555"
            self.message_label.value = f'<span style="color:{color}">{html.escape(text)}</span>' if text else ""

    def _update_status(self):
        """Write the status line into its widget."""
        if not self.closed and hasattr(self, "status_label"):
            self.status_label.value = f"<code>{html.escape(self.status)}</code>"

    def _update_model_label(self):
        """Write what the model really is (read from the session) under the buttons."""
        if not self.closed and hasattr(self, "model_label"):
            self.model_label.value = f'<span style="color:#555">model: {html.escape(self.model_description())}</span>'


_ENCODER = None


def _encoder() -> concurrent.futures.ThreadPoolExecutor:
    """The one worker thread that encodes the live loop's JPEG frames (shared: one loop runs at a time)."""
    global _ENCODER
    if _ENCODER is None:
        _ENCODER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="lab-jpeg")
    return _ENCODER


def _fmt(x) -> str:
    """A loss for the status line: 3 significant digits, or 'nan'/'inf'."""
    return f"{x:.3g}" if math.isfinite(x) else str(x)


def _check_speed(speed):
    """None (as fast as it can) or a number of steps per second in (0, 100 000]; else LabConfigError."""
    if speed is None:
        return None
    if isinstance(speed, bool) or not isinstance(speed, (int, float)) or not (math.isfinite(speed)
                                                                            and 0 < speed <= 100_000):
        raise LabConfigError(f"speed must be steps per second in (0, 100000] or None (as fast as it can), "
                             f"got {speed!r}")
    return int(speed) if float(speed).is_integer() else float(speed)


def _speed_label(speed) -> str:
    """'200 steps/s' or 'as fast as it can'."""
    return "as fast as it can" if speed is None else f"{speed:g} steps/s"


def _speed_options(speed):
    """The speed menu's (label, value) options, with `speed` added if it is not one of SPEEDS."""
    options = list(SPEEDS)
    if all(v != speed for _, v in options):
        options.append((_speed_label(speed), speed))
        options.sort(key=lambda o: math.inf if o[1] is None else o[1])
    return options


def _lr_options(lr):
    """The learning-rate slider's (label, value) options: LR_GRID, plus `lr` itself if it is not on it."""
    values = sorted(set(LR_GRID) | {float(lr)})
    return [(f"{v:g}", v) for v in values]
