"""The service's tables (SQLAlchemy 2). The schema itself is made by the Alembic migrations.

::

    users ──< tokens
      │
      └──< submissions >── assignments
              │  ├── uploads        the uploaded bytes (one row per submission)
              │  ├──< jobs          one per grading request (submit, regrade): the job's
              │  │                  source of truth, with its lease
              │  ├──< results       one per finished job; the newest is the current one,
              │  │                  the others are the history
              │  └──< manual_grades instructor points and comments for manual items
    assignments ──< similarity_reports   one per similarity report an instructor asked for:
                                         its state, progress and the report (similarity/)

Times are timezone-aware UTC (stored naive on SQLite, as timestamptz on PostgreSQL).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, deferred, mapped_column, relationship

ROLES = ("student", "instructor", "ci")
JOB_STATUSES = ("queued", "running", "done", "failed")
SUBMISSION_STATUSES = JOB_STATUSES
SCORE_POLICIES = ("best", "latest")


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """Aware UTC datetimes in Python, whatever the database keeps."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the database; use datetime.now(UTC)")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_name)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
    })
    type_annotation_map = {datetime: UTCDateTime(), dict[str, Any]: JSON()}


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    role: Mapped[str] = mapped_column(String(20))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    #: Touched by each accepted upload: taking this row's lock serialises one student's
    #: uploads, so the daily cap and Idempotency-Key hold under concurrent requests.
    last_submission_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Token(Base):
    __tablename__ = "tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    label: Mapped[str] = mapped_column(String(200), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)

    user: Mapped[User] = relationship(lazy="joined")


class Assignment(Base):
    __tablename__ = "assignments"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    title: Mapped[str] = mapped_column(String(300))
    notebooks: Mapped[list[str]] = mapped_column(JSON, default=list)
    #: The master directory (rubric) workers grade against: relative to the checkout root
    #: (``solutions/a2``) so workers on other machines resolve it in their own checkout.
    master: Mapped[str] = mapped_column(String(500))
    profile: Mapped[str] = mapped_column(String(10), default="smoke")
    released: Mapped[bool] = mapped_column(Boolean, default=True)
    due_at: Mapped[datetime | None] = mapped_column(nullable=True)
    hard_cutoff_at: Mapped[datetime | None] = mapped_column(nullable=True)
    late_penalty_per_day: Mapped[float] = mapped_column(Float, default=0.0)  # fraction of the total
    daily_cap: Mapped[int | None] = mapped_column(Integer, nullable=True)
    score_policy: Mapped[str] = mapped_column(String(10), default="best")
    release_zip: Mapped[bytes | None] = deferred(mapped_column(LargeBinary, nullable=True))
    release_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class Submission(Base):
    __tablename__ = "submissions"
    __table_args__ = (UniqueConstraint("submitted_by_id", "idempotency_key"),)

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id"), index=True)
    student_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    submitted_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    filename: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)

    assignment: Mapped[Assignment] = relationship(lazy="joined")
    student: Mapped[User] = relationship(foreign_keys=[student_id], lazy="joined")


class Upload(Base):
    """The uploaded file. Kept in the database so workers on any machine can read it."""

    __tablename__ = "uploads"

    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), primary_key=True)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Job(Base):
    """One request to grade a submission. The row is the job's truth; the broker only
    carries its id. Whoever holds ``lease_token`` (until ``lease_expires_at``) may write
    its result."""

    __tablename__ = "jobs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="submit")   # submit | regrade
    queue: Mapped[str] = mapped_column(String(8), default="cpu")      # cpu | gpu
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    lease_token: Mapped[str | None] = mapped_column(String(64), nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(200), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    dispatched_at: Mapped[datetime | None] = mapped_column(nullable=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    grading_s: Mapped[float | None] = mapped_column(Float, nullable=True)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)


class Result(Base):
    """What one job produced: results.json of the grading engine, as a dict."""

    __tablename__ = "results"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    job_id: Mapped[int] = mapped_column(ForeignKey("jobs.id", ondelete="CASCADE"), unique=True)
    gradable: Mapped[bool] = mapped_column(Boolean)
    score: Mapped[float] = mapped_column(Float)
    max_score: Mapped[float] = mapped_column(Float)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ManualGrade(Base):
    __tablename__ = "manual_grades"
    __table_args__ = (UniqueConstraint("submission_id", "item_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    submission_id: Mapped[str] = mapped_column(ForeignKey("submissions.id", ondelete="CASCADE"), index=True)
    item_id: Mapped[str] = mapped_column(String(100))
    score: Mapped[float] = mapped_column(Float)
    comment: Mapped[str] = mapped_column(Text, default="")
    #: SHA-256 of the answer text graded: the grade carries to the student's later submissions
    #: with the same text (None: given before answers were hashed; it stays with its submission).
    answer_sha256: Mapped[str | None] = mapped_column(String(64), nullable=True)
    grader_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SimilarityReport(Base):
    """One run of the similarity report of an assignment. Like a job, the row is its
    truth: the process making it records progress and a heartbeat here, then the report
    (``similarity.report.Report`` as a dict)."""

    __tablename__ = "similarity_reports"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    assignment_id: Mapped[str] = mapped_column(ForeignKey("assignments.id", ondelete="CASCADE"), index=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    status: Mapped[str] = mapped_column(String(16), default="queued")   # queued | running | done | failed
    owner: Mapped[str | None] = mapped_column(String(200), nullable=True)  # host:pid of the process making it
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(nullable=True)
    heartbeat_at: Mapped[datetime | None] = mapped_column(nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(nullable=True)
    progress: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    error: Mapped[str | None] = mapped_column(Text, nullable=True)
    data: Mapped[dict[str, Any] | None] = deferred(mapped_column(JSON, nullable=True))


class UploadAttempt(Base):
    """An upload of ``user``'s being checked (``refused`` false) or refused within the
    last ``refused_upload_window_s`` (true, ``at`` the refusal). An accepted upload's row is
    deleted with the transaction that stores it. Counted under the user's row lock
    (:mod:`server.crud.upload_attempts`), so every API process shares one count."""

    __tablename__ = "upload_attempts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(default=utcnow)
    refused: Mapped[bool] = mapped_column(Boolean, default=False)
