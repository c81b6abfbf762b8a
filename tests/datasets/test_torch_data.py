"""cs231n.torch_data.CIFAR10: what torchvision's CIFAR10 + ToTensor + Normalize would give."""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, sampler


@pytest.fixture(scope="module")
def torch_data(load_cs231n):
    return load_cs231n("torch_data")


@pytest.fixture(scope="module")
def train_set(torch_data, synthetic_dir: Path):
    return torch_data.CIFAR10(str(synthetic_dir), train=True)


def test_items_are_normalised_float_tensors_and_int_labels(
    train_set, torch_data, synthetic_dir: Path
):
    assert len(train_set) == 50000 and train_set.train is True
    with open(synthetic_dir / "cifar-10-batches-py" / "data_batch_2", "rb") as f:
        raw = pickle.load(f, encoding="latin1")
    index = 10000 + 17  # row 17 of the second batch
    x, y = train_set[index]
    assert x.dtype == torch.float32 and x.shape == (3, 32, 32)
    assert type(y) is int and y == raw["labels"][17]
    pixels = raw["data"][17].reshape(3, 32, 32).astype(np.float32) / 255
    mean = np.array(torch_data.CIFAR10_MEAN, dtype=np.float32)[:, None, None]
    std = np.array(torch_data.CIFAR10_STD, dtype=np.float32)[:, None, None]
    np.testing.assert_allclose(x.numpy(), (pixels - mean) / std, rtol=0, atol=1e-6)
    assert train_set.data.shape == (50000, 32, 32, 3) and train_set.data.dtype == np.uint8
    assert train_set.targets[index] == y
    assert train_set.classes[0] == "airplane"


def test_constants_are_the_notebooks(torch_data):
    assert torch_data.CIFAR10_MEAN == (0.4914, 0.4822, 0.4465)
    assert torch_data.CIFAR10_STD == (0.2023, 0.1994, 0.2010)


def test_test_split_and_default_root(torch_data, synthetic_dir: Path, tmp_path: Path, monkeypatch):
    (tmp_path / "cs231n" / "datasets").mkdir(parents=True)
    (tmp_path / "cs231n" / "datasets" / "cifar-10-batches-py").symlink_to(
        synthetic_dir / "cifar-10-batches-py", target_is_directory=True
    )
    monkeypatch.chdir(tmp_path)
    test_set = torch_data.CIFAR10(train=False)
    assert len(test_set) == 10000 and test_set.train is False
    with open(synthetic_dir / "cifar-10-batches-py" / "test_batch", "rb") as f:
        assert test_set.targets == pickle.load(f, encoding="latin1")["labels"]


def test_works_with_the_notebooks_loaders_and_a_transform(
    torch_data, train_set, synthetic_dir: Path
):
    loader_val = DataLoader(
        train_set, batch_size=64, sampler=sampler.SubsetRandomSampler(range(49000, 50000))
    )
    x, y = next(iter(loader_val))
    assert x.shape == (64, 3, 32, 32) and y.dtype == torch.int64
    assert loader_val.dataset.train  # check_accuracy_* picks 'val' vs 'test' from this

    flipped = torch_data.CIFAR10(str(synthetic_dir), train=False, transform=lambda t: t.flip(-1))
    plain = torch_data.CIFAR10(str(synthetic_dir), train=False)
    torch.testing.assert_close(flipped[5][0], plain[5][0].flip(-1))


def test_missing_data_says_how_to_get_it(torch_data, tmp_path: Path):
    with pytest.raises(FileNotFoundError, match="get_datasets.sh"):
        torch_data.CIFAR10(str(tmp_path), train=True)
