"""Synthetic COCO captioning: image features and captions that depend on each other.

Every image has latent attributes: a main object, its colour, a place, an action, a size
word and a second object. Its 512-d "PCA features" are a sum of one fixed random embedding
per attribute value plus noise, scaled so the leading dimensions vary most (as PCA output
does); its 4096-d "fc7 features" are a fixed random ReLU layer applied to those. Its five
captions are sentences from templates filled with its attributes, so a model can read the
caption's content off the features but not which template a caption used.

Shape legend: Nimg images, Ncap = 5 Nimg captions, T = 17 tokens per caption, V words.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from grader.datasets.layout import (
    COCO_CAPTION_LENGTH,
    COCO_CAPTIONS,
    COCO_FC7_DIM,
    COCO_PCA_DIM,
    COCO_SPECIAL_TOKENS,
    COCO_SPLITS,
    COCO_VOCAB,
    coco_fc7_file,
    coco_pca_file,
    coco_urls_file,
)

IMAGES = {"train": 4000, "val": 1000}
CAPTIONS_PER_IMAGE = 5
MAX_WORDS = COCO_CAPTION_LENGTH - 2  # room for <START> and <END>
URL_PATTERN = "http://images.invalid/{split}2014/COCO_{split}2014_{index:012d}.jpg"

# (singular, plural) for COCO-like objects.
OBJECTS = [
    ("person", "people"), ("man", "men"), ("woman", "women"), ("boy", "boys"),
    ("girl", "girls"), ("child", "children"), ("bicycle", "bicycles"), ("car", "cars"),
    ("motorcycle", "motorcycles"), ("airplane", "airplanes"), ("bus", "buses"),
    ("train", "trains"), ("truck", "trucks"), ("boat", "boats"), ("bench", "benches"),
    ("bird", "birds"), ("cat", "cats"), ("dog", "dogs"), ("horse", "horses"),
    ("sheep", "sheep"), ("cow", "cows"), ("elephant", "elephants"), ("bear", "bears"),
    ("zebra", "zebras"), ("giraffe", "giraffes"), ("backpack", "backpacks"),
    ("umbrella", "umbrellas"), ("suitcase", "suitcases"), ("frisbee", "frisbees"),
    ("kite", "kites"), ("skateboard", "skateboards"), ("surfboard", "surfboards"),
    ("bottle", "bottles"), ("cup", "cups"), ("bowl", "bowls"), ("banana", "bananas"),
    ("apple", "apples"), ("sandwich", "sandwiches"), ("orange", "oranges"),
    ("pizza", "pizzas"), ("donut", "donuts"), ("cake", "cakes"), ("chair", "chairs"),
    ("couch", "couches"), ("bed", "beds"), ("toilet", "toilets"), ("laptop", "laptops"),
    ("phone", "phones"), ("oven", "ovens"), ("sink", "sinks"), ("book", "books"),
    ("clock", "clocks"), ("vase", "vases"), ("tree", "trees"), ("sign", "signs"),
]  # fmt: skip
COLOURS = ["red", "blue", "green", "yellow", "white", "black", "brown", "orange", "pink", "gray"]
PLACES = [
    "on a street", "on the beach", "in a park", "in a kitchen", "in a field", "in a room",
    "on a road", "in the city", "on the grass", "in the snow", "in the water", "on a table",
    "at an airport", "near a station", "in a yard", "in the forest", "on a sidewalk",
    "in a bathroom", "on a bridge", "near the ocean",
]  # fmt: skip
ACTIONS = [
    "sitting", "standing", "walking", "lying", "running", "parked", "flying", "resting", "waiting",
]  # fmt: skip
SIZES = ["small", "large", "big", "little", "old", "young"]
# Words no vocabulary entry holds: they come out as <UNK>, as rare words do in COCO.
RARE_WORDS = ["fluffy", "vintage", "shiny", "majestic", "rustic", "tiny", "gleaming", "weathered"]
RARE_WORD_PROBABILITY = 0.1

TEMPLATES = [
    "a {colour} {object} {action} {place}",
    "a {size} {colour} {object} is {action} {place}",
    "there is a {colour} {object} {place}",
    "a picture of a {colour} {object} {action} {place}",
    "the {object} is {colour} and {action} {place}",
    "a close up of a {size} {colour} {object}",
    "an image of a {object} {action} {place} next to a {object2}",
    "a {object} and a {object2} {place}",
    "two {colour} {objects} {action} {place} with a {object2}",
    "a {colour} {object} {place} on a sunny day",
]

# Feature scales: how strongly each attribute shows in the features, and the noise.
ATTRIBUTE_SCALE = {
    "object": 3.0, "colour": 2.0, "place": 2.0, "action": 1.5, "size": 1.0, "object2": 1.5,
}  # fmt: skip
FEATURE_NOISE = 1.0
FC7_SPARSITY_BIAS = -0.5  # shifts the fc7 pre-activations so about 2/3 of them are zero


@dataclass(frozen=True)
class Attributes:
    """Latent attributes of Nimg images, each (Nimg,) ints into the lists above."""

    object: np.ndarray
    colour: np.ndarray
    place: np.ndarray
    action: np.ndarray
    size: np.ndarray
    object2: np.ndarray

    @classmethod
    def draw(cls, n: int, rng: np.random.Generator) -> Attributes:
        counts = {
            "object": len(OBJECTS), "colour": len(COLOURS), "place": len(PLACES),
            "action": len(ACTIONS), "size": len(SIZES), "object2": len(OBJECTS),
        }  # fmt: skip
        return cls(**{name: rng.integers(0, k, n) for name, k in counts.items()})


def caption_words(attrs: Attributes, i: int, template: str, rng: np.random.Generator) -> list[str]:
    """The words (no special tokens) of one caption of image i, from one template."""
    singular, plural = OBJECTS[attrs.object[i]]
    text = template.format(
        colour=COLOURS[attrs.colour[i]],
        object=singular,
        objects=plural,
        object2=OBJECTS[attrs.object2[i]][0],
        place=PLACES[attrs.place[i]],
        action=ACTIONS[attrs.action[i]],
        size=SIZES[attrs.size[i]],
    )
    words = text.split()
    if rng.random() < RARE_WORD_PROBABILITY:
        # An extra adjective in front of the main noun phrase: "a fluffy red dog".
        heads = {COLOURS[attrs.colour[i]], SIZES[attrs.size[i]], singular, plural}
        at = next(k for k, w in enumerate(words) if w in heads)
        words.insert(at, RARE_WORDS[rng.integers(len(RARE_WORDS))])
    return _fix_articles(words)[:MAX_WORDS]


def _fix_articles(words: list[str]) -> list[str]:
    return [
        "an" if w == "a" and i + 1 < len(words) and words[i + 1][0] in "aeiou" else w
        for i, w in enumerate(words)
    ]


def vocabulary_words() -> list[str]:
    """Every word a caption can hold that the vocabulary lists (rare words excluded)."""
    words: set[str] = set()
    for template in TEMPLATES:
        words.update(w for w in template.split() if not w.startswith("{"))
    for singular, plural in OBJECTS:
        words.update((singular, plural))
    for phrase in [*PLACES, *COLOURS, *ACTIONS, *SIZES]:
        words.update(phrase.split())
    words.add("an")
    return sorted(words)


class FeatureModel:
    """The fixed random maps from attributes to features (drawn once per seed)."""

    def __init__(self, rng: np.random.Generator) -> None:
        # PCA output has decreasing variance along its components.
        self.profile = (0.25 + 1.5 * np.exp(-np.arange(COCO_PCA_DIM) / 120.0)).astype(np.float32)
        self.embeddings = {
            name: rng.standard_normal((len(values), COCO_PCA_DIM), dtype=np.float32)
            for name, values in [
                ("object", OBJECTS), ("colour", COLOURS), ("place", PLACES),
                ("action", ACTIONS), ("size", SIZES), ("object2", OBJECTS),
            ]
        }  # fmt: skip
        self.fc7_weight = rng.standard_normal((COCO_PCA_DIM, COCO_FC7_DIM), dtype=np.float32)
        self.fc7_weight /= np.float32(np.sqrt(COCO_PCA_DIM) * 4.0)

    def pca_features(self, attrs: Attributes, rng: np.random.Generator) -> np.ndarray:
        """float32 (Nimg, 512)."""
        n = len(attrs.object)
        features = rng.standard_normal((n, COCO_PCA_DIM), dtype=np.float32)
        features *= np.float32(FEATURE_NOISE)
        for name, scale in ATTRIBUTE_SCALE.items():
            features += np.float32(scale) * self.embeddings[name][getattr(attrs, name)]
        features *= self.profile
        return features

    def fc7_features(self, pca: np.ndarray) -> np.ndarray:
        """float32 (Nimg, 4096): non-negative, mostly zero, like VGG-16's fc7 after ReLU."""
        return np.maximum(pca @ self.fc7_weight + np.float32(FC7_SPARSITY_BIAS), np.float32(0))


