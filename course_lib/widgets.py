"""The live training lab of notebook 08 (`LiveTrainer`); the code lives in the package `course_lib.lab`:

- `course_lib.lab.config`: configuration, presets, share strings, `LabConfigError` (also named `ConfigError`);
- `course_lib.lab.session`: `Session`, headless training that returns snapshots;
- `course_lib.lab.frame`: `Frame`, drawing a snapshot;
- `course_lib.lab.dashboard`: `LiveTrainer`, the ipywidgets dashboard and its asyncio loop.

This module keeps the names notebooks import: `from course_lib.widgets import LiveTrainer, PRESETS`.
"""

from .lab.config import (
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
from .lab.dashboard import LiveTrainer
from .lab.frame import Frame, encode_png
from .lab.session import BoundedHistory, Session, Snapshot

__all__ = ["LiveTrainer", "Session", "Snapshot", "Frame", "BoundedHistory", "PRESETS", "PRESET_NOTES",
           "DEFAULT_CONFIG", "CONTROLS", "ConfigError", "LabConfigError", "decode_config", "decode_share",
           "encode_config", "validate_config", "encode_png"]
