"""Synthetic COCO captioning: the real files, read by the course loaders; captions that
follow the format and depend on the image features."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from grader.datasets.layout import check_coco
from grader.datasets.synth_coco import ACTIONS, COLOURS, OBJECTS, PLACES, SIZES

CS231N_DIR = Path(__file__).resolve().parents[2] / "solutions" / "a2" / "cs231n"
KEYS = [
    "train_captions", "train_image_idxs", "val_captions", "val_image_idxs",
    "train_features", "val_features", "idx_to_word", "word_to_idx", "train_urls", "val_urls",
]  # fmt: skip


@pytest.fixture(scope="module")
def coco_dir(synthetic_dir: Path) -> Path:
    return synthetic_dir / "coco_captioning"


@pytest.fixture(scope="module")
def coco_utils(load_cs231n):
    return load_cs231n("coco_utils")


@pytest.fixture(scope="module")
def data(coco_utils, coco_dir: Path) -> dict:
    return coco_utils.load_coco_data(base_dir=str(coco_dir))


def test_directory_passes_the_layout_check(coco_dir: Path):
    summary = check_coco(coco_dir)
    assert (summary.train_images, summary.val_images) == (4000, 1000)
    assert (summary.train_captions, summary.val_captions) == (20000, 5000)
    assert 150 <= summary.vocab_size <= 1004


def test_load_coco_data_returns_the_course_keys(coco_utils, coco_dir: Path, data: dict, capsys):
    assert list(data) == KEYS
    for split, n_images in (("train", 4000), ("val", 1000)):
        assert data[f"{split}_captions"].dtype == np.int32
        assert data[f"{split}_captions"].shape == (5 * n_images, 17)
        assert data[f"{split}_image_idxs"].dtype == np.int32
        assert data[f"{split}_features"].dtype == np.float32
        assert data[f"{split}_features"].shape == (n_images, 512)
        urls = data[f"{split}_urls"]
        assert isinstance(urls, np.ndarray) and urls.dtype.kind == "U" and urls.shape == (n_images,)
        assert all(url.startswith("http://images.invalid/") for url in urls)
    assert data["idx_to_word"][:4] == ["<NULL>", "<START>", "<END>", "<UNK>"]
    assert all(data["word_to_idx"][w] == i for i, w in enumerate(data["idx_to_word"]))

    fc7 = coco_utils.load_coco_data(base_dir=str(coco_dir), pca_features=False)
    assert fc7["train_features"].shape == (4000, 4096) and fc7["val_features"].shape == (1000, 4096)
    assert (fc7["train_features"] >= 0).all()  # post-ReLU, like VGG-16's fc7
    assert capsys.readouterr().out.startswith(f"base dir  {coco_dir}")


def test_default_base_dir_is_the_packages_datasets_folder(coco_utils):
    assert Path(coco_utils.BASE_DIR) == CS231N_DIR / "datasets" / "coco_captioning"


def test_max_train_draws_captions_with_replacement(coco_utils, coco_dir: Path, data: dict):
    np.random.seed(231)
    expected_rows = np.random.randint(20000, size=50)
    np.random.seed(231)
    small = coco_utils.load_coco_data(base_dir=str(coco_dir), max_train=50)
    np.testing.assert_array_equal(small["train_captions"], data["train_captions"][expected_rows])
    np.testing.assert_array_equal(
        small["train_image_idxs"], data["train_image_idxs"][expected_rows]
    )
    assert small["train_features"].shape == data["train_features"].shape  # not subsampled
    assert small["val_captions"].shape == data["val_captions"].shape


@pytest.mark.parametrize("split", ["train", "val"])
def test_sample_coco_minibatch_draws_with_np_random_choice(coco_utils, data: dict, split: str):
    np.random.seed(7)
    rows = np.random.choice(len(data[f"{split}_captions"]), 9)
    np.random.seed(7)
    captions, features, urls = coco_utils.sample_coco_minibatch(data, batch_size=9, split=split)
    images = data[f"{split}_image_idxs"][rows]
    np.testing.assert_array_equal(captions, data[f"{split}_captions"][rows])
    np.testing.assert_array_equal(features, data[f"{split}_features"][images])
    np.testing.assert_array_equal(urls, data[f"{split}_urls"][images])


def test_decode_captions(coco_utils):
    idx_to_word = ["<NULL>", "<START>", "<END>", "<UNK>", "a", "dog"]
    rows = np.array([[1, 4, 5, 2, 0, 0], [1, 4, 0, 3, 2, 5]])
    assert coco_utils.decode_captions(rows[0], idx_to_word) == "<START> a dog <END>"
    assert coco_utils.decode_captions(rows, idx_to_word) == [
        "<START> a dog <END>",
        "<START> a <UNK> <END>",  # <NULL> dropped, nothing after <END>
    ]


def test_captions_follow_the_format(data: dict):
    for split in ("train", "val"):
        captions = data[f"{split}_captions"]
        assert (captions[:, 0] == 1).all()  # <START>
        ends = captions == 2
        assert (ends.sum(axis=1) == 1).all()  # exactly one <END>
        end_at = ends.argmax(axis=1)
        assert end_at.max() <= 16 and end_at.min() >= 3  # at most 15 words
        after_end = np.arange(17)[None, :] > end_at[:, None]
        assert (captions[after_end] == 0).all()  # then only <NULL>
        assert not (captions[~after_end] == 0).any()
        unknown = (captions == 3).mean()
        assert 0 < unknown < 0.02  # some rare words, as in COCO


def _attribute_words_per_image(data: dict, split: str) -> list[set[str]]:
    """The words of an image's captions that name its attributes (object, colour, ...)."""
    attribute_words = {w for pair in OBJECTS for w in pair} | set(COLOURS) | set(ACTIONS)
    attribute_words |= set(SIZES) | {p.split()[-1] for p in PLACES}
    words: list[set[str]] = [set() for _ in range(len(data[f"{split}_features"]))]
    for row, image in zip(data[f"{split}_captions"], data[f"{split}_image_idxs"], strict=True):
        words[image].update(data["idx_to_word"][w] for w in row)
    return [w & attribute_words for w in words]


def test_captions_depend_on_the_features(data: dict):
    """A val image's nearest train image in feature space shares its attribute words; a
    random train image hardly does."""
    train_words = _attribute_words_per_image(data, "train")
    val_words = _attribute_words_per_image(data, "val")[:200]
    train, val = data["train_features"], data["val_features"][:200]
    distances = (val**2).sum(1)[:, None] - 2 * val @ train.T + (train**2).sum(1)[None]
    nearest = distances.argmin(axis=1)
    others = np.random.default_rng(0).integers(0, len(train), len(val))

    def overlap(partners: np.ndarray) -> float:
        pairs = [(val_words[i], train_words[j]) for i, j in enumerate(partners)]
        return float(np.mean([len(a & b) / len(a | b) for a, b in pairs]))

    near, chance = overlap(nearest), overlap(others)
    assert near > 0.25 and near > 4 * chance, (near, chance)
