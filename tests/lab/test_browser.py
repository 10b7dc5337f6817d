"""Notebook 08's live training lab in a real browser: JupyterLab and Voilà driven by headless Chromium (Playwright).

The JupyterLab tests copy the notebooks (outputs cleared) into a temporary directory, so JupyterLab's autosave
can never touch the committed files, and cut notebook 08 after its dashboard cell (the measuring cells below
it are tested by nbval), adding one probe cell. They start JupyterLab on a free 127.0.0.1 port with a known
token, run all cells and use the dashboard like a learner and an instructor:
- Train (the step count rises, the loss changes), Pause (the count holds), Step (one chunk), Reset (step 0);
- three quick control changes, then the model line (read from the model object) must match the controls;
- re-running the dashboard cell three times leaves one live dashboard from that cell;
- at 1280×720 with the file browser open, the controls and the picture are side by side in view; at
  1920×1080 a scale=1.5 dashboard shows its 1248-pixel picture at (nearly) full size.
The Voilà test serves dashboard/live_lab.ipynb as `make dashboard` does and trains from the page. Another serves
`LiveTrainer(layout=…)` with plain Voilà, side by side and stacked, at 1920×1080 and 1280×720: the picture fills
most of the width and fits the screen's height, the controls never cover it and Train is clickable; Train runs at
the default pace; the S2 preset keeps its rate 0.005 and its note (no slider snap, no echo).
Screenshots go to test-artifacts/ (git-ignored), or to $LAB_SHOTS if set.

Needs Chromium (Debian's `chromium` package) and the Playwright Python package; never `playwright install`.
Without Chromium the test is skipped, or fails when REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import contextlib
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import nbformat
import pytest

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("LAB_SHOTS") or ROOT / "test-artifacts")
NOTEBOOK = "08_live_training_lab.ipynb"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
STATUS = re.compile(r"step (\d+) · train loss (\S+) · val loss (\S+)")

pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def chromium():
    """The path of Debian's Chromium; skip (or fail with REQUIRE_BROWSER=1) when it is missing."""
    path = shutil.which("chromium")
    if path is None:
        if os.environ.get("REQUIRE_BROWSER") == "1":
            pytest.fail("REQUIRE_BROWSER=1 but no Chromium is installed: install Debian's chromium package")
        pytest.skip("browser test: no Chromium installed; install Debian's chromium or set REQUIRE_BROWSER=1 "
                    "to make this a failure")
    pytest.importorskip("playwright.sync_api", reason="the Playwright Python package is not installed")
    return path


def _free_port() -> int:
    """A free TCP port on 127.0.0.1."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


PROBE = 'print("live dashboards:", len(LiveTrainer.live_instances()))'
BIG = "big = LiveTrainer(scale=1.5)\nbig"


def _lab_copy(root):
    """notebooks/ copied into root with outputs cleared; notebook 08 cut after its dashboard cell + two cells."""
    root.mkdir()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        if path.name == NOTEBOOK:
            cut = next(i for i, c in enumerate(nb.cells) if c.cell_type == "code" and "LiveTrainer()" in c.source)
            nb.cells = nb.cells[: cut + 1] + [nbformat.v4.new_code_cell(PROBE), nbformat.v4.new_code_cell(BIG)]
            for i, cell in enumerate(nb.cells):
                cell["id"] = f"cell{i}"
        nbformat.write(nb, root / path.name)


def _wait_http(proc, url, log_path, what, timeout=120):
    """Poll `url` until it answers 200 (or the process exits, or `timeout` passes)."""
    deadline = time.monotonic() + timeout
    while True:
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited early: {log_path.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(url, timeout=5) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer within {timeout} s")
        time.sleep(0.5)


def _stop(proc):
    """Terminate a server process and wait for it."""
    proc.terminate()
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)


@contextlib.contextmanager
def jupyterlab(tmp_path, cwd, flags, log_name):
    """JupyterLab started with `flags` in `cwd` on a free 127.0.0.1 port, with a known token and its own settings,
    workspaces and runtime folders under tmp_path; yields (base_url, token); always stopped, its log kept."""
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    for var, sub in (("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTER_RUNTIME_DIR", "runtime")):
        env[var] = str(tmp_path / sub)
    cmd = [
        sys.executable, "-m", "jupyter", "lab", *flags, f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0 and "--allow-root" not in cmd:
        cmd.append("--allow-root")
    log_path = tmp_path / "jupyterlab.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=cwd)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(proc, f"{base}/api/status?token={token}", log_path, "JupyterLab")
        yield base, token
    finally:
        _stop(proc)
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / log_name)


@pytest.fixture
def lab_server(tmp_path):
    """JupyterLab serving a copy of notebooks/ (see _lab_copy); yields (base_url, token); always stopped."""
    root = tmp_path / "notebooks"
    _lab_copy(root)
    with jupyterlab(tmp_path, root, ["--ServerApp.ip=127.0.0.1", f"--ServerApp.root_dir={root}"],
                    "browser-jupyterlab.log") as served:
        yield served


@pytest.fixture
def voila_server(tmp_path):
    """Voilà serving dashboard/live_lab.ipynb as `make dashboard` does (dashboard/serve.py, with a known token), on
    a free 127.0.0.1 port; yields its URL with the token."""
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"))
    cmd = [sys.executable, str(ROOT / "dashboard" / "serve.py"), f"--port={port}", f"--token={token}"]
    log_path = tmp_path / "voila.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(proc, f"{base}/?token={token}", log_path, "Voilà")
        yield f"{base}/?token={token}"
    finally:
        _stop(proc)
        log.close()
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        shutil.copy(log_path, ARTIFACTS / "browser-voila.log")


def _status(widget):
    """(step, train loss text, val loss text) read from the dashboard's status line in the page."""
    text = widget.locator(".live-trainer-status").inner_text()
    m = STATUS.search(text)
    assert m, f"the status line should read 'step N · train loss … · val loss …', got {text!r}"
    return int(m.group(1)), m.group(2), m.group(3)


