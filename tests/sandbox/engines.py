"""The sandboxes the tests run for real: bwrap, and the container launcher on this machine's
engine with the sandbox image built from this machine's Python (once; then reused).

A test module uses the fixtures by naming them at its top::

    container_settings = engines.container_settings
    launcher_settings = engines.launcher_settings
"""

from __future__ import annotations

import shutil
import subprocess

import pytest

from grader.errors import SandboxUnavailable
from grader.sandbox.image import ensure_image

#: The launchers every containment test runs on (ids of the ``launcher_settings`` fixture).
LAUNCHERS = ["bwrap", "container"]


def container_engine() -> tuple[str, str | None] | None:
    """(client, OCI runtime) of a container engine that can run here, or None.

    podman with runc where both are installed (crun cannot handle every cgroup layout;
    `make system-deps` installs both as root); else a docker whose daemon answers."""
    if shutil.which("podman"):
        return "podman", "runc" if shutil.which("runc") else None
    if shutil.which("docker"):
        answered = subprocess.run(["docker", "info"], capture_output=True, check=False, timeout=30)
        if answered.returncode == 0:
            return "docker", None
    return None


@pytest.fixture(scope="session")
def container_settings() -> dict:
    """Settings that grade in the container launcher (the image built now, or reused)."""
    engine = container_engine()
    if engine is None:
        pytest.skip("no container engine can run here: `apt-get install -y podman runc` as root "
                    "(make system-deps does), or a Docker daemon")
    binary, runtime = engine
    try:
        image = ensure_image(binary, runtime)
    except SandboxUnavailable as exc:
        pytest.fail(f"the sandbox image could not be built: {exc}")
    return {"sandbox": "docker", "docker_binary": binary, "docker_runtime": runtime, "sandbox_image": image}


@pytest.fixture(params=LAUNCHERS)
def launcher_settings(request) -> dict:
    """Settings overrides for each launcher in turn: bwrap, then the container launcher."""
    if request.param == "bwrap":
        return {"sandbox": "bwrap"}
    return request.getfixturevalue("container_settings")
