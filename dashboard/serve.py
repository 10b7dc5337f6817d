"""`make dashboard`: the live lab alone (Voilà), safe to share: a token, idle kernels culled, a cap on kernels, the
Host header checked.

    python dashboard/serve.py [--open] [voila options ...] [notebook]      (default: dashboard/live_lab.ipynb)

What it sets (each can be overridden by an option on the command line, e.g. `--port=9000`):
- 127.0.0.1:8866, no browser opened;
- a token: a random one unless `--token=...` is given; the URL printed at start includes it
  (http://127.0.0.1:8866/?token=...). A page or kernel request without it is refused. `--open` serves without a
  token: anyone who can reach the port can open the dashboard and start a kernel (each ~110 MB). Use it only on
  a machine nobody else can reach;
- the Host header checked, as JupyterLab does (jupyter_server's allow_remote_access=False): a request whose Host
  is neither a loopback address nor one of `--Dashboard.local_hostnames` (default: localhost; repeat the option
  for more names) is refused with 403. This stops a web page from reaching the server through DNS rebinding.
  To serve other machines: `--Voila.ip=0.0.0.0` and this host's name in local_hostnames (keep the token; for a
  class, prefer the hub);
- idle kernels culled: every page load starts a kernel; a kernel with no activity (no training, no control
  moved) for 15 minutes is shut down, even while its page is still open (`cull_connected`): reload the page to
  start again (`--MappingKernelManager.cull_idle_timeout=SECONDS`, checked every `cull_interval` = 60 s);
- at most 8 kernels at once (`--CappedKernelManager.max_kernels=N`): one more page load gets "503 The dashboard
  is full (8 pages open); try again later", until the culler frees a slot.
  jupyter_server and Voilà have no such limit (Voilà's preheat pool sizes a pool, it does not cap), so this
  module adds the smallest one: a kernel manager that refuses to start a kernel beyond the cap.
"""

from __future__ import annotations

import sys
from pathlib import Path

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from tornado import web
from traitlets import Bool, Integer, List, Unicode
from voila.app import Voila

HERE = Path(__file__).resolve().parent


def defaults(open_mode: bool):
    """The settings above as a traitlets Config; options on the command line override them."""
    from traitlets.config import Config

    c = Config()
    c.Voila.ip, c.Voila.port, c.Voila.open_browser = "127.0.0.1", 8866, False
    c.Voila.auto_token = not open_mode  # a random token, printed in the URL (an explicit --token=... wins)
    c.MappingKernelManager.cull_idle_timeout, c.MappingKernelManager.cull_interval = 900, 60
    c.MappingKernelManager.cull_connected = True
    c.CappedKernelManager.max_kernels = 8
    c.VoilaConfiguration.multi_kernel_manager_class = CappedKernelManager
    return c


class CappedKernelManager(AsyncMappingKernelManager):
    """A MappingKernelManager that starts no kernel beyond `max_kernels` running (or starting) ones."""

    max_kernels = Integer(8, config=True, help="Most kernels running at once; 0 means no limit.")
    _starting = 0

    async def start_kernel(self, *args, **kwargs):
        if kwargs.get("kernel_id") is not None or not self.max_kernels:
            return await super().start_kernel(*args, **kwargs)
        if len(self.list_kernel_ids()) + self._starting >= self.max_kernels:
            self.log.warning("Refusing a new kernel: %d running, the cap is %d", len(self.list_kernel_ids()),
                             self.max_kernels)
            raise web.HTTPError(503, f"kernel cap {self.max_kernels} reached",
                                reason=f"The dashboard is full ({self.max_kernels} pages open); try again later")
        self._starting += 1
        try:
            return await super().start_kernel(*args, **kwargs)
        finally:
            self._starting -= 1


class Dashboard(Voila):
    """Voilà with jupyter_server's Host check (standalone Voilà switches it off) and a capped kernel manager."""

    name = "dashboard"
    allow_remote_access = Bool(False, config=True,
                               help="Accept any Host header (off: only loopback addresses and local_hostnames).")
    local_hostnames = List(Unicode(), ["localhost"], config=True,
                           help="Host names accepted in the Host header when allow_remote_access is off.")
    classes = [*Voila.classes, CappedKernelManager]

    def init_settings(self):
        """Voilà's tornado settings, with the Host check put back."""
        settings = super().init_settings()
        settings["allow_remote_access"] = self.allow_remote_access
        settings["local_hostnames"] = list(self.local_hostnames)
        return settings


def main(argv=None) -> None:
    """Serve the dashboard with the settings above; `--open` drops the token."""
    args = list(sys.argv[1:] if argv is None else argv)
    if {"-h", "--help"} & set(args):
        print(__doc__)
        return
    open_mode = "--open" in args
    args = [a for a in args if a != "--open"]
    if open_mode:
        print("dashboard: OPEN mode, no token: anyone who can reach this port can open the dashboard and start "
              "kernels; use it only on a machine nobody else can reach.", file=sys.stderr)
    notebook = [] if any(a.endswith(".ipynb") for a in args) else [str(HERE / "live_lab.ipynb")]
    Dashboard.launch_instance(argv=[*args, *notebook], config=defaults(open_mode))

if __name__ == "__main__":
    main()
