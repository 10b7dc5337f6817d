"""How fast is the live training lab (course_lib.lab; notebook 08)? Frames and steps per second.

Two tables:
1. Headless (no browser, no kernel): milliseconds per frame for each part of the dashboard's loop — measuring
   (`Session.record`), taking a snapshot, drawing it (`Frame.draw`, cached background), encoding it (JPEG for
   live frames, PNG when paused), redrawing one panel after its axis moved, and a full redraw — and the
   training steps per second of `Session.steps`.
2. As the browser sees it: Voilà serves a one-cell notebook with the dashboard (as `make dashboard` does), and
   headless Chromium at 1920×1080 chooses a pace in the dashboard's speed menu, presses Train, and for a few
   seconds the page counts how often the picture's `src` changes (a MutationObserver) and reads the step count
   from the status line; psutil reads the CPU seconds of the page's kernel process (all its threads) and of
   Chromium's processes over the same seconds. Each setting (the default picture and the projector's
   scale 1.5) is measured at the default pace and "as fast as it can"; the latter is the reference the
   kernel's CPU is compared with (`x fast`), measured in the same run. That is what a learner sees: kernel
   work, widget messages and the browser's decoding all included, with kernel and browser sharing this
   machine's cores. Playwright keeps DevTools attached (it is sent an event for every frame's image), which a
   learner's browser does not: the frame rates err on the slow side. Skipped (with a note) when Chromium,
   Playwright or Voilà is missing.

Goal (a lab that shares a machine): at the default pace, >= 15 frames/s in the browser with the kernel at
<= 0.25 of a core. `cpu` in the headless table is the CPU share this process got per wall second: below 1
the machine is busy, and every number is slower than on an idle machine.

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

GOAL_FPS, GOAL_CPU = 15.0, 0.25
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


def _kernel_process(voila_pid):
    """The kernel of the page: the newest process Voilà started running ipykernel (the readiness check's page
    load started one too, earlier)."""
    import psutil

    kernels = []
    for child in psutil.Process(voila_pid).children(recursive=True):
        try:
            if any("ipykernel" in part for part in child.cmdline()):
                kernels.append((child.create_time(), child.pid, child))
        except psutil.Error:
            continue
    if not kernels:
        raise RuntimeError("Voilà started no kernel")
    return max(kernels)[2]


def _cpu_seconds(proc) -> float:
    """User + system CPU seconds of a process so far (all its threads)."""
    t = proc.cpu_times()
    return t.user + t.system


def in_browser(name, scale, seconds=SECONDS, idle=False):
    """A Voilà page at 1920×1080 with one dashboard (at `scale`), driven by headless Chromium.

    For each pace (the default, then "as fast as it can", chosen in the page's speed menu): frames the page
    receives (changes of the picture's `src`), steps/s from the status line, and the kernel's CPU seconds per
    second (psutil, the kernel process). Returns rows of (setting, pace, frames/s, steps/s, kernel CPU/s,
    browser CPU/s); with `idle`, first a row of the paused page.
    """
    import nbformat
    import psutil
    from playwright.sync_api import sync_playwright

    from course_lib.lab import DEFAULT_SPEED

    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
            f"from course_lib.lab import LiveTrainer\nLiveTrainer(scale={scale})")])
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
                    kernel = _kernel_process(proc.pid)
                    chrome = [c for c in psutil.Process(os.getpid()).children(recursive=True)
                              if "chrom" in c.name().lower()]

                    def browser_cpu():
                        total = 0.0
                        for c in chrome:
                            try:
                                total += _cpu_seconds(c)
                            except psutil.Error:
                                pass
                        return total

                    def measure(widget, wait):
                        img = widget.locator("img.live-trainer-plot")
                        status = widget.locator(".live-trainer-status")
                        img.evaluate("""el => { window.__frames = 0;
                            if (window.__observer) window.__observer.disconnect();
                            window.__observer = new MutationObserver(() => { window.__frames += 1; });
                            window.__observer.observe(el, {attributes: true, attributeFilter: ['src']}); }""")
                        time.sleep(wait)  # warm-up: the first frames redraw everything while the axes settle
                        f0, s0, k0, b0 = (page.evaluate("window.__frames"), int(status.inner_text().split()[1]),
                                          _cpu_seconds(kernel), browser_cpu())
                        t0 = time.perf_counter()
                        time.sleep(seconds)
                        f1, s1, k1, b1 = (page.evaluate("window.__frames"), int(status.inner_text().split()[1]),
                                          _cpu_seconds(kernel), browser_cpu())
                        dt = time.perf_counter() - t0
                        return (f1 - f0) / dt, (s1 - s0) / dt, (k1 - k0) / dt, (b1 - b0) / dt

                    if idle:
                        rows.append(("paused (kernel idle)", "-", *measure(widget, 2.0)))
                    speed = widget.locator(".live-trainer-speed select")
                    for label in (f"{DEFAULT_SPEED} steps/s", "as fast as it can"):
                        speed.select_option(label=label)
                        widget.locator("button").filter(has_text="Train").first.click()
                        rows.append((name, label, *measure(widget, 2.0)))
                        widget.locator("button").filter(has_text="Pause").first.click()
                        time.sleep(1.0)
                finally:
                    browser.close()
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
            log.close()
    return rows


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
    print("jpeg (as fast as it can: in a worker thread while the next steps train; at a pace: at once); the paused")
    print("frame is draw + png. panel: one panel redrawn after its axis moved; full: everything redrawn (after a")
    print("reset or a new architecture).")
    print(f"\nAs the browser sees it (Voilà + headless Chromium at 1920×1080, {SECONDS:.0f} s of Train per row)")
    print(f"goal at the default pace: >= {GOAL_FPS:.0f} frames/s in the browser with the kernel at <= {GOAL_CPU:g} "
          f"of a core;\nx fast = this row / the same dashboard's 'as fast as it can' row (the reference, same run)")
    reason = browser_available()
    if reason:
        print(f"skipped: {reason}")
        return
    rows = in_browser("default, scale 1", 1.0, idle=True) + in_browser("projector, scale 1.5", 1.5)
    head = (f"{'setting':<22}{'pace':>19}{'frames/s':>9}{'steps/s':>9}{'kernel':>8}{'x fast':>7}"
            f"{'browser':>9}  goal")
    print(head + "\n" + " " * 59 + "CPU s/s" + " " * 8 + "CPU s/s")
    print("-" * len(head))
    fastest = {name: kcpu for name, pace, _, _, kcpu, _ in rows if pace == "as fast as it can"}
    met_all = True
    for name, pace, fps, sps, kcpu, bcpu in rows:
        verdict, ratio = "", ""
        if name in fastest:
            ratio = f"{kcpu / fastest[name]:7.2f}" if fastest[name] > 0 else f"{'-':>7}"
        else:
            ratio = f"{'-':>7}"
        if pace not in ("-", "as fast as it can"):
            ok = fps >= GOAL_FPS and kcpu <= GOAL_CPU
            if name.startswith("default"):  # the goal is the default dashboard's; the projector row is shown
                met_all &= ok
                verdict = "met" if ok else "NOT met"
            else:
                verdict = "within" if ok else "outside"
        print(f"{name:<22}{pace:>19}{fps:9.1f}{sps:9.0f}{kcpu:8.3f}{ratio}{bcpu:9.2f}  {verdict}")
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"\nload average {load:.1f} on {os.cpu_count()} CPUs. kernel: CPU seconds per second of the page's kernel "
          "(all its threads);\nbrowser: the same for every Chromium process (it decodes and paints each frame).")
    print("goal (the default dashboard at the default pace): " + ("met" if met_all else
          "NOT met as measured (a busy machine slows every column)") + "; the projector row says whether it is "
          "within the same bounds")


if __name__ == "__main__":
    main()
