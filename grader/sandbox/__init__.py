"""Sandbox launchers, chosen by name, and the session that talks to the student process."""

from __future__ import annotations

from grader.errors import SandboxUnavailable
from grader.sandbox.base import Launcher, SandboxSpec, StudentProcess
from grader.sandbox.bwrap import BwrapLauncher
from grader.sandbox.docker import DockerLauncher
from grader.sandbox.limits import Limits
from grader.sandbox.unconfined import UnconfinedLauncher

__all__ = ["Launcher", "Limits", "SandboxSpec", "StudentProcess", "make_launcher"]


def make_launcher(name: str, *, allow_unsafe: bool = False, image: str = "gradelab/sandbox:latest",
                  docker_binary: str = "docker", gpus: str | None = "all",
                  docker_runtime: str | None = None) -> Launcher:
    """The launcher called ``name``; raises SandboxUnavailable when it cannot run here."""
    launchers = {
        "bwrap": lambda: BwrapLauncher(),
        "docker": lambda: DockerLauncher(image, binary=docker_binary, gpus=gpus, runtime=docker_runtime),
        "none": lambda: UnconfinedLauncher(allow_unsafe=allow_unsafe),
    }
    if name not in launchers:
        raise SandboxUnavailable(f"unknown sandbox {name!r}: choose one of {', '.join(launchers)}")
    launcher = launchers[name]()
    reason = launcher.unavailable_reason()
    if reason:
        raise SandboxUnavailable(reason)
    return launcher
