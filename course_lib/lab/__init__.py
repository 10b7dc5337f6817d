"""The live training lab of notebook 08. Import everything from here: `from course_lib.lab import LiveTrainer`.

One job per module:
- `config`: CONTROL_TABLE (every setting: kind, label, range, default, section, effect), the presets, config
  checks and share strings; `LabConfigError` for every problem with them.
- `session`: `Session`, headless training that returns `Snapshot`s (no widgets, no figure).
- `frame`: `Frame`, which draws a Snapshot into one reused matplotlib figure (never calls the model).
- `panel`: `Panel`, the widgets, built from CONTROL_TABLE, and their layout (no training).
- `pace`: the speeds and the arithmetic of a paced loop (how many steps a turn, when the next frame is due).
- `dashboard`: `LiveTrainer`, which joins a Session, a Frame and a Panel and runs the live loop.
"""

from .config import (
    CONTROL_TABLE,
    CONTROLS,
    DEFAULT_CONFIG,
    PRESET_NOTES,
    PRESETS,
    LabConfigError,
    decode_config,
    decode_share,
    encode_config,
    validate_config,
)
from .dashboard import LiveTrainer
from .frame import Frame
from .pace import DEFAULT_SPEED, SPEEDS
from .session import BoundedHistory, Session, Snapshot, StepResult

__all__ = ["CONTROL_TABLE", "CONTROLS", "DEFAULT_CONFIG", "PRESETS", "PRESET_NOTES", "LabConfigError",
           "decode_config", "decode_share", "encode_config", "validate_config", "LiveTrainer", "Frame",
           "DEFAULT_SPEED", "SPEEDS", "BoundedHistory", "Session", "Snapshot", "StepResult"]
