"""The on-disk layouts the course code reads, and checks that a directory has one.

Both checks read only what they must: the CIFAR-10 pickles (a few hundred MB at most) and the
COCO captions, vocabulary and URL lists; of the feature files only shapes and dtypes.

CIFAR-10 (``cifar-10-batches-py/``): ``data_batch_1`` .. ``data_batch_5`` and ``test_batch``,
python pickles holding str keys ``data`` (uint8 (10000, 3072), channel-major RGB: 1024 red,
1024 green, 1024 blue values per row) and ``labels`` (10000 ints in 0..9), plus
``batches.meta`` with ``label_names``.

COCO captioning (``coco_captioning/``): ``coco2014_captions.h5`` ({train,val}_captions
(Ncap, 17) int32 word indices, {train,val}_image_idxs (Ncap,) int32 rows into the feature
files), ``{train,val}2014_vgg16_fc7_pca.h5`` (``features`` (Nimg, 512) float32),
``{train,val}2014_vgg16_fc7.h5`` (``features`` (Nimg, 4096) float32), ``coco2014_vocab.json``
(``idx_to_word`` list, ``word_to_idx`` dict, ``<NULL>`` = 0) and ``{train,val}2014_urls.txt``
(one image URL per line, line i for feature row i).
"""

from __future__ import annotations

import json
import pickle
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.datasets.errors import DatasetInvalid

CIFAR10_DIRNAME = "cifar-10-batches-py"
CIFAR10_TRAIN_BATCHES = tuple(f"data_batch_{i}" for i in range(1, 6))
CIFAR10_TEST_BATCH = "test_batch"
CIFAR10_META = "batches.meta"
CIFAR10_ROWS_PER_BATCH = 10000  # the course's load_CIFAR_batch hard-codes this
CIFAR10_LABEL_NAMES = (
    "airplane", "automobile", "bird", "cat", "deer",
    "dog", "frog", "horse", "ship", "truck",
)  # fmt: skip

COCO_DIRNAME = "coco_captioning"
COCO_CAPTIONS = "coco2014_captions.h5"
COCO_VOCAB = "coco2014_vocab.json"
COCO_SPLITS = ("train", "val")
COCO_CAPTION_LENGTH = 17  # <START> + at most 15 words + <END>, padded with <NULL>
COCO_PCA_DIM = 512
COCO_FC7_DIM = 4096
COCO_SPECIAL_TOKENS = ("<NULL>", "<START>", "<END>", "<UNK>")


def coco_pca_file(split: str) -> str:
    return f"{split}2014_vgg16_fc7_pca.h5"


def coco_fc7_file(split: str) -> str:
    return f"{split}2014_vgg16_fc7.h5"


def coco_urls_file(split: str) -> str:
    return f"{split}2014_urls.txt"


#: The 4096-d feature files, which not every copy of the official zip holds.
COCO_FC7_FILES = tuple(coco_fc7_file(s) for s in COCO_SPLITS)
#: Every member a complete coco_captioning directory holds.
COCO_FILES = (
    COCO_CAPTIONS,
    COCO_VOCAB,
    *(coco_pca_file(s) for s in COCO_SPLITS),
    *COCO_FC7_FILES,
    *(coco_urls_file(s) for s in COCO_SPLITS),
)
CIFAR10_FILES = (*CIFAR10_TRAIN_BATCHES, CIFAR10_TEST_BATCH, CIFAR10_META)


@dataclass(frozen=True)
class CifarSummary:
    train_rows: int
    test_rows: int


@dataclass(frozen=True)
class CocoSummary:
    train_captions: int
    val_captions: int
    train_images: int
    val_images: int
    vocab_size: int


def _invalid(path: Path, problem: str, fix: str) -> DatasetInvalid:
    return DatasetInvalid(f"{path}: {problem}. {fix}")


_REFETCH = "Delete the directory and run `gradelab data fetch` (or `gradelab data synth`) again."


