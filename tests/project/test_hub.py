"""Static checks of the class hub's files (hub/): no hub is started here — `make hub-check` does that.

The one-host config is executed with a stand-in for JupyterHub's `get_config` and its settings read back; the
Zero to JupyterHub values are YAML-parsed and the keys the course relies on checked (helm is not available to
lint them); the single-user image's server config and Dockerfile are checked for the same settings.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

ROOT = Path(__file__).resolve().parents[2]
HUB = ROOT / "hub"
LAB_URL = re.search(r"^LAB_URL := (\S+)", (ROOT / "Makefile").read_text(), re.M).group(1)


@pytest.fixture()
def hub_config(tmp_path, monkeypatch):
    """hub/jupyterhub_config.py as JupyterHub would load it (state in a temporary folder)."""
    monkeypatch.setenv("HUB_STATE_DIR", str(tmp_path / "state"))
    for name in ("HUB_CHECK_TOKEN", "HUB_BIND_URL", "HUB_MEM_LIMIT", "HUB_CPU_LIMIT"):
        monkeypatch.delenv(name, raising=False)
    c = Config()
    path = HUB / "jupyterhub_config.py"
    exec(compile(path.read_text(), str(path), "exec"), {"get_config": lambda: c, "__file__": str(path)})
    return c


def test_hub_listens_on_localhost_only(hub_config):
    assert hub_config.JupyterHub.bind_url.startswith("http://127.0.0.1:")
    assert hub_config.JupyterHub.hub_ip == "127.0.0.1"
    assert "127.0.0.1" in hub_config.ConfigurableHTTPProxy.api_url


def test_kernels_use_unix_sockets(hub_config):
    assert "--KernelManager.transport=ipc" in hub_config.Spawner.args
    image_cfg = json.loads((HUB / "image" / "jupyter_server_config.d" / "course-kernels-ipc.json").read_text())
    assert image_cfg == {"KernelManager": {"transport": "ipc"}}
    assert "jupyter_server_config.d/course-kernels-ipc.json" in (HUB / "image" / "Dockerfile").read_text()


def test_learners_get_copies_by_make_labs_code_path(hub_config):
    start = Path(hub_config.Spawner.cmd[0])
    assert start == HUB / "start-singleuser.sh" and os.access(start, os.X_OK)
    text = start.read_text()
    assert '-m course_lib.learner_copies student' in text and 'cd "$HOME"' in text
    assert "python -m course_lib.learner_copies student" in (ROOT / "Makefile").read_text()  # make lab's line
    assert hub_config.Spawner.default_url == LAB_URL
    env = hub_config.Spawner.environment
    assert env["OPENBLAS_NUM_THREADS"] == env["OMP_NUM_THREADS"] == env["MKL_NUM_THREADS"] == "1"


def test_limits_culling_and_offline_login(hub_config):
    assert hub_config.Spawner.mem_limit == "1G" and hub_config.Spawner.cpu_limit == 1.0
    assert hub_config.JupyterHub.spawner_class in ("classspawner.ClassSpawner", "systemdspawner.SystemdSpawner")
    culler = [s for s in hub_config.JupyterHub.services if s["name"] == "idle-culler"]
    assert culler and "jupyterhub_idle_culler" in culler[0]["command"]
    role = [r for r in hub_config.JupyterHub.load_roles if r["name"] == "idle-culler"][0]
    assert {"list:users", "read:users:activity", "read:servers", "delete:servers"} <= set(role["scopes"])
    assert hub_config.JupyterHub.authenticator_class == "nativeauthenticator.NativeAuthenticator"
    assert not any(s["name"] == "hub-check" for s in hub_config.JupyterHub.services)  # only with its token


def test_hub_packages_stay_out_of_the_course(hub_config):
    reqs = (HUB / "requirements.txt").read_text()
    for name in ("jupyterhub", "jupyterhub-nativeauthenticator", "jupyterhub-idle-culler"):
        assert re.search(rf"^{re.escape(name)}\b", reqs, re.M), name
    assert re.search(r"^jupyterhub>=5\.\d+,<6$", reqs, re.M)  # NativeAuthenticator 1.3 fails on 6.x
    deps = re.search(r"^dependencies = \[(.*?)^\]", (ROOT / "pyproject.toml").read_text(), re.M | re.S).group(1)
    assert "numpy" in deps and "jupyterhub" not in deps.lower()


def test_z2jh_values():
    v = yaml.safe_load((HUB / "z2jh" / "values.yaml").read_text())
    assert set(v) <= {"hub", "singleuser", "cull", "prePuller", "scheduling", "proxy"}
    su = v["singleuser"]
    assert su["defaultUrl"] == LAB_URL
    assert su["memory"]["limit"] == "1G" and su["cpu"]["limit"] == 1
    assert su["memory"]["guarantee"] and su["cpu"]["guarantee"] <= su["cpu"]["limit"]
    assert su["extraEnv"]["OPENBLAS_NUM_THREADS"] == "1"
    hook = " ".join(su["lifecycleHooks"]["postStart"]["exec"]["command"])
    assert "python -m course_lib.learner_copies student" in hook
    assert v["cull"]["enabled"] is True and v["cull"]["timeout"] > 0
    assert v["hub"]["config"]["JupyterHub"]["authenticator_class"] == "nativeauthenticator.NativeAuthenticator"


def test_image_definition():
    text = (HUB / "image" / "Dockerfile").read_text()
    assert re.search(r"^FROM quay\.io/jupyter/minimal-notebook:", text, re.M)
    assert "-e /opt/course" in text and "OPENBLAS_NUM_THREADS=1" in text
    ignore = (HUB / "image" / "Dockerfile.dockerignore").read_text().split()
    assert {".git", ".venv-*", "student", "build"} <= set(ignore)


def test_spawner_module():
    pytest.importorskip("jupyterhub", reason="needs JupyterHub: make hub-check runs this file in the hub's venv")
    import sys

    sys.path.insert(0, str(HUB))
    try:
        import classspawner
    finally:
        sys.path.remove(str(HUB))
    assert classspawner.NAME_OK.match("ada") and not classspawner.NAME_OK.match("../root")
    assert classspawner.ClassSpawner.user_prefix.default_value == "jupyter-"
