"""Container launcher (production, GPU): one throwaway container per student process.

``docker run`` or ``podman run`` (``settings.docker_binary``; ``settings.docker_runtime``
picks the OCI runtime, e.g. runc where crun cannot handle the machine's cgroups) on the
sandbox image, with:

- ``--user`` the sandbox user (``gradelab-sandbox`` on the host when the grader is root,
  never root), ``--cap-drop ALL``, ``--security-opt no-new-privileges``, the engine's
  default seccomp profile and AppArmor/SELinux confinement kept, and the sandbox's own
  seccomp filter stacked on them by the bootstrap before any student code runs;
- ``--network none``, ``--read-only`` (podman: without its writable /run and /var/tmp);
- memory (no swap) and pids limits enforced by the engine's cgroup, explicit
  ``--ulimit`` values (cpu, core, nofile, nproc: never more than the grader itself has, so
  the engine never has to raise one);
- size-capped tmpfs at /tmp and at the home, the sandbox's /etc/passwd, /etc/group and
  /etc/nsswitch.conf, the staged submission, the runtime and the shared inputs, read-only
  (the sandbox files are copied into the run's work directory, beside the runtime);
- ``--gpus`` (docker) or the CDI device ``nvidia.com/gpu`` (podman) when the run asks for CUDA.

The container's first process is the bootstrap, which runs the student process as its
child and reports a kill for memory from the container's own cgroup (not every engine
reports it). Paths given to ``-v`` are
host paths: when the grader itself runs in a container, its var directory must be a host
bind mount at the same path (docker/compose.yaml does this).
"""

from __future__ import annotations

import os
import resource
import shutil
import subprocess
from pathlib import Path

from grader.errors import SandboxUnavailable
from grader.sandbox.base import (
    INPUTS_MOUNT,
    Launcher,
    ProcessHooks,
    SandboxSpec,
    StudentProcess,
    child_environment,
    serve_arguments,
)
from grader.sandbox.bootstrap import KILLED_FOR_MEMORY
from grader.sandbox.bwrap import python_roots
from grader.sandbox.cgroups import LimitGroup
from grader.sandbox.image import under_mount_points
from grader.sandbox.sandbox_files import SECCOMP_MOUNT, SandboxFiles
from grader.sandbox.sandbox_user import HOME, HOSTNAME

#: The sandbox's /etc files the container gets (the engine writes its own /etc/hosts).
CONTAINER_ETC = ("passwd", "group", "nsswitch.conf")
#: Variables of the grader's environment the engine's client needs (its socket, config).
CLIENT_VARIABLES = ("PATH", "HOME", "XDG_RUNTIME_DIR", "XDG_CONFIG_HOME")
CLIENT_PREFIXES = ("DOCKER_", "CONTAINERS_", "CONTAINER_HOST")
#: The run's copy of the sandbox files, beside its runtime (in the run's work directory).
RUN_FILES = "sandbox-files"
#: Sandboxes of one host user that may run at once within the RLIMIT_NPROC backstop.
CONCURRENT_SANDBOXES = 16


class ContainerHooks(ProcessHooks):
    """The container of one student process, by name."""

    def __init__(self, binary: str, global_options: list[str], name: str):
        self.engine = [binary, *global_options]
        self.name = name

    def kill(self) -> None:
        subprocess.run([*self.engine, "kill", self.name], capture_output=True, check=False, timeout=60)

    def memory_killed(self, returncode: int | None) -> bool:
        # The container's first process says so (see grader/sandbox/bootstrap.py).
        return returncode == KILLED_FOR_MEMORY


