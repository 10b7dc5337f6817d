"""Does every notebook verdict hold on a learner's machine? A sweep over what such a machine changes.

`make robustness` runs every notebook under nbval (strict: every assert, every compared output) once per
combination of
  - an OpenBLAS kernel (numpy's bundled OpenBLAS honours OPENBLAS_CORETYPE; the kernel that really runs is read
    back with threadpoolctl and shown, since an unknown or unsupported name silently falls back),
  - 1 or 2 BLAS threads,
  - the newest and the oldest numpy and matplotlib that pyproject.toml allows (the oldest in a venv of their own,
    `.venv-oldest`, built from the lower bounds in pyproject.toml),
and prints one table row per run, then the failing cells. Exit status 1 if any run failed.

Usage: python tools/robustness.py [--kernels Prescott Nehalem ...] [--threads 1 2] [--sets newest oldest]
                                  [--jobs 2] [--unit] [notebooks/NN_name.ipynb ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from pathlib import Path

try:
    import tomllib  # novermin (Python 3.11+; the except branch imports tomli on 3.10)
except ModuleNotFoundError:  # Python 3.10: the same parser, from PyPI (the test extra)
    import tomli as tomllib

ROOT = Path(__file__).resolve().parent.parent
# Four distinct x86-64 kernels that run on any CPU with AVX2 (the newer SkylakeX kernel needs AVX-512).
KERNELS = ["Prescott", "Nehalem", "Sandybridge", "Haswell"]
OLDEST_OF = ["numpy", "matplotlib"]  # pinned to their lower bounds in the "oldest" set; the rest resolve freely

PROBE = (
    "import json, numpy, matplotlib, threadpoolctl;"
    "blas = [i for i in threadpoolctl.threadpool_info() if i.get('internal_api') == 'openblas'];"
    "print(json.dumps({'numpy': numpy.__version__, 'matplotlib': matplotlib.__version__,"
    " 'kernel': blas[0].get('architecture') if blas else '?', 'threads': blas[0].get('num_threads') if blas else 0,"
    " 'openblas': blas[0].get('version') if blas else '?'}))"
)


def lower_bounds() -> dict[str, str]:
    deps = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    out = {}
    for d in deps:
        m = re.match(r"^([A-Za-z0-9_.-]+)\s*>=\s*([\w.]+)", d.strip())
        if m:
            out[m.group(1).lower()] = m.group(2)
    return out


def venv_for(which: str) -> Path:
    """The interpreter of the set `which`: the project's .venv for "newest", .venv-oldest for "oldest"."""
    if which == "newest":
        venv = ROOT / ".venv"
        subprocess.run(["make", "-s", "-C", str(ROOT), ".venv/.installed-test"], check=True)
    else:
        venv = ROOT / ".venv-oldest"
        bounds = lower_bounds()
        extra = [f"{name}=={bounds[name]}" for name in OLDEST_OF]
        digest = hashlib.sha256((ROOT / "pyproject.toml").read_bytes()).hexdigest()[:12]
        marker = venv / (".installed-" + "-".join(extra) + "-" + digest)  # rebuilt when pyproject changes
        if not marker.exists():
            print(f"== building {venv.name} with {' '.join(extra)}", flush=True)
            subprocess.run([sys.executable, "-m", "venv", "--clear", str(venv)], check=True)
            pip = [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet"]
            subprocess.run(pip + ["--upgrade", "pip"], check=True)
            subprocess.run(pip + ["-e", f"{ROOT}[test]", *extra], check=True)
            marker.touch()
    return venv / "bin" / "python"


def run_one(py: Path, which: str, kernel: str, threads: int, targets: list[str], unit: bool) -> dict:
    env = dict(os.environ)
    env.update(OPENBLAS_CORETYPE=kernel, OPENBLAS_NUM_THREADS=str(threads), OMP_NUM_THREADS=str(threads),
               MKL_NUM_THREADS=str(threads))
    env.pop("OPENBLAS_L2_SIZE", None)
    probe = subprocess.run([str(py), "-c", PROBE], env=env, capture_output=True, text=True)
    info = json.loads(probe.stdout) if probe.returncode == 0 else {"kernel": f"probe failed ({probe.returncode})"}
    cmd = [str(py), "-m", "pytest", "-p", "no:cacheprovider", "-q", "-rf", "--color=no"]
    if unit:
        cmd += ["tests", "-m", "not browser"]
    else:
        cmd += ["--nbval", "--nbval-sanitize-with", "tests/nbval_sanitize.cfg", *targets]
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True)
    took = time.perf_counter() - start
    tail = proc.stdout.strip().splitlines()
    summary = next((ln.strip("= ") for ln in reversed(tail) if re.search(r"\d+ (passed|failed|error)", ln)), "?")
    failed = [ln[len("FAILED "):] for ln in tail if ln.startswith(("FAILED ", "ERROR "))]
    return dict(set=which, requested=kernel, threads=threads, info=info, ok=proc.returncode == 0,
                summary=summary, failed=failed, seconds=took)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kernels", nargs="+", default=KERNELS)
    ap.add_argument("--threads", nargs="+", type=int, default=[1, 2])
    ap.add_argument("--sets", nargs="+", default=["newest", "oldest"], choices=["newest", "oldest"])
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--unit", action="store_true", help="run the unit tests instead of nbval")
    ap.add_argument("targets", nargs="*", default=["notebooks"])
    args = ap.parse_args(argv)

    pythons = {s: venv_for(s) for s in args.sets}
    grid = [(s, k, t) for s in args.sets for k in args.kernels for t in args.threads]
    what = "unit tests" if args.unit else f"nbval on {' '.join(args.targets)}"
    print(f"== {len(grid)} runs of {what}, {args.jobs} at a time", flush=True)
    with ThreadPoolExecutor(max_workers=args.jobs) as pool:
        futures = [pool.submit(run_one, pythons[g[0]], *g, args.targets, args.unit) for g in grid]
        for f in as_completed(futures):  # progress as runs finish; the table below keeps the grid's order
            r = f.result()
            print(f"   done: {r['set']} / {r['requested']} / {r['threads']} thread(s): {r['summary']} "
                  f"({r['seconds']:.0f} s)", flush=True)
        runs = [f.result() for f in futures]

    print()
    print("| set | numpy | matplotlib | OpenBLAS | OPENBLAS_CORETYPE | kernel running | threads | result | time |")
    print("|---|---|---|---|---|---|---|---|---|")
    for r in runs:
        i = r["info"]
        print(f"| {r['set']} | {i.get('numpy', '?')} | {i.get('matplotlib', '?')} | {i.get('openblas', '?')} "
              f"| {r['requested']} | {i.get('kernel', '?')} | {i.get('threads', '?')} | {'ok' if r['ok'] else 'FAIL'}: "
              f"{r['summary']} | {r['seconds']:.0f} s |")
    bad = [r for r in runs if not r["ok"]]
    for r in bad:
        print(f"\n{r['set']} / {r['requested']} / {r['threads']} thread(s):")
        for f in r["failed"] or ["(no FAILED line: see the pytest output)"]:
            print(f"  {f}")
    kernels = {r["info"].get("kernel") for r in runs}
    print(f"\n{len(runs) - len(bad)} of {len(runs)} runs green; distinct kernels that ran: "
          f"{', '.join(sorted(str(k) for k in kernels))}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
