"""The live training lab of notebook 08 (`LiveTrainer`); the code lives in the package `course_lib.lab`:

- `course_lib.lab.config`: configuration, presets, share strings, `LabConfigError` (also named `ConfigError`);
- `course_lib.lab.session`: `Session`, headless training that returns snapshots;
- `course_lib.lab.frame`: `Frame`, drawing a snapshot;
- `course_lib.lab.dashboard`: `LiveTrainer`, the ipywidgets dashboard and its asyncio loop.

This module keeps the names notebooks import: `from course_lib.widgets import LiveTrainer, PRESETS`.
"""

from .lab import *  # noqa: F403  (configuration, presets, share strings, Session, Snapshot)
from .lab import __all__ as _LAB_NAMES
from .lab.dashboard import LiveTrainer
from .lab.frame import Frame, encode_png

__all__ = ["LiveTrainer", "Frame", "encode_png", *_LAB_NAMES]
