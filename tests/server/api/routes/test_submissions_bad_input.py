"""Bad input gets a clear 4xx and stores nothing: no row, no upload, no job, no scratch file."""

from __future__ import annotations

import io
import json
import zipfile

import httpx
import pytest

from tests.server.factories import auth, stored_rows, toy_files, toy_zip, upload

NOTHING = {"submissions": 0, "uploads": 0, "jobs": 0, "results": 0}


@pytest.fixture
def refused(client, database, settings, users):
    """Post an upload as alice; assert it stored nothing; return the response."""
    def post(data: bytes, filename: str = "toy_submission.zip", *, token=None, **params):
        response = upload(client, token or users["alice"], data, filename, **params)
        assert 400 <= response.status_code < 500, response.text
        assert stored_rows(database) == NOTHING
        assert not any((settings.var_dir / "tmp").glob("*/*")), "a scratch file was left behind"
        return response
    return post


def zip_of(members: dict[str, bytes], *, symlink: str | None = None) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        if symlink:
            info = zipfile.ZipInfo(symlink)
            info.create_system = 3
            info.external_attr = (0o120777 << 16)
            archive.writestr(info, "/etc/passwd")
    return buffer.getvalue()


def detail(response) -> str:
    return response.json()["detail"]


def test_an_upload_over_the_size_cap_is_refused(refused, settings):
    settings.upload_max_bytes = 2000
    response = refused(toy_zip() + b"\0" * 70_000)
    assert response.status_code == 413 and "larger than 2000 bytes" in detail(response)


def test_the_size_cap_holds_while_streaming_without_a_length(client, users, settings, database):
    """A chunked body has no Content-Length: the cap is counted as the bytes arrive."""
    settings.upload_max_bytes = 50_000
    boundary = "gradelabtestboundary"

    def body():
        yield (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.zip\"\r\n"
               "Content-Type: application/zip\r\n\r\n").encode()
        for _ in range(200):
            yield b"PK\x03\x04" + b"x" * 4092
        yield f"\r\n--{boundary}--\r\n".encode()

    try:
        response = client.post("/api/v1/submissions", params={"assignment": "toy"}, content=body(),
                               headers={**auth(users["alice"]), "Content-Type": f"multipart/form-data; boundary={boundary}"})
        assert response.status_code == 413
    except httpx.WriteError:
        pass  # the server may close the connection before the client has sent everything
    assert stored_rows(database) == NOTHING


def test_not_a_zip_nor_a_notebook(refused):
    response = refused(b"%PDF-1.4 an essay", "essay.pdf")
    assert response.status_code == 415 and "neither a zip nor a notebook" in detail(response)


def test_not_multipart(client, users, database):
    response = client.post("/api/v1/submissions", params={"assignment": "toy"}, content=toy_zip(),
                           headers={**auth(users["alice"]), "Content-Type": "application/zip"})
    assert response.status_code == 415 and "multipart/form-data" in detail(response)
    assert stored_rows(database) == NOTHING


def test_no_file_part(client, users, database):
    response = client.post("/api/v1/submissions", params={"assignment": "toy"}, data={"other": "x"},
                           files={"attachment": ("a.zip", toy_zip())}, headers=auth(users["alice"]))
    assert response.status_code == 422 and "no file part named 'file'" in detail(response)
    assert stored_rows(database) == NOTHING


@pytest.mark.parametrize(("name", "expected"), [
    ("/etc/cron.d/evil", "absolute or parent path"),
    ("../../outside.py", "absolute or parent path"),
    ("toy/../../outside.py", "absolute or parent path"),
])
def test_zip_members_with_absolute_or_parent_paths(refused, name, expected):
    response = refused(zip_of({**toy_files(), name: b"x = 1\n"}))
    assert response.status_code == 422 and expected in detail(response)


def test_zip_with_a_link(refused):
    response = refused(zip_of(toy_files(), symlink="toy/link.py"))
    assert response.status_code == 422 and "symbolic link" in detail(response)


def test_zip_with_too_many_members(refused, settings):
    settings.zip_max_members = 20
    response = refused(zip_of({**toy_files(), **{f"junk/{i}.txt": b"" for i in range(30)}}))
    assert response.status_code == 422 and "at most 20 are accepted" in detail(response)


def test_a_compression_bomb(refused):
    response = refused(zip_of({**toy_files(), "toy/bomb.py": b"\0" * (8 << 20)}))
    assert response.status_code == 422 and "compression bomb" in detail(response)


def test_a_zip_that_expands_past_the_cap(refused, settings):
    settings.zip_max_uncompressed_bytes = 5000
    response = refused(zip_of({**toy_files(), "toy/big.py": bytes(range(256)) * 40}))
    assert response.status_code == 422 and "expands to more than 5000 bytes" in detail(response)


def test_a_corrupt_zip(refused):
    response = refused(b"PK\x03\x04" + b"garbage" * 100)
    assert response.status_code == 422 and "neither a zip" in detail(response)


def test_a_zip_without_the_assignment(refused):
    response = refused(zip_of({"notes.txt": b"hello"}))
    assert response.status_code == 422 and "nothing of toy found" in detail(response)


@pytest.mark.parametrize("as_zip", [False, True])
def test_a_notebook_that_fails_nbformat_validation(refused, as_zip):
    broken = json.dumps({"cells": 5, "nbformat": 4}).encode()
    data = zip_of({**toy_files(), "Toy.ipynb": broken}) if as_zip else broken
    response = refused(data, "toy_submission.zip" if as_zip else "Toy.ipynb")
    assert response.status_code == 422 and "Toy.ipynb: not a valid notebook" in detail(response)


def test_a_notebook_of_another_assignment(refused):
    response = refused(toy_files()["Toy.ipynb"], "Other.ipynb")
    assert response.status_code == 422 and "Other.ipynb is not a notebook of toy" in detail(response)


def test_an_unknown_assignment(refused):
    response = refused(toy_zip(), assignment="a9")
    assert response.status_code == 404 and "no assignment 'a9'" in detail(response)


def test_a_missing_token(client, database):
    response = client.post("/api/v1/submissions", params={"assignment": "toy"}, files={"file": ("t.zip", toy_zip())})
    assert response.status_code == 401 and "Authorization: Bearer" in detail(response)
    assert response.headers["WWW-Authenticate"] == "Bearer"
    assert stored_rows(database) == NOTHING


def test_a_wrong_token(refused, users):
    response = refused(toy_zip(), token="glt_not-a-token")
    assert response.status_code == 401 and "unknown or revoked" in detail(response)


def test_a_revoked_token(refused, database, users):
    from server.crud.users import get_user, revoke_tokens

    with database.session() as session:
        revoke_tokens(session, get_user(session, "alice"))
    assert refused(toy_zip()).status_code == 401


def test_a_student_cannot_submit_for_another(refused):
    response = refused(toy_zip(), student="bob")
    assert response.status_code == 403 and "only its own work" in detail(response)


def test_ci_must_name_a_student_that_exists(refused, users):
    assert "add ?student=NAME" in detail(refused(toy_zip(), token=users["robot"]))
    assert refused(toy_zip(), token=users["robot"], student="nobody").status_code == 404
    assert "'prof' is not a student" in detail(refused(toy_zip(), token=users["robot"], student="prof"))
