"""Fixtures for the data set tests: the synthetic sets (written once per session by the
CLI), the course loaders imported from solutions/a2, and a local archive server.

The loaders are imported as a private package name (``_cs231n_under_test``) rather than as
``cs231n``, so these tests never put a ``cs231n`` into sys.modules that tests/assignment
would then see.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import socket
import subprocess
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from types import ModuleType

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
CS231N_DIR = REPO_ROOT / "solutions" / "a2" / "cs231n"
_PACKAGE = "_cs231n_under_test"


def cs231n_module(name: str) -> ModuleType:
    """solutions/a2/cs231n/<name>.py, imported as a submodule of a private package."""
    if _PACKAGE not in sys.modules:
        spec = importlib.util.spec_from_file_location(
            _PACKAGE, CS231N_DIR / "__init__.py", submodule_search_locations=[str(CS231N_DIR)]
        )
        package = importlib.util.module_from_spec(spec)
        sys.modules[_PACKAGE] = package
        spec.loader.exec_module(package)
    return importlib.import_module(f"{_PACKAGE}.{name}")


def gradelab_command() -> list[str]:
    """The installed console script (.venv/bin/gradelab), or ``python -m gradelab``."""
    script = Path(sys.executable).parent / "gradelab"
    return [str(script)] if script.exists() else [sys.executable, "-m", "gradelab"]


@pytest.fixture(scope="session")
def load_cs231n():
    """``load_cs231n("data_utils")``: a module of the reference cs231n package."""
    return cs231n_module


@pytest.fixture(scope="session")
def gradelab_cmd() -> list[str]:
    return gradelab_command()


@pytest.fixture(scope="session")
def synthetic_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """DIR with cifar-10-batches-py/ and coco_captioning/, written by `gradelab data synth`."""
    out = tmp_path_factory.mktemp("datasets") / "synthetic"
    done = subprocess.run(
        [*gradelab_command(), "data", "synth", "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr
    assert "synthetic data sets in" in done.stderr
    return out


# --- A local archive server -----------------------------------------------------------


@dataclass
class ArchiveServer:
    """Serves ``files`` (URL path -> bytes) on 127.0.0.1 with HTTP Range support.

    drops[path] = k: the next k responses for path send half their body, then cut the
    connection. honour_range False: Range headers are ignored (full 200 answers).
    range_skew: a Range request for bytes N- is answered (206) from byte N - range_skew.
    requests: (path, Range header or None) of every request, in order.
    """

    files: dict[str, bytes] = field(default_factory=dict)
    drops: dict[str, int] = field(default_factory=dict)
    honour_range: bool = True
    range_skew: int = 0
    requests: list[tuple[str, str | None]] = field(default_factory=list)
    port: int = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


def _handler_for(server: ArchiveServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
            range_header = self.headers.get("Range")
            server.requests.append((self.path, range_header))
            body = server.files.get(self.path)
            if body is None:
                self.send_error(404, "Not Found")
                return
            start = 0
            match = re.fullmatch(r"bytes=(\d+)-", range_header or "")
            if match and server.honour_range:
                start = max(int(match.group(1)) - server.range_skew, 0)
                if start >= len(body):
                    self.send_response(416)
                    self.send_header("Content-Range", f"bytes */{len(body)}")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.send_response(206)
                self.send_header("Content-Range", f"bytes {start}-{len(body) - 1}/{len(body)}")
            else:
                self.send_response(200)
            payload = body[start:]
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            if server.drops.get(self.path, 0) > 0:
                server.drops[self.path] -= 1
                self.wfile.write(payload[: len(payload) // 2])
                self.wfile.flush()
                self.connection.shutdown(socket.SHUT_RDWR)
                self.close_connection = True
                return
            self.wfile.write(payload)

        def log_message(self, format: str, *args) -> None:  # noqa: A002
            pass  # keep test output quiet

    return Handler


@pytest.fixture
def archive_server():
    state = ArchiveServer()
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(state))
    httpd.daemon_threads = True
    state.port = httpd.server_address[1]
    thread = threading.Thread(
        target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
    )
    thread.start()
    try:
        yield state
    finally:
        httpd.shutdown()
        httpd.server_close()


@pytest.fixture
def closed_port() -> int:
    """A local port nothing listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
