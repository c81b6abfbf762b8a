"""Real processes for the scale-out and end-to-end tests: Celery workers, `gradelab serve`,
a private redis-server. Each runs in its own session so a test can kill -9 it with
everything it started; `stop` always reaps it."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
GRADELAB = [str(Path(sys.executable).parent / "gradelab")]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(settings: dict[str, object]) -> dict[str, str]:
    """The current environment without GRADELAB_* variables, plus ``settings`` as GRADELAB_*."""
    env = {key: value for key, value in os.environ.items() if not key.startswith("GRADELAB_")}
    env.update({f"GRADELAB_{key.upper()}": str(value) for key, value in settings.items() if value is not None})
    return env


def start(command: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    with open(log, "ab") as output:
        return subprocess.Popen(command, env=env, cwd=REPO, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)


def kill(process: subprocess.Popen, sig: int = signal.SIGKILL) -> None:
    """Send ``sig`` to the process's whole group (its grading children too) and reap it."""
    if process.poll() is None:
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            pass
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def start_worker(env: dict[str, str], log: Path, *, queues: str = "cpu", name: str = "w1") -> subprocess.Popen:
    return start([*GRADELAB, "worker", "--queues", queues, "--concurrency", "1", "--name", f"{name}@test"], env, log)


def start_serve(env: dict[str, str], log: Path, port: int, *extra: str) -> subprocess.Popen:
    return start([*GRADELAB, "serve", "--port", str(port), "--no-access-log", *extra], env, log)


def start_redis(port: int, directory: Path) -> subprocess.Popen:
    """A throwaway redis-server that keeps nothing on disk: a restart loses every message."""
    directory.mkdir(parents=True, exist_ok=True)
    process = subprocess.Popen(["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                "--appendonly", "no", "--dir", str(directory)],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    wait_for(lambda: _answers(port), 20, "redis-server to start")
    return process


def _answers(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5) as connection:
            connection.sendall(b"PING\r\n")
            return connection.recv(16).startswith(b"+PONG")
    except OSError:
        return False


def wait_for(predicate: Callable[[], object], timeout: float, what: str, interval: float = 0.2):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:g} s waiting for {what}")
        time.sleep(interval)
