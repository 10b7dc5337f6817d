"""Dry-run Binder's build of this repository with repo2docker itself (`make book-check`; no Docker needed).

`repo2docker --no-build` prints the Dockerfile mybinder.org would build. This checks, in that file, what the
binder/ folder is for: the Python that binder/environment.yml pins; the dependencies installed *before* the
repository is copied in (so that layer is cached and a commit rebuilds only the course); postBuild run after the
copy (it installs the course and writes the learner copies); binder/start as the entrypoint (one BLAS thread).
Exit 1 with the reason when any of these does not hold.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    start = time.perf_counter()
    exe = Path(sys.executable).parent / "repo2docker"
    cmd = [str(exe), "--no-build", "--no-run", "--debug", "--user-id", "1000", "--user-name", "jovyan", str(ROOT)]
    run = subprocess.run(cmd, capture_output=True, text=True)
    text = run.stdout + run.stderr
    if run.returncode != 0:
        print(text[-3000:], file=sys.stderr)
        print(f"repo2docker failed (exit {run.returncode})", file=sys.stderr)
        return 1
    pinned = re.search(r"^\s*-\s*python=(3\.\d+)\s*$", (ROOT / "binder/environment.yml").read_text(), re.M).group(1)
    lines = text.splitlines()

    def first(pattern: str) -> int:
        for i, line in enumerate(lines):
            if re.search(pattern, line):
                return i
        return -1

    env = first(r"env update .*binder/environment\.yml")
    copy = first(r"^COPY .* src/ \$\{REPO_DIR\}/$")
    post = first(r"^RUN \./binder/postBuild$")
    checks = [
        (first(rf"conda environment for python={re.escape(pinned)}$") >= 0, f"Python {pinned}, as pinned"),
        (0 <= env < copy, "dependencies installed before the repository is copied (a cached layer)"),
        (copy < post, "postBuild runs after the copy (installs the course, writes student/)"),
        (first(r'R2D_ENTRYPOINT=.*binder/start') >= 0, "binder/start is the entrypoint (one BLAS thread)"),
    ]
    for ok, what in checks:
        print(f"{'ok  ' if ok else 'FAIL'} {what}")
    print(f"repo2docker dry run: {time.perf_counter() - start:.1f} s")
    return 0 if all(ok for ok, _ in checks) else 1


if __name__ == "__main__":
    sys.exit(main())
