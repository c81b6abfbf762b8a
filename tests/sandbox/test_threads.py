"""numpy and torch training use the threads the sandbox is given: one per sandbox on the
smoke profile (CI grades many at once), every core the grader may use on the full profile
(one sandbox per GPU machine; cnn_train took 254 s on one thread of a 16-core machine)."""

import os

import pytest

from gradelab.settings import Settings
from grader.sandbox import SandboxSpec, make_launcher
from grader.sandbox.limits import Limits, available_cores
from grader.sandbox.session import StudentSession
from tests.sandbox.test_kernel_interfaces import probe_runtime

pytestmark = pytest.mark.xdist_group("sandbox")


def test_the_full_profile_uses_every_core_and_the_smoke_profile_one(tmp_path):
    settings = Settings(var_dir=tmp_path)
    assert Limits.from_settings(settings, "full").effective_threads == len(os.sched_getaffinity(0))
    assert Limits.from_settings(settings, "smoke").effective_threads == 1
    pinned = Settings(var_dir=tmp_path, sandbox_threads=3)
    assert Limits.from_settings(pinned, "full").threads == Limits.from_settings(pinned, "smoke").threads == 3
    assert Limits(threads=0).thread_environment == dict.fromkeys(
        ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"), str(available_cores()))


def test_the_student_process_is_told_its_threads(tmp_path):
    runtime = probe_runtime(tmp_path / "runtime")
    (tmp_path / "submission" / "probe").mkdir(parents=True)
    (tmp_path / "submission" / "probe" / "__init__.py").touch()
    spec = SandboxSpec(runtime_dir=runtime, submission_dir=tmp_path / "submission", package="probe",
                       limits=Limits(check_timeout_s=60, memory_mb=1024, max_processes=64, threads=2))
    with StudentSession(make_launcher("bwrap"), spec) as session:
        assert session.run("probe.threads") == {"torch": 2, "omp": "2", "openblas": "2"}
