"""The limit on refused uploads: at most ``refused_upload_limit`` per user in any
``refused_upload_window_s``, counting the uploads still being checked.

An upload takes a place before its body is read (:func:`take_place`) and, when it is
answered, gives it back (:func:`give_back`: stored) or keeps it as a refusal
(:func:`keep_as_refusal`). Counting places, not only refusals, is what makes parallel
uploads unable to pass the limit: a refusal is known only after the body is read and
checked, so twenty uploads sent at once would all have found the count still under it.

Places are rows of ``upload_attempts`` counted under the user's row lock (an UPDATE of
the row: a row lock on PostgreSQL, the write lock on SQLite), so every API process and
the web form share one count and two requests never both take the last place.
A place whose process died is counted until it leaves the window. A 429 says which it
is: refusals (wait until the oldest leaves the window) or uploads still being checked
(send again in a few seconds).
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from server.errors import TooManyRefusedUploads
from server.models import UploadAttempt, User, utcnow

#: Retry-After when the places are held by uploads still being checked (they take seconds).
CHECKING_RETRY_S = 5


def take_place(session: Session, user: User, *, limit: int, window_s: int) -> int:
    """A place for one upload of ``user``'s (its id), or :class:`TooManyRefusedUploads`
    when ``limit`` uploads of theirs were refused or are being checked in the window."""
    now = utcnow()
    since = now - timedelta(seconds=window_s)
    session.execute(update(User).where(User.id == user.id).values(id=User.id)
                    .execution_options(synchronize_session=False))  # the lock: one counter at a time
    session.execute(delete(UploadAttempt).where(UploadAttempt.user_id == user.id, UploadAttempt.at < since))
    counts = {refused: (number, oldest) for refused, number, oldest in session.execute(
        select(UploadAttempt.refused, func.count(), func.min(UploadAttempt.at))
        .where(UploadAttempt.user_id == user.id).group_by(UploadAttempt.refused))}
    refused, oldest_refusal = counts.get(True, (0, None))
    checking = counts.get(False, (0, None))[0]
    if refused >= limit:
        session.commit()  # keep the clean-up, free the lock
        free_at = oldest_refusal + timedelta(seconds=window_s)
        wait_s = math.ceil((free_at - now).total_seconds())
        raise TooManyRefusedUploads(_wait_message(limit, window_s, free_at, wait_s), retry_after_s=wait_s)
    if refused + checking >= limit:
        session.commit()
        raise TooManyRefusedUploads(
            f"{checking} uploads of yours are still being checked and {refused} were refused in the last "
            f"{_window(window_s)}; at most {limit} may be both, so that uploads sent at once cannot pass the "
            f"limit on refused ones. Send this one again when an earlier one is answered, in a few seconds "
            f"(see Retry-After)", retry_after_s=CHECKING_RETRY_S)
    place = UploadAttempt(user_id=user.id, at=now, refused=False)
    session.add(place)
    session.commit()
    return place.id


def give_back(session: Session, place: int) -> None:
    """The upload was stored (or was the replay of a stored one): it no longer counts.
    Call it inside the transaction that stores the upload."""
    session.execute(delete(UploadAttempt).where(UploadAttempt.id == place))


def keep_as_refusal(session: Session, place: int) -> None:
    """The upload was refused: it counts for a window from now."""
    session.rollback()  # whatever the failed request left half done
    session.execute(update(UploadAttempt).where(UploadAttempt.id == place).values(refused=True, at=utcnow()))
    session.commit()


def _window(window_s: int) -> str:
    return f"{window_s // 60} minutes" if window_s % 60 == 0 else f"{window_s} seconds"


def _wait_message(limit: int, window_s: int, free_at: datetime, wait_s: int) -> str:
    wait = f"{math.ceil(wait_s / 60)} minutes" if wait_s > 90 else f"{wait_s} seconds"
    return (f"{limit} of your uploads in the last {_window(window_s)} were refused, the most allowed; read why the "
            f"earlier ones were refused, fix the file, and try again after {free_at:%H:%M:%S} UTC (in {wait})")
