"""Grading threads drop to the lowest CPU class, and what they start inherits it; the
threads that answer requests keep theirs."""

from __future__ import annotations

import os
import subprocess
import sys
import threading

import pytest

from server.jobs.priority import lower_priority

pytestmark = pytest.mark.skipif(not hasattr(os, "SCHED_IDLE"), reason="SCHED_IDLE is Linux's")


def test_a_grading_thread_and_the_processes_it_starts_run_in_sched_idle():
    seen = {}

    def grading_thread():
        seen["done"] = lower_priority(19)
        child = subprocess.run([sys.executable, "-c", "import os; print(os.sched_getscheduler(0))"],
                               capture_output=True, text=True, check=True)
        seen["child"] = int(child.stdout)

    thread = threading.Thread(target=grading_thread)
    thread.start()
    thread.join()
    assert seen == {"done": "idle", "child": os.SCHED_IDLE}
    assert os.sched_getscheduler(threading.get_native_id()) != os.SCHED_IDLE  # this thread: untouched
