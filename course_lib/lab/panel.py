"""The lab's widgets and their layout, built from CONTROL_TABLE. A Panel trains nothing and decides nothing:
it shows what it is told, and hands every user action to the callbacks it was given.

Layout "side": the control panel left of the picture (wrapping below it on a narrow screen); "stacked": the
picture first, the controls under it in columns. Either way the picture fills the width it is given, and no
more than the screen's height allows beside the buttons, so the whole picture stays in view.
"""

from __future__ import annotations

import html
from contextlib import contextmanager

from ..plots import COLORS
from .config import CONTROL_TABLE, PRESETS, SECTIONS
from .pace import speed_options

__all__ = ["Panel", "LAYOUTS", "BUTTONS"]

LAYOUTS = ("side", "stacked")
BUTTONS = (  # label, icon, tooltip ({n}: the Step button's step count)
    ("Train", "play", "train continuously (live)"),
    ("Pause", "pause", "pause (the model is kept)"),
    ("Step", "step-forward", "take {n} steps"),
    ("Reset", "undo", "fresh model and data from the controls"),
)
PICTURE_MAX_HEIGHT = "calc(100vh - 100px)"  # the buttons, the model line and the message take about 100 px
LABEL_STYLE = {"description_width": "88px"}


def make_control(W, control, value):
    """The widget for one row of CONTROL_TABLE, showing `value` (W: the ipywidgets module)."""
    c = control
    if c.widget == "checkbox":
        return W.Checkbox(value=value, description=c.label, indent=False)
    # a Layout of its own per control: one shared by two widgets would hide both at once, and every Layout made
    # must belong to a widget, or closing the dashboard leaves it registered
    common = dict(description=c.label, style=LABEL_STYLE, layout=W.Layout(width="70%" if c.widget == "box" else "98%"))
    if c.widget == "menu":
        return W.Dropdown(options=c.options(), value=value, **common)
    if c.kind == "choice":  # a slider through the options
        return W.SelectionSlider(options=c.options(), value=value, **common)
    if c.grid is not None:  # a slider through exact values, not a continuous (log) slider: rates stay exact
        return W.SelectionSlider(options=grid_options(c, value), value=value, **common)
    low, high = c.allowed
    extra = {} if c.readout is None else dict(readout_format=c.readout)
    if c.widget == "box":
        box = W.BoundedIntText if c.kind == "int" else W.BoundedFloatText
        return box(value=value, min=low, max=high, **({} if c.step is None else dict(step=c.step)), **common)
    slider = W.IntSlider if c.kind == "int" else W.FloatSlider
    return slider(value=value, min=low, max=high, **({} if c.step is None else dict(step=c.step)), **extra,
                  **common)


def grid_options(control, value):
    """A grid slider's (label, value) options: the grid, plus `value` itself if it is not on it."""
    values = sorted(set(control.grid) | {float(value)})
    return [(f"{v:g}", v) for v in values]