def check_cifar10(root: Path) -> CifarSummary:
    """Check that ``root`` (a ``cifar-10-batches-py`` directory) is complete and well formed.

    Raises DatasetInvalid naming the first problem found.
    """
    root = Path(root)
    if not root.is_dir():
        raise _invalid(root, "no such directory", _REFETCH)
    missing = [name for name in CIFAR10_FILES if not (root / name).is_file()]
    if missing:
        raise _invalid(root, f"missing {', '.join(missing)}", _REFETCH)
    rows = {}
    for name in (*CIFAR10_TRAIN_BATCHES, CIFAR10_TEST_BATCH):
        batch = _load_pickle(root / name)
        data, labels = batch.get("data"), batch.get("labels")
        if not isinstance(data, np.ndarray) or labels is None:
            raise _invalid(root / name, "no str keys 'data' and 'labels'", _REFETCH)
        if data.dtype != np.uint8 or data.shape != (CIFAR10_ROWS_PER_BATCH, 3072):
            raise _invalid(
                root / name,
                f"'data' is {data.dtype} {data.shape}, expected uint8 "
                f"({CIFAR10_ROWS_PER_BATCH}, 3072)",
                _REFETCH,
            )
        labels = np.asarray(labels)
        if labels.shape != (CIFAR10_ROWS_PER_BATCH,) or labels.min() < 0 or labels.max() > 9:
            raise _invalid(root / name, "'labels' is not 10000 ints in 0..9", _REFETCH)
        rows[name] = len(labels)
    meta = _load_pickle(root / CIFAR10_META)
    if len(meta.get("label_names", ())) != 10:
        raise _invalid(root / CIFAR10_META, "'label_names' does not list 10 classes", _REFETCH)
    return CifarSummary(
        train_rows=sum(rows[n] for n in CIFAR10_TRAIN_BATCHES), test_rows=rows[CIFAR10_TEST_BATCH]
    )