class DockerLauncher(Launcher):
    name = "docker"
    uses_cgroups = False  # the engine puts the container in its own cgroup with the limits
    uses_rlimits = False  # and applies rlimits through --ulimit

    def __init__(self, image: str, binary: str = "docker", gpus: str | None = "all",
                 python: str = "python", runtime: str | None = None):
        self.image = image
        self.binary = binary
        self.gpus = gpus
        self.python = python
        self.runtime = runtime

    @property
    def podman(self) -> bool:
        return "podman" in Path(self.binary).name


    def run_files(self, spec: SandboxSpec) -> SandboxFiles:
        """Where a run's containers get the sandbox files from: beside its runtime."""
        return SandboxFiles(spec.runtime_dir.parent / RUN_FILES)

    @property
    def global_options(self) -> list[str]:
        """Options before ``run``: podman takes its OCI runtime there, docker after ``run``."""
        return ["--runtime", self.runtime] if self.runtime and self.podman else []

    def unavailable_reason(self) -> str | None:
        if shutil.which(self.binary) is None:
            return (f"the container engine's client `{self.binary}` is not installed: `apt-get install -y "
                    "podman runc` as root (make system-deps does) or install Docker, then set "
                    "GRADELAB_DOCKER_BINARY; or grade with --sandbox bwrap")
        try:
            self.files  # noqa: B018 - the user and its files, made now so a failure is reported here
        except SandboxUnavailable as exc:
            return str(exc)
        return None

    def command(self, spec: SandboxSpec, instance: str = "gradelab-sandbox", *,
                seccomp_fd: int | None = None) -> list[str]:
        limits, user, files = spec.limits, self.user, self.run_files(spec)
        tmpfs = f"rw,nosuid,nodev,size={limits.tmpfs_mb}m"
        argv = [self.binary, *self.global_options, "run"]
        if self.runtime and not self.podman:
            argv += ["--runtime", self.runtime]
        argv += [
            "-i", "--rm",
            "--name", instance,
            "--hostname", HOSTNAME,
            "--network", "none",
            "--read-only",
            *(["--read-only-tmpfs=false"] if self.podman else []),
            "--user", f"{user.uid}:{user.gid}",
            "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges",
            "--memory", f"{limits.memory_mb}m",
            "--memory-swap", f"{limits.memory_mb}m",
            "--pids-limit", str(limits.max_processes),
            "--ulimit", f"cpu={limits.cpu_time_s}:{limits.cpu_time_s + 5}",
            "--ulimit", "core=0:0",
            "--ulimit", "nofile={0}:{0}".format(_not_above_own(resource.RLIMIT_NOFILE, limits.max_open_files)),
            # RLIMIT_NPROC counts every process of the host user, in all its sandboxes at once:
            # the pids limit above caps this one; this backstop leaves room for the others.
            "--ulimit", "nproc={0}:{0}".format(
                _not_above_own(resource.RLIMIT_NPROC, limits.max_processes * CONCURRENT_SANDBOXES)),
            # notmpcopyup: podman would copy what the image has under /tmp into the tmpfs.
            "--tmpfs", f"/tmp:{tmpfs},mode=1777" + (",notmpcopyup" if self.podman else ""),
            # The home belongs to the sandbox user: podman says so with U, docker with uid/gid.
            "--tmpfs", f"{HOME}:{tmpfs},mode=0700," + ("U" if self.podman else f"uid={user.uid},gid={user.gid}"),
            "-v", f"{spec.submission_dir}:/submission:ro",
            "-v", f"{spec.runtime_dir}:/runtime:ro",
        ]
        if spec.inputs_dir is not None:
            argv += ["-v", f"{spec.inputs_dir}:{INPUTS_MOUNT}:ro"]
        for name in CONTAINER_ETC:
            argv += ["-v", f"{files.etc(name)}:/etc/{name}:ro"]
        argv += ["-v", f"{files.seccomp}:{SECCOMP_MOUNT}:ro", "-w", "/tmp"]
        for tree in under_mount_points(python_roots()):   # this Python, where /tmp's tmpfs covers it
            argv += ["-v", f"{tree}:{tree}:ro"]
        for key, value in sorted(child_environment(limits, spec.device, user.environment()).items()):
            if key != "PATH":   # the image's own PATH finds its Python
                argv += ["-e", f"{key}={value}"]
        if spec.device == "cuda" and self.gpus:
            argv += ["--device", f"nvidia.com/gpu={self.gpus}"] if self.podman else ["--gpus", self.gpus]
        return argv + [self.image, self.python, *serve_arguments(
            "/runtime", "/submission", spec, INPUTS_MOUNT, seccomp=SECCOMP_MOUNT, container_init=True)]

    def start(self, spec: SandboxSpec) -> StudentProcess:
        self.files.placed_in(self.run_files(spec).directory)
        return super().start(spec)

    def environment(self, spec: SandboxSpec) -> dict[str, str]:
        # The client needs its own environment (socket, config); the container gets only
        # the -e variables above.
        return {k: v for k, v in os.environ.items() if k in CLIENT_VARIABLES or k.startswith(CLIENT_PREFIXES)}

    def process_hooks(self, instance: str) -> ContainerHooks:
        return ContainerHooks(self.binary, self.global_options, instance)

    def containment(self, spec: SandboxSpec, group: LimitGroup | None) -> dict[str, str]:
        engine = "podman" if self.podman else "docker"
        return {"launcher": self.name, "user": self.user.describe(),
                "memory_cap": f"{spec.limits.memory_mb} MiB by the container engine ({engine})",
                "seccomp": f"{engine}'s default profile, and the sandbox's filter stacked on it"}


def _not_above_own(limit: int, wanted: int) -> int:
    """``wanted``, but never above this process's own hard limit (the engine may not raise)."""
    hard = resource.getrlimit(limit)[1]
    return wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
