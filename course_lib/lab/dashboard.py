"""`LiveTrainer`: the lab's dashboard. It joins a `Session` (training and measuring), a `Frame` (drawing) and a
`Panel` (the widgets), applies what the user does, and runs the live loop.

How it runs
- `Train` starts an asyncio task on the kernel's running event loop. Each turn of the loop trains the steps
  its `Pace` allows (course_lib.lab.pace), records, draws a frame and yields (`await asyncio.sleep(...)`), so
  button clicks and control changes are handled between turns: `Pause` takes effect within one turn (well
  under 250 ms).
- A live frame is sent as JPEG (quality 90, no chroma subsampling: see `encode_jpeg`); at full speed it is
  encoded in a worker thread while the next turn trains. When the loop stops, the last frame is drawn again
  as a lossless PNG.

One way to change a setting: a control the user moves, `set(...)`, a preset and a share string all go
through `_change`, which checks the values, shows them in the controls, passes them to `Session.set` and
says what happened (its effect in CONTROL_TABLE: a reset, a new optimiser, on the fly, the next batch, or
the picture only). The loop does not look at the controls: a change reaches the session the moment the
kernel handles it, between two turns.

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
import math
import time
import weakref

from .config import (
    ARCH_KEYS,
    CONTROL_TABLE,
    DATA_KEYS,
    PRESET_NOTES,
    PRESETS,
    LabConfigError,
    check_count,
    check_hide,
    decode_share,
    encode_config,
    validate_config,
)
from .frame import Frame, encode_jpeg
from .pace import DEFAULT_SPEED, Pace, check_speed, speed_label
from .panel import LAYOUTS, Panel
from .session import Session

__all__ = ["LiveTrainer"]


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
    `snapshot()`, `describe()`. What is trained and measured (the model, the losses, the history) is `session`
    (a `Session`); the widgets are `ui` (a `Panel`).
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
        self.speed = check_speed(speed)
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
        self.yield_seconds = 0.002  # the shortest pause between turns, so the kernel can handle widget messages
        self.closed = False
        self._task = None
        self._running = False
        self._generation = 0
        self._message = ""
        self._shown = 0  # serial number of the last frame put into the picture
        self._status_due = 0.0  # when the live loop may next rewrite the status line
        self.frames_drawn = 0
        self.ui = Panel(self.session.config, speed=self.speed, step_chunk=self.step_chunk, layout=layout, on={
            "change": self._control_moved, "Train": self.start, "Pause": self.pause, "Step": self.step,
            "Reset": self.reset, "speed": self.set_speed, "preset": self.load_preset, "export": self._export_clicked,
            "load": self._load_clicked,
        })
        self.ui.hide(self.hidden_controls)
        self.ui.show_running(False)
        self._after_reset()

    @classmethod
    def live_instances(cls):
        """Every dashboard not closed (oldest first)."""
        return [t for t in (r() for r, _ in cls._instances) if t is not None and not t.closed]

    # ----- settings: one way in -----------------------------------------------------------------------
    @property
    def config(self) -> dict:
        """A copy of the current configuration (JSON-friendly dict)."""
        return self._live().config

    def set(self, **changes):
        """Change settings from code, e.g. `lt.set(lr=0.1, optimiser="sgd")`: the same effect as moving the
        controls, applied at once (one reset at most). Hidden controls can be set from code."""
        self._change(changes)

    def _change(self, changes, *, fresh=False) -> str:
        """The one way a setting changes: check, show in the controls, apply to the session, say what happened.
        With `fresh` the session starts afresh even if no data or network setting changed (a preset, Load).
        Returns the session's effect ("reset", "optimiser", "on the fly", "batch", "display" or "none")."""
        before = self._live().config
        config = validate_config(changes, base=before)
        self.ui.show_config({k: config[k] for k in changes})
        effect = self.session.set(**{k: config[k] for k in changes})
        if fresh and effect != "reset":
            self.session.reset()
            effect = "reset"
        c, keys = self.session.config, [k for k in changes if config[k] != before[k]]
        if effect == "reset":
            self._after_reset()
            if not fresh:
                new = "data" if any(k in DATA_KEYS for k in keys) else "network"
                self._set_message(f"{', '.join(k for k in keys if k in DATA_KEYS + ARCH_KEYS)} changed: new {new}, "
                                  f"fresh model, history cleared.")
            return effect
        said = {
            "optimiser": f"optimiser now {c['optimiser']}: a new optimiser on the same model (state starts at zero)",
            "on the fly": "; ".join(f"{CONTROL_TABLE[k].label} now {c[k]:.3g}" for k in keys
                                    if CONTROL_TABLE[k].effect == "on the fly") + " (applied on the fly; the "
                                                                                 "optimiser's state is kept)",
            "batch": f"batch size now {c['batch_size']} (from the next step; the model is kept)",
        }
        if effect in said and not self.session.diverged:  # a divergence's banner stays until Reset
            self._set_message(said[effect])
        self.ui.show_model(self.model_description())
        if effect == "display":
            self._draw()
        return effect

    def _control_moved(self, key, value):
        """A control the user moved: apply it, or say why it cannot be used (the control keeps showing it)."""
        if self.closed:
            return
        try:
            self._change({key: value})
        except LabConfigError as err:
            self._set_message(str(err), error=True)

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
        self._load(config)
        if hide:
            self.hidden_controls = check_hide(self.hidden_controls + hide)
            self.ui.hide(self.hidden_controls)

    def load_preset(self, name: str):
        """Load one of PRESETS (hidden controls keep their values); see PRESET_NOTES for what each shows."""
        if name not in PRESETS:
            raise LabConfigError(f"unknown preset {name!r}; choose one of: {', '.join(PRESETS)}")
        locked = self._load(PRESETS[name])
        note = PRESET_NOTES[name]
        if locked:
            note += f" (Locked by your instructor, kept: {', '.join(locked)}.)"
        self._set_message(f"Preset {name}: {note} Press Train.")

    def _load(self, config):
        """Pause, change every setting except the locked (hidden) ones, and start afresh (a reset even if only the
        optimiser changed). Returns the locked keys whose values were kept."""
        self.pause()
        current = self.session.config
        locked = [k for k in CONTROL_TABLE if k in self.hidden_controls and config[k] != current[k]]
        self._change({k: v for k, v in config.items() if k not in self.hidden_controls}, fresh=True)
        return locked

    def _export_clicked(self):
        """Export button: write the share string into the text box."""
        self.ui.share_text.value = self.export_config()
        self._set_message("Exported: copy the text in the box; Load (or LiveTrainer(config=…)) restores this setup.")

    def _load_clicked(self, text):
        """Load button: load the share string in the text box, or show why it cannot be loaded."""
        try:
            self.load_config(text)
        except LabConfigError as err:
            self._set_message(f"Could not load the setup: {err}", error=True)
            return
        self._set_message("Setup loaded. Press Train.")

    def set_speed(self, speed):
        """Set the training pace: steps per second (up to 100 000), or None for as fast as it can. A running
        loop changes pace at its next turn."""
        self.speed = check_speed(speed)
        if self.closed:
            return
        self.ui.show_speed(self.speed)
        if not self.session.diverged:  # a divergence's banner stays until Reset
            self._set_message(f"speed now {speed_label(self.speed)}")

    # ----- lifecycle ----------------------------------------------------------------------------------
    def _live(self) -> Session:
        """The session, or a clear error after close()."""
        if self.closed:
            raise RuntimeError("this LiveTrainer was closed (a newer one replaced it, or close() was called); "
                               "make a new one")
        return self.session

    def reset(self, keep_running=False):
        """New data and a fresh model from the settings; step 0, history cleared, divergence cleared.
        With keep_running a running loop goes on with the new model."""
        if not keep_running:
            self.pause()
        self._live().reset()
        self._after_reset()

    def _after_reset(self):
        """A frame, then message, status and model line after the session was reset (the picture is sent first,
        so by the time the status line reads step 0 the new picture is on its way too)."""
        self._draw()
        self._set_message("")
        self.ui.show_status(self.status)
        self.ui.show_model(self.model_description())

    def close(self):
        """Stop training, close every widget (and its layout and style), free the figure, data and model."""
        if self.closed:
            return
        self.stop()
        self.ui.close()
        self.closed = True
        self.session = self.frame = self.ui = None  # the data, model, figure and widgets: what a re-run must free

    # ----- training -----------------------------------------------------------------------------------
    def train(self, steps: int, render: bool = True):
        """Train `steps` steps synchronously (pauses a running loop first); stops early if the run diverges."""
        self.pause()
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
            self.ui.show_running(False)
            self._set_message(
                f"Training diverged at step {s.diverged_at}: the loss became {s.divergence_value} (NaN or Inf). "
                f"Lower the learning rate (now {s.config['lr']:.3g}), then press Reset.",
                error=True,
            )
        now = time.perf_counter()
        if not live or s.diverged or now >= self._status_due:
            self._status_due = now + 0.2
            self.ui.show_status(self.status)

    def step(self):
        """What `Step` does: pause, take `step_chunk` steps, record and draw."""
        self.pause()
        if self._live().diverged:
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
        if self._live().diverged:
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
        self.ui.show_running(True)
        self._generation += 1
        self._task = loop.create_task(self._run(self._generation))
        return self._task

    def pause(self):
        """What `Pause` does: the training task stops after its current turn (the model is kept)."""
        self._running = False
        if not self.closed:
            self.ui.show_running(False)

    def stop(self):
        """Pause and cancel the training task."""
        self.pause()
        task = self._task
        if task is not None and not task.done():
            task.cancel()
        self._task = None

    async def _run(self, generation):
        """The live loop: train what the pace allows, record, draw, yield.

        `generation` tells this task from a newer one: after Pause and a quick Train, the old task may still
        be asleep; it wakes, sees it is no longer current and ends.
        """
        pending = None  # (serial, future JPEG bytes) of the frame being encoded
        pace = Pace(self.frame_interval, time.perf_counter())
        drew = False  # whether a live (JPEG) frame was drawn: then a lossless one when the loop ends
        recorded, recorded_at = self.session.step_count, time.perf_counter()  # the last measurement
        try:
            while self._running and self._generation == generation and not self.closed:
                start, speed = time.perf_counter(), self.speed
                most, deadline = pace.plan(speed, start)
                pace.taken(self.session.steps(most, deadline=deadline).taken, speed)
                trained = time.perf_counter() - start
                # measure every turn at full speed; at a pace every 2·record_every steps or 0.25 s (a measurement
                # costs about as much as a dozen steps of the default net)
                if not self.session.diverged and (speed is None or self.session.step_count - recorded
                                                  >= 2 * self.session.record_every or start - recorded_at >= 0.25):
                    self.session.record()
                    recorded, recorded_at = self.session.step_count, start
                self._after_steps(live=True)
                if pending is not None:
                    serial, jpeg = pending
                    self._show(serial, jpeg.result())  # encoded while this turn trained
                    pending = None
                pixels = self.frame.draw(self.snapshot(), live=True)  # weight lines at most 4 times a second
                self.frames_drawn += 1
                drew = True
                if speed is None:  # encode while the next turn trains
                    pending = (self.frames_drawn, _encoder().submit(encode_jpeg, pixels))
                else:  # the loop has time to spare: encode and send now (no thread hand-off), then idle
                    self._show(self.frames_drawn, encode_jpeg(pixels))
                await asyncio.sleep(max(self.yield_seconds, pace.rest(speed, time.perf_counter())))
                pace.turn_took(time.perf_counter() - start, trained)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # show it in the dashboard, never lose it in a background task
            self._set_message(f"training stopped by an error: {type(exc).__name__}: {exc}", error=True)
        finally:
            if self._generation == generation and not self.closed:
                self._running = False
                self.ui.show_running(False)
                self.ui.show_status(self.status)
                if drew:
                    self._draw()  # the picture a paused lab keeps: lossless

    def _show(self, serial, picture, fmt="jpeg"):
        """Put frame `serial` (JPEG or PNG bytes) into the picture unless a newer frame is already there
        (Step or Reset draw synchronously while the loop's last frame is still encoding)."""
        if serial > self._shown and not self.closed:
            self._shown = serial
            self.ui.show_picture(picture, fmt)

    # ----- drawing and read-outs ----------------------------------------------------------------------
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

    def _draw(self):
        """Render the current state into the picture (synchronously: Step, Reset, train(), a change)."""
        if self.closed:
            return
        png = self.render()
        self.frames_drawn += 1
        self._show(self.frames_drawn, png, "png")

    @property
    def running(self) -> bool:
        """True while the live loop is training."""
        return self._running

    @property
    def message(self) -> str:
        """The last message shown under the status line ('' if none)."""
        return self._message

    def _set_message(self, text, error=False):
        """Show `text` under the status line (in vermillion when it is an error)."""
        self._message = text
        if not self.closed:
            self.ui.show_message(text, error)

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
        bundle = self.ui.widget._repr_mimebundle_(**kwargs)
        bundle["text/plain"] = repr(self)
        return bundle


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
