from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field


class SubmissionAccepted(BaseModel):
    id: str
    assignment_id: str
    student: str
    status: str
    status_url: str
    replayed: bool = Field(False, description="True when an Idempotency-Key matched an earlier upload.")


class CheckProgress(BaseModel):
    index: int | None = None
    total: int | None = None
    id: str | None = None
    name: str | None = None
    outcome: str | None = None
    score: float | None = None
    max_score: float | None = None
    duration_s: float | None = None


class Progress(BaseModel):
    done: int
    total: int
    checks: list[CheckProgress] = []


class CheckPublic(BaseModel):
    id: str
    name: str
    notebook: str
    score: float
    max_score: float
    status: Literal["passed", "failed"]
    visibility: str
    outcome: str = Field(description="passed, wrong, not_implemented, timeout ...; only passed/failed "
                                     "(or not_implemented) for checks whose details are hidden from you")
    label: str = Field("", description="The outcome as a person reads it ('not implemented').")
    output: str | None = Field(None, description="The check's message; null where it is hidden from you.")
    details: dict[str, Any] | None = None


class ManualItemPublic(BaseModel):
    id: str
    name: str
    notebook: str
    max_score: float
    answer: str | None
    score: float | None = Field(None, description="Points that count; null until graded.")
    comment: str = ""
    state: str = Field("ungraded", description="graded, carried (same text graded on another submission of "
                                               "yours), changed (graded before, text changed since: to grade "
                                               "again), ungraded, or blank (nothing written: 0, nothing to grade)")
    graded_on: str | None = Field(None, description="The submission the grade was given on.")


class ScorePublic(BaseModel):
    automatic: float
    automatic_max: float
    manual: float
    manual_max: float
    total: float
    max_total: float
    late_days: int
    late_penalty: float = Field(description="Fraction of the total taken off for lateness.")
    final: float = Field(description="The total after the late penalty.")
    ungraded: int = Field(0, description="Free-text answers not graded yet (they count 0 until graded).")
    ungraded_points: float = Field(0.0, description="The points those answers are worth.")


class SubmissionSummary(BaseModel):
    id: str
    assignment_id: str
    student: str
    filename: str
    status: str
    submitted_at: datetime
    status_url: str
    score: ScorePublic | None = None
    counts: bool | None = Field(None, description="Whether this is the submission that counts for its student "
                                                  "(the assignment's score policy); null while none is graded.")
    to_grade: int = Field(0, description="Free-text answers of this submission waiting for a person.")
    failure: Literal["submission", "infrastructure"] | None = Field(
        None, description="Whose failure a submission without a score is: the submission's own (the reason says "
                          "what to upload instead) or ours (infrastructure: retried, then failed for staff; it "
                          "counts neither as a score nor toward the daily cap).")
    reason: str | None = Field(None, description="Why the submission could not be graded. Students read a plain "
                                                 "sentence for our failures; instructors also read the error.")


class SubmissionPublic(SubmissionSummary):
    size: int
    submitted_by: str
    progress: Progress | None = Field(None, description="While queued or running: checks done so far.")
    gradable: bool | None = None
    staff_detail: str | None = Field(None, description="Instructors only: what failed on our side, in full (the "
                                                       "exception, the grading log's tail).")
    graded_at: datetime | None = None
    checks: list[CheckPublic] = []
    manual_items: list[ManualItemPublic] = []
    result_count: int = Field(0, description="Results so far: more than one after a regrade.")
    score_policy: str = Field("best", description="Which submission counts: best or latest.")
    counted_id: str | None = Field(None, description="The submission that counts for this student and assignment.")
    page_url: str = Field("", description="The submission's web page.")


class SubmissionStatus(BaseModel):
    """The compact view for polling: what changes while a submission is graded."""

    id: str
    status: str
    done: int = Field(0, description="Checks finished so far.")
    total: int | None = Field(None, description="Checks in the run; null until the run has planned them.")
    score: float | None = Field(None, description="Final score once graded.")
    max_score: float | None = None
    ungraded: int = Field(0, description="Free-text answers still to be graded by a person.")
    graded_at: datetime | None = Field(None, description="When the current result was stored.")
    page_url: str


class SubmissionsPublic(BaseModel):
    data: list[SubmissionSummary]
    count: int


class ResultPublic(BaseModel):
    id: int
    job_id: int
    kind: str
    created_at: datetime
    gradable: bool
    score: float
    max_score: float
    grading_s: float | None
    data: dict[str, Any]


class ResultsPublic(BaseModel):
    data: list[ResultPublic]
    count: int


class RegradeAccepted(BaseModel):
    queued: list[str] = Field(description="Submissions given a new job.")
    skipped: int = Field(0, description="Submissions left alone: a job of theirs is in flight already.")


class ManualGradeUpdate(BaseModel):
    score: float = Field(ge=0)
    comment: str = Field("", max_length=20000)


class ManualGradePublic(BaseModel):
    submission_id: str
    item_id: str
    score: float
    max_score: float
    comment: str
    grader: str
    updated_at: datetime
