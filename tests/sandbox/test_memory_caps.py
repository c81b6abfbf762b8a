"""Memory caps that work with CUDA, tested without a GPU.

On a GPU machine where no cgroup could be made, the sandbox fell back to RLIMIT_AS (memory
+ 1 GiB) and CUDA could not even count the devices ("cudaGetDeviceCount ... out of
memory"): the reference lost its PyTorch points. With CUDA there is never an address-space
limit; the cap comes from a cgroup or the container engine, and where there is none the
results and /healthz say so.
"""

from __future__ import annotations

import resource

import pytest

from gradelab.settings import Settings
from grader.sandbox import SandboxSpec, make_launcher
from grader.sandbox.cgroups import LimitGroup
from grader.sandbox.docker import DockerLauncher
from grader.sandbox.health import describe_sandbox
from grader.sandbox.limits import Limits, released_trusted_cap
from grader.sandbox.session import StudentSession
from tests.sandbox.test_kernel_interfaces import probe_runtime

pytestmark = pytest.mark.xdist_group("sandbox")
LIMITS = Limits(check_timeout_s=60, run_timeout_s=300, memory_mb=1024, max_processes=64)


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_with_a_cgroup_neither_device_gets_an_address_space_limit(device):
    limits = LIMITS.rlimits(device=device, memory_cgroup=True)
    assert resource.RLIMIT_AS not in limits and resource.RLIMIT_NPROC not in limits
    assert limits[resource.RLIMIT_CORE] == (0, 0)


def test_without_a_cgroup_only_the_cpu_gets_an_address_space_limit():
    cpu = LIMITS.rlimits(device="cpu", memory_cgroup=False)
    assert cpu[resource.RLIMIT_AS] == ((1024 + 1024) << 20,) * 2
    assert resource.RLIMIT_AS not in LIMITS.rlimits(device="cuda", memory_cgroup=False)
    assert "no memory cap" in LIMITS.memory_cap(device="cuda", cgroup_version=None)
    assert LIMITS.memory_cap(device="cuda", cgroup_version=2) == "1024 MiB by a cgroup (v2)"


@pytest.fixture
def probe(tmp_path):
    runtime = probe_runtime(tmp_path / "runtime")
    (tmp_path / "submission" / "probe").mkdir(parents=True)
    (tmp_path / "submission" / "probe" / "__init__.py").touch()
    return runtime, tmp_path / "submission"


def address_space(session: StudentSession) -> str:
    return session.run("probe.limits")["limits"]["Max address space"][0]


@pytest.mark.parametrize("device, expected", [("cuda", "unlimited"), ("cpu", str((1024 + 1024) << 20))])
def test_a_sandbox_with_no_cgroup_caps_address_space_on_the_cpu_only_and_says_so(probe, monkeypatch, device,
                                                                                 expected):
    monkeypatch.setattr(LimitGroup, "create", classmethod(lambda cls, limits: None))   # a machine without cgroups
    runtime, submission = probe
    spec = SandboxSpec(runtime_dir=runtime, submission_dir=submission, package="probe", device=device,
                       limits=LIMITS)
    with StudentSession(make_launcher("bwrap"), spec) as session:
        assert address_space(session) == expected
    assert session.log.without_cgroup
    (note,) = session.log.notes
    assert note.startswith("No cgroup could be made for the sandbox")
    assert ("no memory cap" in note) == (device == "cuda")


def test_with_a_cgroup_the_sandbox_has_no_address_space_limit(probe):
    probe_group = LimitGroup.create(LIMITS)
    if probe_group is None:
        pytest.skip("no cgroup can be made on this machine")
    probe_group.remove()
    runtime, submission = probe
    spec = SandboxSpec(runtime_dir=runtime, submission_dir=submission, package="probe", limits=LIMITS)
    with StudentSession(make_launcher("bwrap"), spec) as session:
        assert address_space(session) == "unlimited"
        assert "by a cgroup" in session.log.containment["memory_cap"]
    assert session.log.notes == []


def test_the_container_engine_caps_memory_and_gets_the_gpus(tmp_path):
    spec = SandboxSpec(runtime_dir=tmp_path / "runtime", submission_dir=tmp_path / "sub", package="probe",
                       device="cuda", limits=LIMITS)
    for binary, gpus in (("podman", ["--device", "nvidia.com/gpu=all"]), ("docker", ["--gpus", "all"])):
        launcher = DockerLauncher("img", binary=binary, gpus="all")
        argv = launcher.command(spec)
        assert argv[argv.index("--memory") + 1] == "1024m" == argv[argv.index("--memory-swap") + 1]
        at = argv.index(gpus[0])
        assert argv[at:at + 2] == gpus
        assert not any(a.startswith("CUDA_VISIBLE_DEVICES") for a in argv)
        # No rlimits of ours (the engine's), only the trusted process's memory cap lifted.
        assert launcher.child_setup(spec, None).rlimits == released_trusted_cap()


def test_healthz_reports_the_memory_cap_and_says_when_there_is_none(tmp_path, monkeypatch):
    settings = Settings(var_dir=tmp_path / "var", memory_mb=2048)
    report = describe_sandbox(settings)
    assert report["launcher"] == "bwrap" and report["seccomp"] == "the sandbox's filter"
    group = LimitGroup.create(Limits())
    if group is not None:
        group.remove()
        assert report["memory_cap"].startswith("2048 MiB by a cgroup")
    monkeypatch.setattr(LimitGroup, "create", classmethod(lambda cls, limits: None))
    report = describe_sandbox(settings)
    assert report["memory_cap"].startswith("no cgroup can be made here")
    assert "under CUDA, none" in report["memory_cap"]
    container = describe_sandbox(Settings(var_dir=tmp_path / "var", sandbox="docker", memory_mb=2048))
    assert container["memory_cap"] == "2048 MiB by the container engine"
