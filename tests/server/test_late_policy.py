from datetime import UTC, datetime, timedelta

import pytest

from server.errors import PastCutoff, TooManySubmissions
from server.late_policy import check_cutoff, check_daily_cap, days_late, late_penalty

DUE = datetime(2026, 5, 1, 23, 59, tzinfo=UTC)


@pytest.mark.parametrize(("after", "days"), [
    (timedelta(seconds=-1), 0), (timedelta(0), 0), (timedelta(seconds=1), 1),
    (timedelta(days=1), 1), (timedelta(days=1, seconds=1), 2), (timedelta(days=9, hours=3), 10)])
def test_a_started_day_late_counts_as_a_day(after, days):
    assert days_late(DUE + after, DUE) == days


def test_no_due_date_is_never_late():
    assert days_late(DUE, None) == 0


def test_the_penalty_grows_per_day_and_stops_at_everything():
    assert late_penalty(0, 0.1) == 0
    assert late_penalty(3, 0.1) == pytest.approx(0.3)
    assert late_penalty(15, 0.1) == 1.0


def test_after_the_hard_cutoff_uploads_are_refused_saying_so():
    check_cutoff("a2", DUE, DUE)  # at the cutoff itself: still accepted
    with pytest.raises(PastCutoff, match="a2 closed at 2026-05-01T23:59:00"):
        check_cutoff("a2", DUE, DUE + timedelta(seconds=1))


def test_the_daily_cap_says_when_the_next_upload_is_accepted():
    now = DUE
    recent = [now - timedelta(hours=20), now - timedelta(hours=5), now - timedelta(hours=1)]
    check_daily_cap("a2", 4, recent, now)
    check_daily_cap("a2", None, recent, now)
    with pytest.raises(TooManySubmissions) as refused:
        check_daily_cap("a2", 3, recent, now)
    assert refused.value.retry_after_s == 4 * 3600  # the 20-hour-old one ages out in 4 hours
    assert "3 submissions of a2 in the last 24 hours" in refused.value.message
    with pytest.raises(TooManySubmissions) as refused:
        check_daily_cap("a2", 2, recent, now)
    assert refused.value.retry_after_s == 19 * 3600  # two must age out: the 5-hour-old one too
