# JupyterHub for a class on one host: `make hub` (as root) runs `jupyterhub -f hub/jupyterhub_config.py`.
# See hub/README.md. Every setting a class may want to change is an environment variable (defaults in brackets):
#   HUB_BIND_URL [http://127.0.0.1:8000]  where learners connect (put a TLS reverse proxy in front for a class)
#   HUB_STATE_DIR [build/hub]             database, cookie secret, logs
#   HUB_ADMIN [instructor]                the admin account (signs up at /hub/signup, approves learners)
#   HUB_MEM_LIMIT [1G], HUB_CPU_LIMIT [1] per learner: server + kernels + anything they start
#   HUB_CULL_TIMEOUT [3600], HUB_CULL_EVERY [300]  stop servers idle this many seconds, checked this often
#   HUB_API_PORT [8081], HUB_PROXY_API_PORT [8001]
#   HUB_CHECK_TOKEN                       (tools/hub_check.py only) token of an admin service `hub-check`
# `c` is JupyterHub's config object, given to this file by JupyterHub.
import os
import sys
from pathlib import Path

HUB_DIR = Path(__file__).resolve().parent
ROOT = HUB_DIR.parent
sys.path.insert(0, str(HUB_DIR))
env = os.environ.get

STATE = Path(env("HUB_STATE_DIR", str(ROOT / "build" / "hub"))).resolve()
STATE.mkdir(parents=True, exist_ok=True)
os.chmod(STATE, 0o700)  # the database holds password hashes, the secret signs cookies

c = get_config()  # noqa: F821 -- provided by JupyterHub when it loads this file

# ---- network: everything on 127.0.0.1 --------------------------------------------------------------------------
c.JupyterHub.bind_url = env("HUB_BIND_URL", "http://127.0.0.1:8000")
c.JupyterHub.hub_ip = "127.0.0.1"
c.JupyterHub.hub_port = int(env("HUB_API_PORT", "8081"))
c.ConfigurableHTTPProxy.api_url = f"http://127.0.0.1:{int(env('HUB_PROXY_API_PORT', '8001'))}"
c.ConfigurableHTTPProxy.command = [str(ROOT / "build/hub-npm/node_modules/.bin/configurable-http-proxy")]
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.JupyterHub.pid_file = str(STATE / "jupyterhub.pid")
c.JupyterHub.cleanup_servers = True  # stopping the hub stops every learner's server

# ---- login without internet: NativeAuthenticator (sign-up, then the admin approves at /hub/authorize) --------
# For a university login, replace these lines by oauthenticator's (see hub/README.md, "University login").
c.JupyterHub.authenticator_class = "nativeauthenticator.NativeAuthenticator"
ADMIN = env("HUB_ADMIN", "instructor")
c.Authenticator.admin_users = {ADMIN}  # NativeAuthenticator approves these names at sign-up
c.Authenticator.allow_all = True  # anyone who can log in may use the hub; NativeAuthenticator only lets
# approved accounts log in, so approval is the allow list
c.NativeAuthenticator.minimum_password_length = 8
c.NativeAuthenticator.check_common_password = True
c.NativeAuthenticator.allowed_failed_logins = 5
c.NativeAuthenticator.seconds_before_next_try = 60

# ---- learners: one OS account each, their own cgroup (limits), kernels on unix sockets --------------------------
MEM_LIMIT = env("HUB_MEM_LIMIT", "1G")
CPU_LIMIT = float(env("HUB_CPU_LIMIT", "1"))
if Path("/run/systemd/system").is_dir():
    # a host with systemd (as The Littlest JupyterHub uses): systemd enforces the limits
    # (`.venv-hub/bin/pip install jupyterhub-systemdspawner`)
    c.JupyterHub.spawner_class = "systemdspawner.SystemdSpawner"
    c.SystemdSpawner.dynamic_users = False
    c.SystemdSpawner.username_template = "jupyter-{USERNAME}"
    c.SystemdSpawner.isolate_tmp = True
    c.SystemdSpawner.isolate_devices = True
else:
    c.JupyterHub.spawner_class = "classspawner.ClassSpawner"  # hub/classspawner.py: useradd + cgroup v1
c.Spawner.mem_limit = MEM_LIMIT
c.Spawner.cpu_limit = CPU_LIMIT
c.Spawner.cmd = [str(HUB_DIR / "start-singleuser.sh")]  # learner copies first, as `make lab` writes them
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/lab/tree/student/00_start_here.ipynb"
# Unix sockets between server and kernel: no TCP port is picked, released and bound later, so kernels started
# together cannot take each other's ports ("ZMQError: Address already in use").
c.Spawner.args = ["--KernelManager.transport=ipc"]
c.Spawner.environment = {
    "COURSE_PYTHON": sys.executable,  # the hub's venv, with the course installed (`pip install -e .`)
    "OPENBLAS_NUM_THREADS": "1",  # as the Makefile exports: the course's matrices are small
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
}
c.Spawner.start_timeout = 180  # a class starting together on a busy host
c.Spawner.http_timeout = 180

# ---- services: idle culling (and hub-check's admin token) ------------------------------------------------------
CULL_TIMEOUT = int(env("HUB_CULL_TIMEOUT", "3600"))
CULL_EVERY = int(env("HUB_CULL_EVERY", "300"))
c.JupyterHub.services = [
    {
        "name": "idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                    f"--timeout={CULL_TIMEOUT}", f"--cull-every={CULL_EVERY}"],
    },
]
c.JupyterHub.load_roles = [
    {
        "name": "idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["idle-culler"],
    },
]
if env("HUB_CHECK_TOKEN"):
    c.JupyterHub.services.append({"name": "hub-check", "api_token": env("HUB_CHECK_TOKEN")})
    c.JupyterHub.load_roles.append({
        "name": "hub-check",
        "scopes": ["admin:users", "admin:servers", "access:servers", "list:users", "read:users"],
        "services": ["hub-check"],
    })
