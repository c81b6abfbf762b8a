"""The grading images (checked as text: no registry is reachable here to build them) and
the container launcher's command line, for docker and podman. The launcher itself runs for
real in tests/docker/test_container_grading.py and the containment tests."""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from grader.sandbox import SandboxSpec, make_launcher
from grader.sandbox.limits import Limits

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "docker" / "grader.Dockerfile"
TOY = ROOT / "tests" / "fixtures" / "toy"


def stages(text: str) -> dict[str, str]:
    """Stage name -> its instructions."""
    parts = re.split(r"^FROM\s+\S+\s+AS\s+(\w+)\s*$", text, flags=re.M | re.I)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts), 2)}


def test_the_sandbox_image_holds_no_grading_code():
    found = stages(DOCKERFILE.read_text())
    assert set(found) == {"sandbox", "grader"}
    assert "COPY" not in found["sandbox"], "student code must not see GradeLab or the solutions"
    assert "USER 65534" in found["sandbox"] and "mkdir -p /home/sandbox /etc/gradelab" in found["sandbox"]
    assert "COPY solutions/" in found["grader"] and "bubblewrap docker.io" in found["grader"]
    assert "--uid 64999" in found["grader"] and "gradelab-sandbox" in found["grader"]
    assert re.search(r"^ARG TORCH_IMAGE=\S+$", DOCKERFILE.read_text(), flags=re.M), "the base is an argument"
    assert "FROM ${TORCH_IMAGE} AS sandbox" in DOCKERFILE.read_text()


def test_every_copied_path_exists():
    for source in re.findall(r"^COPY\s+(?:--\S+\s+)*(.+?)\s+\S+\s*$", DOCKERFILE.read_text(), flags=re.M):
        for path in source.split():
            assert (ROOT / path).exists(), f"{DOCKERFILE.name} copies {path}, which is not in the repository"


def container_command(binary="docker", device="cpu", runtime=None):
    launcher = make_launcher("docker", image="gradelab/sandbox:test", gpus="all")
    launcher.binary, launcher.runtime = binary, runtime
    spec = SandboxSpec(runtime_dir=Path("/srv/run/runtime"), submission_dir=Path("/srv/run/submission"),
                       inputs_dir=Path("/srv/run/inputs"), package="cs231n", device=device,
                       limits=Limits(memory_mb=3000, max_processes=77, cpu_time_s=900, tmpfs_mb=256,
                                     max_open_files=1024))
    return launcher, launcher.command(spec, "gradelab-sbx-test")


def test_the_container_command_confines_the_student_process():
    launcher, argv = container_command()
    user = launcher.user
    joined = " ".join(argv)
    assert argv[:5] == ["docker", "run", "-i", "--rm", "--name"]
    for expected in ("--network none", "--read-only", f"--user {user.uid}:{user.gid}", "--cap-drop ALL",
                     "--security-opt no-new-privileges", "--memory 3000m", "--memory-swap 3000m",
                     "--pids-limit 77", "--ulimit cpu=900:905", "--ulimit core=0:0", "--ulimit nofile=1024:1024",
                     "--tmpfs /tmp:rw,nosuid,nodev,size=256m,mode=1777",
                     f"--tmpfs /home/sandbox:rw,nosuid,nodev,size=256m,mode=0700,uid={user.uid},gid={user.gid}",
                     "-v /srv/run/submission:/submission:ro", "-v /srv/run/runtime:/runtime:ro",
                     "-v /srv/run/inputs:/inputs:ro", "--name gradelab-sbx-test", "--hostname sandbox"):
        assert expected in joined, expected
    assert user.uid != 0
    (nproc,) = [a for a in argv if a.startswith("nproc=")]
    assert re.fullmatch(r"nproc=(\d+):\1", nproc), nproc
    # The sandbox files come from the run's directory: the one host path a grader in a
    # container shares with the engine.
    for name in ("passwd", "group", "nsswitch.conf"):
        assert f"-v /srv/run/sandbox-files/etc/{name}:/etc/{name}:ro" in joined
    assert "-v /srv/run/sandbox-files/seccomp.bpf:/etc/gradelab/seccomp.bpf:ro" in joined
    # The engine's default seccomp profile stays: nothing replaces or disables it.
    assert not any(a.startswith("seccomp=") or "unconfined" in a for a in argv)
    assert "--gpus" not in argv and "--privileged" not in argv
    image = argv.index("gradelab/sandbox:test")
    assert argv[image + 1:image + 5] == ["python", "-I", "-B", "-c"]
    assert argv[image + 6:image + 9] == ["--seccomp", "/etc/gradelab/seccomp.bpf", "--container-init"]
    # Nothing of the grader's environment is passed in: only the -e variables we list.
    passed = {argv[i + 1].split("=")[0] for i, a in enumerate(argv) if a == "-e"}
    assert passed == {"TMPDIR", "LANG", "MPLBACKEND", "PYTHONHASHSEED", "PYTHONDONTWRITEBYTECODE",
                      "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "CUDA_VISIBLE_DEVICES",
                      "USER", "LOGNAME", "HOME", "XDG_CACHE_HOME", "XDG_CONFIG_HOME", "XDG_DATA_HOME",
                      "MPLCONFIGDIR", "TORCH_HOME"}