def _load_pickle(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            obj = pickle.load(f, encoding="latin1")
    except Exception as exc:  # any unpickling failure means a damaged file
        raise _invalid(
            path, f"cannot be unpickled ({type(exc).__name__}: {exc})", _REFETCH
        ) from exc
    if not isinstance(obj, dict):
        raise _invalid(path, f"holds a {type(obj).__name__}, expected a dict", _REFETCH)
    return obj


def check_coco(root: Path, *, require_fc7: bool = True) -> CocoSummary:
    """Check that ``root`` (a ``coco_captioning`` directory) is complete and consistent.

    Checks shapes and dtypes, that every image index points at a feature row, that every word
    index is in the vocabulary and that the URL lists match the feature rows. ``require_fc7``
    False tolerates missing 4096-d feature files (they are checked when present).
    """
    import h5py  # imported here so that CIFAR-only users do not pay for it

    root = Path(root)
    if not root.is_dir():
        raise _invalid(root, "no such directory", _REFETCH)
    optional = () if require_fc7 else COCO_FC7_FILES
    missing = [n for n in COCO_FILES if n not in optional and not (root / n).is_file()]
    if missing:
        raise _invalid(root, f"missing {', '.join(missing)}", _REFETCH)

    vocab_size = _check_vocab(root / COCO_VOCAB)
    counts: dict[str, int] = {}
    try:
        with h5py.File(root / COCO_CAPTIONS, "r") as f:
            for split in COCO_SPLITS:
                captions = _h5_array(f, root / COCO_CAPTIONS, f"{split}_captions", ndim=2)
                idxs = _h5_array(f, root / COCO_CAPTIONS, f"{split}_image_idxs", ndim=1)
                if captions.shape[1] != COCO_CAPTION_LENGTH or captions.dtype.kind not in "iu":
                    raise _invalid(
                        root / COCO_CAPTIONS,
                        f"{split}_captions is {captions.dtype} {captions.shape}, expected "
                        f"integer (N, {COCO_CAPTION_LENGTH})",
                        _REFETCH,
                    )
                if idxs.shape[0] != captions.shape[0]:
                    raise _invalid(
                        root / COCO_CAPTIONS,
                        f"{split}_image_idxs has {idxs.shape[0]} rows, {split}_captions "
                        f"{captions.shape[0]}",
                        _REFETCH,
                    )
                if captions.min() < 0 or captions.max() >= vocab_size:
                    raise _invalid(
                        root / COCO_CAPTIONS,
                        f"{split}_captions holds word indices outside the vocabulary "
                        f"(0..{vocab_size - 1})",
                        _REFETCH,
                    )
                counts[f"{split}_captions"] = captions.shape[0]
                counts[f"{split}_max_idx"] = int(idxs.max()) if len(idxs) else -1
    except OSError as exc:
        raise _invalid(
            root / COCO_CAPTIONS, f"is not a readable HDF5 file ({exc})", _REFETCH
        ) from exc

    for split in COCO_SPLITS:
        n_images = _h5_features_rows(root / coco_pca_file(split), COCO_PCA_DIM)
        if counts[f"{split}_max_idx"] >= n_images:
            raise _invalid(
                root / COCO_CAPTIONS,
                f"{split}_image_idxs points past the {n_images} rows of {coco_pca_file(split)}",
                _REFETCH,
            )
        if (root / coco_fc7_file(split)).is_file():
            # Only shapes are certain for the official 4096-d files; accept any float type.
            _h5_features_rows(root / coco_fc7_file(split), COCO_FC7_DIM, exact_dtype=False)
        n_urls = _count_lines(root / coco_urls_file(split))
        if n_urls != n_images:
            raise _invalid(
                root / coco_urls_file(split),
                f"lists {n_urls} URLs for {n_images} feature rows",
                _REFETCH,
            )
        counts[f"{split}_images"] = n_images

    return CocoSummary(
        train_captions=counts["train_captions"],
        val_captions=counts["val_captions"],
        train_images=counts["train_images"],
        val_images=counts["val_images"],
        vocab_size=vocab_size,
    )


def _check_vocab(path: Path) -> int:
    try:
        vocab = json.loads(path.read_text(encoding="utf-8"))
        idx_to_word, word_to_idx = vocab["idx_to_word"], vocab["word_to_idx"]
    except (ValueError, KeyError, TypeError) as exc:
        raise _invalid(
            path, f"is not a vocabulary with idx_to_word and word_to_idx ({exc})", _REFETCH
        ) from exc
    if len(idx_to_word) != len(word_to_idx) or any(
        word_to_idx.get(word) != i for i, word in enumerate(idx_to_word)
    ):
        raise _invalid(path, "idx_to_word and word_to_idx disagree", _REFETCH)
    if word_to_idx.get("<NULL>") != 0 or "<START>" not in word_to_idx or "<END>" not in word_to_idx:
        raise _invalid(path, "lacks <NULL> at 0, <START> or <END>", _REFETCH)
    return len(idx_to_word)


def _h5_array(f, path: Path, name: str, *, ndim: int) -> np.ndarray:
    if name not in f:
        raise _invalid(path, f"has no dataset '{name}'", _REFETCH)
    array = f[name][()]
    if array.ndim != ndim:
        raise _invalid(
            path, f"dataset '{name}' has shape {array.shape}, expected {ndim}-D", _REFETCH
        )
    return array


def _h5_features_rows(path: Path, dim: int, *, exact_dtype: bool = True) -> int:
    """Rows of the (N, dim) ``features`` dataset; float32 unless exact_dtype is False (any float)."""
    import h5py

    try:
        with h5py.File(path, "r") as f:
            if "features" not in f:
                raise _invalid(path, "has no dataset 'features'", _REFETCH)
            shape, dtype = f["features"].shape, f["features"].dtype
    except OSError as exc:
        raise _invalid(path, f"is not a readable HDF5 file ({exc})", _REFETCH) from exc
    dtype_ok = dtype == np.float32 if exact_dtype else dtype.kind == "f"
    if len(shape) != 2 or shape[1] != dim or not dtype_ok:
        expected = "float32" if exact_dtype else "floating-point"
        raise _invalid(
            path, f"'features' is {dtype} {shape}, expected {expected} (N, {dim})", _REFETCH
        )
    return shape[0]


def _count_lines(path: Path) -> int:
    with open(path, "rb") as f:
        return sum(1 for line in f if line.strip())
