"""Tests live in folders that mirror the code: library/, lab/, exercises/, notebooks/, project/.

Some test modules share helpers across folders (the autograd oracle, the Chromium fixture, the checker
registry), so every folder is put on sys.path once, here, and a module imports another by its plain name.
Module names are unique across the folders (tests/project/test_project.py checks it).
"""

import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
for folder in sorted(p for p in HERE.iterdir() if p.is_dir() and not p.name.startswith((".", "_"))):
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