def test_podman_takes_its_runtime_before_run_and_no_writable_run_or_var_tmp():
    launcher, argv = container_command("podman", runtime="runc")
    assert argv[:4] == ["podman", "--runtime", "runc", "run"]
    assert "--read-only-tmpfs=false" in argv
    assert "/home/sandbox:rw,nosuid,nodev,size=256m,mode=0700,U" in argv
    _, docker = container_command("docker", runtime="runc")
    assert docker[:4] == ["docker", "run", "--runtime", "runc"] and "--read-only-tmpfs=false" not in docker


def test_a_cuda_run_asks_for_the_gpus():
    _, argv = container_command(device="cuda")
    assert argv[argv.index("--gpus") + 1] == "all"
    assert not any(a.startswith("CUDA_VISIBLE_DEVICES") for a in argv)
    _, podman = container_command("podman", device="cuda")
    assert podman[podman.index("--device") + 1] == "nvidia.com/gpu=all"


def test_without_the_engine_s_client_grading_says_what_to_install(tmp_path, toy_submission_dir):
    from gradelab.settings import Settings
    from grader.grade import grade

    settings = Settings(var_dir=tmp_path, sandbox="docker", docker_binary="/nonexistent/podman")
    result = grade(toy_submission_dir, assignment=TOY, settings=settings)
    assert not result.gradable and result.failure == "infrastructure"   # ours: staff read what to install
    assert "`/nonexistent/podman` is not installed" in result.staff_detail
    assert "apt-get install -y podman runc" in result.staff_detail


def test_run_autograder_writes_gradescope_results(tmp_path, toy_submission_dir):
    root = tmp_path / "autograder"
    (root / "submission").parent.mkdir(parents=True)
    subprocess.run(["cp", "-r", str(toy_submission_dir), str(root / "submission")], check=True)
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "GRADELAB_ASSIGNMENT": str(TOY),
           "GRADELAB_VAR_DIR": str(tmp_path / "var"), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    completed = subprocess.run([str(ROOT / "docker" / "run_autograder")], env=env, capture_output=True, text=True)
    assert completed.returncode == 0, completed.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results["score"] == results["max_score"] == 5 and results["tests"][0]["status"] == "passed"
    assert (root / "results" / "report.html").read_text().startswith("<!doctype html>")


@pytest.fixture
def toy_submission_dir(tmp_path):
    destination = tmp_path / "toy-submission"
    shutil.copytree(TOY, destination, ignore=shutil.ignore_patterns("grading", "assignment.toml", "__pycache__"))
    return destination


def test_a_python_under_tmp_is_bound_over_the_sandbox_s_tmpfs(monkeypatch):
    # A checkout under /tmp: the image holds its .venv at /tmp/..., where every container mounts
    # a fresh tmpfs (and podman copied the 1.5 GB into it: "no space left on device"). The
    # container launcher binds it again from the host, read-only, and podman copies nothing.
    from grader.sandbox import docker

    venv = Path("/tmp/checkout/.venv")
    monkeypatch.setattr(docker, "python_roots", lambda: [Path("/usr/local/lib/python3.11"), venv])
    _, argv = container_command("podman", runtime="runc")
    joined = " ".join(argv)
    assert f"-v {venv}:{venv}:ro" in joined and "/usr/local/lib/python3.11:" not in joined
    assert "/tmp:rw,nosuid,nodev,size=256m,mode=1777,notmpcopyup" in argv
    assert argv.index(f"{venv}:{venv}:ro") < argv.index("gradelab/sandbox:test")
