"""End to end with the toy: `gradelab serve`, `gradelab submit`, the gradebook CSV, and a
server crash with jobs queued and running."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import create_engine, text

from tests.server.factories import toy_zip
from tests.server.processes import wait_for


@pytest.fixture
def zips(tmp_path):
    paths = {}
    for name, mutate in (("reference", None), ("broken", "wrong_relu")):
        paths[name] = tmp_path / f"{name}_submission.zip"
        paths[name].write_bytes(toy_zip(mutate))
    return paths


def test_serve_submit_and_read_the_gradebook(deployment, zips):
    deployment.start()
    assert set(deployment.tokens) >= {"instructor", "demo", "robot"}
    reference = deployment.submit(str(zips["reference"]), "--assignment", "toy", "--wait", "--min-score", "5",
                                  token=deployment.tokens["demo"])
    assert reference.returncode == 0, reference.stdout + reference.stderr
    assert "Final score: 5 / 7" in reference.stdout
    broken = deployment.submit(str(zips["broken"]), "--assignment", "toy", "--student", "demo", "--min-score", "5",
                               token=deployment.tokens["robot"])
    assert broken.returncode == 1 and "Final score: 4 / 7" in broken.stdout

    with deployment.client("instructor") as instructor:
        response = instructor.get("/api/v1/assignments/toy/gradebook.csv", params={"policy": "latest"})
        rows = list(csv.DictReader(io.StringIO(response.text)))
        assert [(r["student"], r["relu"], r["total"]) for r in rows] == [("demo", "0", "4")]
        best = list(csv.DictReader(io.StringIO(instructor.get("/api/v1/assignments/toy/gradebook.csv").text)))
        assert best[0]["total"] == "5"
        assert "a2" in {a["id"] for a in instructor.get("/api/v1/assignments").json()["data"]}  # registered at start


@pytest.mark.slow
def test_a_server_crash_with_jobs_queued_and_running_loses_nothing(deployment, zips):
    deployment.start()
    with deployment.client("demo") as student:
        ids = [student.post("/api/v1/submissions", params={"assignment": "toy"},
                            files={"file": ("toy.zip", zips["reference"].read_bytes())}).json()["id"]
               for _ in range(4)]

        def statuses():
            return [student.get(f"/api/v1/submissions/{i}").json()["status"] for i in ids]

        wait_for(lambda: "running" in statuses(), 60, "grading to start")
        assert "queued" in statuses()
        deployment.crash()
        deployment.start()
        wait_for(lambda: statuses() == ["done"] * 4, 300, "every submission to be graded after the restart")
    engine = create_engine(f"sqlite:///{deployment.var / 'gradelab.db'}")
    with engine.connect() as connection:
        counts = connection.execute(text("SELECT submission_id, count(*) FROM results GROUP BY submission_id")).all()
    engine.dispose()
    assert sorted(n for _, n in counts) == [1, 1, 1, 1]  # each graded once, crash or not
