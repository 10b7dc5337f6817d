"""The lab's configuration: names, allowed values, defaults, presets, and share strings.

No numpy, no widgets: a configuration is a plain JSON-friendly dict, checked here. Every problem with a
configuration (a wrong key, value, type, a damaged share string, a constructor argument out of range)
raises ONE error type, `LabConfigError` (a ValueError), whose message names what was expected and what came.

Share strings: "lt1:" + URL-safe base64 of compact JSON. The JSON object holds the config keys and,
optionally, "hide": a list of control names an instructor hid (and so locked) for a class. Plain JSON
('{"width": 16}') is accepted too. Missing config keys take DEFAULT_CONFIG's values.
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import numbers
from dataclasses import dataclass

from ..data import TARGETS

__all__ = [
    "LabConfigError", "Control", "CONTROL_TABLE", "CONTROLS", "DEFAULT_CONFIG", "PRESETS", "PRESET_NOTES",
    "validate_config", "check_value", "encode_config", "decode_config", "decode_share", "check_hide",
    "check_count", "DATA_KEYS", "ARCH_KEYS", "SECTIONS", "EFFECTS",
]

TARGET_LABELS = {  # config value -> label; "sin_s0" is S0's 3·sin(20x) on [0, 1]
    "sin_s0": f"S0: {TARGETS['sin_s0'].formula}",
    "sinc": f"S2: {TARGETS['sinc'].formula}",
    "sin": TARGETS["sin"].formula,
    "step": "step (jump at 0)",
    "abs": "|x| (kink at 0)",
}
MOMENTUM = 0.9
LR_GRID = tuple(float(f"{m}e{k}") for k in range(-5, 1) for m in (1, 2, 3, 5)) + (10.0,)
"""The learning rates the slider offers, 1-2-3-5 per decade; any other rate (a share string, `set`) is added."""
MAX_SHARE_CHARS = 100_000  # a share string is a few hundred characters; refuse megabytes before parsing

SECTIONS = ("Data", "Network", "Optimiser", "View")
EFFECTS = ("reset", "optimiser", "on the fly", "batch", "display")
"""What changing a setting does to a session, strongest first (see `Session.set`): "reset" (new data or a new
network: a fresh model), "optimiser" (a new optimiser on the same weights), "on the fly" (the optimiser
attribute of the same name changes, its state is kept), "batch" (from the next minibatch), "display" (the
picture only)."""


@dataclass(frozen=True)
class Control:
    """One setting of the lab: one row of CONTROL_TABLE.

    kind:    "choice" (allowed = the options), "int" / "float" (allowed = (low, high)), or "bool";
    widget:  how the dashboard shows it: "menu" (a drop-down), "slider", "box" (a number box) or "checkbox";
             a float slider with a `grid` offers only the grid's values (plus the current one), so rates stay
             exact; a choice slider steps through the options;
    labels:  for a choice, what the menu shows for each option (default: the option itself);
    step, readout: a slider's or box's step and number format (ipywidgets' readout_format).
    """

    name: str
    label: str
    kind: str
    allowed: tuple | None
    default: object
    section: str
    effect: str
    widget: str
    labels: tuple | None = None
    step: float | None = None
    readout: str | None = None
    grid: tuple | None = None

    def options(self):
        """(label, value) pairs of a choice, in order."""
        labels = self.labels or tuple(str(v) for v in self.allowed)
        return list(zip(labels, self.allowed, strict=True))


CONTROL_TABLE = {c.name: c for c in (
    # name, label, kind, allowed, default, section, effect, widget
    Control("target", "target", "choice", tuple(TARGET_LABELS), "sinc", "Data", "reset", "menu",
            labels=tuple(TARGET_LABELS.values())),
    Control("noise", "noise σ", "float", (0.0, 1.0), 0.1, "Data", "reset", "slider", step=0.01),
    Control("n_samples", "samples", "choice", (20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000,
                                               100_000), 500, "Data", "reset", "slider"),
    Control("val_fraction", "validation", "float", (0.05, 0.5), 0.2, "Data", "reset", "slider", step=0.05,
            readout=".0%"),
    Control("seed", "seed", "int", (0, 2**31 - 1), 0, "Data", "reset", "box"),
    Control("hidden_layers", "layers", "int", (1, 10), 2, "Network", "reset", "slider"),
    Control("width", "width", "int", (1, 128), 32, "Network", "reset", "slider"),
    Control("activation", "activation", "choice", ("relu", "leaky_relu", "tanh", "sigmoid"), "tanh", "Network",
            "reset", "menu"),
    Control("init", "initialiser", "choice", ("he", "he_uniform", "glorot", "glorot_uniform",
                                              "sqrt2_glorot_normal"), "glorot", "Network", "reset", "menu"),
    Control("optimiser", "optimiser", "choice", ("sgd", "momentum", "adam"), "adam", "Optimiser", "optimiser",
            "menu", labels=("SGD", f"momentum {MOMENTUM}", "Adam")),
    Control("lr", "learning rate", "float", (1e-5, 10.0), 0.01, "Optimiser", "on the fly", "slider", grid=LR_GRID),
    Control("batch_size", "batch size", "choice", (1, 2, 4, 8, 16, 20, 32, 64, 128, 256), 32, "Optimiser",
            "batch", "slider"),
    Control("weight_decay", "decay λ", "float", (0.0, 1.0), 0.0, "Optimiser", "on the fly", "box", step=0.001),
    Control("show_hidden", "show hidden units", "bool", None, True, "View", "display", "checkbox"),
)}
"""Every setting of the lab, one row each: the config checks (`check_value`), the defaults, the share strings,
the dashboard's widgets and sections (course_lib.lab.panel) and what a change does (`Session.set`) are all built
from this table. A new setting is a new row (and, if its effect is new, a branch in `Session.set`)."""

CONTROLS = tuple(CONTROL_TABLE) + ("presets", "share")
"""Names accepted by `hide=[...]`: every config key, plus the preset buttons and the share box."""

DATA_KEYS = tuple(k for k, c in CONTROL_TABLE.items() if c.section == "Data")
ARCH_KEYS = tuple(k for k, c in CONTROL_TABLE.items() if c.section == "Network")
DEFAULT_CONFIG = {k: c.default for k, c in CONTROL_TABLE.items()}

_S0 = dict(DEFAULT_CONFIG, target="sin_s0", noise=0.0, n_samples=100_000, val_fraction=0.1, hidden_layers=1,
           width=3, activation="relu", init="he", optimiser="sgd", lr=0.01, batch_size=1)

PRESETS = {
    "S0": _S0,
    "S2": dict(DEFAULT_CONFIG, target="sinc", noise=0.1, n_samples=500, val_fraction=0.2, hidden_layers=9,
               width=50, activation="relu", init="sqrt2_glorot_normal", optimiser="sgd", lr=0.005, batch_size=20),
    # notebook 08's guided experiments
    "5a sigmoid": dict(DEFAULT_CONFIG, hidden_layers=8, activation="sigmoid", init="glorot", optimiser="sgd",
                       lr=0.1),
    "5a relu": dict(DEFAULT_CONFIG, hidden_layers=8, activation="relu", init="he", optimiser="sgd", lr=0.001),
    "5a adam": dict(DEFAULT_CONFIG, hidden_layers=8, activation="sigmoid", init="glorot", optimiser="adam",
                    lr=0.01),
    "5b wide": dict(_S0, hidden_layers=2, width=64, optimiser="adam", lr=0.003, batch_size=32),
    "5c diverge": dict(DEFAULT_CONFIG, optimiser="sgd", lr=10.0),
    "5e overfit": dict(DEFAULT_CONFIG, n_samples=50, val_fraction=0.5, noise=0.3, hidden_layers=2, width=128,
                       activation="tanh", init="glorot", optimiser="adam", lr=0.01),
    "5e decay": dict(DEFAULT_CONFIG, n_samples=50, val_fraction=0.5, noise=0.3, hidden_layers=2, width=128,
                     activation="tanh", init="glorot", optimiser="adam", lr=0.01, weight_decay=0.01),
}
"""One-click settings: the source designs S0 and S2 and each guided experiment of notebook 08 (see
PRESET_NOTES for what each shows and how it differs from its source). Every preset fixes seed 0; what each note
says is measured on seeds 0–4, 100–104 and 200–204 by the claims of notebook 08 (course_lib/claims/nb08.py,
`make claims`), and checked at seed 0 in tests/lab/test_widgets.py."""

PRESET_NOTES = {
    "S0": "S0's task (3·sin(20x), 100 000 points, no noise), its 1-3-1 ReLU net and per-sample SGD at lr 0.01. "
          "Differs from S0: He initialisation and zero biases from this course's MLP, not S0's own draws; "
          "10 % held out for validation; the loss shown is the MSE over points, not S0's last-sample loss.",
    "S2": "S2's noisy sinc (σ 0.1, 500 points), [1, 50×9, 1] ReLU, √2·Glorot init, SGD batch 20. Differs from "
          "S2: lr 0.005 instead of S2's 0.01, because S2 steps along half the gradient of the MSE it reports "
          "(notebook 07); S2's own data draws and its validation bug are not reproduced.",
    "5a sigmoid": "Notebook 08 §5a: 8 sigmoid layers, Glorot, SGD lr 0.1: the gradient RMS falls by orders of "
                  "magnitude towards layer 1 and the fit stays flat at the mean.",
    "5a relu": "Notebook 08 §5a: the same depth with ReLU and He, SGD lr 0.001: the forward signal keeps its "
               "size and the fit improves, on every seed tried. Larger rates are risky here: at 0.01 some seeds "
               "(this preset's seed 0 among them) diverge within ten steps, at 0.1 every seed does.",
    "5a adam": "Notebook 08 §5a: the sigmoid net with Adam lr 0.01: the gradient profile stays steep, but Adam "
               "scales each step by its own gradient size, so the net leaves the plateau within 1500 steps on most "
               "seeds (not on every one: when it leaves depends on the seed).",
    "5b wide": "Notebook 08 §5b: S0's data with two hidden layers of 64, Adam lr 0.003, batch 32 (S0 has one "
               "layer of 3 units and per-sample SGD): the fit follows all three periods, after a plateau whose "
               "length depends on the seed (within 15 000 steps on most seeds).",
    "5c diverge": "Notebook 08 §5c: plain SGD at lr 10 on the default net: the loss becomes NaN/Inf after about "
                  "sixty steps (before step 100 on every seed tried, this preset's seed 0 among them), training "
                  "pauses and the loss plot marks the step.",
    "5e overfit": "Notebook 08 §5e: 25 noisy training points (σ 0.3) and a 1-128-128-1 tanh net with Adam: the "
                  "train loss falls below σ² = 0.09 while the validation loss ends above it (in the median over "
                  "seeds; with 25 points a single seed can differ).",
    "5e decay": "Notebook 08 §5e: the same with weight decay 0.01: a smoother fit, a higher train loss and a "
                "lower validation loss than without decay (in the median over seeds; on some seeds the validation "
                "loss is not lower).",
}

CONFIG_PREFIX = "lt1:"


class LabConfigError(ValueError):
    """A configuration, share string or lab argument that cannot be used; the message says what is wrong."""


def check_value(key, value):
    """Check one config value against its row of CONTROL_TABLE; return it normalised or raise LabConfigError.

    Numbers equal to an integer (500.0) are accepted for integer settings and become ints (500); any other
    non-integer is refused.
    """
    if key not in CONTROL_TABLE:
        raise LabConfigError(f"unknown config key {_short(key)}; the keys are: {', '.join(CONTROL_TABLE)}")
    kind, allowed = CONTROL_TABLE[key].kind, CONTROL_TABLE[key].allowed
    if kind == "choice":
        for option in allowed:
            if _same(value, option):
                return option
        raise LabConfigError(f"config[{key!r}] must be one of {', '.join(map(repr, allowed))}; got {_short(value)}")
    if kind == "bool":
        if not isinstance(value, bool):
            raise LabConfigError(f"config[{key!r}] must be true or false, got {_short(value)}")
        return value
    low, high = allowed
    if kind == "int":
        value = _as_int(value)
        if value is None:
            raise LabConfigError(f"config[{key!r}] must be an integer from {low} to {high}, got {_short(value)}")
    else:
        if isinstance(value, bool) or not isinstance(value, numbers.Real) or not math.isfinite(value):
            raise LabConfigError(f"config[{key!r}] must be a number from {low:g} to {high:g}, got {_short(value)}")
        value = float(value)
    if not low <= value <= high:
        raise LabConfigError(f"config[{key!r}] must lie between {low:g} and {high:g}, got {_short(value)}")
    return value


def _same(value, option) -> bool:
    """Whether a config value names an option: equal strings, or a number (not a bool) equal to an int option."""
    if isinstance(option, str):
        return isinstance(value, str) and value == option
    return _as_int(value) == option


def _as_int(value):
    """`value` as an int if it is an integer or a finite float with an integer value (not a bool); else None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real) and math.isfinite(value) and float(value).is_integer():
        return int(value)
    return None


