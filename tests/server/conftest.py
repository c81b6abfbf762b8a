"""Fixtures of the service tests: settings in a private var/, a migrated SQLite database,
the app under httpx (TestClient), users, and real toy grading results."""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
import uvicorn

from gradelab.settings import Settings
from server.core.db import Database
from server.core.migrate import upgrade
from tests.server.factories import TOY, add_user, register_toy, toy_directory

#: Limits small enough for the toy assignment (each check takes milliseconds).
TEST_LIMITS = {"check_timeout_s": 20, "run_timeout_s": 300, "memory_mb": 1024, "max_processes": 64,
               "max_output_bytes": 1 << 20}


def make_settings(var_dir: Path, **overrides) -> Settings:
    values = {"var_dir": var_dir, "local_workers": 0, "job_lease_s": 60, "reaper_interval_s": 3600,
              "broker_url": None, "database_url": None, "profile": "smoke", "sandbox": "bwrap",
              **TEST_LIMITS, **overrides}
    return Settings(**values)


@pytest.fixture(scope="session")
def migrated_template(tmp_path_factory) -> Path:
    """A SQLite database at the newest migration, copied by each test (migrating is slow)."""
    var = tmp_path_factory.mktemp("template")
    upgrade(make_settings(var))
    return var / "gradelab.db"


@pytest.fixture
def settings(tmp_path, migrated_template) -> Settings:
    var = tmp_path / "var"
    var.mkdir()
    shutil.copyfile(migrated_template, var / "gradelab.db")
    return make_settings(var)


@pytest.fixture
def database(settings):
    database = Database(settings.resolved_database_url())
    yield database
    database.dispose()


@pytest.fixture
def toy(database, settings):
    """The toy assignment, registered with no deadline."""
    register_toy(database, settings)
    return TOY


class LiveServer:
    """The app under uvicorn in a thread, on a free loopback port: real HTTP for httpx."""

    def __init__(self, app):
        self.socket = socket.socket()
        # Accepted connections inherit this; without it Nagle and delayed ACKs cost 40 ms a request.
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.socket.bind(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.socket.getsockname()[1]}"
        self.server = uvicorn.Server(uvicorn.Config(app, log_config=None, access_log=False, lifespan="on"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()


@pytest.fixture
def app(settings, database, toy):
    from server.app import create_app

    return create_app(settings)


@pytest.fixture
def live(app):
    with LiveServer(app) as server:
        yield server


@pytest.fixture
def client(live):
    with httpx.Client(base_url=live.url, timeout=60) as http:
        yield http


@pytest.fixture
def users(database) -> dict[str, str]:
    """name -> token: students alice and bob, instructor prof, ci robot."""
    return {name: add_user(database, name, role) for name, role in
            (("alice", "student"), ("bob", "student"), ("prof", "instructor"), ("robot", "ci"))}


@pytest.fixture(scope="session")
def toy_results(tmp_path_factory) -> dict[str, object]:
    """Real GradeResults of the toy, graded once per session: reference, wrong_relu, stub_ops."""
    from grader.grade import grade

    root = tmp_path_factory.mktemp("toy-results")
    settings = make_settings(root / "var")
    results = {}
    for name in ("reference", "wrong_relu", "stub_ops"):
        submission = toy_directory(root / name, None if name == "reference" else name)
        results[name] = grade(submission, assignment=TOY, settings=settings)
        assert results[name].gradable, results[name].reason
    return results
