"""The student session on its own, with the unconfined launcher (no bwrap needed)."""

import textwrap
import time

import numpy as np
import pytest

from grader.grade import _runtime_dir
from grader.plugin.reporter import Reporter
from grader.plugin.rubric import load_rubric
from grader.run_spec import RunSpec
from grader.sandbox import SandboxSpec
from grader.sandbox.cgroups import LimitGroup
from grader.sandbox.limits import Limits
from grader.sandbox.session import StudentSession
from grader.sandbox.unconfined import UnconfinedLauncher


def test_a_sandbox_started_without_a_cgroup_says_so_in_the_notes(tmp_path, monkeypatch, toy, toy_submission):
    monkeypatch.setattr(LimitGroup, "create", classmethod(lambda cls, limits: None))
    _runtime_dir(toy, tmp_path / "runtime")
    spec = SandboxSpec(runtime_dir=tmp_path / "runtime", submission_dir=toy_submission, package="toy",
                       limits=Limits(check_timeout_s=20, run_timeout_s=60))
    with StudentSession(UnconfinedLauncher(allow_unsafe=True), spec) as session:
        assert session.run("ops.relu", {"x": np.array([-1.0, 2.0])})["out"].tolist() == [0.0, 2.0]
    assert session.log.without_cgroup

    run = RunSpec(assignment_id="toy", assignment_dir=toy.master_dir, package="toy", submission_dir=toy_submission,
                  runtime_dir=tmp_path / "runtime", results_path=tmp_path / "results.json")
    reporter = Reporter(run, load_rubric(toy.grading_dir / "rubric.toml"))
    reporter.session_log(session.log)
    assert any("No cgroup" in note for note in reporter.notes)


def test_closing_kills_what_the_student_code_left_behind(tmp_path, toy, toy_submission):
    probe = LimitGroup.create(Limits())
    if probe is None:
        pytest.skip("no writable cgroup here")
    probe.remove()
    ops = toy_submission / "toy" / "ops.py"
    source = ops.read_text()
    ops.write_text(source[:source.index("def relu(x):")] + textwrap.dedent("""
        def relu(x):
            import os, time
            if os.fork() == 0:  # a daemon that keeps the protocol pipes open
                os.setsid()
                time.sleep(60)
                os._exit(0)
            return x
    """))
    _runtime_dir(toy, tmp_path / "runtime")
    spec = SandboxSpec(runtime_dir=tmp_path / "runtime", submission_dir=toy_submission, package="toy",
                       limits=Limits(check_timeout_s=20, run_timeout_s=60))
    session = StudentSession(UnconfinedLauncher(allow_unsafe=True), spec)
    session.run("ops.relu", {"x": np.array([1.0])})
    group = session.process.group
    assert len(group.pids()) == 2
    started = time.monotonic()
    session.close()
    assert time.monotonic() - started < 20  # it used to wait for the daemon to exit
    assert group.pids() == [] and not any(directory.exists() for directory in group.dirs.values())


@pytest.mark.slow
def test_a_request_larger_than_512_mib_reaches_the_student_process(tmp_path, toy, toy_submission):
    # The full profile sends 49,000 normalised CIFAR-10 images (0.6 GB) in one request; the
    # student side refused anything above 512 MiB and every such check 'crashed'.
    _runtime_dir(toy, tmp_path / "runtime")
    (tmp_path / "runtime" / "scenarios" / "size.py").write_text("def nbytes(impl, x):\n    return {'n': int(x.nbytes)}\n")
    spec = SandboxSpec(runtime_dir=tmp_path / "runtime", submission_dir=toy_submission, package="toy",
                       limits=Limits(check_timeout_s=120, run_timeout_s=300))
    x = np.zeros((512 << 20) + 1, dtype=np.uint8)
    with StudentSession(UnconfinedLauncher(allow_unsafe=True), spec) as session:
        assert session.run("size.nbytes", {"x": x}) == {"n": x.nbytes}
