"""Synthetic CIFAR-10: the real pickle format, read by the course loaders, and learnable."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest

BATCHES = [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]
CIFAR_MEANS = np.array([125.3, 123.0, 113.9])


@pytest.fixture(scope="module")
def cifar_dir(synthetic_dir: Path) -> Path:
    return synthetic_dir / "cifar-10-batches-py"


@pytest.fixture(scope="module")
def data_utils(load_cs231n):
    return load_cs231n("data_utils")


def _raw(path: Path) -> dict:
    with open(path, "rb") as f:
        return pickle.load(f, encoding="latin1")


@pytest.mark.parametrize("name", BATCHES)
def test_batch_has_the_real_pickle_format(cifar_dir: Path, name: str):
    batch = _raw(cifar_dir / name)
    assert set(batch) == {"data", "labels", "batch_label", "filenames"}
    assert all(isinstance(key, str) for key in batch)  # b'data' would break load_CIFAR_batch
    assert batch["data"].dtype == np.uint8 and batch["data"].shape == (10000, 3072)
    assert isinstance(batch["labels"], list) and len(batch["labels"]) == 10000
    assert all(type(label) is int for label in batch["labels"])
    assert np.bincount(batch["labels"], minlength=10).tolist() == [1000] * 10
    assert len(batch["filenames"]) == 10000


def test_meta_lists_the_cifar_class_names(cifar_dir: Path):
    meta = _raw(cifar_dir / "batches.meta")
    assert meta["label_names"] == [
        "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck",
    ]  # fmt: skip
    assert meta["num_cases_per_batch"] == 10000


def test_load_CIFAR_batch_reads_channel_major_rows(cifar_dir: Path, data_utils):
    X, Y = data_utils.load_CIFAR_batch(str(cifar_dir / "data_batch_1"))
    raw = _raw(cifar_dir / "data_batch_1")
    assert X.shape == (10000, 32, 32, 3) and X.dtype == np.float64
    assert Y.shape == (10000,)
    row = raw["data"][7]
    for channel in range(3):
        expected = row[1024 * channel : 1024 * (channel + 1)].reshape(32, 32)
        np.testing.assert_array_equal(X[7, :, :, channel], expected)
    np.testing.assert_array_equal(Y, raw["labels"])


def test_load_CIFAR10_stacks_five_training_batches(cifar_dir: Path, data_utils):
    Xtr, Ytr, Xte, Yte = data_utils.load_CIFAR10(str(cifar_dir))
    assert Xtr.shape == (50000, 32, 32, 3) and Xte.shape == (10000, 32, 32, 3)
    assert Ytr.shape == (50000,) and Yte.shape == (10000,)
    assert Xtr.dtype == Xte.dtype == np.float64
    last, _ = data_utils.load_CIFAR_batch(str(cifar_dir / "data_batch_5"))
    np.testing.assert_array_equal(Xtr[40000:], last)
    assert not np.array_equal(Xtr[:100], Xte[:100])


def test_get_CIFAR10_data_follows_the_course_recipe(
    synthetic_dir: Path, data_utils, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    # The default path is relative to the notebooks' working directory.
    (tmp_path / "cs231n" / "datasets").mkdir(parents=True)
    (tmp_path / "cs231n" / "datasets" / "cifar-10-batches-py").symlink_to(
        synthetic_dir / "cifar-10-batches-py", target_is_directory=True
    )
    monkeypatch.chdir(tmp_path)
    data = data_utils.get_CIFAR10_data(num_training=1000, num_validation=200, num_test=300)

    Xtr, Ytr, Xte, Yte = data_utils.load_CIFAR10("cs231n/datasets/cifar-10-batches-py")
    X_train, X_val, X_test = Xtr[:1000], Xtr[1000:1200], Xte[:300]
    mean_image = X_train.mean(axis=0)
    expected = {
        "X_train": (X_train - mean_image).transpose(0, 3, 1, 2),
        "y_train": Ytr[:1000],
        "X_val": (X_val - mean_image).transpose(0, 3, 1, 2),
        "y_val": Ytr[1000:1200],
        "X_test": (X_test - mean_image).transpose(0, 3, 1, 2),
        "y_test": Yte[:300],
    }
    assert list(data) == list(expected)
    for key, value in expected.items():
        assert data[key].dtype == value.dtype, key
        np.testing.assert_array_equal(data[key], value, err_msg=key)
    assert data["X_train"].flags.c_contiguous

    raw = data_utils.get_CIFAR10_data(
        num_training=10, num_validation=10, num_test=10, subtract_mean=False
    )
    np.testing.assert_array_equal(raw["X_val"], Xtr[10:20].transpose(0, 3, 1, 2))


def test_images_have_cifar_like_statistics(cifar_dir: Path):
    pixels = _raw(cifar_dir / "data_batch_3")["data"].reshape(10000, 3, 1024)
    means = pixels.mean(axis=(0, 2))
    stds = pixels.std(axis=(0, 2))
    assert np.all(np.abs(means - CIFAR_MEANS) < 6), means
    assert np.all((stds > 45) & (stds < 75)), stds
    low, high = np.percentile(pixels, [2, 98])
    assert low < 40 and high > 215  # the whole 0..255 range is used


def _nearest_class_mean_accuracy(
    X: np.ndarray, y: np.ndarray, Xv: np.ndarray, yv: np.ndarray
) -> float:
    centroids = np.stack([X[y == c].mean(axis=0) for c in range(10)])
    distances = ((Xv[:, None, :] - centroids[None]) ** 2).sum(axis=2)
    return float((distances.argmin(axis=1) == yv).mean())


def test_classes_are_learnable_but_not_trivially(cifar_dir: Path):
    train, test = _raw(cifar_dir / "data_batch_1"), _raw(cifar_dir / "test_batch")
    X = train["data"][:500].astype(np.float64)
    y = np.array(train["labels"][:500])
    Xv = test["data"][:500].astype(np.float64)
    yv = np.array(test["labels"][:500])
    accuracy = _nearest_class_mean_accuracy(X, y, Xv, yv)
    assert 0.3 < accuracy < 0.9, accuracy  # chance is 0.1