def _short(value) -> str:
    """repr(value) cut to 60 characters (a pasted megabyte must not fill the message)."""
    try:
        text = repr(value)
    except Exception:  # noqa: BLE001 - a hostile __repr__
        text = f"a {type(value).__name__}"
    return text if len(text) <= 60 else text[:57] + "..."


def validate_config(config, base=None) -> dict:
    """A complete, checked config dict: `config`'s keys over `base` (default DEFAULT_CONFIG).

    Raises LabConfigError naming the first unknown key or bad value (with the allowed values or range).
    """
    if not isinstance(config, dict):
        raise LabConfigError(f"a lab config must be a dict (a JSON object), got {type(config).__name__}")
    for k in config:
        if k not in CONTROL_TABLE:
            raise LabConfigError(f"unknown config key {_short(k)}; the keys are: {', '.join(CONTROL_TABLE)}")
    out = dict(DEFAULT_CONFIG if base is None else base)
    for key, value in config.items():
        out[key] = check_value(key, value)
    return out


def check_hide(hide) -> tuple:
    """A tuple of control names to hide (each in CONTROLS, each once, in CONTROLS order) or LabConfigError."""
    if isinstance(hide, str) or not isinstance(hide, (list, tuple, set, frozenset)):
        raise LabConfigError(f"hide must be a list of control names, got {_short(hide)}")
    for name in hide:
        if not isinstance(name, str) or name not in CONTROLS:
            raise LabConfigError(f"unknown control to hide {_short(name)}; choose from: {', '.join(CONTROLS)}")
    return tuple(name for name in CONTROLS if name in set(hide))


