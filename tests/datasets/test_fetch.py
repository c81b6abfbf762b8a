"""Fetching archives from a local HTTP server: good, resumed, corrupt, truncated, unreachable.

The archives are built here from generated data in the official layouts (CIFAR-10 batches
of zeros, a tiny synthetic COCO set), so nothing leaves the machine.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import os
import pickle
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from gradelab.settings import Settings
from grader.datasets.catalog import Source, catalog
from grader.datasets.errors import ArchiveCorrupt, ChecksumMismatch, DownloadError
from grader.datasets.fetch import FetchOptions, fetch
from grader.datasets.layout import COCO_FILES
from grader.datasets.manifest import FetchManifest
from grader.datasets.synth_coco import write_coco

REPO_ROOT = Path(__file__).resolve().parents[2]
QUICK = FetchOptions(retries=2, retry_delay_s=0.0, timeout_s=10.0)


# --- Archives -------------------------------------------------------------------------


def _tar_add(tar: tarfile.TarFile, name: str, payload: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(payload)
    tar.addfile(info, io.BytesIO(payload))


@pytest.fixture(scope="module")
def cifar_archive() -> bytes:
    """cifar-10-python.tar.gz's layout with all-black images."""
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz", compresslevel=1) as tar:
        tar.addfile(_dir_info("cifar-10-batches-py"))
        for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
            batch = {
                "batch_label": name,
                "labels": [i % 10 for i in range(10000)],
                "data": np.zeros((10000, 3072), dtype=np.uint8),
                "filenames": [f"{i}.png" for i in range(10000)],
            }
            _tar_add(tar, f"cifar-10-batches-py/{name}", pickle.dumps(batch, protocol=2))
        meta = {"label_names": [f"class{i}" for i in range(10)], "num_cases_per_batch": 10000}
        _tar_add(tar, "cifar-10-batches-py/batches.meta", pickle.dumps(meta, protocol=2))
        _tar_add(tar, "cifar-10-batches-py/readme.html", b"<html></html>")
    return buffer.getvalue()


def _dir_info(name: str) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE
    info.mode = 0o755
    return info


@pytest.fixture(scope="module")
def coco_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("coco-source") / "coco_captioning"
    root.mkdir()
    write_coco(root, np.random.default_rng(1), images={"train": 20, "val": 10})
    return root


def make_zip(directory: Path, *, prefix: str = "coco_captioning/", stored: bool = False) -> bytes:
    buffer = io.BytesIO()
    method = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    with zipfile.ZipFile(buffer, "w", method) as zf:
        if prefix:
            zf.writestr(zipfile.ZipInfo(prefix), b"")
        for path in sorted(directory.iterdir()):
            zf.write(path, prefix + path.name)
    return buffer.getvalue()


@pytest.fixture(scope="module")
def coco_zip(coco_dir: Path) -> bytes:
    return make_zip(coco_dir)


def md5(data: bytes) -> str:
    return hashlib.md5(data).hexdigest()


def sources(server, *, cifar: bytes | None = None) -> dict[str, Source]:
    """The real catalog pointed at the test server; CIFAR's checksums are those of ``cifar``."""
    settings = Settings(cifar10_url=server.url("/cifar.tar.gz"), coco_url=server.url("/coco.zip"))
    found = catalog(settings)
    if cifar is not None:
        found["cifar10"] = dataclasses.replace(found["cifar10"], md5=md5(cifar), size=len(cifar))
    return found


