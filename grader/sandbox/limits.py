"""Sandbox limits as one value object (times in seconds, sizes in MiB or bytes as named)."""

from __future__ import annotations

import os
from dataclasses import dataclass

from gradelab.settings import Settings


@dataclass(frozen=True)
class Limits:
    check_timeout_s: float = 120.0    # one request (one scenario run)
    run_timeout_s: float = 1800.0     # the whole grading run, restarts included
    memory_mb: int = 4096             # resident memory of the student process tree
    cpu_time_s: int = 3600            # CPU seconds per student process (RLIMIT_CPU)
    max_processes: int = 256          # processes and threads in the sandbox
    max_output_bytes: int = 4 << 20   # what the student code may print, per process
    max_message_bytes: int = 512 << 20
    tmpfs_mb: int = 512               # the private writable /tmp
    # torch/BLAS threads of the student process; 0 = the machine's cores (at most 4). One by
    # default: several sandboxes share a machine, and OpenBLAS's spinning threads make a
    # skinny matrix product 100x slower when cores are oversubscribed (measured here).
    threads: int = 1

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        return cls(
            check_timeout_s=settings.check_timeout_s,
            run_timeout_s=settings.run_timeout_s,
            memory_mb=settings.memory_mb,
            cpu_time_s=settings.cpu_time_s,
            max_processes=settings.max_processes,
            max_output_bytes=settings.max_output_bytes,
            max_message_bytes=settings.max_message_bytes,
            threads=settings.sandbox_threads,
        )

    @property
    def effective_threads(self) -> int:
        return self.threads or max(1, min(4, os.cpu_count() or 1))

    @property
    def thread_environment(self) -> dict[str, str]:
        """The BLAS/OpenMP thread variables of a process that keeps to ``effective_threads``."""
        threads = str(self.effective_threads)
        return {name: threads for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS")}
