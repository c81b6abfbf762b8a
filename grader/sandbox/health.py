"""How a sandbox started on this machine now would be confined, in words, for /healthz.

Nothing is started and nothing is created (no user, no image): the report says what the
configured launcher would find. The memory cap is probed by making and removing an empty
cgroup; where none can be made, the report says so, for CUDA too (no cap at all there).
"""

from __future__ import annotations

import os
import pwd
import shutil

from gradelab.settings import Settings
from grader.sandbox.cgroups import LimitGroup
from grader.sandbox.limits import Limits
from grader.sandbox.sandbox_user import HOST_ACCOUNT
from grader.sandbox.seccomp import SYSCALLS, machine_architecture


def describe_sandbox(settings: Settings) -> dict[str, str]:
    limits = Limits.from_settings(settings)
    report = {"launcher": settings.sandbox, "user": _user(), "seccomp": _seccomp(settings)}
    if settings.sandbox == "docker":
        engine = settings.docker_binary
        report["engine"] = engine if shutil.which(engine) else f"{engine} is not installed"
        report["memory_cap"] = f"{limits.memory_mb} MiB by the container engine"
        return report
    report["memory_cap"] = _memory_cap(limits)
    return report


def _user() -> str:
    if os.geteuid() != 0:
        return f"the grader's own user (uid {os.getuid()}, not root)"
    try:
        account = pwd.getpwnam(HOST_ACCOUNT)
    except KeyError:
        return f"host user {HOST_ACCOUNT}, created at the first grading (or run `make system-deps`)"
    return f"host user {HOST_ACCOUNT} (uid {account.pw_uid}), not root"


def _seccomp(settings: Settings) -> str:
    if settings.sandbox == "none":
        return "none: the unconfined launcher (debugging only)"
    arch = machine_architecture()
    return "the sandbox's filter" if arch in SYSCALLS else f"unavailable: no filter for {arch}"


def _memory_cap(limits: Limits) -> str:
    group = LimitGroup.create(limits)
    if group is not None:
        group.remove()
        return limits.memory_cap(device="cpu", cgroup_version=group.version)
    return (f"no cgroup can be made here: on the CPU, {limits.memory_cap(device='cpu', cgroup_version=None)}; "
            f"under CUDA, {limits.memory_cap(device='cuda', cgroup_version=None)}")
