from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class AssignmentUpsert(BaseModel):
    """Create or update an assignment. Fields left out keep their current value (or the
    default, for a new assignment)."""

    title: str | None = Field(None, max_length=300)
    master: str | None = Field(
        None, description="Master directory on the grading machines (rubric). Default solutions/<id>.")
    release_dir: str | None = Field(
        None, description="Release directory on the server to serve for download. Default: "
        "assignments/<id> when it holds RELEASE.json, else the master released in memory.")
    profile: Literal["smoke", "full"] | None = Field(
        None, description="Grading profile; full jobs go to the GPU queue.")
    released: bool | None = None
    due_at: datetime | None = None
    hard_cutoff_at: datetime | None = Field(None, description="After this, uploads are refused (403).")
    late_penalty_per_day: float | None = Field(
        None, ge=0, le=1, description="Fraction of the total taken per started day late.")
    daily_cap: int | None = Field(None, ge=1, description="Submissions per student per 24 hours.")
    score_policy: Literal["best", "latest"] | None = Field(None, description="Which submission the gradebook counts.")

    @model_validator(mode="after")
    def _times_are_aware(self) -> AssignmentUpsert:
        for name in ("due_at", "hard_cutoff_at"):
            value = getattr(self, name)
            if value is not None and value.tzinfo is None:
                raise ValueError(f"{name} needs a time zone, e.g. 2026-05-01T23:59:00Z")
        return self


class AssignmentPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: str
    title: str
    notebooks: list[str]
    profile: str
    released: bool
    due_at: datetime | None
    hard_cutoff_at: datetime | None
    late_penalty_per_day: float
    daily_cap: int | None
    score_policy: str
    download_url: str | None = None
    updated_at: datetime


class AssignmentsPublic(BaseModel):
    data: list[AssignmentPublic]
    count: int
