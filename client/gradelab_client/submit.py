"""``gradelab submit``: upload work to a GradeLab server, wait for its grade, print it.

For students at a terminal and for CI jobs. It speaks only HTTP (the ``/api/v1`` API), so
it installs without the grader or the server. Exit status:

- 0: submitted (and, with ``--wait``, graded with at least ``--min-score``);
- 1: graded, but the final score is below ``--min-score``;
- 2: grading failed (the submission could not be graded);
- 3: the server refused the upload, could not be reached, or the wait timed out.

``--min-score`` is in points of the final score (checks, plus the free-text answers graded
so far, less any late penalty; answers nobody has graded yet count 0), or a percentage of
the maximum when it ends with ``%``.
"""

from __future__ import annotations

import re
import shutil
import sys
import time
import uuid
from pathlib import Path

import click
import httpx

EXIT_OK, EXIT_BELOW_MIN, EXIT_FAILED, EXIT_ERROR = 0, 1, 2, 3
DEFAULT_SERVER = "http://127.0.0.1:8000"
#: What a terminal would obey rather than show: C0 controls but tab and newline, DEL, C1 and
#: the bidi overrides (grader.results.untrusted_text has the same rule; this distribution cannot
#: import the grader). The server already cleans student text; this client does not rely on it.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def inert(text: str) -> str:
    """``text`` as a terminal shows it and nothing more (no escape sequences, no \\r)."""
    return _CONTROL.sub("", str(text).replace("\r\n", "\n"))


class SubmitError(click.ClickException):
    exit_code = EXIT_ERROR


class MinScore(click.ParamType):
    """``50`` (points) or ``50%`` (of the maximum)."""

    name = "points or percent"

    def convert(self, value, param, ctx):
        if isinstance(value, tuple):
            return value
        text = str(value).strip()
        try:
            return (float(text[:-1]), "%") if text.endswith("%") else (float(text), "points")
        except ValueError:
            self.fail(f"{value!r} is neither points (50) nor a percentage (50%)", param, ctx)


@click.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--assignment", required=True, help="Assignment id, e.g. a2.")
@click.option("--server", "server_url", envvar="GRADELAB_SERVER_URL", default=DEFAULT_SERVER, show_default=True,
              help="Server URL (or GRADELAB_SERVER_URL).")
@click.option("--token", envvar="GRADELAB_TOKEN", help="Bearer token (or GRADELAB_TOKEN).")
@click.option("--student", help="CI tokens: the student this work belongs to.")
@click.option("--wait/--no-wait", default=False, help="Wait for the grade and print it.")
@click.option("--min-score", type=MinScore(),
              help="Exit 1 when the final score is below this: points (50) or a percentage of the maximum "
                   "(50%). Free-text answers not graded yet count 0. Implies --wait.")
@click.option("--timeout", type=float, default=3600.0, show_default=True, help="Seconds to wait for the grade.")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Upload retries when the server is unreachable, answers 5xx, or asks to come back within "
              "30 s (429 while earlier uploads are checked); the same Idempotency-Key, so a retry that did arrive "
              "is the same submission.")
@click.option("--idempotency-key", help="Default: a fresh key, reused by this command's own retries.")
def submit_command(file: Path, assignment: str, server_url: str, token: str | None, student: str | None,
                   wait: bool, min_score: tuple[float, str] | None, timeout: float, retries: int,
                   idempotency_key: str | None) -> None:
    """Submit FILE (the collect_submission zip, or one notebook) for grading.

    With --wait: shows progress, prints the results table, and exits 0 when graded (1 when
    below --min-score, 2 when grading failed, 3 when the upload was refused or timed out).
    """
    server_url = server_url.rstrip("/")
    if not token:
        raise SubmitError("no token: pass --token or set GRADELAB_TOKEN (an instructor makes one with "
                          "`gradelab admin token create NAME`)")
    with httpx.Client(base_url=server_url, headers={"Authorization": f"Bearer {token}"}, timeout=60.0) as client:
        accepted = _upload(client, file, assignment, student, idempotency_key or uuid.uuid4().hex, retries)
        page = f"{server_url}/submissions/{accepted['id']}"
        click.echo(f"Submitted {file.name} as {accepted['id']}. Its page: {page}", err=True)
        if not (wait or min_score is not None):
            click.echo(accepted["id"])
            return
        submission = _wait(client, accepted["status_url"], timeout, page)
        sys.exit(_report(client, submission, min_score))


