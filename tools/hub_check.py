"""`make hub-check`: start the class hub (hub/jupyterhub_config.py) with test logins and serve 8 learners at once.

Runs as root in the hub's venv (.venv-hub), against a real JupyterHub and configurable-http-proxy:

1. sign-up and login over HTTP with NativeAuthenticator: the admin and one learner sign up, the learner cannot
   log in before the admin approves them at /hub/authorize/NAME, and can after;
2. 8 learners (the signed-up one and 7 made through the REST API with the check's admin service token) start
   their servers at once; each server writes the learner copies (student/) in the learner's home;
3. each learner, in parallel and through the proxy: every code cell of notebook 07 over the kernel websocket (a
   kernel started on student/07_...), then the lab's headless session (`course_lib.lab.session.Session`, 3000
   training steps, as notebook 08's lab would) in a second kernel (student/08_...);
4. meanwhile every learner's processes (read from the learner's cgroup) are sampled with psutil: PSS memory and
   CPU seconds per learner; the cgroup's own CPU counter (cpuacct) is read at the end;
5. every kernel's connection file must say transport "ipc"; then bursts of kernels started at once (2 per
   learner, 16 together, 2 rounds) must all answer;
6. limits: every learner process is inside its cgroup with the configured memory and CPU limits; a kernel that
   allocates 1.5 × the memory limit is killed by the OOM killer while its server lives on; two busy processes of
   one learner get at most the CPU limit.

Prints a table and ends with "N learners served, M failures" (exit 1 if M > 0 or N < 8). Everything it made is
torn down: servers, hub, proxy, the test OS accounts (userdel -r), their cgroups and runtime folders.
"""

from __future__ import annotations

import argparse
import json
import os
import pwd
import re
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psutil
import requests
import websocket

ROOT = Path(__file__).resolve().parent.parent
HUB = ROOT / "hub"
sys.path.insert(0, str(HUB))
from classspawner import CGROUP_FS, CONTROLLERS, empty_and_remove  # noqa: E402

PREFIX = "hc-"  # test learners hc-1 … hc-N, OS accounts jupyter-hc-1 …
ADMIN = "hc-admin"
OS_PREFIX = "jupyter-"
NB07 = "07_fitting_sin_and_sinc.ipynb"
NB08 = "08_live_training_lab.ipynb"
LAB_STEPS = 3000
LAB_CODE = f"""\
import math, time
from course_lib.lab.config import DEFAULT_CONFIG
from course_lib.lab.session import Session
s = Session(dict(DEFAULT_CONFIG))
t0 = time.perf_counter()
r = s.train({LAB_STEPS})
print(f"lab: {{s.step_count}} steps in {{time.perf_counter() - t0:.1f}} s, val loss {{s.val_loss:.4f}}")
assert not s.diverged and math.isfinite(s.val_loss)
"""


def free_port() -> int:
    """A TCP port free right now on 127.0.0.1 (for the hub's own three listeners)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cgroup(controller: str, os_user: str) -> Path:
    """A learner's cgroup folder (hub/classspawner.py's layout)."""
    return Path(CGROUP_FS) / controller / "jupyterhub" / os_user


def cgroup_pids(os_user: str) -> list[int]:
    """Every process in a learner's memory cgroup: the server, its kernels, anything they started."""
    try:
        return [int(p) for p in (cgroup("memory", os_user) / "cgroup.procs").read_text().split()]
    except OSError:
        return []


# ---------------------------------------------------------------------------------------------------------------
# the hub and its HTTP/websocket clients


