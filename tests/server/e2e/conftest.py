"""A real deployment for end-to-end tests: `gradelab serve` on a free loopback port, with
its own var/ (SQLite, local workers), set up with `gradelab admin` like an instructor would."""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.server.conftest import TEST_LIMITS
from tests.server.factories import TOY
from tests.server.processes import (
    GRADELAB,
    REPO,
    environment,
    free_port,
    kill,
    start_serve,
    wait_for,
)


@dataclass
class Deployment:
    env: dict[str, str]
    var: Path
    port: int = field(default_factory=free_port)
    process: subprocess.Popen | None = None
    tokens: dict[str, str] = field(default_factory=dict)
    starts: int = 0

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def log(self) -> Path:
        return self.var.parent / "serve.log"

    def admin(self, *args: str) -> str:
        done = subprocess.run([*GRADELAB, "admin", *args], env=self.env, cwd=REPO, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        return done.stdout.strip()

    def submit(self, *args: str, token: str) -> subprocess.CompletedProcess:
        return subprocess.run([*GRADELAB, "submit", *args, "--server", self.url, "--token", token],
                              env=self.env, cwd=REPO, capture_output=True, text=True, timeout=1800)

    def start(self) -> None:
        self.starts += 1
        offset = self.log.stat().st_size if self.log.exists() else 0
        self.process = start_serve(self.env, self.log, self.port)

        def started():
            if self.process.poll() is not None:
                raise AssertionError(f"gradelab serve exited:\n{self.log.read_text()[-3000:]}")
            try:
                return httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200
            except httpx.TransportError:
                return False

        wait_for(started, 120, "gradelab serve to answer /healthz")
        printed = self.log.read_text()[offset:]
        self.tokens.update(re.findall(r"^Token for (\w+): (\S+)$", printed, flags=re.M))

    def crash(self) -> None:
        kill(self.process)  # kill -9 of the server and the grading it runs

    def client(self, name: str) -> httpx.Client:
        return httpx.Client(base_url=self.url, headers={"Authorization": f"Bearer {self.tokens[name]}"}, timeout=60)


@pytest.fixture
def deployment(tmp_path):
    var = tmp_path / "var"
    env = environment({"var_dir": var, "local_workers": 2, "job_lease_s": 60, "reaper_interval_s": 1,
                       **TEST_LIMITS, "run_timeout_s": 1500, "check_timeout_s": 300})
    deployment = Deployment(env, var)
    deployment.admin("assignment", "set", "toy", "--master", str(TOY))
    deployment.tokens["robot"] = deployment.admin("user", "add", "robot", "--role", "ci", "--token").splitlines()[-1]
    try:
        yield deployment
    finally:
        if deployment.process is not None:
            kill(deployment.process)
