"""What a similarity report compares in the service: each student's counted submission."""

from __future__ import annotations

from sqlalchemy import update

from server.crud.similarity import counted_submissions
from server.models import Assignment
from tests.server.factories import add_submission, finish_queued_jobs, toy_zip


def test_each_student_is_compared_by_their_counted_submission(database, toy, toy_results):
    # alice: a good graded one, then a worse graded one, then one not graded yet.
    good, _ = add_submission(database, toy_zip(), student="alice")
    finish_queued_jobs(database, toy_results["reference"])
    worse, _ = add_submission(database, toy_zip("wrong_relu"), student="alice")
    finish_queued_jobs(database, toy_results["wrong_relu"])
    add_submission(database, toy_zip("stub_ops"), student="alice")
    # bob: nothing graded yet, twice.
    add_submission(database, toy_zip(), student="bob")
    bob_latest, _ = add_submission(database, toy_zip("wrong_relu"), student="bob")

    with database.session() as session:
        best = {c.student: c.submission_id for c in counted_submissions(session, session.get(Assignment, "toy"))}
        session.execute(update(Assignment).where(Assignment.id == "toy").values(score_policy="latest"))
        session.commit()
        latest = {c.student: c.submission_id for c in counted_submissions(session, session.get(Assignment, "toy"))}
    assert best == {"alice": good, "bob": bob_latest}
    assert latest == {"alice": worse, "bob": bob_latest}
