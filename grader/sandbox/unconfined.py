"""The ``none`` launcher: the student process runs unconfined, for debugging only.

It still gets the clean environment, rlimits and (where possible) a cgroup, but it runs as
the grader's own user (root, if the grader is root), with no seccomp filter: it can read the
machine, use the network and signal the grader. It refuses to start unless the
unsafe flag was given (``--sandbox none --unsafe`` or GRADELAB_ALLOW_UNSAFE_SANDBOX=1).
"""

from __future__ import annotations

from grader.sandbox.base import Launcher, SandboxSpec, serve_arguments


class UnconfinedLauncher(Launcher):
    name = "none"

    def __init__(self, allow_unsafe: bool = False):
        self.allow_unsafe = allow_unsafe

    def unavailable_reason(self) -> str | None:
        if not self.allow_unsafe:
            return ("--sandbox none runs student code unconfined; add --unsafe (or set "
                    "GRADELAB_ALLOW_UNSAFE_SANDBOX=1) if you really mean it")
        return None

    def command(self, spec: SandboxSpec, instance: str = "gradelab-sandbox", *,
                seccomp_fd: int | None = None) -> list[str]:
        return [spec.python, *serve_arguments(str(spec.runtime_dir), str(spec.submission_dir), spec)]
