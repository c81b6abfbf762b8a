"""Scale-out for real: PostgreSQL, Redis and `gradelab worker` processes (Celery).

Each test has its own PostgreSQL database and its own queue names on the shared Redis
(or its own redis-server where Redis is restarted), so nothing else is disturbed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
import redis
from sqlalchemy import func, select

from server.core.db import Database
from server.core.migrate import upgrade
from server.models import Job, Result, Submission
from tests.server.conftest import TEST_LIMITS, LiveServer, make_settings
from tests.server.factories import add_user, auth, register_toy, toy_zip, upload
from tests.server.postgres import private_database
from tests.server.processes import environment, free_port, kill, start_redis, start_worker, wait_for

pytestmark = [pytest.mark.needs_postgres, pytest.mark.needs_redis]

SHARED_REDIS = "redis://127.0.0.1:6379/5"


@dataclass
class ScaleOut:
    settings: object
    database: Database
    env: dict[str, str]
    logs: Path
    tokens: dict[str, str]

    def worker(self, name: str = "w1", queues: str = "cpu"):
        return start_worker(self.env, self.logs / f"{name}.log", queues=queues, name=name)

    def statuses(self, ids) -> dict[str, str]:
        with self.database.session() as session:
            return dict(session.execute(select(Submission.id, Submission.status).where(Submission.id.in_(ids))).all())

    def wait_done(self, ids, timeout: float = 180) -> None:
        wait_for(lambda: set(self.statuses(ids).values()) == {"done"}, timeout,
                 f"submissions {ids} to be graded (logs in {self.logs})", interval=0.5)

    def results_per_submission(self) -> dict[str, int]:
        with self.database.session() as session:
            return dict(session.execute(select(Result.submission_id, func.count()).group_by(Result.submission_id)).all())


@pytest.fixture
def broker_url(request):
    """The shared Redis (own queue names), or with the parameter "own" a private redis-server."""
    if getattr(request, "param", None) == "own":
        return request.getfixturevalue("own_redis").url
    return SHARED_REDIS


@pytest.fixture
def scaleout(tmp_path, broker_url):
    prefix = f"gradelab-test-{uuid.uuid4().hex[:8]}"
    with private_database() as url:
        values = {"var_dir": tmp_path / "var", "database_url": url, "broker_url": broker_url,
                  "cpu_queue": f"{prefix}.cpu", "gpu_queue": f"{prefix}.gpu", "job_lease_s": 6,
                  "reaper_interval_s": 0.5, "job_redispatch_s": 3, "local_workers": 1, **TEST_LIMITS}
        settings = make_settings(**values)
        upgrade(settings)
        database = Database(url)
        register_toy(database, settings)
        tokens = {"alice": add_user(database, "alice"), "prof": add_user(database, "prof", "instructor")}
        logs = tmp_path / "logs"
        logs.mkdir()
        try:
            yield ScaleOut(settings, database, environment(values), logs, tokens)
        finally:
            database.dispose()
            client = redis.Redis.from_url(broker_url, socket_connect_timeout=1)
            try:  # the queues and kombu's bindings of them
                names = list(client.scan_iter(match=f"*{prefix}*"))
                if names:
                    client.delete(*names)
            except redis.RedisError:
                pass


@pytest.fixture
def api(scaleout):
    from server.app import create_app

    with LiveServer(create_app(scaleout.settings)) as live, httpx.Client(base_url=live.url, timeout=60) as client:
        yield client


def submit(api, scaleout, mutate=None) -> str:
    response = upload(api, scaleout.tokens["alice"], toy_zip(mutate))
    assert response.status_code == 202, response.text
    return response.json()["id"]


def test_celery_workers_grade_and_gpu_jobs_wait_for_a_gpu_worker(scaleout, api):
    health = api.get("/healthz").json()
    assert "memory_cap" in health.pop("sandbox")
    assert health == {"status": "ok", "database": "ok", "queue": "ok", "dispatch": "celery"}
    worker = scaleout.worker()
    try:
        ids = [submit(api, scaleout), submit(api, scaleout, "wrong_relu")]
        scaleout.wait_done(ids)
        scores = [api.get(f"/api/v1/submissions/{i}", headers=auth(scaleout.tokens["alice"])).json()["score"]["automatic"]
                  for i in ids]
        assert scores == [5.0, 4.0]

        # The full profile needs the GPU: its job goes to the gpu queue, which this worker does not serve.
        api.put("/api/v1/assignments/toy", json={"profile": "full"}, headers=auth(scaleout.tokens["prof"]))
        gpu_job = submit(api, scaleout)
        broker = redis.Redis.from_url(scaleout.settings.broker_url)
        wait_for(lambda: broker.llen(scaleout.settings.gpu_queue) == 1, 10, "the job on the gpu queue")
        assert scaleout.statuses([gpu_job]) == {gpu_job: "queued"}
        gpu_worker = scaleout.worker("gpu1", queues="gpu")
        try:
            scaleout.wait_done([gpu_job])
        finally:
            kill(gpu_worker)
    finally:
        kill(worker)
    assert scaleout.results_per_submission() == {i: 1 for i in [*ids, gpu_job]}
    assert "gradelab_grading_seconds_count 3.0" in api.get("/metrics").text


@pytest.mark.slow
def test_kill_9_of_a_worker_mid_grade_is_graded_by_another_worker_once(scaleout, api):
    workers = {name: scaleout.worker(name) for name in ("w1", "w2")}
    try:
        submission = submit(api, scaleout)

        def running_owner():
            with scaleout.database.session() as session:
                job = session.scalar(select(Job).where(Job.submission_id == submission))
                return job.lease_owner if job.status == "running" else None

        owner = wait_for(running_owner, 60, "a worker to start grading")
        pid = int(owner.split(":")[1])
        victim = next(name for name, process in workers.items() if process.pid == pid)
        kill(workers.pop(victim))  # kill -9, mid-grade: the toy's first check alone takes seconds
        scaleout.wait_done([submission])
    finally:
        for process in workers.values():
            kill(process)
    with scaleout.database.session() as session:
        job = session.scalar(select(Job).where(Job.submission_id == submission))
        assert job.attempts == 2 and str(workers and next(iter(workers.values())).pid) in job.lease_owner
    assert scaleout.results_per_submission() == {submission: 1}


class OwnRedis:
    """A private redis-server that a test may restart (losing every message)."""

    def __init__(self, directory: Path):
        self.directory, self.port = directory, free_port()
        self.process = start_redis(self.port, directory)

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def restart(self) -> None:
        kill(self.process)
        self.process = start_redis(self.port, self.directory)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path / "redis")
    yield server
    kill(server.process)


@pytest.mark.slow
@pytest.mark.parametrize("broker_url", ["own"], indirect=True)
def test_a_redis_restart_with_jobs_queued_loses_nothing(scaleout, api, own_redis):
    worker = scaleout.worker()
    try:
        ids = [submit(api, scaleout) for _ in range(3)]
        # One job is being graded; the others wait in Redis when it dies and comes back empty.
        wait_for(lambda: "running" in scaleout.statuses(ids).values(), 60, "grading to start")
        broker = redis.Redis(port=own_redis.port)
        assert broker.llen(scaleout.settings.cpu_queue) >= 1
        own_redis.restart()
        assert broker.llen(scaleout.settings.cpu_queue) == 0  # the queued messages are gone
        scaleout.wait_done(ids)
    finally:
        kill(worker)
    assert scaleout.results_per_submission() == {i: 1 for i in ids}


@pytest.mark.slow
@pytest.mark.parametrize("broker_url", ["own"], indirect=True)
def test_uploads_while_the_broker_is_down_are_kept_and_graded_when_it_is_back(scaleout, api, own_redis):
    kill(own_redis.process)
    health = api.get("/healthz")
    assert health.status_code == 503 and health.json()["queue"].startswith("unavailable")
    submission = submit(api, scaleout)  # accepted all the same: the row is the job
    assert scaleout.statuses([submission]) == {submission: "queued"}
    own_redis.restart()
    worker = scaleout.worker()
    try:
        scaleout.wait_done([submission])
    finally:
        kill(worker)
    assert api.get("/healthz").status_code == 200
    assert scaleout.results_per_submission() == {submission: 1}
