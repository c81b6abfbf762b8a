"""Student code never reaches the host's kernel settings, whoever runs the grader.

Each attack runs inside a real sandbox (bwrap, then the container launcher), as root if the
tests run as root (CI does): before this, the sandbox's uid 65534 was host root under bwrap,
and a submission wrote a pipe handler into /proc/sys/kernel/core_pattern. The attacks
themselves are harmless if containment fails (see fixtures/attacks.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from grader.grade import STUDENT_SIDE_DIR
from grader.sandbox import SandboxSpec, make_launcher
from grader.sandbox.docker import DockerLauncher
from grader.sandbox.limits import Limits
from grader.sandbox.sandbox_user import HOST_ACCOUNT
from grader.sandbox.session import StudentSession
from tests.sandbox import engines

pytestmark = pytest.mark.xdist_group("sandbox")
container_settings = engines.container_settings   # a fixture
FIXTURES = Path(__file__).parent / "fixtures"
ATTACKS = ["core_pattern", "overcommit_memory", "any_sysctl", "sysrq_trigger", "sys_files",
           "kernel_memory_and_symbols", "writable_places", "unshare_user", "unshare_mount_and_net", "clone_new_user",
           "clone3_any", "setns_into_own", "mount_tmpfs", "new_mount_api", "pivot_root", "ptrace_parent",
           "ptrace_traceme", "process_vm_readv", "keyctl", "add_key", "bpf", "perf_event_open", "userfaultfd",
           "io_uring", "module_and_kexec", "other_kernel_interfaces", "reboot_with_bad_magic", "host_root", "seccomp_filter_installed"]


def probe_runtime(directory: Path) -> Path:
    """A runtime like a grading run's: the student side, and the probing scenarios."""
    shutil.copytree(STUDENT_SIDE_DIR, directory / "student_side", ignore=shutil.ignore_patterns("__pycache__"))
    (directory / "scenarios").mkdir()
    (directory / "scenarios" / "__init__.py").touch()
    for name in ("attacks.py", "probe.py"):
        shutil.copy(FIXTURES / name, directory / "scenarios" / name)
    return directory


@pytest.fixture(scope="module", params=engines.LAUNCHERS)
def sandbox(request, tmp_path_factory):
    """One sandbox per launcher for the whole module (restarted by the session if it dies)."""
    root = tmp_path_factory.mktemp(f"probe-{request.param}")
    root.chmod(0o700)   # like a grading run's work directory: the sandbox's trees come by mounts
    runtime = probe_runtime(root / "runtime")
    (root / "submission" / "probe").mkdir(parents=True)
    (root / "submission" / "probe" / "__init__.py").touch()
    (root / "inputs").mkdir()
    (root / "inputs" / "shared.txt").write_text("shared with the sandbox")
    for path in (root / "submission", root / "inputs", runtime):
        for item in [path, *path.rglob("*")]:
            item.chmod(0o755 if item.is_dir() else 0o644)
    if request.param == "bwrap":
        launcher = make_launcher("bwrap")
    else:
        settings = request.getfixturevalue("container_settings")
        launcher = make_launcher("docker", image=settings["sandbox_image"], docker_binary=settings["docker_binary"],
                                 docker_runtime=settings["docker_runtime"])
    spec = SandboxSpec(runtime_dir=runtime, submission_dir=root / "submission", package="probe",
                       inputs_dir=root / "inputs",
                       limits=Limits(check_timeout_s=60, run_timeout_s=1200, memory_mb=1024, max_processes=64))
    with StudentSession(launcher, spec) as session:
        yield session


@pytest.mark.parametrize("attack", ATTACKS)
def test_an_attack_on_the_host_kernel_is_refused(sandbox, attack):
    outcome = sandbox.run("attacks.attempt", {"name": attack})
    assert not outcome["succeeded"], outcome["detail"]


def host_pids(session: StudentSession) -> list[int]:
    """The host's pids of the sandbox's processes."""
    process = session.process
    if process.group is not None:
        return process.group.pids()
    launcher = session.launcher
    assert isinstance(launcher, DockerLauncher)
    inspected = subprocess.run([launcher.binary, *launcher.global_options, "inspect", "--format",
                                "{{.State.Pid}}", process.hooks.name], capture_output=True, text=True, check=True)
    return [int(inspected.stdout.strip())]


@pytest.mark.skipif(os.geteuid() != 0, reason="the dedicated sandbox user exists for a root grader")
def test_on_the_host_the_student_process_is_the_sandbox_user_and_not_root(sandbox):
    import pwd

    sandbox.run("probe.identity")   # make sure a process is running
    account = pwd.getpwnam(HOST_ACCOUNT)
    pids = host_pids(sandbox)
    assert pids
    for pid in pids:
        status = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
        assert status["Uid"].split() == [str(account.pw_uid)] * 4, (pid, status["Name"], status["Uid"])
        assert status["Gid"].split() == [str(account.pw_gid)] * 4
        assert status["Groups"].split() in ([], [str(account.pw_gid)])


def test_the_student_process_finds_a_home_and_the_run_s_inputs(sandbox):
    seen = sandbox.run("probe.identity")
    assert seen["user"] == seen["pw_name"] == "sandbox"
    assert seen["environment"] == {"USER": "sandbox", "LOGNAME": "sandbox", "HOME": "/home/sandbox",
                                   "TMPDIR": "/tmp"}
    assert seen["cache"] == "/home/sandbox/.cache/probe"
    assert seen["inputs"] == ["shared.txt"] and seen["shared"] == "shared with the sandbox"

