"""`make dashboard` is safe to share: Voilà (dashboard/serve.py) started for real on a free 127.0.0.1 port.

A request without the token is refused; a request with a foreign Host header is refused (DNS rebinding); idle
kernels are culled after the timeout (a short one here), also one that a websocket holds as an open page does;
the kernel cap holds (one more page load gets 503, and a page loads again once the culler freed a slot). The
pages are a one-cell notebook so that each load is quick; the settings are the ones `make dashboard` uses, with
a shorter timeout and a cap of 2. tests/lab/test_browser.py::test_dashboard_in_voila serves the real dashboard with
its token.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import pytest

pytestmark = pytest.mark.slow  # each test starts a Voilà server and kernels (~25 s on a busy machine)
ROOT = Path(__file__).resolve().parents[2]
SERVE = ROOT / "dashboard" / "serve.py"
IDLE = 6  # seconds; make dashboard: 900


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


OPENER = urllib.request.build_opener(_NoRedirect)


def _get(url: str, host: str | None = None, timeout: float = 120):
    """(status, body) of a GET; redirects are not followed (a login redirect is a refusal)."""
    request = urllib.request.Request(url, headers={"Host": host} if host else {})
    try:
        with OPENER.open(request, timeout=timeout) as r:
            return r.status, r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode("utf-8", "replace")


@contextlib.contextmanager
def serve(tmp_path, *extra):
    """dashboard/serve.py on a free port serving a one-cell notebook; yields (base_url, token, log_path)."""
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("print('tiny dashboard')")])
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    path = tmp_path / "tiny.ipynb"
    nbformat.write(nb, path)
    port = _free_port()
    log_path = tmp_path / "dashboard.log"
    env = dict(os.environ, JUPYTER_RUNTIME_DIR=str(tmp_path / "runtime"), OPENBLAS_NUM_THREADS="1")
    cmd = [sys.executable, str(SERVE), f"--port={port}", "--Voila.port_retries=0",
           f"--MappingKernelManager.cull_idle_timeout={IDLE}", "--MappingKernelManager.cull_interval=1",
           "--CappedKernelManager.max_kernels=2", *extra, str(path)]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env, cwd=tmp_path)
        try:
            deadline = time.monotonic() + 120
            while "Voilà is running at" not in log_path.read_text():
                assert proc.poll() is None and time.monotonic() < deadline, log_path.read_text()
                time.sleep(0.3)
            time.sleep(0.5)
            m = re.search(r"\?token=([0-9a-f]+)", log_path.read_text())
            token = m.group(1) if m else ""
            yield f"http://127.0.0.1:{port}", token, log_path
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


@pytest.fixture
def dashboard(tmp_path):
    with serve(tmp_path) as served:
        yield served


def _kernel_id(page: str) -> str:
    return re.search(r'"kernelId":\s*"([0-9a-f-]+)"', page).group(1)


def _hold_websocket(url: str, stop: threading.Event, opened: threading.Event) -> None:
    """Keep a websocket open on a kernel's channels (as the dashboard page does) until `stop` is set."""
    from tornado.websocket import websocket_connect

    async def hold():
        ws = await websocket_connect(url)
        opened.set()
        while not stop.is_set():
            await asyncio.sleep(0.2)
        ws.close()

    asyncio.run(hold())


def _kernel_alive(base: str, token: str, kernel: str) -> bool:
    status, body = _get(f"{base}/api/kernels/{kernel}?token={token}")
    assert status in (200, 404), (status, body)
    return status == 200


def test_token_host_cull_and_cap(dashboard):
    base, token, log_path = dashboard
    # the printed URL carries the token
    assert f"http://127.0.0.1:{base.rsplit(':', 1)[1]}/?token={token}" in log_path.read_text()
    # no token: refused (a redirect to the login page)
    status, _ = _get(f"{base}/")
    assert status in (302, 403), status
    # a wrong token: refused too
    status, _ = _get(f"{base}/?token={'0' * len(token)}")
    assert status in (302, 403), status
    # a foreign Host header (DNS rebinding): 403 even with the token; loopback and localhost are accepted
    status, _ = _get(f"{base}/?token={token}", host="evil.example.com")
    assert status == 403, status
    status, _ = _get(f"{base}/api/kernels/x?token={token}", host=f"attacker.test:{base.rsplit(':', 1)[1]}")
    assert status == 403, status
    # with the token the page renders and runs the notebook in a kernel of its own
    status, page = _get(f"{base}/?token={token}")
    assert status == 200 and "tiny dashboard" in page, status
    first = _kernel_id(page)
    status, page = _get(f"{base}/?token={token}", host=f"localhost:{base.rsplit(':', 1)[1]}")
    assert status == 200, status
    second = _kernel_id(page)
    assert first != second and _kernel_alive(base, token, first) and _kernel_alive(base, token, second)
    # the kernel API needs the token too
    status, _ = _get(f"{base}/api/kernels/{first}")
    assert status == 403, status
    # the cap: a third page while two kernels run is refused with 503, and starts no kernel
    status, page = _get(f"{base}/?token={token}")
    assert status == 503 and "full" in page, status
    assert "Refusing a new kernel: 2 running, the cap is 2" in log_path.read_text()
    # idle kernels are culled after the timeout, a kernel whose page is still connected (a websocket open on its
    # channels, as an open dashboard tab holds) as well as one nobody is connected to
    stop, opened = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_websocket, daemon=True, args=(
        f"ws://127.0.0.1:{base.rsplit(':', 1)[1]}/api/kernels/{first}/channels?token={token}", stop, opened))
    holder.start()
    try:
        assert opened.wait(60), "the websocket to the first kernel did not open"
        _, model = _get(f"{base}/api/kernels/{first}?token={token}")
        assert json.loads(model)["connections"] == 1, model
        t0 = time.monotonic()
        while _kernel_alive(base, token, first) or _kernel_alive(base, token, second):
            assert time.monotonic() - t0 < IDLE + 60, "an idle kernel was not culled"
            time.sleep(0.5)
        waited = time.monotonic() - t0
    finally:
        stop.set()
        holder.join(30)
    assert re.search(rf"Culling 'idle' kernel 'python3' \({first}\) with 1 connections", log_path.read_text())
    assert log_path.read_text().count("Culling 'idle' kernel") >= 2
    print(f"idle kernels culled {waited:.1f} s after the cap check (timeout {IDLE} s)")
    # a slot is free again: a page loads
    status, page = _get(f"{base}/?token={token}")
    assert status == 200 and "tiny dashboard" in page, status


def test_open_mode_is_explicit(tmp_path):
    """--open (make dashboard OPEN=1): no token, and it says so before serving; the Host check stays."""
    with serve(tmp_path, "--open") as (base, token, log_path):
        assert token == "" and "OPEN mode, no token" in log_path.read_text()
        status, page = _get(f"{base}/")
        assert status == 200 and "tiny dashboard" in page, status
        status, _ = _get(f"{base}/", host="evil.example.com")
        assert status == 403, status
