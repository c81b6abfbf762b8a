"""The gradebook CSV: one row per student, best or latest, a column per check, totals."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from tests.server.factories import auth, finish_queued_jobs, toy_zip, upload


def read_csv(client, token, **params):
    response = client.get("/api/v1/assignments/toy/gradebook.csv", params=params, headers=auth(token))
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    return list(csv.DictReader(io.StringIO(response.text)))


def test_one_row_per_student_with_the_counted_submission(client, users, database, toy_results):
    upload(client, users["alice"], toy_zip("wrong_relu"))
    finish_queued_jobs(database, toy_results["wrong_relu"])
    best = upload(client, users["alice"], toy_zip()).json()["id"]
    finish_queued_jobs(database, toy_results["reference"])
    latest = upload(client, users["alice"], toy_zip("stub_ops")).json()["id"]
    finish_queued_jobs(database, toy_results["stub_ops"])
    manual = client.put(f"/api/v1/submissions/{best}/manual/toy_q1", json={"score": 2}, headers=auth(users["prof"]))
    assert manual.status_code == 200

    rows = read_csv(client, users["prof"])
    assert [row["student"] for row in rows] == ["alice", "bob"]  # every student, graded or not
    alice, bob = rows
    assert alice["submission_id"] == best
    assert [alice[c] for c in ("affine", "affine_hidden", "relu", "scale", "toy_q1")] == ["2", "1", "1", "1", "2"]
    assert (alice["automatic"], alice["manual"], alice["total"], alice["max_total"], alice["final"]) == \
        ("5", "2", "7", "7", "7")
    assert bob["submission_id"] == "" and bob["total"] == ""

    latest_rows = read_csv(client, users["prof"], policy="latest")
    assert latest_rows[0]["submission_id"] == latest and latest_rows[0]["relu"] == "0"


def test_the_final_column_applies_the_late_penalty(client, users, database, toy_results):
    client.put("/api/v1/assignments/toy", headers=auth(users["prof"]),
               json={"due_at": (datetime.now(UTC) - timedelta(hours=3)).isoformat(), "late_penalty_per_day": 0.2})
    upload(client, users["bob"], toy_zip())
    finish_queued_jobs(database, toy_results["reference"])
    bob = read_csv(client, users["prof"])[1]
    assert (bob["late_days"], bob["late_penalty"], bob["total"], bob["final"]) == ("1", "0.2", "5", "4")


def test_only_instructors_read_the_gradebook(client, users):
    response = client.get("/api/v1/assignments/toy/gradebook.csv", headers=auth(users["alice"]))
    assert response.status_code == 403 and "instructor token" in response.json()["detail"]
