"""`make claims`: every registered outcome on the committed seeds and on two disjoint sets, as one table.

Usage: python -m course_lib.claims [--notebook 09] [--sets committed B C] [--jobs 2] [key ...]
Exit status 1 if any claim does not hold on any set (or its measurement raised).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor

from . import SEED_SETS, _seed_range, measure, registry


def _run(key: str, seed_set: str) -> tuple[str, str, bool, str, float]:
    start = time.perf_counter()
    try:
        m = measure(key, seed_set)
        return key, seed_set, m.held, m.numbers(), time.perf_counter() - start
    except Exception as exc:  # a measurement that crashes is a failed claim, reported with its cause
        last = traceback.format_exception_only(type(exc), exc)[-1].strip()
        return key, seed_set, False, f"raised {last}", time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    """Run the selected claims on the selected seed sets in worker processes; print the table; 0 if all hold."""
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("keys", nargs="*", help="claim keys (default: all)")
    p.add_argument("--notebook", help="only the claims of this notebook, e.g. 09")
    p.add_argument("--sets", nargs="+", default=list(SEED_SETS), choices=list(SEED_SETS))
    p.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = p.parse_args(argv)

    claims = registry()
    unknown = [k for k in args.keys if k not in claims]
    if unknown:
        print(f"unknown claim(s): {', '.join(unknown)}; registered: {', '.join(claims)}", file=sys.stderr)
        return 2
    keys = [k for k in (args.keys or claims) if args.notebook is None or claims[k].notebook == args.notebook]
    if not keys:
        print("no claims selected", file=sys.stderr)
        return 2

    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # one BLAS thread per worker, as the notebooks run
    start = time.perf_counter()
    jobs = [(k, s) for k in keys for s in args.sets]
    results: dict[tuple[str, str], tuple[bool, str, float]] = {}
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for key, seed_set, held, numbers, secs in pool.map(_run, *zip(*jobs)):
            results[key, seed_set] = (held, numbers, secs)

    head = ["claim", "notebook"] + [f"{s} ({_seed_range(claims[keys[0]].seeds(s)) if len(keys) == 1 else s})"
                                    for s in args.sets] + ["verdict"]
    print("| " + " | ".join(head) + " |")
    print("|" + "---|" * len(head))
    failed = []
    for k in keys:
        c = claims[k]
        cells = []
        for s in args.sets:
            held, numbers, secs = results[k, s]
            mark = "" if held else "**FAILS** "
            cells.append(f"{mark}{numbers} ({secs:.0f} s)")
        ok = all(results[k, s][0] for s in args.sets)
        if not ok:
            failed.append(k)
        print(f"| {k}: {c.says} | {c.notebook} | " + " | ".join(cells) + f" | {'holds' if ok else '**FAILS**'} |")
    sets = ", ".join(f"{s} = seeds {SEED_SETS[s].start}+" for s in args.sets)
    print(f"\n{len(keys) - len(failed)} of {len(keys)} claims hold on every set ({sets}); "
          f"{time.perf_counter() - start:.0f} s with {args.jobs} worker(s)")
    if failed:
        print("does not hold: " + ", ".join(failed), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
