"""The students' download scripts (cs231n/datasets/get_*.sh) against a local server.

Each script works in its own directory, so the tests run copies in a temporary one.
"""

from __future__ import annotations

import io
import shutil
import subprocess
import tarfile
import zipfile
from pathlib import Path

import numpy as np
import pytest

from grader.datasets.layout import COCO_FILES
from grader.datasets.synth_coco import write_coco

SCRIPTS = Path(__file__).resolve().parents[2] / "solutions" / "a2" / "cs231n" / "datasets"

pytestmark = pytest.mark.skipif(
    shutil.which("curl") is None and shutil.which("wget") is None, reason="needs curl or wget"
)


def _copy_script(name: str, directory: Path) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    return Path(shutil.copy(SCRIPTS / name, directory / name))


def _run(script: Path, url: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(script), url], capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def coco_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("coco-files")
    write_coco(root, np.random.default_rng(2), images={"train": 10, "val": 5})
    return root


def _zip(directory: Path, prefix: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as zf:
        for path in sorted(directory.iterdir()):
            zf.write(path, prefix + path.name)
    return buffer.getvalue()


@pytest.mark.parametrize("prefix", ["coco_captioning/", ""])
def test_get_coco_dataset_unpacks_into_coco_captioning(
    archive_server, tmp_path: Path, coco_files: Path, prefix: str
):
    archive_server.files["/coco.zip"] = _zip(coco_files, prefix)
    script = _copy_script("get_coco_dataset.sh", tmp_path / "datasets")
    done = _run(script, archive_server.url("/coco.zip"))
    assert done.returncode == 0, done.stderr
    folder = tmp_path / "datasets"
    assert set(COCO_FILES) <= {p.name for p in (folder / "coco_captioning").iterdir()}
    assert sorted(p.name for p in folder.iterdir()) == ["coco_captioning", "get_coco_dataset.sh"]

    again = _run(script, archive_server.url("/coco.zip"))
    assert again.returncode == 0 and "already" in again.stdout


def test_get_coco_dataset_rejects_a_damaged_zip(archive_server, tmp_path: Path, coco_files: Path):
    archive_server.files["/coco.zip"] = _zip(coco_files, "coco_captioning/")[:-200]
    script = _copy_script("get_coco_dataset.sh", tmp_path / "datasets")
    done = _run(script, archive_server.url("/coco.zip"))
    assert done.returncode != 0
    assert "damaged" in done.stderr
    assert sorted(p.name for p in (tmp_path / "datasets").iterdir()) == ["get_coco_dataset.sh"]


def test_get_datasets_refuses_an_archive_with_the_wrong_md5(archive_server, tmp_path: Path):
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as tar:
        info = tarfile.TarInfo("cifar-10-batches-py/readme.html")
        info.size = 4
        tar.addfile(info, io.BytesIO(b"fake"))
    archive_server.files["/cifar.tar.gz"] = buffer.getvalue()
    script = _copy_script("get_datasets.sh", tmp_path / "datasets")
    done = _run(script, archive_server.url("/cifar.tar.gz"))
    assert done.returncode == 1
    assert "expected c58f30108f718f92721af3b95e74349a" in done.stderr
    assert sorted(p.name for p in (tmp_path / "datasets").iterdir()) == ["get_datasets.sh"]