class Panel:
    """The dashboard's widgets (see the module docstring).

    Panel(config, *, speed, step_chunk, layout, on)

    on: the callbacks, a dict: "change" (key, value) when the user moves a control; "Train", "Pause", "Step",
        "Reset" (no argument) for the buttons; "speed" (steps/s or None); "preset" (name); "export" ();
        "load" (the text in the share box).

    Attributes: `widget` (the whole dashboard), `controls` (name → widget, one per CONTROL_TABLE row),
    `buttons`, `speed_menu`, `preset_menu`, `share_text`, `share_buttons`, `status_label`, `model_label`,
    `message_label`, `image`, `sections` (title → (box, keys)).
    """

    def __init__(self, config, *, speed, step_chunk, layout, on):
        """See the class docstring."""
        import ipywidgets as W

        self._on = on
        self._quiet = False  # True while the panel itself writes values: no callbacks then
        self.controls = {key: make_control(W, c, config[key]) for key, c in CONTROL_TABLE.items()}
        for key, w in self.controls.items():
            w.observe(lambda change, key=key: self._fire("change", key, change["new"]), names="value")

        self.buttons = {}
        for label, icon, tip in BUTTONS:
            b = W.Button(description=label, icon=icon, tooltip=tip.format(n=step_chunk), layout=W.Layout(width="84px"))
            b.on_click(lambda _, label=label: self._fire(label))
            self.buttons[label] = b
        self.buttons["Train"].button_style = "success"
        self.speed_menu = W.Dropdown(options=speed_options(speed), value=speed, description="speed",
                                     style={"description_width": "44px"}, layout=W.Layout(width="210px"))
        self.speed_menu.add_class("live-trainer-speed")
        self.speed_menu.observe(lambda change: self._fire("speed", change["new"]), names="value")

        self.status_label = W.HTML(layout=W.Layout(margin="0 0 0 10px"))
        self.status_label.add_class("live-trainer-status")
        self.model_label = W.HTML()
        self.model_label.add_class("live-trainer-model")
        self.message_label = W.HTML(layout=W.Layout(min_height="1.4em"))
        self.message_label.add_class("live-trainer-message")

        self.preset_menu = W.Dropdown(options=[("choose a preset…", "")] + [(n, n) for n in PRESETS], value="",
                                      description="preset", style=LABEL_STYLE, layout=W.Layout(width="98%"))
        self.preset_menu.observe(self._preset_chosen, names="value")
        self.share_text = W.Text(placeholder="lt1:… or {JSON}", layout=W.Layout(width="98%"))
        self.share_buttons = {
            "Export": W.Button(description="Export", tooltip="write this setup into the box",
                               layout=W.Layout(width="80px")),
            "Load": W.Button(description="Load", tooltip="load the setup in the box", layout=W.Layout(width="80px")),
        }
        self.share_buttons["Export"].on_click(lambda _: self._fire("export"))
        self.share_buttons["Load"].on_click(lambda _: self._fire("load", self.share_text.value))

        self.image = W.Image(format="png", layout=W.Layout(width="100%", height="auto", max_height=PICTURE_MAX_HEIGHT,
                                                           object_fit="contain", object_position="left top"))
        self.image.add_class("live-trainer-plot")
        self.widget = self._arrange(W, layout)

    def _arrange(self, W, layout):
        """The sections, the share box, the buttons and the picture, side by side or stacked."""
        self.sections = {}
        boxes = []
        for title in SECTIONS:
            keys = tuple(k for k, c in CONTROL_TABLE.items() if c.section == title)
            box = W.VBox([W.HTML(f"<b>{title}</b>")] + [self.controls[k] for k in keys],
                         layout=W.Layout(margin="2px 0"))
            self.sections[title] = (box, keys)
            boxes.append(box)
        presets_box = W.VBox([self.preset_menu])
        share_box = W.VBox([W.HTML("<b>Share this setup</b>"), self.share_text,
                            W.HBox(list(self.share_buttons.values()))])
        self._hideable = dict(self.controls, presets=presets_box, share=share_box)
        stacked = layout == "stacked"
        panel = W.VBox([presets_box] + boxes + [share_box],
                       layout=W.Layout(width="100%" if stacked else "260px",
                                       flex="0 0 auto" if stacked else "0 0 260px"))
        panel.add_class("live-trainer-panel")
        if stacked:
            panel.layout.display = "grid"
            panel.layout.grid_template_columns = "repeat(auto-fill, minmax(260px, 1fr))"
        top = W.HBox(list(self.buttons.values()) + [self.speed_menu, self.status_label],
                     layout=W.Layout(align_items="center", flex_flow="row wrap"))
        # stacked: the view takes its content's height (a flex basis would be a height in a column and let the
        # panel below cover the picture); side by side it takes the width left of the panel
        view = W.VBox([top, self.model_label, self.message_label, self.image],
                      layout=W.Layout(flex="0 0 auto", width="100%") if stacked
                      else W.Layout(flex="1 1 420px", min_width="320px"))
        widget = W.Box([view, panel] if stacked else [panel, view],
                       layout=W.Layout(display="flex", width="100%", align_items="stretch" if stacked else "flex-start",
                                       flex_flow="column" if stacked else "row wrap"))
        widget.add_class("live-trainer")
        return widget

    # ----- user actions → callbacks --------------------------------------------------------------------
    def _fire(self, name, *args):
        """Hand a user action to its callback, unless the panel itself is writing values."""
        if not self._quiet:
            self._on[name](*args)

    @contextmanager
    def _quietly(self):
        """While the panel itself writes values into its widgets: no callbacks."""
        self._quiet = True
        try:
            yield
        finally:
            self._quiet = False

    def _preset_chosen(self, change):
        """The preset menu: load the chosen preset, then show the menu's prompt again."""
        if change["new"] and not self._quiet:
            self._on["preset"](change["new"])
            with self._quietly():
                self.preset_menu.value = ""

    # ----- what the panel shows ------------------------------------------------------------------------
    def show_config(self, config):
        """Show these values in their controls (no callbacks); a grid slider gains a value it lacks."""
        with self._quietly():
            for key, value in config.items():
                w, c = self.controls[key], CONTROL_TABLE[key]
                if c.grid is not None and value not in w.options:
                    w.options = grid_options(c, value)
                w.value = value

    def show_speed(self, speed):
        """Show `speed` in the speed menu (added to it if it is not one of SPEEDS; no callback)."""
        with self._quietly():
            self.speed_menu.options = speed_options(speed)
            self.speed_menu.value = speed

    def hide(self, names):
        """Hide exactly these controls (and a section's header with its last visible control)."""
        for name, w in self._hideable.items():
            w.layout.display = "none" if name in names else None
        for box, keys in self.sections.values():
            box.layout.display = "none" if all(k in names for k in keys) else None

    def show_running(self, running: bool):
        """Enable Train only when paused and Pause only while training."""
        self.buttons["Train"].disabled = running
        self.buttons["Pause"].disabled = not running

    def show_message(self, text, error=False):
        """Show `text` under the status line (in vermillion when it is an error)."""
        color = COLORS["vermillion"] if error else "#555"
        self.message_label.value = f'<span style="color:{color}">{html.escape(text)}</span>' if text else ""

    def show_status(self, text):
        """The status line next to the buttons."""
        self.status_label.value = f"<code>{html.escape(text)}</code>"

    def show_model(self, text):
        """The model line under the buttons."""
        self.model_label.value = f'<span style="color:#555">model: {html.escape(text)}</span>'

    def show_picture(self, data: bytes, fmt: str):
        """Put a JPEG or PNG frame into the picture (format and bytes in one message)."""
        with self.image.hold_sync():
            self.image.format = fmt
            self.image.value = data

    def close(self):
        """Close every widget (and its layout and style): the box and all its descendants, each once."""
        seen, stack = [], [self.widget]
        while stack:
            w = stack.pop()
            if any(w is s for s in seen):
                continue
            seen.append(w)
            stack.extend(getattr(w, "children", ()))
        for w in seen:
            for sub in (getattr(w, "layout", None), getattr(w, "style", None)):
                if sub is not None and hasattr(sub, "close"):
                    sub.close()
            w.close()
