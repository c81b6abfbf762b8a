"""Load the preprocessed COCO captioning data from cs231n/datasets/coco_captioning.

Get it with cs231n/datasets/get_coco_dataset.sh. The captions are word indices into the
vocabulary ``idx_to_word``: <START> first, <END> after the last word, then <NULL> padding.

Shape legend: Ncap captions, T = 17 tokens per caption, Nimg images, D feature size
(512 with PCA, 4096 without).
"""

import json
import os

import h5py
import numpy as np

BASE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "datasets", "coco_captioning")


def load_coco_data(base_dir=BASE_DIR, max_train=None, pca_features=True):
    """Load captions, image features, vocabulary and image URLs into one dict.

    Keys: train_captions, val_captions: int32 (Ncap, T); train_image_idxs, val_image_idxs:
    int32 (Ncap,), the feature row of each caption's image; train_features, val_features:
    float32 (Nimg, D); idx_to_word: list of V words; word_to_idx: dict word -> index;
    train_urls, val_urls: str (Nimg,).

    max_train: keep this many training captions, drawn with replacement (features stay whole).
    pca_features: the 512-d PCA-reduced VGG-16 fc7 features, else the 4096-d originals.
    """
    print("base dir ", base_dir)
    data = {}
    with h5py.File(os.path.join(base_dir, "coco2014_captions.h5"), "r") as f:
        for name, dataset in f.items():
            data[name] = np.asarray(dataset)

    suffix = "_pca" if pca_features else ""
    for split in ("train", "val"):
        path = os.path.join(base_dir, f"{split}2014_vgg16_fc7{suffix}.h5")
        with h5py.File(path, "r") as f:
            data[f"{split}_features"] = np.asarray(f["features"])

    with open(os.path.join(base_dir, "coco2014_vocab.json")) as f:
        data.update(json.load(f))

    for split in ("train", "val"):
        with open(os.path.join(base_dir, f"{split}2014_urls.txt")) as f:
            data[f"{split}_urls"] = np.asarray([line.strip() for line in f])

    if max_train is not None:
        keep = np.random.randint(data["train_captions"].shape[0], size=max_train)
        data["train_captions"] = data["train_captions"][keep]
        data["train_image_idxs"] = data["train_image_idxs"][keep]
    return data


def decode_captions(captions, idx_to_word):
    """Turn word indices back into text.

    captions: int (T,) or (N, T). Returns one str, or a list of N str. <NULL> is dropped;
    each caption ends after its <END>, which stays in the text, as does <START>.
    """
    captions = np.asarray(captions)
    if captions.ndim == 1:
        return _decode_one(captions, idx_to_word)
    return [_decode_one(row, idx_to_word) for row in captions]


def _decode_one(caption, idx_to_word):
    words = []
    for index in caption:
        word = idx_to_word[index]
        if word != "<NULL>":
            words.append(word)
        if word == "<END>":
            break
    return " ".join(words)


def sample_coco_minibatch(data, batch_size=100, split="train"):
    """Draw batch_size captions of ``split`` at random, with replacement.

    Returns captions: int32 (batch_size, T), image_features: (batch_size, D) and
    urls: str (batch_size,), the features and URL of each caption's image.
    """
    rows = np.random.choice(data[f"{split}_captions"].shape[0], batch_size)
    captions = data[f"{split}_captions"][rows]
    image_idxs = data[f"{split}_image_idxs"][rows]
    image_features = data[f"{split}_features"][image_idxs]
    urls = data[f"{split}_urls"][image_idxs]
    return captions, image_features, urls