def _wait_for(predicate, timeout, what):
    """Poll `predicate` every 0.2 s until it returns something truthy (returned) or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    raise AssertionError(f"timed out after {timeout} s waiting for {what}")


def _buttons(widget):
    """The dashboard's four buttons (their text is an icon plus the label)."""
    return {name: widget.locator("button").filter(has_text=re.compile(rf"^\W*{name}\s*$")).first
            for name in ("Train", "Pause", "Step", "Reset")}


def _select(widget, label):
    """The <select> of the dropdown control whose description is `label`."""
    return widget.locator(".widget-dropdown").filter(
        has=widget.page.locator("label", has_text=re.compile(rf"^{re.escape(label)}$"))).locator("select").first


def _train_pause_step_reset(widget):
    """Train (count rises, loss changes), Pause (count holds), Step (+100), Reset (0)."""
    button = _buttons(widget)
    step0, loss0, _ = _status(widget)
    button["Train"].click()
    step1, _, _ = _wait_for(lambda: (s := _status(widget))[0] > step0 + 200 and s, 60,
                            "the step count to rise after Train")
    _wait_for(lambda: _status(widget)[1] != loss0, 30, "the train loss to change")
    time.sleep(1.0)
    button["Pause"].click()
    time.sleep(0.5)
    held = _status(widget)[0]
    time.sleep(1.0)
    assert _status(widget)[0] == held, "the step count must hold after Pause"
    assert held > step1
    button["Step"].click()
    stepped = _wait_for(lambda: (s := _status(widget)[0]) != held and s, 30, "Step to advance")
    assert stepped == held + 100, f"Step should take 100 steps: {held} → {stepped}"
    picture = widget.locator("img.live-trainer-plot")
    before = picture.get_attribute("src")
    button["Reset"].click()
    _wait_for(lambda: _status(widget)[0] == 0, 30, "Reset to return to step 0")
    _wait_for(lambda: picture.get_attribute("src") != before and picture.evaluate("el => el.complete"), 30,
              "the picture of the reset model")


def _launch(p, chromium):
    """Headless Chromium with the course's flags."""
    return p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)


def _run_all(page):
    """Run > Run All Cells, and dismiss the 'Jupyter news' question if it appears."""
    page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
    page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
    news = page.get_by_role("button", name="No", exact=True)
    if news.count():
        news.first.click()