class Hub:
    """A JupyterHub started from hub/jupyterhub_config.py with a private state folder and free ports."""

    def __init__(self, state: Path, token: str, learners: int):
        self.state, self.token = state, token
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = dict(
            os.environ,
            HUB_STATE_DIR=str(state),
            HUB_BIND_URL=self.url,
            HUB_API_PORT=str(free_port()),
            HUB_PROXY_API_PORT=str(free_port()),
            HUB_CHECK_TOKEN=token,
            HUB_ADMIN=ADMIN,
            OPENBLAS_NUM_THREADS="1",
        )
        self.log = state / "hub.log"
        self.proc = None

    def start(self):
        """Start the hub and wait until its API answers through the proxy."""
        with open(self.log, "w") as log:
            self.proc = subprocess.Popen(
                [str(Path(sys.executable).parent / "jupyterhub"), "-f", str(HUB / "jupyterhub_config.py")],
                env=self.env, cwd=self.state, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        for _ in range(120):
            if self.proc.poll() is not None:
                raise RuntimeError(f"the hub exited ({self.proc.returncode}); see {self.log}")
            try:
                if requests.get(self.url + "/hub/api/", timeout=2).ok:
                    return
            except requests.RequestException:
                pass
            time.sleep(0.5)
        raise RuntimeError("the hub did not answer within 60 s")

    def api(self, method: str, path: str, **kw):
        """A call to the hub's REST API with the check's service token."""
        r = requests.request(method, f"{self.url}/hub/api{path}", timeout=60,
                             headers={"Authorization": f"token {self.token}"}, **kw)
        return r

    def user_api(self, name: str, method: str, path: str, **kw):
        """A call to a learner's server (jupyter_server REST API) through the proxy."""
        return requests.request(method, f"{self.url}/user/{name}/api{path}", timeout=120,
                                headers={"Authorization": f"token {self.token}"}, **kw)

    def stop(self):
        """SIGTERM the hub (it stops the servers still running, cleanup_servers); then kill whatever of its
        processes (proxy, culler) is left after 30 s."""
        if self.proc is None or self.proc.poll() is not None:
            return
        procs = self.processes()
        self.proc.send_signal(signal.SIGTERM)
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            print("teardown: the hub did not exit 30 s after SIGTERM; killing it")
        for p in procs:
            try:
                p.kill()
            except psutil.Error:
                pass
        self.proc.wait(10)

    def processes(self) -> list[psutil.Process]:
        """The hub and its root-owned children: the proxy and the culler (not the learners' servers)."""
        try:
            hub = psutil.Process(self.proc.pid)
            return [hub] + [p for p in hub.children(recursive=True) if p.uids().real == 0]
        except psutil.Error:
            return []


class Kernel:
    """A kernel of a learner's server, driven over its websocket through the proxy."""

    def __init__(self, hub: Hub, name: str, path: str | None):
        self.hub, self.name = hub, name
        if path:  # a notebook session: the kernel starts in the notebook's folder
            r = hub.user_api(name, "POST", "/sessions",
                             json={"path": path, "type": "notebook", "name": Path(path).name,
                                   "kernel": {"name": "python3"}})
            r.raise_for_status()
            self.id = r.json()["kernel"]["id"]
        else:
            r = hub.user_api(name, "POST", "/kernels", json={"name": "python3"})
            r.raise_for_status()
            self.id = r.json()["id"]
        self.session = uuid.uuid4().hex
        ws_url = hub.url.replace("http://", "ws://") + f"/user/{name}/api/kernels/{self.id}/channels"
        self.ws = websocket.create_connection(f"{ws_url}?session_id={self.session}", timeout=600,
                                              header=[f"Authorization: token {hub.token}"])

    def execute(self, code: str, timeout: float = 600) -> tuple[bool, str, str]:
        """Run one cell; (ok, stdout text, error text). A kernel that dies or restarts is an error."""
        msg_id = uuid.uuid4().hex
        self.ws.send(json.dumps({
            "header": {"msg_id": msg_id, "username": self.name, "session": self.session,
                       "msg_type": "execute_request", "version": "5.3"},
            "parent_header": {}, "metadata": {}, "channel": "shell", "buffers": [],
            "content": {"code": code, "silent": False, "store_history": True, "user_expressions": {},
                        "allow_stdin": False, "stop_on_error": True},
        }))
        out, err, end = [], "", time.monotonic() + timeout
        reply, idle = None, False  # output on iopub may arrive after the reply on shell: wait for both
        self.ws.settimeout(timeout)
        while time.monotonic() < end:
            msg = json.loads(self.ws.recv())
            kind = msg.get("msg_type")
            if kind == "status" and msg["content"].get("execution_state") in ("restarting", "dead"):
                return False, "".join(out), f"kernel {msg['content']['execution_state']}"
            if msg.get("parent_header", {}).get("msg_id") != msg_id:
                continue
            if kind == "stream":
                out.append(msg["content"].get("text", ""))
            elif kind == "error":
                err = f"{msg['content'].get('ename')}: {msg['content'].get('evalue')}"
            elif kind == "status" and msg["content"].get("execution_state") == "idle":
                idle = True
            elif kind == "execute_reply" and msg.get("channel") == "shell":
                reply = msg["content"].get("status")
            if reply is not None and idle:
                ok = reply == "ok"
                return ok, "".join(out), err or ("" if ok else reply)
        return False, "".join(out), "timeout"

    def close(self, delete: bool = True):
        """Close the websocket (and shut the kernel down)."""
        try:
            self.ws.close()
        finally:
            if delete:
                self.hub.user_api(self.name, "DELETE", f"/kernels/{self.id}")


# ---------------------------------------------------------------------------------------------------------------
# sign-up and login over HTTP (NativeAuthenticator)


def form(session: requests.Session, url: str, path: str, data: dict) -> requests.Response:
    """POST a hub form the way a browser does: fetch the page for its _xsrf cookie, send it back."""
    session.get(url + path, timeout=30)
    xsrf = session.cookies.get("_xsrf", "")
    return session.post(url + path, data=dict(data, _xsrf=xsrf), timeout=30, allow_redirects=False)


def sign_up_and_login(hub: Hub, learner: str, problems: list[str]) -> None:
    """The admin and `learner` sign up; the learner is refused until approved; the admin approves over HTTP."""
    pw_admin, pw_learner = secrets.token_urlsafe(12), secrets.token_urlsafe(12)
    admin, user = requests.Session(), requests.Session()
    for who, s, pw in ((ADMIN, admin, pw_admin), (learner, user, pw_learner)):
        r = form(s, hub.url, "/hub/signup",
                 {"username": who, "signup_password": pw, "signup_password_confirmation": pw})
        if r.status_code != 200 or not re.search(r'class="alert alert-(success|info)"', r.text):
            problems.append(f"sign-up of {who} failed (HTTP {r.status_code})")

    def login(s, who, pw) -> bool:
        r = form(s, hub.url, "/hub/login", {"username": who, "password": pw})
        return r.status_code == 302 and any(c.name.startswith("jupyterhub-hub-login") for c in s.cookies)

    if login(user, learner, pw_learner):
        problems.append(f"{learner} logged in before the admin approved the account")
    if not login(admin, ADMIN, pw_admin):
        problems.append("the admin could not log in")
    r = admin.get(f"{hub.url}/hub/authorize/{learner}", timeout=30, allow_redirects=False)
    if r.status_code != 302:
        problems.append(f"approving {learner} at /hub/authorize failed (HTTP {r.status_code})")
    user.cookies.clear()
    if not login(user, learner, pw_learner):
        problems.append(f"{learner} could not log in after approval")
    else:
        home = user.get(f"{hub.url}/hub/home", timeout=30)
        if home.status_code != 200 or learner not in home.text:
            problems.append(f"{learner}'s /hub/home after login: HTTP {home.status_code}")
    print(f"sign-up/login over HTTP: {ADMIN} and {learner} signed up; {learner} refused before approval, "
          f"logged in after: {'ok' if not problems else 'FAILED'}")


# ---------------------------------------------------------------------------------------------------------------
# measuring


class Sampler(threading.Thread):
    """Every `every` s: PSS per learner (sum over the learner's cgroup) and CPU seconds per process."""

    def __init__(self, os_users: list[str], hub: Hub, every: float = 1.0):
        super().__init__(daemon=True)
        self.os_users, self.hub, self.every = os_users, hub, every
        self.peak_pss = dict.fromkeys(os_users, 0)
        self.cpu = {u: {} for u in os_users}  # pid -> last seen user+system seconds
        self.hub_pss = 0
        self.stop_event = threading.Event()

    def sample(self):
        """One sample of every learner and of the hub's own processes."""
        for u in self.os_users:
            total = 0
            for pid in cgroup_pids(u):
                try:
                    p = psutil.Process(pid)
                    total += p.memory_full_info().pss
                    t = p.cpu_times()
                    self.cpu[u][pid] = t.user + t.system
                except psutil.Error:
                    pass
            self.peak_pss[u] = max(self.peak_pss[u], total)
        hub_total = 0
        for p in self.hub.processes():
            try:
                hub_total += p.memory_full_info().pss
            except psutil.Error:
                pass
        self.hub_pss = max(self.hub_pss, hub_total)

    def run(self):
        """Sample until stopped."""
        while not self.stop_event.is_set():
            self.sample()
            self.stop_event.wait(self.every)

    def cpu_seconds(self, os_user: str) -> float:
        """CPU seconds of the learner's processes seen by the sampler (server, kernels)."""
        return sum(self.cpu[os_user].values())


def cpuacct_seconds(os_user: str) -> float:
    """CPU seconds the learner's cgroup used since its server started (includes processes that ended)."""
    try:
        return int((cgroup("cpuacct", os_user) / "cpuacct.usage").read_text()) / 1e9
    except OSError:
        return float("nan")


# ---------------------------------------------------------------------------------------------------------------
# one learner's work


def code_cells(notebook: Path) -> list[str]:
    """The code cells of a course notebook (the full notebook, solutions in: every cell must run)."""
    nb = json.loads(notebook.read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code" and "".join(c["source"]).strip()]


def connection_transport(os_user: str, kernel_id: str) -> str:
    """The transport written in a kernel's connection file (in the learner's runtime folder)."""
    uid = pwd.getpwnam(os_user).pw_uid
    f = Path("/run/jupyterhub-kernels") / str(uid) / f"kernel-{kernel_id}.json"
    try:
        return json.loads(f.read_text()).get("transport", "?")
    except OSError:
        return "missing"


def learner_work(hub: Hub, name: str, cells: list[str]) -> dict:
    """Notebook 07 (every code cell) then the lab session, in two kernels of the learner's own server."""
    res = dict(name=name, cells=0, errors=0, lab="", transport=[], problems=[])
    t0 = time.monotonic()
    try:
        k = Kernel(hub, name, f"student/{NB07}")
        res["transport"].append(connection_transport(OS_PREFIX + name, k.id))
        for i, code in enumerate(cells):
            ok, _, err = k.execute(code)
            res["cells"] += 1
            if not ok:
                res["errors"] += 1
                res["problems"].append(f"07 cell {i + 1}: {err}")
                if err.startswith("kernel") or err == "timeout":
                    break
        k.ws.close()  # the notebook stays open (its kernel lives on), as a learner's would
        lab = Kernel(hub, name, f"student/{NB08}")
        res["transport"].append(connection_transport(OS_PREFIX + name, lab.id))
        ok, out, err = lab.execute(LAB_CODE)
        res["lab"] = out.strip().splitlines()[-1] if out.strip() else ""
        if not ok:
            res["problems"].append(f"lab session: {err}")
        lab.ws.close()
    except Exception as exc:  # noqa: BLE001 -- any failure of one learner is reported, the others go on
        res["problems"].append(f"{type(exc).__name__}: {exc}")
    res["wall"] = time.monotonic() - t0
    if any(t != "ipc" for t in res["transport"]):
        res["problems"].append(f"kernel transport {res['transport']}, not ipc")
    return res


def burst(hub: Hub, names: list[str], per_learner: int) -> tuple[int, list[str]]:
    """Start per_learner kernels on every learner's server at once; each must run a cell; then shut them."""
    problems, started = [], 0

    def one(name):
        k = Kernel(hub, name, None)
        try:
            ok, out, err = k.execute("import os; print(os.getpid())", timeout=180)
            transport = connection_transport(OS_PREFIX + name, k.id)
            good = ok and out.strip().isdigit() and transport == "ipc"
            return good, f"{name}: ok={ok} output={out.strip()!r} error={err!r} transport={transport}"
        finally:
            k.close()

    jobs = [n for n in names for _ in range(per_learner)]
    with ThreadPoolExecutor(len(jobs)) as pool:
        for fut in [pool.submit(one, n) for n in jobs]:
            try:
                ok, why = fut.result()
                started += 1
                if not ok:
                    problems.append(f"burst kernel failed: {why}")
            except Exception as exc:  # noqa: BLE001
                problems.append(f"burst kernel failed: {type(exc).__name__}: {exc}")
    return started, problems


# ---------------------------------------------------------------------------------------------------------------
# limits


def check_limits(hub: Hub, names: list[str], mem_limit: int, cpu_limit: float) -> list[str]:
    """Every learner process in its cgroup with the limits; an over-limit kernel OOM-killed; CPU capped."""
    problems = []
    for name in names:
        u = OS_PREFIX + name
        lim = int((cgroup("memory", u) / "memory.limit_in_bytes").read_text())
        quota = int((cgroup("cpu", u) / "cpu.cfs_quota_us").read_text())
        period = int((cgroup("cpu", u) / "cpu.cfs_period_us").read_text())
        if lim != mem_limit or abs(quota / period - cpu_limit) > 1e-6:
            problems.append(f"{u}: cgroup limits {lim} B, {quota}/{period} (expected {mem_limit}, {cpu_limit})")
        pids = set(cgroup_pids(u))
        owned = {p.pid for p in psutil.process_iter(["username"]) if p.info["username"] == u}
        if not pids or owned - pids:
            problems.append(f"{u}: processes outside its cgroup: {sorted(owned - pids)}")
    # memory: one kernel asks for 1.5 × the limit
    name, u = names[0], OS_PREFIX + names[0]
    fail0 = int((cgroup("memory", u) / "memory.failcnt").read_text())
    k = Kernel(hub, name, None)
    ok, out, _ = k.execute("import os; print(os.getpid())")
    pid = int(out.strip()) if ok and out.strip().isdigit() else -1
    alloc = int(1.5 * mem_limit)
    ok, _, err = k.execute(f"import numpy as np\nx = np.ones({alloc} // 8)\nprint('allocated')", timeout=120)
    time.sleep(2)
    fail1 = int((cgroup("memory", u) / "memory.failcnt").read_text())
    killed = pid > 0 and not psutil.pid_exists(pid)
    alive = hub.user_api(name, "GET", "/status").status_code == 200
    print(f"memory limit: a kernel of {u} asked for {alloc / 2**30:.2f} GiB (limit {mem_limit / 2**30:.2f} GiB): "
          f"{'killed by the OOM killer' if killed else 'NOT killed'} ({err or 'finished'}); memory.failcnt "
          f"{fail0} -> {fail1}; the learner's server {'still answers' if alive else 'is DOWN'}")
    if ok or not killed or fail1 <= fail0 or not alive:
        problems.append("memory limit not enforced as expected")
    try:
        k.close()
    except Exception:  # noqa: BLE001 -- the kernel was killed; its restart may still be in progress
        pass
    # CPU: two busy processes for 4 s in one learner's cgroup
    name = names[1] if len(names) > 1 else names[0]
    u = OS_PREFIX + name
    stat0 = dict(line.split() for line in (cgroup("cpu", u) / "cpu.stat").read_text().splitlines())
    k = Kernel(hub, name, None)
    code = ("import subprocess, sys, time, resource\n"
            "busy = 'import time\\nt = time.time()\\nwhile time.time() - t < 4: pass'\n"
            "t0 = time.time()\n"
            "ps = [subprocess.Popen([sys.executable, '-c', busy]) for _ in range(2)]\n"
            "[p.wait() for p in ps]\n"
            "wall = time.time() - t0\n"
            "r = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
            "print(f'{r.ru_utime + r.ru_stime:.2f} {wall:.2f}')\n")
    ok, out, err = k.execute(code, timeout=120)
    k.close()
    stat1 = dict(line.split() for line in (cgroup("cpu", u) / "cpu.stat").read_text().splitlines())
    throttled = int(stat1["nr_throttled"]) - int(stat0["nr_throttled"])
    if ok:
        cpu_s, wall = map(float, out.split())
        print(f"CPU limit: 2 busy processes of {u} for {wall:.1f} s used {cpu_s:.2f} CPU-s = {cpu_s / wall:.2f} "
              f"cores (limit {cpu_limit:g}); throttled in {throttled} periods of 100 ms")
        if cpu_s / wall > cpu_limit * 1.1:
            problems.append(f"CPU limit not enforced: {cpu_s / wall:.2f} cores > {cpu_limit:g}")
    else:
        problems.append(f"CPU limit test did not run: {err}")
    return problems


# ---------------------------------------------------------------------------------------------------------------
# tear-down


def teardown(hub: Hub | None, names: list[str], state: Path) -> None:
    """Stop servers and hub, kill what is left in the test learners' cgroups, remove accounts, groups, folders."""
    if hub is not None and hub.proc is not None and hub.proc.poll() is None:
        for n in names:
            try:
                hub.api("DELETE", f"/users/{n}/server")
            except requests.RequestException:
                pass
        hub.stop()
    for n in names:
        u = OS_PREFIX + n
        for c in CONTROLLERS:
            problem = empty_and_remove(str(cgroup(c, u)))
            if problem:
                print(f"teardown: {problem}")
        try:
            entry = pwd.getpwnam(u)
        except KeyError:
            continue
        if entry.pw_gecos != "JupyterHub learner":  # not made by hub/classspawner.py: not ours to remove
            continue
        uid = entry.pw_uid
        for p in psutil.process_iter(["uids"]):
            if p.info["uids"] and p.info["uids"].real == uid:
                try:
                    p.kill()
                except psutil.Error:
                    pass
        shutil.rmtree(f"/run/jupyterhub-kernels/{uid}", ignore_errors=True)
        subprocess.run(["userdel", "--remove", u], stderr=subprocess.DEVNULL, check=False)
    shutil.rmtree(state, ignore_errors=True)


# ---------------------------------------------------------------------------------------------------------------


def parse_bytes(text: str) -> int:
    """'1G' -> 1073741824 (JupyterHub's ByteSpecification units)."""
    m = re.fullmatch(r"\s*([\d.]+)\s*([KMGT]?)\s*", text)
    if not m:
        raise ValueError(text)
    return int(float(m.group(1)) * 1024 ** "_KMGT".index(m.group(2) or "_"))


def main(argv=None) -> int:
    """Run the check; print the table and the last line; 0 when every learner was served without failure."""
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--learners", type=int, default=8)
    ap.add_argument("--burst-rounds", type=int, default=2)
    ap.add_argument("--keep", action="store_true", help="leave everything running (debugging)")
    args = ap.parse_args(argv)
    if os.geteuid() != 0:
        print("hub-check runs as root: it creates one OS account and one cgroup per test learner")
        return 2
    mem_limit = parse_bytes(os.environ.get("HUB_MEM_LIMIT", "1G"))
    cpu_limit = float(os.environ.get("HUB_CPU_LIMIT", "1"))
    names = [f"{PREFIX}{i}" for i in range(1, args.learners + 1)]
    os_users = [OS_PREFIX + n for n in names]
    (ROOT / "build").mkdir(exist_ok=True)
    state = Path(tempfile.mkdtemp(prefix="hub-check-", dir=ROOT / "build")).resolve()
    teardown(None, names, Path(tempfile.mkdtemp()))  # leftovers of an interrupted run (only the test accounts)
    for u in os_users:
        try:
            pwd.getpwnam(u)
            print(f"hub-check: the account {u} exists and was not made by the hub; giving up")
            return 2
        except KeyError:
            pass
    hub = Hub(state, secrets.token_hex(32), args.learners)
    problems: list[str] = []
    results: list[dict] = []
    sampler = None
    t_start = time.monotonic()

    def on_signal(signum, frame):
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        hub.start()
        print(f"hub at {hub.url} (JupyterHub + configurable-http-proxy), state in {state.relative_to(ROOT)}")
        sign_up_and_login(hub, names[0], problems)
        existing = {u["name"] for u in hub.api("GET", "/users").json()}
        missing = [n for n in names if n not in existing]  # hc-1 exists if its login above worked
        hub.api("POST", "/users", json={"usernames": missing}).raise_for_status()
        # all servers at once
        t0 = time.monotonic()
        with ThreadPoolExecutor(len(names)) as pool:
            codes = list(pool.map(lambda n: hub.api("POST", f"/users/{n}/server").status_code, names))
        bad = {n: c for n, c in zip(names, codes) if c not in (201, 202)}
        ready = set()
        while len(ready) < len(names) - len(bad) and time.monotonic() - t0 < 300:
            for n in names:
                if n not in ready and n not in bad:
                    info = hub.api("GET", f"/users/{n}").json()
                    if info.get("servers", {}).get("", {}).get("ready"):
                        ready.add(n)
            time.sleep(1)
        t_spawn = time.monotonic() - t0
        for n in names:
            if n not in ready:
                problems.append(f"{n}: server not ready after {t_spawn:.0f} s (HTTP {bad.get(n, 'pending')})")
        copies = {n: len(list((Path(pwd.getpwnam(OS_PREFIX + n).pw_dir) / "student").glob("*.ipynb")))
                  for n in ready}
        n_course = len(list((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb")))
        print(f"{len(ready)} servers ready in {t_spawn:.1f} s; learner copies in each home's student/: "
              f"{sorted(set(copies.values()))} of {n_course} notebooks")
        for n, k in copies.items():
            if k != n_course:
                problems.append(f"{n}: {k} learner copies, expected {n_course}")
        # the load
        sampler = Sampler(os_users, hub)
        sampler.start()
        cells = code_cells(ROOT / "notebooks" / NB07)
        t0 = time.monotonic()
        with ThreadPoolExecutor(len(ready)) as pool:
            results = list(pool.map(lambda n: learner_work(hub, n, cells), sorted(ready)))
        t_load = time.monotonic() - t0
        sampler.sample()
        sampler.stop_event.set()
        # kernels started together
        burst_started, burst_problems = 0, []
        for _ in range(args.burst_rounds):
            s, p = burst(hub, sorted(ready), 2)
            burst_started += s
            burst_problems += p
        print(f"kernel bursts: {args.burst_rounds} rounds of {2 * len(ready)} kernels started at once: "
              f"{burst_started - len(burst_problems)} of {burst_started} answered, transport ipc")
        problems += burst_problems
        problems += check_limits(hub, sorted(ready), mem_limit, cpu_limit)
        culler = [p for p in hub.processes() if "jupyterhub_idle_culler" in " ".join(p.cmdline())]
        polled = re.findall(r" 200 GET /hub/api/users\S* \(idle-culler@", hub.log.read_text())
        print(f"idle culler: {'running' if culler else 'NOT running'} as a hub service; {len(polled)} of its "
              f"API calls answered 200")
        if not culler or not polled:
            problems.append("the idle culler is not running or not authorised")
        # the table
        print(f"\nnotebook 07 ({len(cells)} code cells) and the lab session ({LAB_STEPS} steps) for "
              f"{len(results)} learners at once: {t_load:.0f} s wall")
        head = f"{'learner':<8} {'07 cells':>9} {'errors':>6} {'wall s':>7} {'CPU s':>6} {'cgroup CPU s':>12} " \
               f"{'peak PSS MB':>11}  lab"
        print(head)
        print("-" * len(head))
        for r in results:
            u = OS_PREFIX + r["name"]
            r["cpu"], r["cg_cpu"], r["pss"] = sampler.cpu_seconds(u), cpuacct_seconds(u), sampler.peak_pss[u] / 2**20
            print(f"{r['name']:<8} {r['cells']:>9} {r['errors']:>6} {r['wall']:>7.0f} {r['cpu']:>6.1f} "
                  f"{r['cg_cpu']:>12.1f} {r['pss']:>11.0f}  {r['lab']}")
            problems += [f"{r['name']}: {p}" for p in r["problems"]]
        if results:
            pss = [r["pss"] for r in results]
            cpu = [r["cg_cpu"] for r in results]
            print(f"per learner (2 kernels open): peak PSS median {statistics.median(pss):.0f} MB, max {max(pss):.0f} "
                  f"MB; CPU (cgroup: learner copies, server, both kernels) median {statistics.median(cpu):.1f} s, "
                  f"max {max(cpu):.1f} s; hub + proxy + culler {sampler.hub_pss / 2**20:.0f} MB PSS")
    except KeyboardInterrupt:
        problems.append("interrupted")
    except Exception as exc:  # noqa: BLE001 -- report, tear down, fail
        problems.append(f"{type(exc).__name__}: {exc}")
    finally:
        if sampler is not None:
            sampler.stop_event.set()
        if args.keep:
            print(f"--keep: hub left running at {hub.url}, state {state}")
        else:
            teardown(hub, names, state)
    served = sum(1 for r in results if not r["problems"])
    for p in problems:
        print(f"FAILURE: {p}")
    print(f"(hub-check took {time.monotonic() - t_start:.0f} s)")
    print(f"{served} learners served, {len(problems)} failures")
    return 0 if served >= 8 and not problems else 1


if __name__ == "__main__":
    raise SystemExit(main())
