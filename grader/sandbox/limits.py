"""A grading run's limits as one value object (times in seconds, sizes in MiB or bytes as
named): the sandbox's, and how each is enforced where no cgroup or container engine
enforces it; and the trusted side's (its memory, what it keeps of student data)."""

from __future__ import annotations

import os
import resource
from dataclasses import dataclass

from gradelab.settings import Settings

#: Headroom of the address-space fallback over the memory cap: Python, numpy and torch map
#: far more address space than they touch.
ADDRESS_SPACE_HEADROOM_MB = 1024


@dataclass(frozen=True)
class Limits:
    check_timeout_s: float = 120.0    # one request (one scenario run)
    run_timeout_s: float = 1800.0     # the whole grading run, restarts included
    memory_mb: int = 4096             # resident memory of the student process tree
    cpu_time_s: int = 3600            # CPU seconds per student process (RLIMIT_CPU)
    max_processes: int = 256          # processes and threads in the sandbox
    max_open_files: int = 4096        # descriptors per process (RLIMIT_NOFILE)
    max_output_bytes: int = 4 << 20   # what the student code may print, per process
    max_message_bytes: int = 64 << 20  # one reply from the sandbox, refused unread beyond
    tmpfs_mb: int = 512               # the private writable /tmp (and, as much again, the home)
    # torch/BLAS threads of the student process; 0 = every core the grader may use. One on
    # the smoke profile: many sandboxes share a CI machine, and OpenBLAS's spinning threads
    # make a skinny matrix product 100x slower when cores are oversubscribed (measured here).
    threads: int = 1
    # --- the trusted side: the pytest session that reads the replies ---------------------
    trusted_memory_mb: int = 3072     # its private memory (RLIMIT_DATA); beyond: a grader error
    series_max_points: int = 2000     # points kept of each plotted series (downsampled beyond)
    text_max_chars: int = 20_000      # characters kept of a message, of printed output

    @classmethod
    def from_settings(cls, settings: Settings, profile: str | None = None) -> Limits:
        return cls(
            check_timeout_s=settings.check_timeout_s,
            run_timeout_s=settings.run_timeout_s,
            memory_mb=settings.memory_mb,
            cpu_time_s=settings.cpu_time_s,
            max_processes=settings.max_processes,
            max_output_bytes=settings.max_output_bytes,
            max_message_bytes=settings.max_message_bytes,
            threads=profile_threads(settings, profile or settings.profile),
            trusted_memory_mb=settings.trusted_memory_mb,
            series_max_points=settings.series_max_points,
            text_max_chars=settings.result_text_max_chars,
        )

    @property
    def effective_threads(self) -> int:
        return self.threads or available_cores()

    @property
    def thread_environment(self) -> dict[str, str]:
        """The BLAS/OpenMP thread variables of a process that keeps to ``effective_threads``."""
        threads = str(self.effective_threads)
        return {name: threads for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}

    # --- rlimits: what holds whatever the cgroup situation --------------------------------
    def rlimits(self, *, device: str, memory_cgroup: bool) -> dict[int, tuple[int, int]]:
        """The rlimits of a sandbox's first process (its children inherit them).

        Without a memory cgroup, memory falls back to an address-space cap, except with
        CUDA: the driver reserves tens of GiB of address space up front, and under any
        RLIMIT_AS the sandbox cannot even count the GPUs. Processes fall back to
        RLIMIT_NPROC, which counts every process of the sandbox's host user."""
        limits = {
            resource.RLIMIT_CORE: (0, 0),
            resource.RLIMIT_CPU: (self.cpu_time_s, self.cpu_time_s + 5),
            resource.RLIMIT_FSIZE: (self.tmpfs_mb << 20, self.tmpfs_mb << 20),
            resource.RLIMIT_NOFILE: (self.max_open_files, self.max_open_files),
        }
        if not memory_cgroup:
            if device != "cuda":
                cap = (self.memory_mb + ADDRESS_SPACE_HEADROOM_MB) << 20
                limits[resource.RLIMIT_AS] = (cap, cap)
            limits[resource.RLIMIT_NPROC] = (self.max_processes, self.max_processes)
        limits = {**released_trusted_cap(), **limits}
        return {limit: _within_hard_limit(limit, values) for limit, values in limits.items()}

    def memory_cap(self, *, device: str, cgroup_version: int | None) -> str:
        """How the sandbox's memory is capped, in words, for the results and /healthz."""
        if cgroup_version is not None:
            return f"{self.memory_mb} MiB by a cgroup (v{cgroup_version})"
        if device == "cuda":
            return ("none: no cgroup could be made, and CUDA cannot start under an address-space "
                    "limit (RLIMIT_AS), so the student process has no memory cap")
        return (f"{self.memory_mb + ADDRESS_SPACE_HEADROOM_MB} MiB of address space (RLIMIT_AS; no "
                "cgroup could be made): coarser than resident memory")


# --- the trusted process's own cap ------------------------------------------------------
#: RLIMIT_DATA counts private writable memory (the heap, numpy's buffers), not the shared
#: libraries a CUDA build of torch maps by the gigabyte, so it caps what student data can
#: make the trusted side allocate without getting in the way of a GPU machine's imports.
TRUSTED_MEMORY_RLIMIT = resource.RLIMIT_DATA


def cap_trusted_memory(memory_mb: int) -> None:
    """Cap this (the trusted) process's private memory at ``memory_mb``: an allocation
    beyond fails with MemoryError. Only the soft limit is lowered, so the processes it
    starts can lift it again (:func:`released_trusted_cap`): the sandbox has caps of its own."""
    hard = resource.getrlimit(TRUSTED_MEMORY_RLIMIT)[1]
    soft = memory_mb << 20
    resource.setrlimit(TRUSTED_MEMORY_RLIMIT, (soft if hard == resource.RLIM_INFINITY else min(soft, hard), hard))


def released_trusted_cap() -> dict[int, tuple[int, int]]:
    """The rlimit a child of the trusted process sets so as not to inherit its cap."""
    hard = resource.getrlimit(TRUSTED_MEMORY_RLIMIT)[1]
    return {TRUSTED_MEMORY_RLIMIT: (hard, hard)}


def _within_hard_limit(limit: int, values: tuple[int, int]) -> tuple[int, int]:
    """``values`` lowered to this process's hard limit: only root may raise one."""
    hard = resource.getrlimit(limit)[1]
    if hard == resource.RLIM_INFINITY:
        return values
    return min(values[0], hard), min(values[1], hard)


def available_cores() -> int:
    """The cores this process may run on (its affinity, which a sandbox inherits)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def profile_threads(settings: Settings, profile: str) -> int:
    """``settings.sandbox_threads`` when set; else one thread on the smoke profile (a CI
    machine grades many submissions at once) and every core on the full profile (one
    sandbox per GPU machine, and cnn_train's numpy convolutions scale with BLAS threads)."""
    if settings.sandbox_threads is not None:
        return settings.sandbox_threads
    return 0 if profile == "full" else 1
