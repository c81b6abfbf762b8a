"""`gradelab submit` against a live server that grades for real (one local worker)."""

from __future__ import annotations

import re
import threading
import time

import pytest
from click.testing import CliRunner

from gradelab_client.submit import EXIT_BELOW_MIN, EXIT_ERROR, EXIT_FAILED, submit_command
from tests.server.conftest import LiveServer
from tests.server.factories import finish_queued_jobs, toy_zip


@pytest.fixture
def grading_server(settings, database, toy):
    from server.app import create_app

    settings.local_workers = 1
    with LiveServer(create_app(settings)) as live:
        yield live


@pytest.fixture
def zips(tmp_path):
    paths = {}
    for name, mutate in (("reference", None), ("broken", "wrong_relu")):
        paths[name] = tmp_path / f"{name}.zip"
        paths[name].write_bytes(toy_zip(mutate))
    return paths


def run(server, token, *args):
    result = CliRunner().invoke(submit_command, [*args, "--assignment", "toy", "--server", server.url,
                                                 "--token", token], catch_exceptions=False)
    return result.exit_code, result.output


def test_waiting_for_a_full_score(grading_server, users, zips):
    code, output = run(grading_server, users["alice"], str(zips["reference"]), "--wait", "--min-score", "5")
    assert code == 0, output
    lines = output.splitlines()
    assert [line for line in lines if line.startswith("[")][-1].startswith("[4/4] passed")  # every check shown
    assert "Toy: 5 / 5" in lines and "passed 4 of 4 checks" in output
    # One set of totals: the checks, the answers still to grade, and the final score.
    assert "Checks: 5 / 5" in lines and "Final score: 5 / 7" in lines
    assert ("Free-text answers: 0 / 2 so far; 1 answer(s) (2 points) not graded yet, counted 0 until graded"
            in lines)
    page = next(line for line in lines if line.startswith("This submission counts. Page: "))
    assert re.fullmatch(r"This submission counts\. Page: http://127\.0\.0\.1:\d+/submissions/\w+", page)
    assert "/api/v1/" not in page  # the page a browser opens, not the API's address


def test_the_minimum_score_can_be_a_percentage(grading_server, users, zips):
    code, output = run(grading_server, users["alice"], str(zips["reference"]), "--min-score", "80%")
    assert code == EXIT_BELOW_MIN and "Below the required 80%: 71.4%." in output
    code, output = run(grading_server, users["alice"], str(zips["reference"]), "--min-score", "70%")
    assert code == 0, output
    code, output = run(grading_server, users["alice"], str(zips["reference"]), "--min-score", "lots")
    assert code == 2 and "neither points (50) nor a percentage (50%)" in output  # click's usage error


def test_below_the_minimum_score_fails_the_job(grading_server, users, zips):
    code, output = run(grading_server, users["alice"], str(zips["broken"]), "--min-score", "4.5")
    assert code == EXIT_BELOW_MIN, output
    assert "relu" in output and "wrong" in output and "Below the required 4.5 points: 4 points." in output


def test_ci_submits_for_a_student_without_waiting(grading_server, users, zips):
    code, output = run(grading_server, users["robot"], str(zips["reference"]), "--student", "alice")
    assert code == 0 and output.strip().splitlines()[-1].isalnum()


def test_a_ci_token_whose_earlier_uploads_are_still_being_checked_sends_again(settings, database, toy, users,
                                                                            zips):
    # A class's CI jobs share one token: past the limit of uploads being checked at once the
    # server answers 429 with a Retry-After of seconds, and the client sends again (same key).
    from sqlalchemy import select

    from server.app import create_app
    from server.models import UploadAttempt, User, utcnow

    settings.refused_upload_limit = 1
    with database.session() as session:
        robot = session.scalar(select(User).where(User.name == "robot"))
        held = UploadAttempt(user_id=robot.id, at=utcnow(), refused=False)  # another job's upload in flight
        session.add(held)
        session.flush()
        held_id = held.id
    with LiveServer(create_app(settings)) as live:
        def answered():  # the other upload is answered while this one waits
            time.sleep(2)
            with database.session() as session:
                session.delete(session.get(UploadAttempt, held_id))
        threading.Thread(target=answered, daemon=True).start()
        code, output = run(live, users["robot"], str(zips["reference"]), "--student", "alice")
    assert code == 0, output
    assert "still checking earlier uploads of yours; sending again in 5 s" in output
    assert re.search(r"Submitted reference\.zip as \w+", output)


def test_a_refused_upload_says_why(grading_server, users, tmp_path):
    essay = tmp_path / "essay.pdf"
    essay.write_bytes(b"%PDF-1.4")
    code, output = run(grading_server, users["alice"], str(essay), "--wait")
    assert code == EXIT_ERROR and "(415)" in output and "neither a zip nor a notebook" in output
    code, output = run(grading_server, "glt_wrong", str(essay))
    assert code == EXIT_ERROR and "unknown or revoked" in output


def test_an_unreachable_server(zips):
    result = CliRunner().invoke(submit_command, [str(zips["reference"]), "--assignment", "toy", "--server",
                                                 "http://127.0.0.1:9", "--token", "t", "--retries", "0"])
    assert result.exit_code == EXIT_ERROR and "cannot reach" in result.output


def test_a_submission_that_cannot_be_graded_exits_2(settings, database, toy, users, zips):
    from grader.results import GradeResult
    from server.app import create_app

    stop = threading.Event()

    def worker_that_gives_up():  # a worker whose grading found nothing gradable
        while not stop.is_set() and not finish_queued_jobs(database, GradeResult.not_gradable("toy", "no code found")):
            time.sleep(0.2)

    with LiveServer(create_app(settings)) as live:
        thread = threading.Thread(target=worker_that_gives_up)
        thread.start()
        try:
            code, output = run(live, users["alice"], str(zips["reference"]), "--wait")
        finally:
            stop.set()
            thread.join()
    assert code == EXIT_FAILED and "Not graded: no code found" in output


def test_what_the_server_sends_reaches_the_terminal_inert():
    """The client does not rely on the server having cleaned student text."""
    from gradelab_client.submit import inert, progress_line

    hostile = "relu\x1b]0;owned\x07\x1b]52;c;cm0=\x07\x9b2J\rback\u202e"
    line = progress_line(1, 2, {"name": hostile, "outcome": "exception", "score": 0, "max_score": 1})
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202e]", line) and "owned" in line
    assert inert("a\r\nb\tc\x1b[31m") == "a\nb\tc[31m"
