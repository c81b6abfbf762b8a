"""``gradelab submit``: upload work to a GradeLab server, wait for its grade, print it.

For students at a terminal and for CI jobs. Exit status:

- 0: submitted (and, with ``--wait``, graded with at least ``--min-score``);
- 1: graded, but the final score is below ``--min-score``;
- 2: grading failed (the submission could not be graded);
- 3: the server refused the upload, could not be reached, or the wait timed out.
"""

from __future__ import annotations

import sys
import time
import uuid
from pathlib import Path

import click
import httpx

from gradelab.settings import get_settings
from grader.results import GradeResult
from grader.results.text_table import progress_line, render_table

EXIT_OK, EXIT_BELOW_MIN, EXIT_FAILED, EXIT_ERROR = 0, 1, 2, 3


class SubmitError(click.ClickException):
    exit_code = EXIT_ERROR


@click.command("submit")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--assignment", required=True, help="Assignment id, e.g. a2.")
@click.option("--server", "server_url", help="Server URL. Default: GRADELAB_SERVER_URL or http://127.0.0.1:8000.")
@click.option("--token", help="Bearer token. Default: GRADELAB_TOKEN.")
@click.option("--student", help="CI tokens: the student this work belongs to.")
@click.option("--wait/--no-wait", default=False, help="Wait for the grade and print it.")
@click.option("--min-score", type=float, help="Exit 1 when the final score is below this (implies --wait).")
@click.option("--timeout", type=float, default=3600.0, show_default=True, help="Seconds to wait for the grade.")
@click.option("--retries", type=click.IntRange(min=0), default=3, show_default=True,
              help="Upload retries when the server is unreachable or answers 5xx (same Idempotency-Key, "
              "so a retry that did arrive is the same submission).")
@click.option("--idempotency-key", help="Default: a fresh key, reused by this command's own retries.")
def submit_command(file: Path, assignment: str, server_url: str | None, token: str | None, student: str | None,
                   wait: bool, min_score: float | None, timeout: float, retries: int,
                   idempotency_key: str | None) -> None:
    """Submit FILE (the collect_submission zip, or one notebook) for grading.

    With --wait: shows progress, prints the results table, and exits 0 when graded (1 when
    below --min-score, 2 when grading failed, 3 when the upload was refused or timed out).
    """
    settings = get_settings()
    server_url = (server_url or settings.server_url).rstrip("/")
    token = token or settings.token
    if not token:
        raise SubmitError("no token: pass --token or set GRADELAB_TOKEN (an instructor makes one with "
                          "`gradelab admin token create NAME`)")
    with httpx.Client(base_url=server_url, headers={"Authorization": f"Bearer {token}"}, timeout=60.0) as client:
        accepted = _upload(client, file, assignment, student, idempotency_key or uuid.uuid4().hex, retries)
        click.echo(f"Submitted {file.name} as {accepted['id']} ({server_url}{accepted['status_url']}).", err=True)
        if not (wait or min_score is not None):
            click.echo(accepted["id"])
            return
        submission = _wait(client, accepted["status_url"], timeout)
    sys.exit(_report(submission, min_score))


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
            if response.status_code < 500 or attempt == attempts:
                break
        time.sleep(2 ** attempt)
    if response.status_code == 429:
        raise SubmitError(f"{_detail(response)} (retry after {response.headers.get('Retry-After', '?')} s)")
    if response.status_code != 202:
        raise SubmitError(f"the server refused the upload ({response.status_code}): {_detail(response)}")
    return response.json()


def _wait(client: httpx.Client, status_url: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    shown, last_status, delay = 0, None, 0.5
    while True:
        try:
            response = client.get(status_url)
        except httpx.TransportError as exc:  # a server restart: keep waiting
            click.echo(f"(server unreachable: {exc}; retrying)", err=True)
            response = None
        if response is not None:
            if response.status_code != 200:
                raise SubmitError(f"cannot read {status_url} ({response.status_code}): {_detail(response)}")
            submission = response.json()
            if submission["status"] != last_status:
                last_status = submission["status"]
                if last_status in ("queued", "running"):
                    click.echo(f"{last_status}...", err=True)
            progress = submission.get("progress") or {}
            for event in progress.get("checks", [])[shown:]:
                click.echo(progress_line(event), err=True)
            shown = max(shown, len(progress.get("checks", [])))
            if submission["status"] in ("done", "failed"):
                return submission
        if time.monotonic() > deadline:
            raise SubmitError(f"no grade after {timeout:g} s; the submission is still {last_status}. "
                              f"Read it later at {client.base_url}{status_url}")
        time.sleep(delay)
        delay = min(delay * 1.5, 3.0)


def _report(submission: dict, min_score: float | None) -> int:
    click.echo(render_table(as_grade_result(submission)), nl=False)
    if submission["status"] != "done" or submission.get("score") is None:
        click.echo(f"Grading failed: {submission.get('reason') or 'no reason given'}", err=True)
        return EXIT_FAILED
    score = submission["score"]
    line = f"Final score: {score['final']:g} / {score['max_total']:g}"
    if score["manual_max"]:
        line += f" (manual items: {score['manual']:g} / {score['manual_max']:g} so far)"
    if score["late_days"]:
        line += f", {score['late_days']} day(s) late: -{score['late_penalty']:.0%}"
    click.echo(line)
    if min_score is not None and score["final"] < min_score:
        click.echo(f"Below the required {min_score:g}.", err=True)
        return EXIT_BELOW_MIN
    return EXIT_OK


def as_grade_result(submission: dict) -> GradeResult:
    """The API's view of a submission as the engine's GradeResult, for the terminal table."""
    tests = [{"name": c["name"], "score": c["score"], "max_score": c["max_score"], "output": c.get("output") or "",
              "visibility": c["visibility"], "extra_data": {"id": c["id"], "outcome": c["outcome"],
                                                            "notebook": c["notebook"]}}
             for c in submission.get("checks", [])]
    tests += [{"name": m["name"], "score": m["score"] or 0.0, "max_score": m["max_score"],
               "output": m.get("comment") or "Graded by a person.", "visibility": "visible",
               "extra_data": {"id": m["id"], "outcome": "manual", "notebook": m["notebook"]}}
              for m in submission.get("manual_items", [])]
    return GradeResult.from_gradescope({"gradable": bool(submission.get("gradable")) and submission["status"] == "done",
                                        "reason": submission.get("reason"), "tests": tests,
                                        "extra_data": {"assignment": submission["assignment_id"]}})


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except ValueError:
        return response.text[:500]
    return detail if isinstance(detail, str) else str(detail)