def _upload(client: httpx.Client, file: Path, assignment: str, student: str | None, key: str,
            retries: int) -> dict:
    params = {"assignment": assignment, **({"student": student} if student else {})}
    attempts = retries + 1
    for attempt in range(1, attempts + 1):
        try:
            with file.open("rb") as stream:
                response = client.post("/api/v1/submissions", params=params, headers={"Idempotency-Key": key},
                                       files={"file": (file.name, stream, "application/octet-stream")})
        except httpx.TransportError as exc:
            if attempt == attempts:
                raise SubmitError(f"cannot reach {client.base_url}: {exc}") from None
        else:
            busy_s = _short_retry_after(response)
            if busy_s is not None and attempt < attempts:
                # Earlier uploads of this token are still being checked (a CI token sending many
                # at once): the same key makes sending again safe.
                click.echo(f"(the server is still checking earlier uploads of yours; sending again in {busy_s} s)",
                           err=True)
                time.sleep(busy_s)
                continue
            if response.status_code < 500 or attempt == attempts:
                break
        time.sleep(2 ** attempt)
    if response.status_code == 429:
        raise SubmitError(f"{_detail(response)} (retry after {response.headers.get('Retry-After', '?')} s)")
    if response.status_code != 202:
        raise SubmitError(f"the server refused the upload ({response.status_code}): {_detail(response)}")
    return response.json()


#: A 429 asking to come back within this many seconds is waited out; a longer one (the daily
#: cap, too many refused uploads) is the user's to read.
SHORT_RETRY_AFTER_S = 30


def _short_retry_after(response: httpx.Response) -> int | None:
    """Seconds to wait before sending again, for a 429 that asks for a short wait; else None."""
    if response.status_code != 429:
        return None
    try:
        wait_s = int(response.headers.get("Retry-After", ""))
    except ValueError:
        return None
    return wait_s if 0 <= wait_s <= SHORT_RETRY_AFTER_S else None


def progress_line(index: int, total: int, check: dict) -> str:
    """``[ 3/59] not implemented  0/2  batchnorm_backward (hidden cases)``."""
    width = len(str(total))
    word = check.get("label") or (check.get("outcome") or "").replace("_", " ")
    return inert(f"[{index:>{width}}/{total}] {word:<16} {check.get('score') or 0:g}/{check.get('max_score') or 0:g}  "
                 f"{check.get('name', '')}")


def _wait(client: httpx.Client, status_url: str, timeout: float, page: str) -> dict:
    """Poll the submission (If-None-Match: an unchanged one costs a 304) until it is graded,
    printing a line per finished check, the last ones included."""
    deadline = time.monotonic() + timeout
    shown, last_status, delay, etag, submission = 0, None, 0.5, None, None
    while True:
        try:
            response = client.get(status_url, headers={"If-None-Match": etag} if etag else {})
        except httpx.TransportError as exc:  # a server restart: keep waiting
            click.echo(f"(server unreachable: {exc}; retrying)", err=True)
            response = None
        if response is not None and response.status_code != 304:
            if response.status_code != 200:
                raise SubmitError(f"cannot read {status_url} ({response.status_code}): {_detail(response)}")
            etag, submission = response.headers.get("ETag"), response.json()
            if submission["status"] != last_status:
                last_status = submission["status"]
                if last_status in ("queued", "running"):
                    click.echo(f"{last_status}...", err=True)
            progress = submission.get("progress") or {}
            events = progress.get("checks", [])
            for event in events[shown:]:
                click.echo(progress_line(event.get("index") or 0, event.get("total") or progress.get("total") or 0,
                                         event), err=True)
            shown = max(shown, len(events))
            if submission["status"] in ("done", "failed"):
                checks = submission.get("checks", [])
                for index, check in enumerate(checks[shown:], start=shown + 1):
                    click.echo(progress_line(index, len(checks), check), err=True)
                return submission
        if time.monotonic() > deadline:
            raise SubmitError(f"no grade after {timeout:g} s; the submission is still {last_status}. "
                              f"Its page: {page}")
        time.sleep(delay)
        delay = min(delay * 1.5, 3.0)


def _report(client: httpx.Client, submission: dict, min_score: tuple[float, str] | None) -> int:
    width = shutil.get_terminal_size((100, 20)).columns
    report = client.get(f"/api/v1/submissions/{submission['id']}/report.txt", params={"width": max(40, width)})
    click.echo(inert(report.text if report.status_code == 200 else f"(no report: {_detail(report)})"), nl=False)
    if submission["status"] != "done" or submission.get("score") is None:
        click.echo(inert(f"Grading failed: {submission.get('reason') or 'no reason given'}"), err=True)
        return EXIT_FAILED
    score = submission["score"]
    if min_score is not None:
        bound, unit = min_score
        reached = score["final"] if unit == "points" else 100.0 * score["final"] / (score["max_total"] or 1.0)
        if reached < bound:
            have = f"{score['final']:g} points" if unit == "points" else f"{reached:.1f}%"
            click.echo(f"Below the required {bound:g}{'%' if unit == '%' else ' points'}: {have}.", err=True)
            return EXIT_BELOW_MIN
    return EXIT_OK


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return inert(response.text[:500])
    return inert(detail if isinstance(detail, str) else str(detail))
