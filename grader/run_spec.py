"""What one grading run needs to know, handed from ``grade()`` to the trusted pytest session.

Written as JSON into the run's private directory; the pytest plugin reads it back. It holds
paths and numbers only: the secret key stays with ``grade()``, which passes just the
per-submission seed derived from it.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from grader.sandbox import Launcher, Limits, make_launcher


@dataclass
class SandboxChoice:
    name: str = "bwrap"
    allow_unsafe: bool = False
    image: str = "gradelab/sandbox:latest"
    docker_binary: str = "docker"
    gpus: str | None = "all"
    docker_runtime: str | None = None

    def launcher(self) -> Launcher:
        """The launcher chosen; raises SandboxUnavailable when it cannot run here."""
        return make_launcher(self.name, allow_unsafe=self.allow_unsafe, image=self.image,
                             docker_binary=self.docker_binary, gpus=self.gpus,
                             docker_runtime=self.docker_runtime)


@dataclass
class RunSpec:
    assignment_id: str
    assignment_dir: Path          # the master: reference package, notebooks, grading/
    package: str
    submission_dir: Path          # staged: student files + pristine provided files
    runtime_dir: Path             # what the sandbox gets: student_side/ + scenarios/
    results_path: Path
    inputs_dir: Path | None = None   # large inputs shared read-only with the sandbox (wire.FileSpill)
    profile: str = "smoke"
    data_dir: Path | None = None
    device: str = "cpu"
    hidden_seed: int = 0
    graded_notebooks: list[str] | None = None   # None: all parts; else only these notebooks
    parts: list[str] | None = None              # notebooks the caller chose to grade (None: all)
    unreadable: dict[str, str] = field(default_factory=dict)   # notebook -> why it was dropped
    sandbox: SandboxChoice = field(default_factory=SandboxChoice)
    limits: Limits = field(default_factory=Limits)
    progress_fd: int | None = None

    def to_json(self) -> str:
        data = asdict(self)
        return json.dumps(data, default=str, indent=2)

    @classmethod
    def from_json(cls, text: str) -> RunSpec:
        data: dict[str, Any] = json.loads(text)
        for key in ("assignment_dir", "submission_dir", "runtime_dir", "results_path"):
            data[key] = Path(data[key])
        if data.get("inputs_dir"):
            data["inputs_dir"] = Path(data["inputs_dir"])
        if data.get("data_dir"):
            data["data_dir"] = Path(data["data_dir"])
        data["sandbox"] = SandboxChoice(**data["sandbox"])
        data["limits"] = Limits(**data["limits"])
        return cls(**data)
