"""The one settings object: every knob GradeLab has, read from ``GRADELAB_*`` variables.

Nothing else in the project reads ``os.environ`` for configuration. Code that needs a
setting takes a ``Settings`` (or calls :func:`get_settings`), so tests build their own
instance instead of patching the environment.

Sizes are in bytes or MiB as the field name says; times are in seconds.
"""

from __future__ import annotations

import hashlib
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

#: The checkout that holds ``solutions/`` and ``assignments/`` (this file is gradelab/settings.py).
REPO_ROOT = Path(__file__).resolve().parent.parent

CIFAR10_URL = "https://www.cs.toronto.edu/~kriz/cifar-10-python.tar.gz"
COCO_CAPTIONING_URL = "http://cs231n.stanford.edu/coco_captioning.zip"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="GRADELAB_", extra="ignore")

    # --- Paths -------------------------------------------------------------------------
    root: Path = Field(REPO_ROOT, description="Checkout holding solutions/ and assignments/.")
    var_dir: Path | None = Field(None, description="State: database, blobs, data. Default <root>/var.")
    data_dir: Path | None = Field(None, description="Data sets. Default <var_dir>/data.")

    # --- Grading -----------------------------------------------------------------------
    profile: Literal["smoke", "full"] = "smoke"
    sandbox: Literal["bwrap", "docker", "none"] = "bwrap"
    allow_unsafe_sandbox: bool = Field(
        False, description="Permit --sandbox none, which runs student code unconfined."
    )
    secret_key: str | None = Field(
        None,
        description="Seeds the hidden inputs and signs nothing else. Default: a random key "
        "kept in <var_dir>/secret.key, created on first use.",
    )
    sandbox_image: str = Field("gradelab/sandbox:latest", description="Image the docker sandbox runs student code in (docker/grader.Dockerfile, target sandbox).")
    docker_binary: str = Field("docker", description="The container engine's client: docker or podman.")
    docker_runtime: str | None = Field(
        None, description="OCI runtime the container engine should use (`--runtime`), e.g. runc "
        "for podman where crun cannot handle the machine's cgroups; unset: the engine's default.")
    docker_gpus: str | None = Field("all", description="Value for `docker run --gpus`; empty for none.")

    # Sandbox limits (one run = one submission graded; a check = one rubric item).
    check_timeout_s: float = 120.0
    run_timeout_s: float = 1800.0
    memory_mb: int = 4096
    cpu_time_s: int = 3600
    max_processes: int = 256
    max_output_bytes: int = 4 * 1024 * 1024
    max_message_bytes: int = Field(
        64 * 1024 * 1024, description="Largest reply the trusted side reads from the sandbox; a bigger one is "
        "the submission's protocol failure. A correct submission's largest is the full profile's "
        "ThreeLayerConvNet weights: 16 MiB (33 MiB in float64).")
    sandbox_threads: int | None = Field(
        None, description="torch/BLAS threads per student process; 0 = every core the grader may "
        "use; unset = 1 on the smoke profile, every core on the full profile.")

    # The trusted side: the pytest session that grades and reads what the sandbox returns.
    trusted_memory_mb: int = Field(
        3072, description="Private memory (RLIMIT_DATA) of the trusted grading process; a run that needs "
        "more ends as a grader error (the reference's needs: bench/RESULTS.md).")
    series_max_points: int = Field(
        2000, ge=10, description="Points kept of each series (loss curve) in results.json; a longer one is "
        "downsampled (first, last and each stretch's minimum and maximum) and its length noted.")
    result_text_max_chars: int = Field(
        20_000, ge=200, description="Characters kept of each check's message and of what the student's "
        "code printed, in results.json.")

    # --- Data --------------------------------------------------------------------------
    cifar10_url: str = CIFAR10_URL
    coco_url: str = COCO_CAPTIONING_URL

    # --- Service -----------------------------------------------------------------------
    host: str = "127.0.0.1"
    port: int = 8000
    database_url: str | None = Field(None, description="Default: SQLite under <var_dir>.")
    broker_url: str | None = Field(None, description="Redis URL: dispatch through Celery.")
    db_pool_size: int = Field(20, description="Pooled database connections per process ...")
    db_pool_overflow: int = Field(40, description="... and how many more it may open at busy times.")
    local_workers: int = 2
    job_lease_s: float = 600.0
    reaper_interval_s: float = 15.0
    upload_max_bytes: int = 50 * 1024 * 1024
    zip_max_members: int = 2000
    zip_max_uncompressed_bytes: int = 200 * 1024 * 1024
    # Uploads the service refuses cost it work; these bound that work (issue 7).
    upload_notebook_max_bytes: int = Field(
        25 * 1024 * 1024, gt=0, description="Largest notebook accepted, alone or inside a zip (uncompressed); "
        "Assignment 2's notebooks with all their figures are a few MB.")
    refused_upload_limit: int = Field(
        10, ge=1, description="Refused uploads (413, 415, 422, 409) one user may send per window; the next "
        "upload is answered 429 with Retry-After until the oldest leaves the window.")
    refused_upload_window_s: int = Field(600, gt=0, description="The window refused uploads are counted over.")
    cpu_queue: str = Field("gradelab.cpu", description="Celery queue of CPU grading jobs.")
    gpu_queue: str = Field("gradelab.gpu", description="Celery queue of jobs that need a GPU (profile full).")
    job_max_attempts: int = Field(3, description="Claims of one job before it is marked failed.")
    job_retry_delay_s: float = Field(
        30.0, description="Seconds a job given back (a failure on our side) waits before a local worker "
        "takes it again; Celery workers get it when the reaper re-sends it.")
    job_redispatch_s: float = Field(
        60.0, description="Re-send a queued job to Celery when no worker claimed it this long after "
        "its last dispatch (a broker that lost its messages).")
    worker_nice: int = Field(19, description="Niceness of grading where the lowest CPU class (SCHED_IDLE) "
                             "cannot be had, so the API stays responsive.")
    default_daily_cap: int | None = Field(None, description="Submissions per student per day; none: no cap.")
    log_level: str = "INFO"
    # Similarity report (`gradelab similarity`, the instructors' similarity page)
    similarity_threshold: float = Field(
        0.4, ge=0.0, le=1.0, description="Share of student-written code two entries have in common at or "
        "above which a pair is flagged; the page lets an instructor set another.")
    similarity_workers: int = Field(2, ge=1, description="Processes reading and fingerprinting entries.")
    similarity_archive_dir: Path | None = Field(
        None, description="Known solutions per assignment: <dir>/<assignment id>/ holds cloned repositories "
        "(folders or zips). Default <var_dir>/similarity-archive.")
    similarity_cache_dir: Path | None = Field(None, description="Fingerprints per entry. Default <var_dir>/similarity-cache.")
    # `gradelab submit` (the light client, gradelab_client) reads GRADELAB_SERVER_URL and
    # GRADELAB_TOKEN itself: it installs without this package.

    @model_validator(mode="after")
    def _derive_paths(self) -> Settings:
        self.root = self.root.resolve()
        if self.var_dir is None:
            self.var_dir = self.root / "var"
        if self.data_dir is None:
            self.data_dir = self.var_dir / "data"
        if self.similarity_archive_dir is None:
            self.similarity_archive_dir = self.var_dir / "similarity-archive"
        if self.similarity_cache_dir is None:
            self.similarity_cache_dir = self.var_dir / "similarity-cache"
        return self

    @property
    def solutions_dir(self) -> Path:
        return self.root / "solutions"

    @property
    def assignments_dir(self) -> Path:
        return self.root / "assignments"

    def profile_data_dir(self, profile: str | None = None) -> Path:
        """Where a profile's data sets live: <data_dir>/smoke (synthetic) or <data_dir>/full."""
        return self.data_dir / (profile or self.profile)

    def secret_smoke_data_dir(self, seed: int) -> Path:
        """The synthetic sets the smoke profile grades with, drawn from the secret key's
        ``seed`` (<data_dir>/smoke is the public seed-0 set anyone can rebuild with `gradelab
        data synth`). Named by a hash of the seed: deployments (or tests) with other keys
        sharing a data directory never rewrite each other's sets under a running grader."""
        return self.data_dir / f"smoke-secret-{hashlib.sha256(str(seed).encode()).hexdigest()[:12]}"

    def resolved_database_url(self) -> str:
        return self.database_url or f"sqlite:///{self.var_dir / 'gradelab.db'}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once from the environment."""
    return Settings()
