"""Resumable download of one file over HTTP(S) (or file://), with a progress line.

Bytes go to ``<dest>.part``; only a complete download is renamed to ``dest``. An interrupted
download leaves the ``.part`` behind and the next attempt, in this run or a later one, asks
the server for the rest with an HTTP Range request. A server that ignores the Range (status
200) or answers for another range makes the download start over, so the ``.part`` only ever
holds a prefix of the file. Connections dropped mid-transfer are retried; a server that
cannot be reached at all fails at once.
"""

from __future__ import annotations

import http.client
import os
import re
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import TextIO

from grader.datasets.errors import DownloadError

CHUNK_BYTES = 1 << 16
USER_AGENT = "gradelab-data-fetch"
_CONTENT_RANGE = re.compile(r"bytes (\d+)-(\d+)/(\d+|\*)")


class Progress:
    """A progress line for one download: bytes so far, percent, rate.

    On a terminal the line is redrawn in place a few times a second; elsewhere (CI logs) a
    line is printed every ten percent, or every 10 MiB when the size is unknown.
    """

    def __init__(self, label: str, total: int | None, stream: TextIO, start_at: int = 0) -> None:
        self.label, self.total, self.stream = label, total, stream
        self.done = start_at
        self._started_at, self._started_with = time.monotonic(), start_at
        self._tty = hasattr(stream, "isatty") and stream.isatty()
        self._last_draw, self._last_step = 0.0, -1

    def update(self, done: int) -> None:
        self.done = done
        if self._tty:
            now = time.monotonic()
            if now - self._last_draw >= 0.2:
                self._last_draw = now
                self.stream.write("\r" + self.line())
                self.stream.flush()
            return
        step = done * 10 // self.total if self.total else done // (10 << 20)
        if step != self._last_step:
            self._last_step = step
            self.stream.write(self.line() + "\n")
            self.stream.flush()

    def finish(self) -> None:
        self.stream.write(("\r" if self._tty else "") + self.line() + "\n")
        self.stream.flush()

    def line(self) -> str:
        elapsed = max(time.monotonic() - self._started_at, 1e-6)
        rate = (self.done - self._started_with) / elapsed
        size = _mib(self.done)
        if self.total:
            size += f" / {_mib(self.total)}  {100.0 * self.done / self.total:5.1f}%"
        return f"  {self.label}  {size}  {_mib(rate)}/s"


def _mib(n: float) -> str:
    return f"{n / (1 << 20):.1f} MiB"


def part_path(dest: Path) -> Path:
    return dest.with_name(dest.name + ".part")


def download(
    url: str,
    dest: Path,
    *,
    expected_size: int | None = None,
    retries: int = 3,
    retry_delay_s: float = 1.0,
    timeout_s: float = 60.0,
    stream: TextIO | None = None,
) -> Path:
    """Download ``url`` to ``dest``, resuming from ``dest.part`` if one is there.

    expected_size: the file's size in bytes where known; a longer ``.part`` is discarded.
    retries: further attempts after a connection drops mid-transfer or times out.
    Raises DownloadError when the server cannot be reached, answers with an HTTP error, or
    keeps dropping the connection.
    """
    stream = stream if stream is not None else sys.stderr
    part = part_path(dest)
    dest.parent.mkdir(parents=True, exist_ok=True)
    for attempt in range(retries + 1):
        have = part.stat().st_size if part.exists() else 0
        if expected_size is not None and have > expected_size:
            part.unlink()  # not a prefix of the file we want
            have = 0
        if expected_size is not None and have == expected_size and have > 0:
            break
        try:
            _transfer(url, part, have, timeout_s, stream, dest.name)
            break
        except _Interrupted as exc:
            if attempt == retries:
                held = part.stat().st_size if part.exists() else 0
                raise DownloadError(
                    f"{url}: the transfer kept failing ({exc}) after {retries + 1} attempts. "
                    f"{part} holds the first {held} bytes; run the command again to resume."
                ) from exc
            stream.write(f"  connection lost ({exc}); resuming in {retry_delay_s:.0f} s\n")
            time.sleep(retry_delay_s)
    os.replace(part, dest)
    return dest


class _Interrupted(Exception):
    """A transfer that began and stopped early: worth resuming."""


def _transfer(
    url: str, part: Path, have: int, timeout_s: float, stream: TextIO, label: str
) -> None:
    headers = {"User-Agent": USER_AGENT}
    if have:
        headers["Range"] = f"bytes={have}-"
    request = urllib.request.Request(url, headers=headers)
    try:
        response = urllib.request.urlopen(request, timeout=timeout_s)
    except urllib.error.HTTPError as exc:
        if exc.code == 416 and have:
            part.unlink()  # our .part is not a prefix the server recognises: start over
            raise _Interrupted("the server refused to resume; starting over") from exc
        if exc.code >= 500:
            raise _Interrupted(f"HTTP {exc.code} {exc.reason}") from exc
        raise DownloadError(
            f"{url}: HTTP {exc.code} {exc.reason}. Check the URL; a mirror can be set with "
            "--cifar10-url/--coco-url or GRADELAB_CIFAR10_URL/GRADELAB_COCO_URL."
        ) from exc
    except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:
        reason = getattr(exc, "reason", exc)
        raise DownloadError(
            f"{url}: cannot connect ({reason}). Check the network and the URL, or point "
            "--cifar10-url/--coco-url (GRADELAB_CIFAR10_URL/GRADELAB_COCO_URL) at a mirror."
        ) from exc

    with response:
        status = getattr(response, "status", None) or 200
        start, total = 0, None
        if status == 206:
            match = _CONTENT_RANGE.match(response.headers.get("Content-Range", ""))
            first = int(match.group(1)) if match else None
            if first == have:
                start = have
                total = None if match.group(3) == "*" else int(match.group(3))
            elif first != 0:
                # Bytes from elsewhere in the file: writing them at offset 0 would corrupt
                # it. Drop the .part so the next attempt asks for the whole file.
                part.unlink(missing_ok=True)
                raise _Interrupted(
                    f"the server sent another range ({response.headers.get('Content-Range')}); "
                    "starting over"
                )
        length = response.headers.get("Content-Length")
        if total is None and length is not None:
            total = start + int(length)
        # start == 0 also covers a server that ignored the Range (200) or sent the file from
        # its first byte.
        progress = Progress(label, total, stream, start_at=start)
        received = start
        with open(part, "r+b" if start else "wb") as out:
            out.seek(start)
            out.truncate()
            try:
                while chunk := response.read(CHUNK_BYTES):
                    out.write(chunk)
                    received += len(chunk)
                    progress.update(received)
            except (OSError, http.client.HTTPException) as exc:
                progress.finish()
                raise _Interrupted(f"{type(exc).__name__}: {exc}") from exc
        progress.finish()
        if total is not None and received < total:
            raise _Interrupted(f"got {received} of {total} bytes")
