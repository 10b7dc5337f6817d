"""How fast is the live training lab (course_lib.lab; notebook 08)? Frames and steps per second.

Two tables:
1. Headless (no browser, no kernel): milliseconds per frame for each part of the dashboard's loop — measuring
   (`Session.record`), taking a snapshot, drawing it (`Frame.draw`, cached background), encoding it (JPEG for
   live frames, PNG when paused), redrawing one panel after its axis moved, and a full redraw — and the
   training steps per second of `Session.steps`.
2. As the browser sees it: Voilà serves a one-cell notebook with the dashboard (as `make dashboard` does),
   headless Chromium presses Train, and for a few seconds the page counts how often the picture's `src`
   changes (a MutationObserver) and reads the step count from the status line. That is what a learner sees:
   kernel work, widget messages and the browser's decoding all included, with kernel and browser sharing
   this machine's cores. Playwright keeps DevTools attached (it is sent an event for every frame's image), which
   a learner's browser does not: the figures err on the slow side. The status line changes five times a second
   while training, so the steps/s reading is good to about ±3 % over the 6 s. Skipped (with a note) when
   Chromium, Playwright or Voilà is missing.

Goal: >= 15 frames/s with >= 1000 steps/s at the default size and at projector size (scale 1.5).
`ratio` columns are measured / goal (>= 1 meets it). `cpu` is the CPU share this process got per wall second
in the headless run: below 1 the machine is busy, and every number is slower than on an idle machine.

Run: `python benchmarks/bench_widget.py` (or `make bench`). Numbers vary with the machine and its load.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import numpy as np

from course_lib.lab import PRESETS, Session
from course_lib.lab.frame import Frame, encode_jpeg, encode_png

GOAL_FPS, GOAL_STEPS = 15.0, 1000.0
SECONDS = 6.0
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]

SETTINGS = [  # name, config, scale, counts for the goal
    ("default 1-32-32-1 tanh, Adam, B=32", {}, 1.0, True),
    ("projector: default at scale 1.5", {}, 1.5, True),
    ("1-64-64-1 tanh, Adam, B=32", dict(hidden_layers=2, width=64), 1.0, False),
    ("preset S2: [1, 50×9, 1] relu, B=20", PRESETS["S2"], 1.0, False),
]


def timed(fn, n):
    """Median seconds of n calls."""
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return float(np.median(out))


def headless(config, scale):
    """Milliseconds of each part of a frame, training steps/s and the CPU share, for one setting."""
    s = Session(config)
    s.train(3000)  # a history of 120 points, as after a few seconds of Train
    frame = Frame(scale=scale)
    frame.draw(s.snapshot())
    c0, w0 = time.process_time(), time.perf_counter()
    out = {"record": timed(s.record, 10), "snapshot": timed(s.snapshot, 10)}
    snap = s.snapshot()
    out["draw"] = timed(lambda: frame.draw(snap), 10)
    pixels = frame.draw(snap)
    out["jpeg"] = timed(lambda: encode_jpeg(pixels), 10)
    out["png"] = timed(lambda: encode_png(pixels), 10)

    def panel():
        frame.invalidate(frame.ax_loss)
        frame.draw(snap)

    def full():
        frame.invalidate()
        frame.draw(snap)

    out["panel"] = timed(panel, 5)
    out["full"] = timed(full, 3)
    out = {k: v * 1e3 for k, v in out.items()}
    t0 = time.perf_counter()
    taken = 0
    while time.perf_counter() - t0 < 1.0:
        taken += s.steps(50).taken
    out["steps/s"] = taken / (time.perf_counter() - t0)
    out["cpu"] = (time.process_time() - c0) / (time.perf_counter() - w0)
    return out


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def browser_available():
    """None if the browser measurement can run, else the reason it cannot."""
    if shutil.which("chromium") is None:
        return "no Chromium (Debian's chromium package)"
    try:
        import playwright.sync_api  # noqa: F401
        import voila  # noqa: F401
    except ImportError as err:
        return f"missing {err.name}"
    return None


def in_browser(config, scale, seconds=SECONDS):
    """(frames/s, steps/s) of the dashboard as headless Chromium shows it, served by Voilà."""
    import nbformat
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            f"from course_lib.widgets import LiveTrainer\nLiveTrainer(config={config!r}, scale={scale})")])
        path = Path(tmp) / "bench.ipynb"
        nbformat.write(nb, path)
        port = _free_port()
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(Path(tmp) / "runtime"))
        log = open(Path(tmp) / "voila.log", "wb")  # noqa: SIM115 - closed below
        proc = subprocess.Popen([sys.executable, "-m", "voila", "--Voila.ip=127.0.0.1", f"--port={port}",
                                 "--no-browser", str(path)], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp)
        try:
            deadline = time.monotonic() + 120
            while True:
                try:
                    with urllib.request.urlopen(f"http://127.0.0.1:{port}", timeout=5):
                        break
                except OSError:
                    if time.monotonic() > deadline or proc.poll() is not None:
                        raise RuntimeError("Voilà did not start") from None
                    time.sleep(0.5)
            with sync_playwright() as p:
                browser = p.chromium.launch(executable_path=shutil.which("chromium"), args=CHROMIUM_ARGS)
                try:
                    page = browser.new_page(viewport={"width": 1920, "height": 1080})
                    page.set_default_timeout(180_000)
                    page.goto(f"http://127.0.0.1:{port}")
                    widget = page.locator(".live-trainer").first
                    widget.wait_for()
                    img = widget.locator("img.live-trainer-plot")
                    img.evaluate("""el => { window.__frames = 0;
                        new MutationObserver(() => { window.__frames += 1; })
                            .observe(el, {attributes: true, attributeFilter: ['src']}); }""")
                    status = widget.locator(".live-trainer-status")

                    def step():
                        return int(status.inner_text().split()[1])

                    widget.locator("button").filter(has_text="Train").first.click()
                    time.sleep(2.0)  # warm-up: the first frames redraw everything while the axes settle
                    f0, s0, t0 = page.evaluate("window.__frames"), step(), time.perf_counter()
                    time.sleep(seconds)
                    f1, s1, t1 = page.evaluate("window.__frames"), step(), time.perf_counter()
                    widget.locator("button").filter(has_text="Pause").first.click()
                finally:
                    browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    return (f1 - f0) / (t1 - t0), (s1 - s0) / (t1 - t0)


def main():
    """Measure every setting and print the two tables."""
    print("Live lab: headless parts of one frame (ms) and training speed")
    cols = ["record", "snapshot", "draw", "jpeg", "png", "panel", "full", "steps/s", "cpu"]
    head = f"{'setting':<38}" + "".join(f"{c:>9}" for c in cols)
    print(head)
    print("-" * len(head))
    for name, config, scale, _ in SETTINGS:
        out = headless(config, scale)
        cells = "".join(f"{out[c]:9.0f}" if c == "steps/s" else f"{out[c]:9.2f}" if c == "cpu" else f"{out[c]:9.1f}"
                        for c in cols)
        print(f"{name:<38}{cells}")
    print("draw: restore the cached background, draw the moving artists, copy the pixels. A live frame is draw +")
    print("jpeg (encoded in a worker thread while the next steps train); the paused frame is draw + png. panel: one")
    print("panel redrawn after its axis moved; full: everything redrawn (after a reset or a new architecture).")
    print(f"\nAs the browser sees it (Voilà + headless Chromium, {SECONDS:.0f} s of Train per setting)")
    print(f"goal: >= {GOAL_FPS:.0f} frames/s with >= {GOAL_STEPS:.0f} steps/s (ratio = measured / goal)")
    reason = browser_available()
    if reason:
        print(f"skipped: {reason}")
        return
    head = f"{'setting':<38}{'frames/s':>9}{'ratio':>7}{'steps/s':>9}{'ratio':>7}  goal"
    print(head)
    print("-" * len(head))
    met_all = True
    for name, config, scale, goal in SETTINGS:
        fps, sps = in_browser(config, scale)
        verdict = ""
        if goal:
            ok = fps >= GOAL_FPS and sps >= GOAL_STEPS
            met_all &= ok
            verdict = "met" if ok else "NOT met"
        print(f"{name:<38}{fps:9.1f}{fps / GOAL_FPS:7.2f}{sps:9.0f}{sps / GOAL_STEPS:7.2f}  {verdict}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average {load:.1f} on {os.cpu_count()} CPUs")
    print("goal met" if met_all else "goal NOT met as measured (a busy machine slows every column: see cpu above)")


if __name__ == "__main__":
    main()
