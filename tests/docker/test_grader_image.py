"""The grading images and the docker sandbox, tested up to the `docker` command line
(these machines have a docker client but no engine)."""

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
    assert "USER 65534" in found["sandbox"]
    assert "COPY solutions/" in found["grader"] and "bubblewrap" in found["grader"]


def test_every_copied_path_exists():
    for source in re.findall(r"^COPY\s+(?:--\S+\s+)*(.+?)\s+\S+\s*$", DOCKERFILE.read_text(), flags=re.M):
        for path in source.split():
            assert (ROOT / path).exists(), f"{DOCKERFILE.name} copies {path}, which is not in the repository"


def docker_command(device="cpu"):
    launcher = make_launcher("docker", image="gradelab/sandbox:test", gpus="all")
    spec = SandboxSpec(runtime_dir=Path("/srv/run/runtime"), submission_dir=Path("/srv/run/submission"),
                       package="cs231n", device=device,
                       limits=Limits(memory_mb=3000, max_processes=77, cpu_time_s=900, tmpfs_mb=256))
    return launcher.command(spec, "gradelab-sbx-test")


def test_the_docker_command_confines_the_student_process():
    argv = docker_command()
    joined = " ".join(argv)
    assert argv[:4] == ["docker", "run", "-i", "--rm"]
    for expected in ("--network none", "--read-only", "--user 65534:65534", "--cap-drop ALL",
                     "--security-opt no-new-privileges", "--memory 3000m", "--memory-swap 3000m",
                     "--pids-limit 77", "--ulimit cpu=900:905", "--tmpfs /tmp:rw,nosuid,nodev,size=256m",
                     "-v /srv/run/submission:/submission:ro", "-v /srv/run/runtime:/runtime:ro",
                     "--name gradelab-sbx-test"):
        assert expected in joined, expected
    assert "--gpus" not in argv
    image = argv.index("gradelab/sandbox:test")
    assert argv[image + 1:image + 5] == ["python", "-I", "-B", "-c"]
    # Nothing of the grader's environment is passed in: only the -e variables we list.
    passed = {argv[i + 1].split("=")[0] for i, a in enumerate(argv) if a == "-e"}
    assert passed <= {"HOME", "TMPDIR", "LANG", "MPLBACKEND", "MPLCONFIGDIR", "PYTHONHASHSEED",
                      "PYTHONDONTWRITEBYTECODE", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                      "CUDA_VISIBLE_DEVICES"}


def test_a_cuda_run_asks_for_the_gpus():
    argv = docker_command(device="cuda")
    assert argv[argv.index("--gpus") + 1] == "all"
    assert not any(a.startswith("CUDA_VISIBLE_DEVICES") for a in argv)


def test_without_a_docker_engine_grading_says_so(tmp_path, toy_submission_dir):
    from gradelab.settings import Settings
    from grader.grade import grade

    result = grade(toy_submission_dir, assignment=TOY, sandbox="docker", settings=Settings(var_dir=tmp_path))
    assert not result.gradable
    assert "docker sandbox did not start" in result.reason


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