def check_count(name, value, low=1):
    """An integer argument >= low (a float equal to an integer is accepted), or LabConfigError naming it."""
    n = _as_int(value)
    if n is None or n < low:
        raise LabConfigError(f"{name} must be an integer >= {low}, got {_short(value)}")
    return n


def encode_config(config, hide=()) -> str:
    """The config (and the hidden controls, if any) as "lt1:" + URL-safe base64 of compact JSON (sorted keys)."""
    body = validate_config(config)
    hide = check_hide(hide)
    if hide:
        body = dict(body, hide=list(hide))
    raw = json.dumps(body, separators=(",", ":"), sort_keys=True).encode()
    return CONFIG_PREFIX + base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_share(text) -> tuple[dict, tuple]:
    """Parse a share string (from `encode_config`, or plain JSON) into (checked config dict, hidden controls).

    Raises LabConfigError with a readable reason for every problem: not a string, empty, too long, damaged
    base64, not UTF-8, not JSON, nested too deeply, a number too long, not an object, a bad key or value.
    """
    if not isinstance(text, str):
        raise LabConfigError(f"a config string is expected, got {type(text).__name__}")
    text = text.strip()
    if not text:
        raise LabConfigError("the config string is empty: paste the text that 'Export' produced")
    if len(text) > MAX_SHARE_CHARS:
        raise LabConfigError(f"the config string has {len(text)} characters; a share string has a few hundred "
                             f"(at most {MAX_SHARE_CHARS} are read)")
    if text.startswith(CONFIG_PREFIX):
        body = text[len(CONFIG_PREFIX):]
        try:
            raw = base64.b64decode(body + "=" * (-len(body) % 4), altchars=b"-_", validate=True).decode("utf-8")
        except (binascii.Error, ValueError):
            raise LabConfigError(
                "the config string is damaged (its base64 part does not decode); copy the whole text again"
            ) from None
    elif text.startswith("{"):
        raw = text
    else:
        raise LabConfigError(
            f"a config string starts with {CONFIG_PREFIX!r} (from Export) or is a JSON object '{{…}}'; "
            f"got {text[:20]!r}"
        )
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        raise LabConfigError(f"the config is not valid JSON ({err.msg} at character {err.pos})") from None
    except RecursionError:
        raise LabConfigError("the config is nested too deeply to be a lab config (a flat JSON object)") from None
    except ValueError as err:  # e.g. an integer with more digits than Python converts
        raise LabConfigError(f"the config holds a value that cannot be read: {err}") from None
    if not isinstance(data, dict):
        raise LabConfigError(f"a lab config must be a JSON object {{…}}, got a {type(data).__name__}")
    hide = ()
    if "hide" in data:
        data = dict(data)
        hide = check_hide(data.pop("hide"))
    return validate_config(data), hide


def decode_config(text) -> dict:
    """Parse a share string (or plain JSON) into a checked config dict (any "hide" list is checked, then left
    out: see `decode_share`). Missing keys take DEFAULT_CONFIG's values. Raises LabConfigError."""
    return decode_share(text)[0]
