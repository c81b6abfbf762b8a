"""The container launcher, run for real on this machine's engine with the sandbox image built
from its own Python: the reference of Assignment 2 keeps every point there, and the image
holds nothing of GradeLab. (The hostile submissions run in it in tests/grader/test_containment.py
and tests/sandbox.)"""

import subprocess

import pytest

from gradelab.settings import REPO_ROOT, Settings
from grader.grade import grade
from grader.sandbox.image import ImageContent
from tests.grader.a2_submissions import reference_submission
from tests.sandbox import engines

pytestmark = pytest.mark.xdist_group("sandbox")
container_settings = engines.container_settings   # a fixture


@pytest.mark.slow
def test_the_reference_scores_every_automatic_point_in_the_container(tmp_path, container_settings):
    result = grade(reference_submission(tmp_path / "a2"), assignment="a2", profile="smoke",
                   settings=Settings(**container_settings))
    assert result.gradable, result.reason
    lost = {t.id: t.message for t in result.tests if not t.passed and not t.manual}
    assert lost == {}
    assert result.score == result.max_score > 80
    assert result.environment["sandbox"]["launcher"] == "docker"
    assert "by the container engine" in result.environment["sandbox"]["memory_cap"]


def test_the_image_holds_this_python_and_nothing_of_gradelab(container_settings):
    content = ImageContent.of_this_python()
    venv = content.python.parent.parent
    for path in content.walk():
        assert not path.is_relative_to(REPO_ROOT) or path.is_relative_to(venv), path
        assert "__editable__" not in path.name and not path.name.startswith("gradelab-"), path
    probe = ("import importlib.util, os, sys; "
             "print(importlib.util.find_spec('grader'), importlib.util.find_spec('gradelab'), "
             "[p for p in sys.argv[1:] if os.path.exists(p)])")
    engine = [container_settings["docker_binary"]]
    if container_settings["docker_runtime"] and "podman" in engine[0]:
        engine += ["--runtime", container_settings["docker_runtime"]]
    completed = subprocess.run(
        [*engine, "run", "--rm", "--network", "none", "--ulimit", "nofile=1024:1024", "--ulimit", "nproc=1024:1024",
         container_settings["sandbox_image"], "python", "-I", "-c", probe,
         str(REPO_ROOT / "solutions"), str(REPO_ROOT / "grader"), str(REPO_ROOT / "var"), "/var/lib/gradelab"],
        capture_output=True, text=True, check=False, timeout=120)
    assert completed.stdout.strip() == "None None []", completed.stderr