def test_live_training_lab_in_jupyterlab(chromium, lab_server):
    """Notebook 08's dashboard in JupyterLab at 1280×720 with the file browser open: layout, buttons, rapid
    control changes (model = UI), re-running the cell; then a scale=1.5 dashboard at 1920×1080."""
    from playwright.sync_api import sync_playwright

    base, token = lab_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _launch(p, chromium)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 720})
            page.set_default_timeout(60_000)
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
            page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=120_000)
            if not page.locator(".jp-FileBrowser").first.is_visible():  # the instructor's usual view
                page.locator(".jp-SideBar .lm-TabBar-tab[data-id='filebrowser']").first.click()
            _run_all(page)
            page.get_by_text("live dashboards: 1").first.wait_for(timeout=180_000)
            page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=120_000)

            widget = page.locator(".live-trainer").first
            widget.scroll_into_view_if_needed()
            img = widget.locator("img.live-trainer-plot")
            img.wait_for()
            _wait_for(lambda: img.evaluate("el => el.naturalWidth") == 832, 30, "the 832-pixel picture")

            # layout: file browser open, controls and picture side by side, both starting in view
            assert page.locator(".jp-FileBrowser").first.is_visible()
            panel = widget.locator(".widget-dropdown").first.bounding_box()
            picture = img.bounding_box()
            assert panel["x"] + panel["width"] <= picture["x"] + 1, (panel, picture)
            assert picture["y"] < 720 and picture["width"] >= 400, picture
            page.screenshot(path=str(ARTIFACTS / "lab-1280x720-file-browser.png"))

            _train_pause_step_reset(widget)

            # three quick control changes (no waiting between them), then the model must match the controls
            _select(widget, "activation").select_option("relu")
            _select(widget, "initialiser").select_option("he")
            _select(widget, "optimiser").select_option("SGD")
            shown = {k: _select(widget, k).evaluate("el => el.options[el.selectedIndex].text")
                     for k in ("activation", "initialiser", "optimiser")}
            assert shown == {"activation": "relu", "initialiser": "he", "optimiser": "SGD"}
            model = widget.locator(".live-trainer-model")
            _wait_for(lambda: "relu · he init · SGD" in model.inner_text(), 30,
                      f"the model line to match the controls {shown}")
            _buttons(widget)["Train"].click()
            time.sleep(2.0)
            _buttons(widget)["Pause"].click()
            _wait_for(lambda: "1-32-32-1 relu · he init · SGD lr 0.01" in model.inner_text(), 30,
                      "the model line to still match the controls after training")
            widget.screenshot(path=str(ARTIFACTS / "lab-after-rapid-changes.png"))

            # re-running the dashboard cell three times leaves one live dashboard
            dashboard_cell = page.locator(".jp-CodeCell").filter(has_text="lab = LiveTrainer()").first
            for _ in range(3):
                dashboard_cell.locator(".jp-InputArea-editor").click()
                page.keyboard.press("Shift+Enter")
                page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=60_000)
            probe = page.locator(".jp-CodeCell").filter(has_text="live_instances").first
            probe.locator(".jp-InputArea-editor").click()
            page.keyboard.press("Shift+Enter")
            page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=60_000)
            # the re-run dashboard and the scale=1.5 one of the next cell; none of the three replaced ones
            _wait_for(lambda: "live dashboards: 2" in probe.locator(".jp-OutputArea").inner_text(), 60,
                      "the probe to count the live dashboards after the re-runs")
            assert page.locator(".live-trainer").count() == 2

            # a projector: 1920×1080, scale=1.5 — the picture is drawn at 1248 px and shown near full size
            page.set_viewport_size({"width": 1920, "height": 1080})
            big = page.locator(".live-trainer").nth(1)
            big.scroll_into_view_if_needed()
            big_img = big.locator("img.live-trainer-plot")
            _wait_for(lambda: big_img.evaluate("el => el.naturalWidth") == 1248, 30, "the 1248-pixel picture")
            _buttons(big)["Train"].click()
            time.sleep(2.0)
            shown_width = big_img.bounding_box()["width"]
            assert shown_width >= 1000, f"the scale=1.5 picture is shown only {shown_width:.0f} px wide"
            page.screenshot(path=str(ARTIFACTS / "lab-1920x1080-scale1.5.png"))
            _buttons(big)["Pause"].click()
        finally:
            browser.close()


def test_dashboard_in_voila(chromium, voila_server):
    """`make dashboard`: Voilà shows the dashboard without code; Train trains and Pause holds, from the page."""
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _launch(p, chromium)
        try:
            page = browser.new_page(viewport={"width": 1600, "height": 1000})
            page.set_default_timeout(120_000)
            page.goto(voila_server)
            widget = page.locator(".live-trainer").first
            widget.wait_for(timeout=180_000)
            assert "LiveTrainer(" not in page.locator("body").inner_text(), "Voilà shows no code"
            _train_pause_step_reset(widget)
            page.screenshot(path=str(ARTIFACTS / "voila-dashboard.png"))
        finally:
            browser.close()


@pytest.fixture
def voila_page(tmp_path):
    """A function serving a one-cell notebook `source` with plain Voilà on a free 127.0.0.1 port; returns its URL.
    Every server started is stopped after the test."""
    started = []

    def serve(source, name):
        folder = tmp_path / name
        folder.mkdir()
        nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source)])
        nbformat.write(nb, folder / "lab.ipynb")
        port = _free_port()
        env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(folder / "runtime"))
        log_path = folder / "voila.log"
        log = open(log_path, "wb")  # noqa: SIM115 - closed at the end of the test
        proc = subprocess.Popen([sys.executable, "-m", "voila", "--Voila.ip=127.0.0.1", f"--port={port}",
                                 "--no-browser", str(folder / "lab.ipynb")], stdout=log, stderr=subprocess.STDOUT,
                                env=env, cwd=folder)
        started.append((proc, log))
        url = f"http://127.0.0.1:{port}"
        _wait_http(proc, url, log_path, "Voilà")
        return url

    yield serve
    for proc, log in started:
        _stop(proc)
        log.close()


