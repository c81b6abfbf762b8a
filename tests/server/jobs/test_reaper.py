"""The reaper takes back jobs of dead or silent workers, and re-sends jobs the broker lost."""

from __future__ import annotations

import socket
import subprocess
import sys
from datetime import timedelta

from sqlalchemy import update

from server.jobs import lease
from server.jobs.reaper import Reaper, owner_is_dead
from server.models import Job, utcnow
from tests.server.factories import add_submission, toy_zip


def dead_pid() -> int:
    process = subprocess.Popen([sys.executable, "-c", "pass"])
    process.wait()
    return process.pid


def test_owner_is_dead_only_for_a_gone_process_of_this_host():
    host = socket.gethostname()
    assert owner_is_dead(f"{host}:{dead_pid()}:local0-1")
    assert not owner_is_dead(f"{host}:{subprocess.os.getpid()}:local0-1")
    assert not owner_is_dead(f"another-host:{dead_pid()}:celery-1")  # we cannot tell: wait for the lease
    assert not owner_is_dead(None) and not owner_is_dead("garbage")


def test_a_killed_process_not_yet_reaped_counts_as_dead():
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    process.kill()
    try:
        import time

        time.sleep(0.2)  # a zombie until we wait() for it
        assert owner_is_dead(f"{socket.gethostname()}:{process.pid}:x")
    finally:
        process.wait()


def test_jobs_of_dead_local_workers_are_requeued_at_once(database, settings, toy):
    _, dead_job = add_submission(database, toy_zip())
    _, live_job = add_submission(database, toy_zip(), student="bob")
    _, remote_job = add_submission(database, toy_zip(), student="carol")
    lease.claim(database, dead_job, f"{socket.gethostname()}:{dead_pid()}:local0-1", 600)
    lease.claim(database, live_job, f"{socket.gethostname()}:{subprocess.os.getpid()}:local1-2", 600)
    lease.claim(database, remote_job, "gpu-box-7:1234:celery-9", 600)
    report = Reaper(database, settings, None).tick()
    assert report.requeued == [dead_job] and report.failed == []
    later = Reaper(database, settings, None).tick(now=utcnow() + timedelta(seconds=601))
    assert sorted(later.requeued) == [live_job, remote_job]


def test_a_job_that_keeps_killing_its_worker_fails_after_its_attempts(database, settings, toy):
    settings.job_max_attempts = 2
    submission_id, job_id = add_submission(database, toy_zip())
    for _ in range(2):
        lease.claim(database, job_id, "elsewhere:1:x", 1)
        report = Reaper(database, settings, None).tick(now=utcnow() + timedelta(seconds=10))
    assert report.failed == [job_id]
    with database.session() as session:
        job = session.get(Job, job_id)
        assert job.status == "failed" and "stopped renewing the lease (attempt 2)" in job.error


def test_queued_jobs_the_broker_never_got_are_sent_again(database, settings, toy):
    settings.job_redispatch_s = 60
    sent = []
    _, never_sent = add_submission(database, toy_zip())
    _, sent_long_ago = add_submission(database, toy_zip(), student="bob")
    _, sent_just_now = add_submission(database, toy_zip(), student="carol")
    with database.session() as session:
        session.execute(update(Job).where(Job.id == sent_long_ago).values(dispatched_at=utcnow() - timedelta(hours=1)))
        session.execute(update(Job).where(Job.id == sent_just_now).values(dispatched_at=utcnow()))
    report = Reaper(database, settings, lambda job_id, queue: sent.append((job_id, queue))).tick()
    assert report.dispatched == sent_ids(sent) == [never_sent, sent_long_ago]
    assert sent[0][1] == "cpu"


def test_a_broker_that_is_down_stops_the_round_and_loses_nothing(database, settings, toy):
    add_submission(database, toy_zip())
    add_submission(database, toy_zip(), student="bob")

    def refuse(job_id, queue):
        raise ConnectionError("broker down")

    assert Reaper(database, settings, refuse).tick().dispatched == []
    assert len(lease.queued_jobs(database)) == 2


def sent_ids(sent):
    return [job_id for job_id, _ in sent]


def test_stale_jobs_are_not_sent_again_while_their_queue_holds_messages(database, settings, toy):
    """A long queue in a deadline rush is not a lost message: no duplicates then."""
    settings.job_redispatch_s = 60
    _, stale = add_submission(database, toy_zip())
    _, unsent = add_submission(database, toy_zip(), student="bob")
    with database.session() as session:
        session.execute(update(Job).where(Job.id == stale).values(dispatched_at=utcnow() - timedelta(hours=1)))
    sent, waiting = [], {"cpu": 5}
    reaper = Reaper(database, settings, lambda job_id, queue: sent.append(job_id), lambda queue: waiting[queue])
    assert reaper.tick().dispatched == [unsent]  # never sent: always sent
    waiting["cpu"] = 0  # the broker lost its messages
    assert stale in reaper.tick().dispatched
