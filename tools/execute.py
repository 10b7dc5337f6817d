"""Execute notebooks top to bottom in a fresh kernel (`make execute`, `make learner-notebooks`).

Usage:
  python tools/execute.py [notebooks/NN_name.ipynb ...]          run and save in place (default: every notebook)
  python tools/execute.py --check [notebooks/NN_name.ipynb ...]  run copies in a temporary folder; save nothing,
                                                                 exit 1 if any notebook raises
Each notebook runs with its folder as the working directory (for --check, a temporary copy of notebooks/),
widget state is not stored, cell timing metadata is not recorded, and the kernel is this interpreter's
"python3", so the notebooks see exactly the packages of the environment that runs this script.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

ROOT = Path(__file__).resolve().parent.parent


def execute(path: Path, timeout: int = 600, save_to: Path | None = None, workdir: Path | None = None) -> float:
    """Run one notebook; save it to `save_to` (default: in place); return the seconds it took."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=timeout,
        kernel_name="python3",
        resources={"metadata": {"path": str(workdir or path.parent)}},
        store_widget_state=False,
        record_timing=False,
    )
    start = time.perf_counter()
    client.execute()
    took = time.perf_counter() - start
    nb.metadata.pop("widgets", None)
    nb.metadata["kernelspec"] = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}
    if save_to is not False:
        nbformat.write(nb, save_to or path)
    return took


def check(paths: list[Path]) -> int:
    """Execute copies of `paths` in a temporary copy of notebooks/; print a table; return the failure count."""
    spec = KernelSpecManager().get_kernel_spec("python3")
    print(f"kernel python3 runs: {Path(spec.argv[0]).name} of this environment ({Path(sys.prefix).name})")
    failures = 0
    with tempfile.TemporaryDirectory(prefix="nb-check-") as tmp:
        work = Path(tmp) / "notebooks"
        shutil.copytree(ROOT / "notebooks", work, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
        for p in paths:
            try:
                took = execute(work / p.name, save_to=False, workdir=work)
                print(f"{p.name:<45} ok      {took:6.1f} s", flush=True)
            except CellExecutionError as exc:
                failures += 1
                print(f"{p.name:<45} FAILED  {exc.ename}: {exc.evalue}"[:300], flush=True)
    print(f"{len(paths) - failures} passed, {failures} failed")
    return failures


def main(argv):
    check_only = "--check" in argv
    argv = [a for a in argv if a != "--check"]
    paths = [Path(p) for p in argv] or sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))
    if check_only:
        sys.exit(1 if check(paths) else 0)
    for p in paths:
        took = execute(p.resolve())
        print(f"{p.name:<40} {took:6.1f} s")


if __name__ == "__main__":
    main(sys.argv[1:])