@pytest.mark.parametrize("layout", ["side", "stacked"])
def test_lab_fills_the_screen_keeps_its_pace_and_presets(chromium, voila_page, layout):
    """The lab in Voilà at 1920×1080 and 1280×720, side by side and stacked: the picture fills most of the
    width, nothing covers it, Train is clickable (stacked: the panel starts below the picture); Train runs at the
    default pace; the S2 preset keeps its rate 0.005 and its note in the page (no slider snap, no echo)."""
    from playwright.sync_api import sync_playwright

    from course_lib.lab import DEFAULT_SPEED, PRESET_NOTES

    url = voila_page(f"from course_lib.lab import LiveTrainer\nLiveTrainer(layout={layout!r})", layout)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = _launch(p, chromium)
        try:
            page = browser.new_page(viewport={"width": 1920, "height": 1080})
            page.set_default_timeout(120_000)
            page.goto(url)
            widget = page.locator(".live-trainer").first
            widget.wait_for(timeout=180_000)
            img = widget.locator("img.live-trainer-plot")
            _wait_for(lambda: img.evaluate("el => el.complete && el.naturalWidth > 0"), 60, "the picture")
            for width, height in ((1920, 1080), (1280, 720)):
                page.set_viewport_size({"width": width, "height": height})
                time.sleep(0.5)
                picture = img.bounding_box()
                panel = widget.locator(".live-trainer-panel").first.bounding_box()
                # the drawn picture inside the element (object-fit: contain keeps its aspect within a height cap)
                aspect = img.evaluate("el => el.naturalWidth / el.naturalHeight")
                drawn = min(picture["width"], picture["height"] * aspect)
                share = drawn / width
                assert picture["height"] <= height - 90, f"{layout} at {width}: the picture is taller than the screen"
                print(f"{layout} {width}x{height}: picture drawn {drawn:.0f} px wide ({share:.0%})")
                least = 0.8 if layout == "stacked" else 0.6
                assert share >= least, f"{layout} at {width}: the picture takes {share:.0%} of the width"
                if layout == "stacked":
                    assert panel["y"] >= picture["y"] + picture["height"] - 1, (picture, panel)
                else:
                    assert panel["x"] + panel["width"] <= picture["x"] + 1, (picture, panel)
                page.screenshot(path=str(ARTIFACTS / f"voila-{layout}-{width}x{height}.png"))
                train = _buttons(widget)["Train"]
                train.click(timeout=10_000)  # fails if anything covers the button
                _buttons(widget)["Pause"].click(timeout=10_000)
                _wait_for(lambda: not _buttons(widget)["Train"].is_disabled(), 30, "Train to be enabled again")

            # the default pace, as the page sees it
            page.set_viewport_size({"width": 1920, "height": 1080})
            speed = widget.locator(".live-trainer-speed select").evaluate("el => el.options[el.selectedIndex].text")
            assert speed.replace("\xa0", " ") == f"{DEFAULT_SPEED} steps/s"  # ipywidgets writes no-break spaces
            _buttons(widget)["Train"].click()
            time.sleep(1.0)
            s0, t0 = _status(widget)[0], time.perf_counter()
            time.sleep(4.0)
            s1, t1 = _status(widget)[0], time.perf_counter()
            _buttons(widget)["Pause"].click()
            rate = (s1 - s0) / (t1 - t0)
            assert 0.3 * DEFAULT_SPEED <= rate <= 1.25 * DEFAULT_SPEED, f"{rate:.0f} steps/s at the default pace"

            # a preset keeps its rate and its note
            _select(widget, "preset").select_option("S2")
            model = widget.locator(".live-trainer-model")
            message = widget.locator(".live-trainer-message")
            _wait_for(lambda: "SGD lr 0.005 " in model.inner_text(), 30, "the S2 preset's rate in the model line")
            note = PRESET_NOTES["S2"]
            _wait_for(lambda: note[:60] in message.inner_text(), 30, "the S2 preset's note")
            time.sleep(2.0)  # a slider snapping its value would echo back by now
            assert "SGD lr 0.005 " in model.inner_text() and note[:60] in message.inner_text()
            assert "learning rate now" not in message.inner_text()
            page.screenshot(path=str(ARTIFACTS / f"voila-{layout}-preset-S2.png"))
        finally:
            browser.close()
