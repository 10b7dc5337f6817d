"""How fast is the live training lab (course_lib.widgets.LiveTrainer, notebook 08), headless?

For each setting the table shows
- render: median milliseconds to draw one frame and encode its PNG (the cached-background path used while
  training) and one full redraw (ticks, labels, data points: only after a reset or when an axis limit moves);
- the live loop: LiveTrainer's asyncio training task run for a few seconds on a plain asyncio event loop
  (no browser, no kernel), exactly as the Train button runs it: frames/s and training steps/s, and the
  share of the wall time spent in steps, in measuring losses and in drawing.
Goal (issue "live training lab"): >= 15 frames/s while >= 1000 steps/s for the 1-64-64-1 network.

Run: `python benchmarks/bench_widget.py` (or `make bench`). Numbers vary with the machine and its load.
"""

from __future__ import annotations

import asyncio
import os
import time

import numpy as np

from course_lib.widgets import PRESETS, LiveTrainer

GOAL_FPS, GOAL_STEPS = 15.0, 1000.0
SECONDS = 4.0

SETTINGS = [
    ("1-64-64-1 tanh, Adam, B=32 (goal)", dict(hidden_layers=2, width=64, activation="tanh", optimiser="adam",
                                               lr=0.01, batch_size=32), True),
    ("1-64-64-1 relu, SGD, B=1", dict(hidden_layers=2, width=64, activation="relu", optimiser="sgd", lr=0.01,
                                      batch_size=1), False),
    ("preset S0: 1-3-1 relu, B=1", PRESETS["S0"], False),
    ("preset S2: [1, 50×9, 1] relu, B=20", PRESETS["S2"], False),
]


def timed(fn, n):
    """Median seconds of n calls."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return float(np.median(out))


class Profiled(LiveTrainer):
    """LiveTrainer that adds up the time spent in training steps, loss measurements and drawing."""

    t_steps = t_record = t_draw = 0.0

    def _steps(self, n, deadline=None):
        """Time the training steps."""
        t0 = time.perf_counter()
        try:
            return super()._steps(n, deadline)
        finally:
            self.t_steps += time.perf_counter() - t0

    def _record(self):
        """Time the loss and gradient-norm measurements."""
        t0 = time.perf_counter()
        super()._record()
        self.t_record += time.perf_counter() - t0

    def _draw(self):
        """Time drawing and encoding the frame."""
        t0 = time.perf_counter()
        super()._draw()
        self.t_draw += time.perf_counter() - t0


def live(config, seconds=SECONDS):
    """Run the live loop for `seconds` (after a 1 s warm-up); return (frames/s, steps/s, time shares)."""
    lt = Profiled(config=config)

    async def run():
        """Start the loop, warm up, measure for `seconds`, pause."""
        task = lt.start()
        await asyncio.sleep(1.0)  # warm-up: the first frames redraw everything while the axes settle
        lt.t_steps = lt.t_record = lt.t_draw = 0.0
        f0, s0, t0, c0 = lt.frames_drawn, lt.step_count, time.perf_counter(), time.process_time()
        await asyncio.sleep(seconds)
        frames, steps, wall = lt.frames_drawn - f0, lt.step_count - s0, time.perf_counter() - t0
        cpu = (time.process_time() - c0) / wall
        lt.pause()
        await task
        return frames / wall, steps / wall, cpu, (lt.t_steps / wall, lt.t_record / wall, lt.t_draw / wall)

    result = asyncio.run(run())
    lt.stop()
    return result


def main():
    """Measure every setting and print the table."""
    print("LiveTrainer, headless: frame rendering and the live training loop (asyncio, no browser)")
    print(f"goal: >= {GOAL_FPS:.0f} frames/s while >= {GOAL_STEPS:.0f} steps/s for the 1-64-64-1 network\n")
    print("frame ms: one frame (cached background); full ms: one full redraw; steps/loss/draw %: shares of the")
    print("wall time; cpu: CPU seconds this process got per wall second (1.0 = a whole core; below 1 the machine")
    print("is busy and the last two columns estimate frames/s and steps/s on an idle core: measured / cpu)\n")
    head = (f"{'setting':<38}{'frame ms':>9}{'full ms':>9}{'frames/s':>10}{'steps/s':>10}"
            f"{'steps %':>9}{'loss %':>8}{'draw %':>8}{'cpu':>6}{'idle f/s':>10}{'idle st/s':>10}  goal")
    print(head)
    print("-" * len(head))
    met_all = True
    for name, config, goal in SETTINGS:
        lt = LiveTrainer(config=config)
        lt.train(500, render=False)
        lt.render()
        frame = timed(lt.render, 30)

        def full(lt=lt):
            """One frame after dropping the cached background (a full redraw)."""
            lt._background = None
            lt.render()

        full_ms = timed(full, 5)
        lt.stop()
        fps, sps, cpu, (ps, pr, pd) = live(config)
        verdict = ""
        if goal:
            ok = fps >= GOAL_FPS and sps >= GOAL_STEPS
            met_all &= ok
            verdict = "met" if ok else "NOT met"
        print(f"{name:<38}{frame * 1e3:9.1f}{full_ms * 1e3:9.1f}{fps:10.1f}{sps:10.0f}"
              f"{ps * 100:9.0f}{pr * 100:8.0f}{pd * 100:8.0f}{cpu:6.2f}{fps / cpu:10.1f}{sps / cpu:10.0f}  {verdict}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average {load:.1f} on {os.cpu_count()} CPUs")
    print("goal met" if met_all else "goal NOT met as measured (if cpu < 1, the machine is busy: see the idle columns)")


if __name__ == "__main__":
    main()
