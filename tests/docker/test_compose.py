"""docker/compose.yaml describes a deployment that matches the project (no Docker daemon or
GPU here to run it), and nothing in it runs unconfined."""

from pathlib import Path

import yaml

from gradelab.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker" / "compose.yaml").read_text())
SETTINGS = {f"GRADELAB_{field.upper()}" for field in Settings.model_fields}


def test_the_services_of_a_deployment():
    services = COMPOSE["services"]
    assert {"server", "postgres", "redis", "worker-gpu", "worker-cpu", "sandbox-image"} <= set(services)
    for name, service in services.items():
        build = service.get("build")
        if build:
            dockerfile = ROOT / "docker" / Path(build["dockerfile"]).name
            assert dockerfile.exists(), f"{name} builds {build['dockerfile']}, which does not exist"
            if "target" in build:
                assert f"AS {build['target']}" in dockerfile.read_text(), (name, build["target"])


def test_the_server_never_grades_and_workers_listen_on_the_gpu_and_cpu_queues():
    services = COMPOSE["services"]
    assert services["server"]["build"]["dockerfile"].endswith("server.Dockerfile")
    assert services["worker-gpu"]["build"]["target"] == "grader"
    gpu_command, cpu_command = services["worker-gpu"]["command"], services["worker-cpu"]["command"]
    # `gradelab worker --queues` takes the aliases cpu and gpu (mapped to the configured queues).
    assert gpu_command[:2] == ["gradelab", "worker"] and gpu_command[gpu_command.index("--queues") + 1] == "gpu"
    assert cpu_command[cpu_command.index("--queues") + 1] == "cpu"
    devices = services["worker-gpu"]["deploy"]["resources"]["reservations"]["devices"]
    assert devices[0]["capabilities"] == ["gpu"]


def test_every_process_shares_the_database_and_broker_and_only_workers_hold_the_secret():
    """The secret key seeds the hidden inputs: the workers grade, the server never does
    (it dispatches through Celery), so a server that gives itself away gives away no seed."""
    for name in ("server", "worker-gpu", "worker-cpu"):
        env = COMPOSE["services"][name]["environment"]
        assert env["GRADELAB_DATABASE_URL"].startswith("postgresql+psycopg://"), name
        assert env["GRADELAB_BROKER_URL"].startswith("redis://redis:"), name
        assert ("GRADELAB_SECRET_KEY" in env) == name.startswith("worker-"), name
        assert set(env) <= SETTINGS, (name, set(env) - SETTINGS)


def test_nothing_runs_unconfined_and_student_code_runs_in_sibling_containers():
    for name, service in COMPOSE["services"].items():
        options = " ".join(service.get("security_opt", []))
        assert "unconfined" not in options and not service.get("privileged"), name
        assert "SYS_ADMIN" not in service.get("cap_add", []), name
    for name in ("worker-gpu", "worker-cpu"):
        service = COMPOSE["services"][name]
        env = service["environment"]
        assert env["GRADELAB_SANDBOX"] == "docker" and env["GRADELAB_SANDBOX_IMAGE"] == "gradelab/sandbox:latest"
        var = env["GRADELAB_VAR_DIR"]
        assert f"{var}:{var}" in service["volumes"], "the engine mounts a run's files by their host paths"
        assert "/var/run/docker.sock:/var/run/docker.sock" in service["volumes"]


def test_the_sandbox_image_holds_no_secret_or_credential():
    sandbox = COMPOSE["services"]["sandbox-image"]
    assert sandbox["build"]["target"] == "sandbox" and sandbox["image"] == "gradelab/sandbox:latest"
    assert not sandbox.get("environment") and not sandbox.get("volumes") and sandbox["network_mode"] == "none"
