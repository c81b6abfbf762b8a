"""Grading runs at the lowest CPU priority the OS offers, so status reads never wait for it.

On Linux that is the SCHED_IDLE class: a thread in it runs only on CPU time no other
thread wants, and every process it starts (the trusted pytest session, the sandbox)
inherits the class. Elsewhere, or where changing the class is refused, the thread is
niced instead (``worker_nice``, 19 by default). Applied per thread: the embedded local
workers share a process with the API, whose threads keep their normal priority.
"""

from __future__ import annotations

import logging
import os
import threading

log = logging.getLogger("gradelab.worker")


def lower_priority(nice: int) -> str:
    """Put the calling thread (and what it starts) in SCHED_IDLE, else at niceness ``nice``.
    Returns what was done: ``idle``, ``nice N`` or ``unchanged``."""
    tid = threading.get_native_id()
    if hasattr(os, "SCHED_IDLE"):
        try:
            if os.sched_getscheduler(tid) != os.SCHED_IDLE:
                os.sched_setscheduler(tid, os.SCHED_IDLE, os.sched_param(0))
            return "idle"
        except OSError as exc:
            log.warning("could not put grading in SCHED_IDLE (%s); renicing it instead", exc)
    try:
        if os.getpriority(os.PRIO_PROCESS, tid) < nice:
            os.setpriority(os.PRIO_PROCESS, tid, nice)
        return f"nice {nice}"
    except (AttributeError, OSError):
        return "unchanged"
