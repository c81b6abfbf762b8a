"""Upload validation streams: each notebook of a zip has a size cap that is enforced from
the zip's directory and again while the member is read, so a big notebook is refused
without ever being held in memory (a 195 MB notebook in a 23 MB zip took the API server
from 230 MB to 3.7 GB before its 422)."""

from __future__ import annotations

import io
import json
import random
import struct
import tracemalloc
import zipfile

import pytest

from server.errors import InvalidInput, UploadTooLarge
from server.validation import validate_submission
from tests.server.conftest import make_settings
from tests.server.factories import TOY, toy_files

CAP = 1 << 20  # bytes per notebook in these tests


def big_notebook(size: int) -> bytes:
    """A valid notebook of about ``size`` bytes whose output compresses about 8x, like
    the observed one (a text output of random bits written as 0 and 1: 1 bit of entropy a byte)."""
    rng = random.Random(0)
    text = "".join(rng.choice("01") for _ in range(1 << 16))
    lines = [text] * (size // len(text) + 1)
    notebook = {"nbformat": 4, "nbformat_minor": 5, "metadata": {},
                "cells": [{"cell_type": "code", "id": "big", "metadata": {}, "execution_count": 1,
                           "source": "print(x)",
                           "outputs": [{"output_type": "stream", "name": "stdout", "text": lines}]}]}
    return json.dumps(notebook).encode()


def zip_with(notebook: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in {**toy_files(), "Toy.ipynb": notebook}.items():
            archive.writestr(path, data)
    return buffer.getvalue()


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path / "var", upload_notebook_max_bytes=CAP)


def peak_while(call) -> tuple[int, Exception | None]:
    """Peak bytes Python allocated during ``call()``, and what it raised."""
    tracemalloc.start()
    raised = None
    try:
        call()
    except Exception as exc:  # noqa: BLE001 - returned to the test
        raised = exc
    finally:
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
    return peak, raised


def test_a_notebook_over_the_cap_in_a_zip_is_refused_without_being_read(tmp_path, settings):
    upload = tmp_path / "toy_submission.zip"
    upload.write_bytes(zip_with(big_notebook(30 * CAP)))
    assert upload.stat().st_size < 30 * CAP / 6  # it compresses about 8x: under the bomb check
    peak, raised = peak_while(lambda: validate_submission(upload, TOY, settings))
    assert isinstance(raised, UploadTooLarge), raised
    assert "Toy.ipynb" in raised.message and f"at most {CAP:,} bytes" in raised.message
    assert peak < CAP, f"{peak:,} bytes allocated to refuse it"


def test_a_zip_that_understates_a_notebook_is_read_only_up_to_the_cap(tmp_path, settings):
    """The zip's directory says the notebook is small; its data says otherwise. The read
    stops at the cap (and the member fails its check) instead of trusting the directory."""
    data = bytearray(zip_with(big_notebook(30 * CAP)))
    directory = data.rfind(b"PK\x01\x02", 0, data.find(b"PK\x05\x06"))
    while True:  # find Toy.ipynb's entry in the central directory
        name_length = struct.unpack_from("<H", data, directory + 28)[0]
        if data[directory + 46:directory + 46 + name_length] == b"Toy.ipynb":
            break
        directory = data.rfind(b"PK\x01\x02", 0, directory)
    struct.pack_into("<I", data, directory + 24, CAP - 1)  # uncompressed size
    upload = tmp_path / "toy_submission.zip"
    upload.write_bytes(bytes(data))
    peak, raised = peak_while(lambda: validate_submission(upload, TOY, settings))
    assert isinstance(raised, (InvalidInput, UploadTooLarge)) and "Toy.ipynb" in raised.message, raised
    assert peak < 3 * CAP, f"{peak:,} bytes allocated to refuse it"


def test_a_lone_notebook_over_the_cap_is_refused(tmp_path, settings):
    upload = tmp_path / "Toy.ipynb"
    upload.write_bytes(big_notebook(2 * CAP))
    with pytest.raises(UploadTooLarge, match=rf"Toy.ipynb is {upload.stat().st_size:,} bytes; .* at most {CAP:,}"):
        validate_submission(upload, TOY, settings)


@pytest.mark.parametrize("as_zip", [False, True])
def test_a_notebook_under_the_cap_passes(tmp_path, settings, as_zip):
    notebook = big_notebook(CAP // 2)
    upload = tmp_path / ("toy_submission.zip" if as_zip else "Toy.ipynb")
    upload.write_bytes(zip_with(notebook) if as_zip else notebook)
    validate_submission(upload, TOY, settings)


@pytest.mark.parametrize("as_zip", [False, True])
def test_a_notebook_under_the_cap_is_held_once(tmp_path, as_zip):
    """Bytes, text, JSON and notebook each replace the one before: the peak is about two
    notebooks (a buffer becoming text, lines becoming joined strings), not four or more as
    when every member was read whole into a dict and then handed to nbformat.reads."""
    notebook = big_notebook(8 << 20)
    upload = tmp_path / ("toy_submission.zip" if as_zip else "Toy.ipynb")
    upload.write_bytes(zip_with(notebook) if as_zip else notebook)
    peak, raised = peak_while(lambda: validate_submission(upload, TOY, make_settings(tmp_path / "var")))
    assert raised is None
    assert peak < 2.5 * len(notebook), f"peak {peak / len(notebook):.2f} times the notebook"


def test_a_notebook_nested_too_deeply_is_refused_not_crashed(tmp_path, settings):
    """json's recursion limit raised RecursionError: a 500."""
    upload = tmp_path / "toy_submission.zip"
    upload.write_bytes(zip_with(b'{"cells": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"))
    with pytest.raises(InvalidInput, match="Toy.ipynb: not a valid notebook"):
        validate_submission(upload, TOY, settings)


def test_the_default_cap_fits_real_notebooks_with_outputs():
    """Assignment 2's notebooks with their figures are a few MB; 25 MiB leaves room."""
    assert make_settings(None).upload_notebook_max_bytes == 25 << 20
