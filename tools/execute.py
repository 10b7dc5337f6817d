"""Execute notebooks top to bottom in a fresh kernel and save them in place (`make execute`).

Usage: python tools/execute.py [notebooks/NN_name.ipynb ...]   (default: every notebook)
Each notebook runs with notebooks/ as its working directory, widget state is not stored, cell timing
metadata is not recorded, and the kernel is this interpreter's "python3".
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import nbformat
from nbclient import NotebookClient

ROOT = Path(__file__).resolve().parent.parent


def execute(path: Path, timeout: int = 600) -> float:
    """Run one notebook in place; return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(path.parent)}},
        store_widget_state=False,
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    took = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    nbformat.write(nb, path)
    return took


def main(argv):
    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    for p in paths:
        took = execute(p.resolve())
        print(f"{p.name:<40} {took:6.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
