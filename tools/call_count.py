"""How much code runs for one training step and for one frame of the lab: the course_lib files and functions
called, counted with a profiler hook (`sys.setprofile`), so that "where would I change the step?" has a number.

    python tools/call_count.py              # the course_lib on sys.path (this checkout)
    python tools/call_count.py --list       # and the functions themselves

It counts every distinct course_lib function (methods, properties, lambdas and nested functions included) that
runs during:
- `train_step`: one checked step of `course_lib.train.train_step` on a 1-16-16-1 MLP with Adam (after a warm-up);
- `lab step`: one step of the lab's headless session (`Session.steps(1)`);
- `lab frame`: one turn of the dashboard's live loop at its default pace (train, record, draw, encode, show),
  over ten turns (the union of the functions: a turn measures the losses every 0.25 s, so some turns do).
To compare with an older commit, run this file against that commit's course_lib:
`git worktree add /tmp/old COMMIT && PYTHONPATH=/tmp/old python tools/call_count.py`.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path

import numpy as np


def _recorder():
    """A profile hook that records (file, function) for every call into course_lib, and the set it fills."""
    seen = set()

    def hook(frame, event, arg):
        if event == "call":
            path = Path(frame.f_code.co_filename)
            if "course_lib" in path.parts:
                rel = Path(*path.parts[path.parts.index("course_lib"):])
                seen.add((str(rel), frame.f_code.co_qualname if hasattr(frame.f_code, "co_qualname")
                          else frame.f_code.co_name))

    return hook, seen


def count(fn):
    """The (file, function) pairs of course_lib that run while `fn()` runs."""
    hook, seen = _recorder()
    sys.setprofile(hook)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return seen


def lab_frame():
    """The functions of ten turns of the live loop at the default pace (the profile hook is set in the
    loop's own thread, after the first frame, so starting the loop is not counted)."""
    try:
        from course_lib.lab import LiveTrainer
    except ImportError:  # before the lab package exported it
        from course_lib.widgets import LiveTrainer
    lab = LiveTrainer(dict(n_samples=200, hidden_layers=2, width=16))
    hook, seen = _recorder()

    async def run():
        lab.start()
        first = lab.frames_drawn
        while lab.frames_drawn < first + 1:
            await asyncio.sleep(0.001)
        sys.setprofile(hook)
        try:
            while lab.frames_drawn < first + 11:
                await asyncio.sleep(0.001)
        finally:
            sys.setprofile(None)
        lab.stop()

    asyncio.run(run())
    lab.close()
    return {(f, q) for f, q in seen if not q.startswith("LiveTrainer.start")}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--list", action="store_true", help="print the functions too")
    args = parser.parse_args()
    import course_lib
    from course_lib import MLP, Adam, MSELoss
    from course_lib.lab import Session
    from course_lib.train import train_step

    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(32, 1)), rng.normal(size=(32, 1))
    model = MLP([1, 16, 16, 1], activation="tanh", seed=0)
    opt, loss = Adam(model, lr=1e-3), MSELoss()
    train_step(model, loss, opt, X, Y)  # warm-up: first-call caches
    session = Session(dict(n_samples=200, hidden_layers=2, width=16))
    session.steps(2)
    rows = {
        "train_step": count(lambda: train_step(model, loss, opt, X, Y)),
        "lab step": count(lambda: session.steps(1)),
        "lab frame": lab_frame(),
    }
    print(f"course_lib from {Path(course_lib.__file__).parent}")
    print(f"{'what':<12} {'files':>5} {'functions':>9}")
    for name, seen in rows.items():
        print(f"{name:<12} {len({f for f, _ in seen}):>5} {len(seen):>9}")
    if args.list:
        for name, seen in rows.items():
            print(f"\n{name}:")
            for f, q in sorted(seen):
                print(f"  {f}: {q}")


if __name__ == "__main__":
    main()
