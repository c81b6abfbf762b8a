"""What a refused upload costs the API server: its peak memory (RSS) and time, before and
after streaming validation, side by side on the same machine.

Each tree (this checkout, and a baseline exported with ``git archive``, default ``main``)
serves Assignment 2 from a fresh var/ (SQLite, no grading workers) under this checkout's
virtual environment; one student uploads, in a fresh server process each time:

- ``bomb``: the observed upload, a zip of about 23 MB (ratio about 8, under the compression-
  bomb check) holding a 195 MiB BatchNormalization.ipynb that nbformat rejects: refused
  either way;
- ``fits``: a valid 24 MiB notebook (under the 25 MiB cap) in a zip: accepted either way,
  to show what a large honest upload costs.

The server's peak RSS is its VmHWM (the kernel's high-water mark) after the answer, less its
RSS before the upload.

    .venv/bin/python bench/upload_memory.py [--baseline main] [--write]
"""

from __future__ import annotations

import argparse
import io
import json
import os
import platform
import random
import socket
import subprocess
import sys
import tempfile
import textwrap
import time
import zipfile
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "bench"))

from results_file import write_section  # noqa: E402 - bench/results_file.py

NOTEBOOK = "BatchNormalization.ipynb"

#: Makes the schema, registers solutions/ and prints a student's token (run under each tree).
SETUP = textwrap.dedent("""
    from gradelab.settings import Settings
    from server.bootstrap import register_assignments
    from server.core.db import Database
    from server.core.migrate import upgrade
    from server.crud.users import create_token, create_user
    settings = Settings()
    upgrade(settings)
    database = Database.from_settings(settings)
    with database.session() as session:
        register_assignments(session, settings)
        print(create_token(session, create_user(session, "bench", "student")))
    database.dispose()
""")
SERVE = ("import uvicorn; from server.app import create_app; "
         "uvicorn.run(create_app(), host='127.0.0.1', port={port}, log_config=None, access_log=False)")


