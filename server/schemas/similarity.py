"""Similarity reports as the API shows them (instructors only)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict


class SimilarityProgress(BaseModel):
    stage: str          # "reading", "comparing code", "comparing answers"
    done: int
    total: int


class SimilarityReportPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    assignment_id: str
    status: str                                  # queued | running | done | failed
    created_at: datetime
    started_at: datetime | None = None
    finished_at: datetime | None = None
    progress: SimilarityProgress | None = None
    error: str | None = None
    page_url: str | None = None
    #: similarity.report.Report as stored (entries, skipped, code and answers pairs, sources)
    report: dict[str, Any] | None = None
