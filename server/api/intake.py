"""Taking in a submission: the one path every upload takes, from the API or a web form.

Everything is checked before anything is stored: the caller, the assignment, the cutoff,
the daily cap and the limit on refused uploads before the body is read; its size while it
streams; then its content, one member at a time. A refused upload stores nothing but its
place in the count of refused uploads (:mod:`server.crud.upload_attempts`).
Only a submission that passed all of that becomes rows (submission, upload, job), and
its job is dispatched after the rows are committed, so a crash in between loses nothing
(the reaper sends queued jobs the broker never got).
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from pathlib import Path

from sqlalchemy.orm import Session
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request

from gradelab.settings import Settings
from server.api.upload import receive_file
from server.api.views import status_url
from server.core.logging import submission_context
from server.core.private_files import private_directory
from server.crud import submissions as crud
from server.crud import upload_attempts as attempts
from server.crud.assignments import get_assignment, master_path
from server.crud.users import require_user
from server.errors import Forbidden, InvalidInput
from server.jobs.runtime import JobRuntime
from server.models import Submission, User
from server.schemas.submissions import SubmissionAccepted
from server.validation import upload_kind, validate_submission

log = logging.getLogger("gradelab.api")


async def accept_upload(request: Request, *, session: Session, settings: Settings, runtime: JobRuntime,
                        user: User, assignment_id: str, student: str | None = None,
                        idempotency_key: str | None = None) -> SubmissionAccepted:
    """Read the multipart file part ``file`` of ``request`` as ``user``'s upload to
    ``assignment_id`` (CI and instructors: on behalf of ``student``); store and dispatch it.

    Raises a :class:`server.errors.ServiceError` saying what is wrong; nothing is stored then.
    A retried upload with the same ``idempotency_key`` returns the first one (``replayed``).
    """
    def precheck():
        target = get_assignment(session, assignment_id, user)
        owner = _owner(session, user, student)
        replay = crud.find_replay(session, user, idempotency_key)
        replayed = accepted_body(replay, replayed=True) if replay is not None else None
        if replay is None:
            crud.check_can_submit(session, target, owner, user)
        session.commit()  # end the read transaction: the body may take a while to arrive
        return target, owner, replay, replayed

    target, owner, replay, replayed = await run_in_threadpool(precheck)
    place = await run_in_threadpool(attempts.take_place, session, user, limit=settings.refused_upload_limit,
                                    window_s=settings.refused_upload_window_s)
    answered = False  # stored, or the replay of a stored upload: the place is given back
    directory = None
    try:
        scratch = private_directory(Path(settings.var_dir) / "tmp")
        directory = Path(tempfile.mkdtemp(prefix="upload-", dir=scratch))
        received = await receive_file(request, directory, field_name="file", max_bytes=settings.upload_max_bytes)
        if replay is not None:
            crud.check_replay(replay, target, owner, received.sha256)

            def release():
                attempts.give_back(session, place)
                session.commit()

            await run_in_threadpool(release)
            answered = True
            return replayed
        upload_kind(received.path, received.head)
        master = master_path(settings, target.master)
        await run_in_threadpool(validate_submission, received.path, master, settings)

        def store():
            accepted = crud.create_submission(
                session, assignment=target, student=owner, submitter=user, filename=received.filename,
                data=received.path.read_bytes(), sha256=received.sha256, idempotency_key=idempotency_key)
            attempts.give_back(session, place)
            session.commit()
            return accepted.job, accepted_body(accepted.submission, replayed=accepted.replayed)

        job, body = await run_in_threadpool(store)
        answered = True
    finally:
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)
        if not answered:  # refused, or the client went away: it counts either way
            await run_in_threadpool(attempts.keep_as_refusal, session, place)
    if job is not None:
        with submission_context(body.id):
            log.info("submission accepted", extra={"assignment": target.id, "student": owner.name,
                                                   "bytes": received.size, "job_id": job.id})
        await run_in_threadpool(runtime.submit, job.id, job.queue)
    return body


def _owner(session: Session, user: User, student: str | None) -> User:
    """Whose submission this is: the caller, or (CI, instructors) the named student."""
    if user.role == "student":
        if student not in (None, user.name):
            raise Forbidden("a student token submits only its own work; leave out ?student=")
        return user
    if user.role == "ci" and not student:
        raise InvalidInput("a CI token submits on behalf of a student: add ?student=NAME")
    if not student:
        return user
    owner = require_user(session, student)
    if owner.role != "student":
        raise InvalidInput(f"{student!r} is not a student")
    return owner


def accepted_body(submission: Submission, *, replayed: bool) -> SubmissionAccepted:
    return SubmissionAccepted(id=submission.id, assignment_id=submission.assignment_id,
                              student=submission.student.name, status=submission.status,
                              status_url=status_url(submission.id), replayed=replayed)