def encode(words: list[str], word_to_idx: dict[str, int]) -> np.ndarray:
    """int32 (T,): <START> words <END>, unknown words as <UNK>, padded with <NULL>."""
    unk = word_to_idx["<UNK>"]
    tokens = [
        word_to_idx["<START>"],
        *(word_to_idx.get(w, unk) for w in words),
        word_to_idx["<END>"],
    ]
    row = np.full(COCO_CAPTION_LENGTH, word_to_idx["<NULL>"], dtype=np.int32)
    row[: len(tokens)] = tokens
    return row


def write_coco(root: Path, rng: np.random.Generator, images: dict[str, int] | None = None) -> None:
    """Write every member of a coco_captioning directory into ``root`` (which must exist).

    images: number of images per split (default IMAGES); each gets 5 captions.
    """
    import h5py

    images = IMAGES if images is None else images

    idx_to_word = [*COCO_SPECIAL_TOKENS, *vocabulary_words()]
    word_to_idx = {w: i for i, w in enumerate(idx_to_word)}
    model = FeatureModel(rng)
    caption_sets = {}
    for split in COCO_SPLITS:
        n = images[split]
        attrs = Attributes.draw(n, rng)
        pca = model.pca_features(attrs, rng)
        rows, image_idxs = [], []
        for i in range(n):
            for t in rng.choice(len(TEMPLATES), CAPTIONS_PER_IMAGE, replace=False):
                rows.append(encode(caption_words(attrs, i, TEMPLATES[t], rng), word_to_idx))
                image_idxs.append(i)
        order = rng.permutation(len(rows))  # COCO's caption rows are not grouped by image
        caption_sets[split] = (np.stack(rows)[order], np.asarray(image_idxs, dtype=np.int32)[order])
        for name, features in [
            (coco_pca_file(split), pca),
            (coco_fc7_file(split), model.fc7_features(pca)),
        ]:
            with h5py.File(root / name, "w") as f:
                f.create_dataset("features", data=features)
        urls = (URL_PATTERN.format(split=split, index=i + 1) for i in range(n))
        (root / coco_urls_file(split)).write_text("".join(u + "\n" for u in urls), encoding="utf-8")

    with h5py.File(root / COCO_CAPTIONS, "w") as f:
        for split, (captions, image_idxs) in caption_sets.items():
            f.create_dataset(f"{split}_captions", data=captions)
            f.create_dataset(f"{split}_image_idxs", data=image_idxs)
    vocab = {"idx_to_word": idx_to_word, "word_to_idx": word_to_idx}
    (root / COCO_VOCAB).write_text(json.dumps(vocab), encoding="utf-8")
