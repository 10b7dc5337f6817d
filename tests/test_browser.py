"""Notebook 08's live training lab in a real browser: JupyterLab driven by headless Chromium (Playwright).

The test copies the notebooks (outputs cleared) into a temporary directory, so JupyterLab's autosave can
never touch the committed files, starts JupyterLab on a free 127.0.0.1 port with a known token, opens
08_live_training_lab.ipynb, runs all cells, and then uses the LiveTrainer dashboard like a learner:
Train (the step count in the status line rises and the loss changes), Pause (the count holds), Step (one
chunk of steps), Reset (back to step 0). Screenshots go to test-artifacts/ (git-ignored).

Needs Chromium (Debian's `chromium` package) and the Playwright Python package; never `playwright install`.
Without Chromium the test is skipped, or fails when REQUIRE_BROWSER=1.
"""

from __future__ import annotations

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

ROOT = Path(__file__).resolve().parent.parent
ARTIFACTS = ROOT / "test-artifacts"
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


@pytest.fixture
def lab_server(tmp_path):
    """JupyterLab serving a copy of notebooks/ (outputs cleared); yields (base_url, token); always stopped."""
    root = tmp_path / "notebooks"
    root.mkdir()
    for path in sorted((ROOT / "notebooks").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code":
                cell.outputs, cell.execution_count = [], None
        nbformat.write(nb, root / path.name)
    port, token = _free_port(), secrets.token_hex(16)
    env = dict(os.environ)
    for var, sub in (("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                     ("JUPYTER_RUNTIME_DIR", "runtime")):
        env[var] = str(tmp_path / sub)
    cmd = [
        sys.executable, "-m", "jupyter", "lab",
        "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}", "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}", "--ServerApp.open_browser=False", f"--ServerApp.root_dir={root}",
        "--LabApp.news_url=", "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
    ]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")
    log = open(tmp_path / "jupyterlab.log", "wb")  # noqa: SIM115 - closed in finally
    proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if proc.poll() is not None:
                raise RuntimeError(f"JupyterLab exited early: {(tmp_path / 'jupyterlab.log').read_text()[-2000:]}")
            try:
                with urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("JupyterLab did not answer within 90 s")
            time.sleep(0.5)
        yield base, token
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
        ARTIFACTS.mkdir(exist_ok=True)
        shutil.copy(tmp_path / "jupyterlab.log", ARTIFACTS / "browser-jupyterlab.log")


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


def test_live_training_lab_in_jupyterlab(chromium, lab_server):
    """Run all cells of notebook 08 in JupyterLab, then Train, Pause, Step and Reset the dashboard."""
    from playwright.sync_api import sync_playwright

    base, token = lab_server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1500, "height": 1000})
            page.set_default_timeout(60_000)
            page.goto(f"{base}/lab/tree/{NOTEBOOK}?token={token}")
            page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=120_000)

            page.locator(".lm-MenuBar-itemLabel", has_text=re.compile(r"^Run$")).click()
            page.locator(".lm-Menu-itemLabel", has_text=re.compile(r"^Run All Cells$")).click()
            # the last exercise's checker prints its verdict when every cell has run
            page.get_by_text("vanishing_ratio agrees").first.wait_for(timeout=180_000)
            page.get_by_text("Python 3 (ipykernel) | Idle").first.wait_for(timeout=60_000)

            widget = page.locator(".live-trainer").first
            widget.scroll_into_view_if_needed()
            page.screenshot(path=str(ARTIFACTS / "lab-1-after-run-all.png"))
            widget.locator("img.live-trainer-plot").wait_for()
            # the buttons' text is an icon plus the label ("Preset S0" must not match "Reset")
            button = {name: widget.locator("button").filter(has_text=re.compile(rf"^\W*{name}\s*$")).first
                      for name in ("Train", "Pause", "Step", "Reset")}
            news = page.get_by_role("button", name="No", exact=True)  # "get notified about Jupyter news?"
            if news.count():
                news.first.click()

            step0, loss0, _ = _status(widget)
            button["Train"].click()
            step1, loss1, _ = _wait_for(lambda: (s := _status(widget))[0] > step0 + 200 and s, 30,
                                        "the step count to rise after Train")
            _wait_for(lambda: _status(widget)[1] != loss0, 15, "the train loss to change")
            time.sleep(1.5)  # let it train and draw for a while
            widget.screenshot(path=str(ARTIFACTS / "lab-2-training.png"))

            button["Pause"].click()
            time.sleep(0.5)
            held = _status(widget)[0]
            time.sleep(1.0)
            assert _status(widget)[0] == held, "the step count must hold after Pause"
            assert held > step1

            button["Step"].click()
            stepped = _wait_for(lambda: (s := _status(widget)[0]) != held and s, 15, "Step to advance")
            assert stepped == held + 100, f"Step should take 100 steps: {held} → {stepped}"

            button["Reset"].click()
            _wait_for(lambda: _status(widget)[0] == 0, 15, "Reset to return to step 0")
            img = widget.locator("img.live-trainer-plot")
            assert img.evaluate("el => el.naturalWidth") > 600, "the plot image should be drawn"
            page.screenshot(path=str(ARTIFACTS / "lab-3-after-reset.png"))
        finally:
            browser.close()
