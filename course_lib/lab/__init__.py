"""The live training lab of notebook 08, as a small package.

- `config`: the configuration, presets and share strings; `LabConfigError` for every problem with them.
- `session`: `Session`, a headless training session that trains and returns `Snapshot`s (no widgets).
- `frame`: `Frame`, which draws a Snapshot into one reused matplotlib figure (never calls the model).
- `dashboard`: `LiveTrainer`, the ipywidgets dashboard and its asyncio training loop.

`course_lib.widgets` re-exports the names notebooks use (`LiveTrainer`, `PRESETS`, …).
"""

from .config import (
    CONTROLS,
    DEFAULT_CONFIG,
    PRESET_NOTES,
    PRESETS,
    ConfigError,
    LabConfigError,
    decode_config,
    decode_share,
    encode_config,
    validate_config,
)
from .session import BoundedHistory, Session, Snapshot, StepResult

__all__ = ["CONTROLS", "DEFAULT_CONFIG", "PRESETS", "PRESET_NOTES", "ConfigError", "LabConfigError",
           "decode_config", "decode_share", "encode_config", "validate_config", "BoundedHistory", "Session",
           "Snapshot", "StepResult"]
