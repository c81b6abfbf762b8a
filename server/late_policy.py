"""Deadlines: late days and their penalty, the hard cutoff, and the daily submission cap.

A submission is late by whole started days after the due date (one second late is one
day). Its penalty is ``late_penalty_per_day`` per late day, at most the whole score.
The daily cap counts a student's submissions to one assignment in the 24 hours before now.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta

from server.errors import PastCutoff, TooManySubmissions

DAY = timedelta(days=1)


def days_late(submitted_at: datetime, due_at: datetime | None) -> int:
    if due_at is None or submitted_at <= due_at:
        return 0
    return math.ceil((submitted_at - due_at) / DAY)


def late_penalty(days: int, per_day: float) -> float:
    """Fraction of the total taken off: 0 (on time) to 1 (everything)."""
    return min(1.0, max(0.0, days * per_day))


def check_cutoff(assignment_id: str, hard_cutoff_at: datetime | None, now: datetime) -> None:
    if hard_cutoff_at is not None and now > hard_cutoff_at:
        raise PastCutoff(f"{assignment_id} closed at {hard_cutoff_at.isoformat()} (its hard cutoff); "
                         "no more submissions are accepted. Ask your instructor for an extension.")


def check_daily_cap(assignment_id: str, cap: int | None, recent: Sequence[datetime], now: datetime) -> None:
    """``recent``: when the student's submissions of the last 24 hours were made."""
    if cap is None or len(recent) < cap:
        return
    # The oldest submission that keeps the count at the cap must age out of the window.
    frees_at = sorted(recent)[len(recent) - cap] + DAY
    retry_after = math.ceil((frees_at - now).total_seconds())
    raise TooManySubmissions(
        f"you have made {len(recent)} submissions of {assignment_id} in the last 24 hours, the most allowed "
        f"is {cap}; the next one is accepted in {_human(retry_after)}.", retry_after)


def _human(seconds: int) -> str:
    hours, rest = divmod(max(seconds, 1), 3600)
    minutes = math.ceil(rest / 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min"
