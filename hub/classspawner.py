"""One OS account and one cgroup per learner, for a JupyterHub on one host without systemd.

`ClassSpawner` is JupyterHub's LocalProcessSpawner with three additions:

- Each hub user `name` runs as the OS account `jupyter-name` (as The Littlest JupyterHub names them), created
  with `useradd` on first start, home mode 0700. A hub name can therefore never select an existing account
  (`root`, the instructor's own login): the prefix keeps learners' accounts apart from everyone else's.
- Each learner's server and everything it starts (kernels, terminals) run in cgroup v1 groups
  `jupyterhub/jupyter-name` of the memory, cpu and cpuacct hierarchies. `Spawner.mem_limit` becomes
  `memory.limit_in_bytes` (the kernel's OOM killer ends the largest process of that learner only) and
  `Spawner.cpu_limit` becomes `cpu.cfs_quota_us` over a 100 ms period. The process enters its groups in the
  child between fork and exec, before it drops root, so nothing it starts can escape them. Stopping the server
  kills whatever is left in the group (a kernel orphaned by a crash) and removes the groups.
- Kernels talk over unix sockets in a short per-learner runtime folder `/run/jupyterhub-kernels/UID`
  (`JUPYTER_RUNTIME_DIR`; a unix socket path must stay under 108 bytes), so that kernels started together
  cannot race for TCP ports (`--KernelManager.transport=ipc` is in the hub's config).

On a host with systemd, use SystemdSpawner instead (jupyterhub_config.py does when it finds systemd): it
enforces the same mem_limit and cpu_limit with systemd's own cgroups.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import signal
import subprocess
import time

from jupyterhub.spawner import LocalProcessSpawner, set_user_setuid
from traitlets import Unicode

CGROUP_FS = "/sys/fs/cgroup"
CONTROLLERS = ("memory", "cpu", "cpuacct")
CFS_PERIOD_US = 100_000
NAME_OK = re.compile(r"^[a-z0-9][a-z0-9._-]{0,22}$")


def cgroup_path(controller: str, group: str) -> str:
    """The folder of `group` in a cgroup v1 hierarchy."""
    return os.path.join(CGROUP_FS, controller, group)


def empty_and_remove(path: str) -> str | None:
    """Kill every process in the cgroup at `path` (up to 5 s), then remove it; None, or what went wrong."""
    if not os.path.isdir(path):
        return None
    for _ in range(50):
        with open(os.path.join(path, "cgroup.procs")) as f:
            pids = [int(p) for p in f.read().split()]
        if not pids:
            break
        for p in pids:
            try:
                os.kill(p, signal.SIGKILL)
            except ProcessLookupError:
                pass
        time.sleep(0.1)
    try:
        os.rmdir(path)
    except OSError as e:
        return f"could not remove cgroup {path}: {e}"
    return None


def cgroups_usable() -> bool:
    """True when this process can create cgroup v1 groups for every controller we use (root, v1 mounted)."""
    return os.geteuid() == 0 and all(os.access(os.path.join(CGROUP_FS, c), os.W_OK) for c in CONTROLLERS)


class ClassSpawner(LocalProcessSpawner):
    """LocalProcessSpawner with prefixed learner accounts, cgroup v1 limits and a per-learner kernel runtime dir."""

    user_prefix = Unicode("jupyter-", config=True, help="OS account name = prefix + hub user name.")
    cgroup_parent = Unicode("jupyterhub", config=True, help="Parent group of every learner's cgroup.")
    runtime_root = Unicode("/run/jupyterhub-kernels", config=True, help="Per-learner JUPYTER_RUNTIME_DIR root.")

    # ---- the learner's OS account ---------------------------------------------------------------------------
    @property
    def system_user(self) -> str:
        """The learner's OS account name."""
        if not NAME_OK.match(self.user.name):
            raise ValueError(f"hub user name {self.user.name!r} cannot name an OS account (a-z 0-9 . _ -)")
        return self.user_prefix + self.user.name

    def ensure_system_user(self) -> pwd.struct_passwd:
        """Create the learner's OS account on first start (home 0700); return its passwd entry."""
        name = self.system_user
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
        self.log.info("Creating OS account %s", name)
        subprocess.run(["useradd", "--create-home", "--shell", "/bin/bash", "--comment", "JupyterHub learner", name],
                       check=True)
        entry = pwd.getpwnam(name)
        os.chmod(entry.pw_dir, 0o700)
        return entry

    def make_preexec_fn(self, name):
        """Enter the learner's cgroups (still root), then drop to the learner's account."""
        setuid = set_user_setuid(self.system_user)
        groups = [cgroup_path(c, self.cgroup_name) for c in CONTROLLERS] if self.limits_enforced else []

        def preexec():
            pid = str(os.getpid())
            for g in groups:
                with open(os.path.join(g, "cgroup.procs"), "w") as f:
                    f.write(pid)
            setuid()

        return preexec

    def user_env(self, env):
        """USER, HOME, SHELL of the learner's OS account, and its kernel runtime folder."""
        entry = pwd.getpwnam(self.system_user)
        env.update(USER=entry.pw_name, HOME=entry.pw_dir, SHELL=entry.pw_shell or "/bin/sh")
        env["JUPYTER_RUNTIME_DIR"] = os.path.join(self.runtime_root, str(entry.pw_uid))
        return env

    async def move_certs(self, paths):
        """Internal SSL is not used by this config; refuse instead of guessing ownership."""
        raise NotImplementedError("ClassSpawner does not support internal_ssl")

    # ---- cgroups -----------------------------------------------------------------------------------------------
    @property
    def cgroup_name(self) -> str:
        """The learner's group, e.g. jupyterhub/jupyter-ada."""
        return f"{self.cgroup_parent}/{self.system_user}"

    @property
    def limits_enforced(self) -> bool:
        """Whether this host lets the hub enforce limits with cgroup v1."""
        return cgroups_usable()

    def make_cgroups(self):
        """Create the learner's groups and write its limits (mem_limit, cpu_limit); warn if it cannot."""
        if not self.limits_enforced:
            self.log.warning("cgroup v1 not writable: mem_limit/cpu_limit NOT enforced for %s", self.user.name)
            return
        for c in CONTROLLERS:
            os.makedirs(cgroup_path(c, self.cgroup_name), exist_ok=True)
        mem = cgroup_path("memory", self.cgroup_name)
        cpu = cgroup_path("cpu", self.cgroup_name)
        if self.mem_limit:
            with open(os.path.join(mem, "memory.limit_in_bytes"), "w") as f:
                f.write(str(int(self.mem_limit)))
        if self.cpu_limit:
            with open(os.path.join(cpu, "cpu.cfs_period_us"), "w") as f:
                f.write(str(CFS_PERIOD_US))
            with open(os.path.join(cpu, "cpu.cfs_quota_us"), "w") as f:
                f.write(str(max(1000, int(self.cpu_limit * CFS_PERIOD_US))))
        self.log.info("cgroup %s: mem_limit=%s cpu_limit=%s", self.cgroup_name, self.mem_limit, self.cpu_limit)

    def remove_cgroups(self):
        """Kill anything left in the learner's groups, then remove them."""
        if not self.limits_enforced:
            return
        for c in CONTROLLERS:
            problem = empty_and_remove(cgroup_path(c, self.cgroup_name))
            if problem:
                self.log.warning("%s", problem)

    # ---- start / stop --------------------------------------------------------------------------------------
    async def start(self):
        """Account, runtime folder and cgroups first, then LocalProcessSpawner's start."""
        entry = self.ensure_system_user()
        runtime = os.path.join(self.runtime_root, str(entry.pw_uid))
        os.makedirs(self.runtime_root, mode=0o755, exist_ok=True)
        os.makedirs(runtime, mode=0o700, exist_ok=True)
        shutil.chown(runtime, entry.pw_uid, entry.pw_gid)
        os.chmod(runtime, 0o700)
        self.make_cgroups()
        return await super().start()

    async def stop(self, now=False):
        """LocalProcessSpawner's stop, then clean the learner's cgroups."""
        await super().stop(now=now)
        self.remove_cgroups()