def contents(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# --- Good downloads -------------------------------------------------------------------


def test_fetches_both_sets_into_the_course_layout(
    archive_server, tmp_path: Path, cifar_archive: bytes, coco_zip: bytes, load_cs231n
):
    archive_server.files.update({"/cifar.tar.gz": cifar_archive, "/coco.zip": coco_zip})
    found = sources(archive_server, cifar=cifar_archive)
    log = io.StringIO()
    data_dir = tmp_path / "full"
    assert fetch(found["cifar10"], data_dir, options=QUICK, stream=log).action == "fetched"
    assert fetch(found["coco"], data_dir, options=QUICK, stream=log).action == "fetched"

    assert contents(data_dir) == ["cifar-10-batches-py", "coco_captioning", "fetch_manifest.json"]
    assert "readme.html" in contents(data_dir / "cifar-10-batches-py")
    assert set(COCO_FILES) <= set(contents(data_dir / "coco_captioning"))
    assert "100.0%" in log.getvalue() and "MiB/s" in log.getvalue()  # the progress line

    manifest = FetchManifest(data_dir)
    assert manifest.get("cifar10")["md5"] == md5(cifar_archive)
    assert manifest.get("coco")["sha256"] == hashlib.sha256(coco_zip).hexdigest()
    assert manifest.get("coco")["url"] == archive_server.url("/coco.zip")

    X, y = load_cs231n("data_utils").load_CIFAR_batch(
        str(data_dir / "cifar-10-batches-py" / "test_batch")
    )
    assert X.shape == (10000, 32, 32, 3) and y[:3].tolist() == [0, 1, 2]
    coco = load_cs231n("coco_utils").load_coco_data(base_dir=str(data_dir / "coco_captioning"))
    assert coco["train_features"].shape == (20, 512) and coco["val_captions"].shape == (50, 17)

    # Present and valid: nothing is downloaded again.
    requests_before = len(archive_server.requests)
    assert fetch(found["cifar10"], data_dir, options=QUICK, stream=log).action == "present"
    assert fetch(found["coco"], data_dir, options=QUICK, stream=log).action == "present"
    assert len(archive_server.requests) == requests_before


def test_files_at_the_top_of_the_zip_are_accepted(archive_server, tmp_path: Path, coco_dir: Path):
    archive_server.files["/coco.zip"] = make_zip(coco_dir, prefix="")
    fetch(sources(archive_server)["coco"], tmp_path, options=QUICK, stream=io.StringIO())
    assert set(COCO_FILES) <= set(contents(tmp_path / "coco_captioning"))


def test_an_unusable_copy_on_disk_is_replaced(archive_server, tmp_path: Path, coco_zip: bytes):
    (tmp_path / "coco_captioning").mkdir()
    (tmp_path / "coco_captioning" / "coco2014_vocab.json").write_text("{}")
    archive_server.files["/coco.zip"] = coco_zip
    result = fetch(sources(archive_server)["coco"], tmp_path, options=QUICK, stream=io.StringIO())
    assert result.action == "fetched"
    assert set(COCO_FILES) <= set(contents(tmp_path / "coco_captioning"))


# --- Resuming -------------------------------------------------------------------------


def test_a_dropped_connection_is_resumed_with_a_range_request(
    archive_server, tmp_path: Path, cifar_archive: bytes
):
    archive_server.files["/cifar.tar.gz"] = cifar_archive
    archive_server.drops["/cifar.tar.gz"] = 1  # the first response stops halfway
    log = io.StringIO()
    fetch(
        sources(archive_server, cifar=cifar_archive)["cifar10"], tmp_path, options=QUICK, stream=log
    )

    half = len(cifar_archive) // 2
    assert archive_server.requests == [("/cifar.tar.gz", None), ("/cifar.tar.gz", f"bytes={half}-")]
    assert "connection lost" in log.getvalue()
    assert contents(tmp_path) == ["cifar-10-batches-py", "fetch_manifest.json"]


def test_a_later_run_continues_an_interrupted_download(
    archive_server, tmp_path: Path, coco_zip: bytes
):
    archive_server.files["/coco.zip"] = coco_zip
    archive_server.drops["/coco.zip"] = 1
    source = sources(archive_server)["coco"]
    with pytest.raises(DownloadError, match="run the command again to resume"):
        fetch(source, tmp_path, options=dataclasses.replace(QUICK, retries=0), stream=io.StringIO())
    part = tmp_path / ".downloads" / "coco_captioning.zip.part"
    half = len(coco_zip) // 2
    assert part.read_bytes() == coco_zip[:half]  # a valid prefix, kept for resuming
    assert not (tmp_path / "coco_captioning").exists()

    fetch(source, tmp_path, options=QUICK, stream=io.StringIO())
    assert archive_server.requests[-1] == ("/coco.zip", f"bytes={half}-")
    assert contents(tmp_path) == ["coco_captioning", "fetch_manifest.json"]
    assert FetchManifest(tmp_path).get("coco")["sha256"] == hashlib.sha256(coco_zip).hexdigest()


def test_a_server_without_range_support_gets_a_fresh_download(
    archive_server, tmp_path: Path, coco_zip: bytes
):
    archive_server.files["/coco.zip"] = coco_zip
    archive_server.drops["/coco.zip"] = 1
    archive_server.honour_range = False  # answers the resume with the whole file (200)
    fetch(sources(archive_server)["coco"], tmp_path, options=QUICK, stream=io.StringIO())
    assert FetchManifest(tmp_path).get("coco")["sha256"] == hashlib.sha256(coco_zip).hexdigest()


def test_a_resume_answered_with_another_range_starts_over(
    archive_server, tmp_path: Path, cifar_archive: bytes
):
    archive_server.files["/cifar.tar.gz"] = cifar_archive
    archive_server.drops["/cifar.tar.gz"] = 1
    archive_server.range_skew = 100  # the resume gets bytes from 100 before where it asked
    log = io.StringIO()
    fetch(
        sources(archive_server, cifar=cifar_archive)["cifar10"], tmp_path, options=QUICK, stream=log
    )

    half = len(cifar_archive) // 2
    assert archive_server.requests == [
        ("/cifar.tar.gz", None),
        ("/cifar.tar.gz", f"bytes={half}-"),
        ("/cifar.tar.gz", None),  # the whole file again, not bytes written at the wrong place
    ]
    assert "another range" in log.getvalue()
    assert contents(tmp_path) == ["cifar-10-batches-py", "fetch_manifest.json"]


# --- Damaged archives -----------------------------------------------------------------


@pytest.mark.parametrize("damage", ["flipped byte", "truncated"])
def test_a_damaged_archive_fails_its_checksum_and_leaves_nothing(
    archive_server, tmp_path: Path, cifar_archive: bytes, damage: str
):
    served = bytearray(cifar_archive)
    if damage == "flipped byte":
        served[len(served) // 2] ^= 0xFF
    else:
        served = served[: len(served) // 3]
    archive_server.files["/cifar.tar.gz"] = bytes(served)
    source = sources(archive_server, cifar=cifar_archive)["cifar10"]
    with pytest.raises(ChecksumMismatch) as raised:
        fetch(source, tmp_path / "full", options=QUICK, stream=io.StringIO())

    message = str(raised.value)
    assert "cifar-10-python.tar.gz" in message and "Run `gradelab data fetch` again" in message
    if damage == "flipped byte":
        assert md5(cifar_archive) in message and md5(bytes(served)) in message
    else:
        assert f"expected {len(cifar_archive)} bytes, got {len(served)} bytes" in message
    assert contents(tmp_path / "full") == []


def test_a_truncated_zip_is_reported_and_removed(archive_server, tmp_path: Path, coco_zip: bytes):
    archive_server.files["/coco.zip"] = coco_zip[: int(len(coco_zip) * 0.7)]
    with pytest.raises(ArchiveCorrupt, match="coco_captioning.zip: not a readable zip file"):
        fetch(sources(archive_server)["coco"], tmp_path, options=QUICK, stream=io.StringIO())
    assert contents(tmp_path) == []


def test_a_zip_member_with_a_bad_crc_is_reported(archive_server, tmp_path: Path, coco_dir: Path):
    archive = bytearray(make_zip(coco_dir, stored=True))
    with zipfile.ZipFile(io.BytesIO(bytes(archive))) as zf:
        info = zf.getinfo("coco_captioning/coco2014_vocab.json")
    # Local header: 30 fixed bytes, the name, the extra field; then the stored data.
    name_length = int.from_bytes(
        archive[info.header_offset + 26 : info.header_offset + 28], "little"
    )
    extra_length = int.from_bytes(
        archive[info.header_offset + 28 : info.header_offset + 30], "little"
    )
    archive[info.header_offset + 30 + name_length + extra_length + 5] ^= 0x01
    archive_server.files["/coco.zip"] = bytes(archive)
    with pytest.raises(ArchiveCorrupt, match="coco2014_vocab.json fails its CRC check"):
        fetch(sources(archive_server)["coco"], tmp_path, options=QUICK, stream=io.StringIO())
    assert contents(tmp_path) == []


def test_an_archive_of_something_else_is_rejected(archive_server, tmp_path: Path):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr("coco_captioning/readme.txt", "not the data")
    archive_server.files["/coco.zip"] = buffer.getvalue()
    with pytest.raises(
        ArchiveCorrupt, match="does not hold coco_captioning/ with coco2014_captions.h5"
    ):
        fetch(sources(archive_server)["coco"], tmp_path, options=QUICK, stream=io.StringIO())
    assert contents(tmp_path) == []


def test_a_changed_archive_at_a_pinned_url_is_caught(
    archive_server, tmp_path: Path, coco_zip: bytes, coco_dir: Path
):
    archive_server.files["/coco.zip"] = coco_zip
    source = sources(archive_server)["coco"]
    fetch(source, tmp_path, options=QUICK, stream=io.StringIO())
    shutil.rmtree(tmp_path / "coco_captioning")

    changed = make_zip(coco_dir, prefix="")  # same files, other bytes
    archive_server.files["/coco.zip"] = changed
    with pytest.raises(ChecksumMismatch, match="recorded when it was first fetched"):
        fetch(source, tmp_path, options=QUICK, stream=io.StringIO())
    assert contents(tmp_path) == ["fetch_manifest.json"]

    accepted = source.with_overrides(sha256=hashlib.sha256(changed).hexdigest())
    fetch(accepted, tmp_path, options=QUICK, stream=io.StringIO())
    assert FetchManifest(tmp_path).get("coco")["sha256"] == hashlib.sha256(changed).hexdigest()


# --- Unreachable servers ---------------------------------------------------------------


def test_an_unreachable_url_is_a_clear_error(tmp_path: Path, closed_port: int):
    settings = Settings(coco_url=f"http://127.0.0.1:{closed_port}/coco.zip")
    with pytest.raises(DownloadError, match=r"127.0.0.1:\d+/coco.zip: cannot connect .*mirror"):
        fetch(catalog(settings)["coco"], tmp_path, options=QUICK, stream=io.StringIO())
    assert contents(tmp_path) == []


def test_an_http_error_is_a_clear_error(archive_server, tmp_path: Path):
    with pytest.raises(DownloadError, match="HTTP 404"):
        fetch(sources(archive_server)["coco"], tmp_path, options=QUICK, stream=io.StringIO())
    assert contents(tmp_path) == []


# --- The command line -----------------------------------------------------------------


def _run(cmd: list[str], **env: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd,
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        timeout=300,
    )


def test_cli_fetch(archive_server, tmp_path: Path, coco_zip: bytes, gradelab_cmd, closed_port: int):
    archive_server.files["/coco.zip"] = coco_zip
    fetch_cmd = [*gradelab_cmd, "data", "fetch", "--only", "coco"]

    done = _run(
        [*fetch_cmd, "--out", str(tmp_path / "a"), "--coco-url", archive_server.url("/coco.zip")]
    )
    assert done.returncode == 0, done.stderr
    assert "coco: ready in" in done.stderr and "100.0%" in done.stderr
    assert set(COCO_FILES) <= set(contents(tmp_path / "a" / "coco_captioning"))

    # The URL from the environment, through settings; the directory from the full profile.
    done = _run(
        fetch_cmd,
        GRADELAB_COCO_URL=archive_server.url("/coco.zip"),
        GRADELAB_DATA_DIR=str(tmp_path),
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "full" / "coco_captioning" / "coco2014_captions.h5").is_file()

    done = _run(
        [
            *fetch_cmd,
            "--out",
            str(tmp_path / "b"),
            "--coco-url",
            f"http://127.0.0.1:{closed_port}/c.zip",
        ]
    )
    assert done.returncode == 1
    assert "Error: " in done.stderr and "cannot connect" in done.stderr

    done = _run([*gradelab_cmd, "data", "fetch", "--out", str(tmp_path / "c"), "--md5", "0" * 32])
    assert done.returncode == 2 and "--only" in done.stderr
