"""Load CIFAR-10 from the python pickles in cs231n/datasets/cifar-10-batches-py.

The batches are the course's files: each a pickled dict with ``data``, uint8 (10000, 3072)
rows of channel-major RGB (1024 red, then 1024 green, then 1024 blue values), and
``labels``, 10000 ints in 0..9. Get them with cs231n/datasets/get_datasets.sh.

Shape legend: N images, H = W = 32, C = 3 channels.
"""

import os
import pickle

import numpy as np

ROWS_PER_BATCH = 10000


def load_pickle(f):
    """Unpickle one object from the open binary file ``f``.

    latin1 turns the python 2 byte strings of the original files into str, so the keys
    come back as 'data' and 'labels'.
    """
    return pickle.load(f, encoding="latin1")


def _load_batch_uint8(filename):
    """One batch file as (X: uint8 (10000, H, W, C), y: int (10000,))."""
    with open(filename, "rb") as f:
        batch = load_pickle(f)
    X = batch["data"].reshape(ROWS_PER_BATCH, 3, 32, 32).transpose(0, 2, 3, 1)
    y = np.array(batch["labels"])
    return X, y


def load_CIFAR_batch(filename):
    """One batch file as (X: float64 (10000, H, W, C) in 0..255, Y: int (10000,))."""
    X, Y = _load_batch_uint8(filename)
    return X.astype("float"), Y


def _load_CIFAR10_uint8(ROOT):
    parts = [_load_batch_uint8(os.path.join(ROOT, f"data_batch_{b}")) for b in range(1, 6)]
    Xtr = np.concatenate([X for X, _ in parts])
    Ytr = np.concatenate([y for _, y in parts])
    Xte, Yte = _load_batch_uint8(os.path.join(ROOT, "test_batch"))
    return Xtr, Ytr, Xte, Yte


def load_CIFAR10(ROOT):
    """All of CIFAR-10 from the directory ROOT.

    Returns Xtr: float64 (50000, H, W, C), Ytr: int (50000,), Xte: float64 (10000, H, W, C),
    Yte: int (10000,); pixel values in 0..255.
    """
    Xtr, Ytr, Xte, Yte = _load_CIFAR10_uint8(ROOT)
    return Xtr.astype("float"), Ytr, Xte.astype("float"), Yte


def get_CIFAR10_data(
    num_training=49000,
    num_validation=1000,
    num_test=1000,
    subtract_mean=True,
    cifar10_dir="cs231n/datasets/cifar-10-batches-py",
):
    """CIFAR-10 split and preprocessed for the classifiers of this assignment.

    Training rows [0, num_training) are the training split, rows [num_training,
    num_training + num_validation) the validation split, and the first num_test test rows
    the test split. With subtract_mean, the mean image of the training split is
    subtracted from all three.

    Returns a dict with X_train, X_val, X_test: float64 (N, C, H, W) and y_train, y_val,
    y_test: int (N,).
    """
    # Convert only the rows kept: the same values as converting everything first, with a
    # fraction of the memory (all of CIFAR-10 in float64 is 1.5 GB).
    Xtr, Ytr, Xte, Yte = _load_CIFAR10_uint8(cifar10_dir)
    train = slice(0, num_training)
    val = slice(num_training, num_training + num_validation)
    test = slice(0, num_test)
    X_train, y_train = Xtr[train].astype("float"), Ytr[train]
    X_val, y_val = Xtr[val].astype("float"), Ytr[val]
    X_test, y_test = Xte[test].astype("float"), Yte[test]

    if subtract_mean:
        mean_image = np.mean(X_train, axis=0)
        X_train -= mean_image
        X_val -= mean_image
        X_test -= mean_image

    return {
        "X_train": X_train.transpose(0, 3, 1, 2).copy(),
        "y_train": y_train,
        "X_val": X_val.transpose(0, 3, 1, 2).copy(),
        "y_val": y_val,
        "X_test": X_test.transpose(0, 3, 1, 2).copy(),
        "y_test": y_test,
    }
