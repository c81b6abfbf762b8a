"""Docker launcher (production, GPU): one throwaway container per student process.

``docker run -i --rm --network none --read-only`` on the sandbox image, as an
unprivileged user with no capabilities, memory/pids/CPU limits enforced by Docker, the
staged submission and the runtime mounted read-only, a size-capped tmpfs at /tmp, and
``--gpus`` when the run asks for CUDA. Paths given to ``-v`` are host paths: when the
grader itself runs in a container, its work directory must be a host bind mount at the
same path (docker/compose.yaml avoids this: its workers use bwrap inside the grader image).
"""

from __future__ import annotations

import os
import shutil

from grader.sandbox.base import (
    INPUTS_MOUNT,
    Launcher,
    SandboxSpec,
    child_environment,
    serve_arguments,
)


class DockerLauncher(Launcher):
    name = "docker"
    uses_cgroups = False  # docker puts the container in its own cgroup with the limits
    uses_rlimits = False  # and applies rlimits through --ulimit

    def __init__(self, image: str, binary: str = "docker", gpus: str | None = "all",
                 python: str = "python"):
        self.image = image
        self.binary = binary
        self.gpus = gpus
        self.python = python

    def unavailable_reason(self) -> str | None:
        if shutil.which(self.binary) is None:
            return f"the docker client `{self.binary}` is not installed"
        return None

    def command(self, spec: SandboxSpec, instance: str = "gradelab-sandbox") -> list[str]:
        limits = spec.limits
        argv = [
            self.binary, "run", "-i", "--rm",
            "--name", instance,
            "--network", "none",
            "--read-only",
            "--user", "65534:65534",
            "--cap-drop", "ALL",
            "--security-opt", "no-new-privileges",
            "--memory", f"{limits.memory_mb}m",
            "--memory-swap", f"{limits.memory_mb}m",
            "--pids-limit", str(limits.max_processes),
            "--ulimit", f"cpu={limits.cpu_time_s}:{limits.cpu_time_s + 5}",
            "--ulimit", "core=0",
            "--tmpfs", f"/tmp:rw,nosuid,nodev,size={limits.tmpfs_mb}m",
            "-v", f"{spec.submission_dir}:/submission:ro",
            "-v", f"{spec.runtime_dir}:/runtime:ro",
            "-w", "/tmp",
        ]
        if spec.inputs_dir is not None:
            argv += ["-v", f"{spec.inputs_dir}:{INPUTS_MOUNT}:ro"]
        for key, value in sorted(child_environment(limits, spec.device).items()):
            if key != "PATH":
                argv += ["-e", f"{key}={value}"]
        if spec.device == "cuda" and self.gpus:
            argv += ["--gpus", self.gpus]
        return argv + [self.image, self.python, *serve_arguments("/runtime", "/submission", spec, INPUTS_MOUNT)]

    def environment(self, spec: SandboxSpec) -> dict[str, str]:
        # The docker client needs its own environment (DOCKER_HOST, config); the container
        # gets only the -e variables above.
        return {k: v for k, v in os.environ.items() if k.startswith("DOCKER_") or k in ("PATH", "HOME")}

    def kill_commands(self, instance: str) -> list[list[str]]:
        return [[self.binary, "kill", instance]]
