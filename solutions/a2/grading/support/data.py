"""Data the trusted side holds: CIFAR-10 and COCO captioning of the run's profile.

Labels of the evaluation images stay here; the sandbox gets uint8 training images (a
read-only memory-mapped file when large) and the training labels a training check needs,
and converts them per batch. Images are read as uint8 and converted per use:
- numpy models: float32, minus the mean training image, (N, 3, 32, 32) as in
  get_CIFAR10_data;
- PyTorch models: float32 in [0, 1], normalised per channel with the notebook's
  mean/std, (N, 3, 32, 32).
"""

from __future__ import annotations

from functools import cached_property
from pathlib import Path

import numpy as np

CIFAR10_MEAN = np.array([0.4914, 0.4822, 0.4465], dtype=np.float32)
CIFAR10_STD = np.array([0.2023, 0.1994, 0.2010], dtype=np.float32)
ROWS_PER_BATCH = 10000
VAL_START = 49000   # the course's validation split: training rows [49000, 50000)


class Cifar10:
    def __init__(self, root: Path, load_pickle):
        self.root = Path(root)
        self._load_pickle = load_pickle
        self._batches: dict[str, tuple[np.ndarray, np.ndarray]] = {}

    def _batch(self, name: str) -> tuple[np.ndarray, np.ndarray]:
        if name not in self._batches:
            with open(self.root / name, "rb") as handle:
                raw = self._load_pickle(handle)
            images = np.asarray(raw["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
            self._batches[name] = images, np.asarray(raw["labels"], dtype=np.int64)
        return self._batches[name]

    def _training_rows(self, start: int, count: int) -> tuple[np.ndarray, np.ndarray]:
        images, labels, row = [], [], start
        while row < start + count:
            batch, offset = divmod(row, ROWS_PER_BATCH)
            X, y = self._batch(f"data_batch_{batch + 1}")
            take = min(ROWS_PER_BATCH - offset, start + count - row)
            images.append(X[offset:offset + take])
            labels.append(y[offset:offset + take])
            row += take
        return np.concatenate(images), np.concatenate(labels)

    def train(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        """The first ``count`` training images (uint8 (N, 3, 32, 32)) and labels."""
        return self._training_rows(0, min(count, VAL_START))

    def val(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        return self._training_rows(VAL_START, min(count, 50000 - VAL_START))

    def test(self, count: int) -> tuple[np.ndarray, np.ndarray]:
        X, y = self._batch("test_batch")
        return X[:count], y[:count]


def mean_image(train: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """The training split's mean image (3, 32, 32) float64, which get_CIFAR10_data subtracts.
    Summed a chunk at a time: 49,000 images as float64 would be 1.2 GB."""
    total = np.zeros(train.shape[1:], dtype=np.float64)
    for start in range(0, len(train), chunk):
        total += train[start:start + chunk].sum(axis=0, dtype=np.float64)
    return total / max(len(train), 1)


def standardized(images: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """get_CIFAR10_data's preprocessing of uint8 images: float32 of images minus ``mean``."""
    return (images.astype(np.float64) - mean).astype(np.float32)


def for_numpy_models(train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """get_CIFAR10_data's preprocessing: float, minus the training split's mean image."""
    mean = mean_image(train)
    return [standardized(images, mean) for images in (train, *others)]


#: What the sandbox needs to normalise uint8 images per batch as the notebook's transform does.
TORCH_NORMALIZE = {"mean": CIFAR10_MEAN.tolist(), "std": CIFAR10_STD.tolist()}


def for_torch_models(images: np.ndarray) -> np.ndarray:
    """ToTensor + Normalize of the notebook: [0, 1], then per-channel standardisation."""
    scaled = images.astype(np.float32) / 255.0
    return ((scaled - CIFAR10_MEAN[None, :, None, None]) / CIFAR10_STD[None, :, None, None]).astype(np.float32)


class Coco:
    def __init__(self, root: Path, load_coco_data):
        self.root = Path(root)
        self._load = load_coco_data

    @cached_property
    def vocabulary(self) -> dict[str, int]:
        return self.small(1, seed=0)["word_to_idx"]

    def small(self, max_train: int, *, seed: int, distinct_images: bool = False) -> dict:
        """load_coco_data(max_train=...) as the notebook calls it, with np.random seeded,
        cut down to the images its captions use (so the sandbox gets little data).

        distinct_images: one caption per image (the first ones drawn), so that every caption
        can be learned: two captions of one image make a loss no model can take below
        ~0.08 for 50 captions, and the draw gave one such pair in some data sets."""
        state = np.random.get_state()
        np.random.seed(seed)
        try:
            data = self._load(base_dir=str(self.root), max_train=4 * max_train if distinct_images else max_train)
        finally:
            np.random.set_state(state)
        captions, image_idxs = np.asarray(data["train_captions"]), np.asarray(data["train_image_idxs"])
        if distinct_images:
            _, first = np.unique(image_idxs, return_index=True)
            keep = np.sort(first)[:max_train]
            captions, image_idxs = captions[keep], image_idxs[keep]
        used, remapped = np.unique(image_idxs, return_inverse=True)
        return {
            "train_captions": captions,
            "train_image_idxs": remapped.astype(np.int32),
            "train_features": np.asarray(data["train_features"])[used],
            "train_urls": np.asarray(data["train_urls"])[used].astype(str),
            "val_captions": np.asarray(data["val_captions"][:10]),
            "val_image_idxs": np.zeros(10, dtype=np.int32),
            "val_features": np.asarray(data["val_features"][:1]),
            "val_urls": np.asarray(data["val_urls"][:1]).astype(str),
            "word_to_idx": dict(data["word_to_idx"]),
            "idx_to_word": list(data["idx_to_word"]),
        }
