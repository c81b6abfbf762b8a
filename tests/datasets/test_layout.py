"""The layout checks say precisely what is wrong with a data directory."""

from __future__ import annotations

import json
import pickle
import shutil
from pathlib import Path

import h5py
import numpy as np
import pytest

from grader.datasets.errors import DatasetInvalid
from grader.datasets.layout import CIFAR10_FILES, check_cifar10, check_coco
from grader.datasets.synth_coco import write_coco


def _cifar_dir(tmp_path: Path, first_batch: dict) -> Path:
    root = tmp_path / "cifar-10-batches-py"
    root.mkdir()
    for name in CIFAR10_FILES:
        (root / name).write_bytes(b"")  # never read: the check stops at the first batch
    with open(root / "data_batch_1", "wb") as f:
        pickle.dump(first_batch, f)
    return root


def test_cifar_batch_with_the_wrong_row_count(tmp_path: Path):
    root = _cifar_dir(tmp_path, {"data": np.zeros((9999, 3072), np.uint8), "labels": [0] * 9999})
    with pytest.raises(
        DatasetInvalid,
        match=r"data_batch_1: 'data' is uint8 \(9999, 3072\), expected uint8 \(10000, 3072\)",
    ):
        check_cifar10(root)


def test_cifar_batch_with_bytes_keys(tmp_path: Path):
    root = _cifar_dir(
        tmp_path, {b"data": np.zeros((10000, 3072), np.uint8), b"labels": [0] * 10000}
    )
    with pytest.raises(DatasetInvalid, match="no str keys 'data' and 'labels'"):
        check_cifar10(root)


def test_cifar_missing_files(tmp_path: Path):
    (tmp_path / "cifar-10-batches-py").mkdir()
    with pytest.raises(DatasetInvalid, match="missing data_batch_1, .*test_batch, batches.meta"):
        check_cifar10(tmp_path / "cifar-10-batches-py")


@pytest.fixture
def coco(tmp_path_factory: pytest.TempPathFactory, tmp_path: Path) -> Path:
    source = tmp_path_factory.getbasetemp() / "coco-layout-source"
    if not source.exists():
        source.mkdir()
        write_coco(source, np.random.default_rng(4), images={"train": 12, "val": 6})
    root = tmp_path / "coco_captioning"
    shutil.copytree(source, root)
    return root


def test_coco_image_index_past_the_features(coco: Path):
    with h5py.File(coco / "coco2014_captions.h5", "r+") as f:
        idxs = f["val_image_idxs"][()]
        idxs[0] = 6
        f["val_image_idxs"][...] = idxs
    with pytest.raises(
        DatasetInvalid, match="val_image_idxs points past the 6 rows of val2014_vgg16_fc7_pca.h5"
    ):
        check_coco(coco)


def test_coco_url_list_of_the_wrong_length(coco: Path):
    urls = coco / "train2014_urls.txt"
    urls.write_text("".join(urls.read_text().splitlines(keepends=True)[:-1]))
    with pytest.raises(DatasetInvalid, match="lists 11 URLs for 12 feature rows"):
        check_coco(coco)


def test_coco_vocabulary_without_null_at_zero(coco: Path):
    vocab = json.loads((coco / "coco2014_vocab.json").read_text())
    vocab["idx_to_word"][0], vocab["idx_to_word"][1] = (
        vocab["idx_to_word"][1],
        vocab["idx_to_word"][0],
    )
    vocab["word_to_idx"] = {w: i for i, w in enumerate(vocab["idx_to_word"])}
    (coco / "coco2014_vocab.json").write_text(json.dumps(vocab))
    with pytest.raises(DatasetInvalid, match="lacks <NULL> at 0"):
        check_coco(coco)


def test_coco_fc7_files_are_optional_only_when_asked(coco: Path):
    (coco / "train2014_vgg16_fc7.h5").unlink()
    assert check_coco(coco, require_fc7=False).train_images == 12
    with pytest.raises(DatasetInvalid, match="missing train2014_vgg16_fc7.h5"):
        check_coco(coco)