def notebook_bytes(size: int, *, valid: bool) -> bytes:
    """A notebook of about ``size`` bytes: one stream output printed as lines of 120 random
    0s and 1s (one in six a 1: deflate gets about 8x, like the observed upload; lines
    repeat only 1 MiB apart, beyond deflate's 32 KiB window)."""
    rng = random.Random(0)
    pool = "".join(rng.choices("01", weights=(0.83, 0.17), k=1 << 20))
    lines = [pool[start:start + 120] + "\n" for start in range(0, len(pool) - 120, 120)]
    per_line = len(json.dumps(lines[0])) + 2  # quoted, escaped, and ", "
    text = lines * (size // (len(lines) * per_line) + 1)
    cell = {"cell_type": "code" if valid else "raw-ish", "id": "big", "metadata": {}, "execution_count": 1,
            "source": "print(x)", "outputs": [{"output_type": "stream", "name": "stdout",
                                               "text": text[:size // per_line]}]}
    return json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [cell]}).encode()


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def status_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise KeyError(field)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def measure(tree: Path, upload: bytes, filename: str) -> dict:
    """Serve ``tree`` from a fresh var/, upload once, return the server's memory and answer."""
    with tempfile.TemporaryDirectory(prefix="upload-memory-") as var:
        env = {**os.environ, "PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1",
               "GRADELAB_VAR_DIR": var, "GRADELAB_LOCAL_WORKERS": "0", "GRADELAB_DATABASE_URL": "",
               "GRADELAB_BROKER_URL": "", "GRADELAB_LOG_LEVEL": "WARNING"}
        env = {key: value for key, value in env.items() if value != ""}
        token = subprocess.run([sys.executable, "-c", SETUP], env=env, cwd=tree, check=True,
                               capture_output=True, text=True).stdout.split()[-1]
        port = free_port()
        server = subprocess.Popen([sys.executable, "-c", SERVE.format(port=port)], env=env, cwd=tree)
        try:
            url = f"http://127.0.0.1:{port}"
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(url + "/healthz", timeout=2)
                    break
                except httpx.TransportError:
                    if time.monotonic() > deadline or server.poll() is not None:
                        raise RuntimeError(f"the server of {tree} did not start") from None
                    time.sleep(0.2)
            idle = status_kib(server.pid, "VmRSS")
            started = time.perf_counter()
            response = httpx.post(url + "/api/v1/submissions", params={"assignment": "a2"},
                                  headers={"Authorization": f"Bearer {token}"},
                                  files={"file": (filename, upload, "application/zip")}, timeout=600)
            seconds = time.perf_counter() - started
            peak = status_kib(server.pid, "VmHWM")
        finally:
            server.terminate()
            server.wait(timeout=30)
    return {"status": response.status_code, "detail": response.json().get("detail", ""), "seconds": seconds,
            "idle_mib": idle / 1024, "peak_mib": peak / 1024, "growth_mib": (peak - idle) / 1024}


def export(ref: str, destination: Path) -> Path:
    archive = subprocess.run(["git", "-C", str(ROOT), "archive", ref], check=True, capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(destination)], input=archive, check=True)
    return destination


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--baseline", default="main", help="git ref to compare with (default main)")
    parser.add_argument("--write", action="store_true", help="record the figures in bench/RESULTS.md")
    args = parser.parse_args()

    cases = {"bomb": notebook_bytes(195 << 20, valid=False), "fits": notebook_bytes(24 << 20, valid=True)}
    uploads = {name: zipped(NOTEBOOK, data) for name, data in cases.items()}
    commit = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    rows = []
    with tempfile.TemporaryDirectory(prefix="upload-memory-baseline-") as baseline_dir:
        trees = {f"before ({args.baseline})": export(args.baseline, Path(baseline_dir)), f"after ({commit})": ROOT}
        for case, upload in uploads.items():
            figures = {}
            for label, tree in trees.items():  # side by side: each case, baseline then this tree
                figures[label] = measure(tree, upload, "a2_code_submission.zip")
                f = figures[label]
                print(f"{case:5} {label:18} {f['status']} growth {f['growth_mib']:8.1f} MiB  peak {f['peak_mib']:8.1f} "
                      f"MiB  {f['seconds']:6.2f} s  {f['detail'][:90]}", flush=True)
            before, after = figures.values()
            rows.append((case, len(cases[case]), len(upload), before, after))

    if args.write:
        lines = [
            "## A refused upload's cost to the API server (`bench/upload_memory.py`)",
            "",
            "One upload to a fresh `uvicorn` server process (SQLite, no grading workers) per cell, the "
            f"baseline (`git archive {args.baseline}`) and this tree run side by side under the same venv. "
            "Growth = the server's peak RSS (VmHWM) after the answer less its RSS before the upload.",
            "",
            f"{time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}, {platform.processor() or platform.machine()}, "
            f"{os.cpu_count()} logical CPUs, Python {platform.python_version()}",
            "",
            "| upload | before: answer | before: growth | before: time | after: answer | after: growth | after: time "
            "| growth before / after |",
            "|---|---|---:|---:|---|---:|---:|---:|",
        ]
        names = {"bomb": "{nb} MiB notebook nbformat rejects, in a {z} MiB zip",
                 "fits": "{nb} MiB valid notebook (under the 25 MiB cap), in a {z} MiB zip"}
        for case, notebook_size, zip_size, before, after in rows:
            label = names[case].format(nb=round(notebook_size / 2**20), z=round(zip_size / 2**20))
            ratio = before["growth_mib"] / max(after["growth_mib"], 1.0)
            lines.append(f"| {label} | {before['status']} | {before['growth_mib']:.0f} MiB | {before['seconds']:.1f} s "
                         f"| {after['status']} | {after['growth_mib']:.0f} MiB | {after['seconds']:.1f} s "
                         f"| {ratio:.0f}x |")
        lines += ["", "Growth under 1 MiB counts as 1 MiB in the ratio."]
        print(f"wrote {write_section('upload_memory', chr(10).join(lines))}")


if __name__ == "__main__":
    main()
