"""Assignments: list, get, download the release; instructors create and update them."""

from __future__ import annotations

import io
import zipfile

from tests.server.factories import TOY, auth


def test_everyone_lists_released_assignments(client, users, database):
    from sqlalchemy import update

    from server.models import Assignment

    for name in ("alice", "robot", "prof"):
        body = client.get("/api/v1/assignments", headers=auth(users[name])).json()
        assert body["count"] == 1 and body["data"][0]["id"] == "toy"
        assert body["data"][0]["notebooks"] == ["Toy.ipynb"]
    with database.session() as session:
        session.execute(update(Assignment).values(released=False))
    assert client.get("/api/v1/assignments", headers=auth(users["alice"])).json()["count"] == 0
    assert client.get("/api/v1/assignments/toy", headers=auth(users["alice"])).status_code == 404
    assert client.get("/api/v1/assignments/toy", headers=auth(users["prof"])).json()["released"] is False
    assert client.get("/api/v1/assignments", headers=auth("glt_nope")).status_code == 401


def test_the_download_is_the_student_release(client, users):
    response = client.get("/api/v1/assignments/toy/download", headers=auth(users["alice"]))
    assert response.status_code == 200 and response.headers["content-type"] == "application/zip"
    names = set(zipfile.ZipFile(io.BytesIO(response.content)).namelist())
    assert "toy/RELEASE.json" in names and "toy/toy/ops.py" in names
    assert not any("grading" in name or name.endswith("assignment.toml") for name in names)
    ops = zipfile.ZipFile(io.BytesIO(response.content)).read("toy/toy/ops.py").decode()
    assert "NotImplementedError" in ops and "np.maximum" not in ops  # solutions stay behind


def test_instructors_set_the_due_date_late_policy_and_cap(client, users):
    policy = {"due_at": "2026-05-01T23:59:00Z", "hard_cutoff_at": "2026-05-04T23:59:00+00:00",
              "late_penalty_per_day": 0.1, "daily_cap": 5, "score_policy": "latest"}
    response = client.put("/api/v1/assignments/toy", json=policy, headers=auth(users["prof"]))
    assert response.status_code == 200
    body = response.json()
    assert body["due_at"].startswith("2026-05-01T23:59:00") and body["daily_cap"] == 5
    assert body["late_penalty_per_day"] == 0.1 and body["score_policy"] == "latest"
    # fields left out keep their value
    client.put("/api/v1/assignments/toy", json={"title": "Toy, renamed"}, headers=auth(users["prof"]))
    again = client.get("/api/v1/assignments/toy", headers=auth(users["alice"])).json()
    assert again["title"] == "Toy, renamed" and again["daily_cap"] == 5


def test_bad_assignment_changes_are_refused_clearly(client, users):
    def put(assignment_id, body, token=users["prof"]):
        return client.put(f"/api/v1/assignments/{assignment_id}", json=body, headers=auth(token))

    assert put("toy", {"daily_cap": 3}, users["alice"]).status_code == 403
    assert put("toy", {"due_at": "2026-05-01T23:59:00"}).status_code == 422  # no time zone
    assert put("toy", {"late_penalty_per_day": 2}).status_code == 422
    cutoff = put("toy", {"due_at": "2026-05-02T00:00:00Z", "hard_cutoff_at": "2026-05-01T00:00:00Z"})
    assert cutoff.status_code == 422 and "before due_at" in cutoff.json()["detail"]
    missing = put("a9", {})
    assert missing.status_code == 422 and "cannot register 'a9'" in missing.json()["detail"]
    wrong = put("other", {"master": str(TOY)})
    assert wrong.status_code == 422 and "master of 'toy', not 'other'" in wrong.json()["detail"]


def test_an_instructor_creates_an_assignment_from_a_master_and_release_dir(client, users, tmp_path):
    from release.generate import build_release
    from release.tree import write_tree

    release = tmp_path / "toy-release"
    write_tree(build_release(TOY).files, release)
    body = {"master": str(TOY), "release_dir": str(release), "title": "Toy again"}
    # the id must match the master's: re-registering toy (an update) from a release directory
    response = client.put("/api/v1/assignments/toy", json=body, headers=auth(users["prof"]))
    assert response.status_code == 200 and response.json()["title"] == "Toy again"
    not_release = client.put("/api/v1/assignments/toy", json={"release_dir": str(tmp_path)},
                             headers=auth(users["prof"]))
    assert not_release.status_code == 422 and "not a release directory" in not_release.json()["detail"]


def test_an_instructor_uploads_a_release_bundle(client, users):
    from release.generate import build_release
    from release.student_zip import student_zip

    files = build_release(TOY).files
    files["NOTE.txt"] = b"updated starter files\n"
    bundle = student_zip(files, "toy")
    response = client.put("/api/v1/assignments/toy/release", files={"file": ("toy.zip", bundle)},
                          headers=auth(users["prof"]))
    assert response.status_code == 200, response.text
    download = client.get("/api/v1/assignments/toy/download", headers=auth(users["alice"])).content
    assert download == bundle
    bad = client.put("/api/v1/assignments/toy/release", files={"file": ("x.zip", b"not a zip")},
                     headers=auth(users["prof"]))
    assert bad.status_code == 422 and "not a zip" in bad.json()["detail"]
    assert client.put("/api/v1/assignments/toy/release", files={"file": ("toy.zip", bundle)},
                      headers=auth(users["alice"])).status_code == 403
