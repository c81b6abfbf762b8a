"""Synthetic CIFAR-10: class-dependent 32x32 images in the real pickle format.

Each of the ten classes is a recipe; an image is one random draw from its class's recipe:

- background: a vertical gradient between two random colours near CIFAR-10's channel means
  (so mean subtraction and the course's normalisation constants behave as on real data),
  tinted slightly towards a class colour (planes and ships over blue, like real photos);
- an object: one of five shapes (disk, square, diamond, ring, cross; each shared by two
  classes) in the class's colour, jittered in position, size and colour;
- a texture on the object: a sinusoidal grating whose orientation and frequency depend on
  the class (five orientations, two frequencies), with random phase;
- clutter: with some probability a blob of random colour somewhere, and pixel noise.

No single cue names the class for every image (colours blur into each other under jitter,
shapes and orientations are shared), so a linear model gets a good part of the way and a
ConvNet, which can read shape and texture, goes further. Figures: bench/synthetic_calibration.py.

Shape legend: N images, C = 3 channels, H = W = 32.
"""

from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np

from grader.datasets.layout import (
    CIFAR10_LABEL_NAMES,
    CIFAR10_META,
    CIFAR10_ROWS_PER_BATCH,
    CIFAR10_TEST_BATCH,
    CIFAR10_TRAIN_BATCHES,
)

SIZE = 32
NUM_CLASSES = 10

#: Mean background colour (0..255), set so that whole images average near CIFAR-10's
#: channel means (125.3, 123.0, 113.9) once the objects are drawn on top.
BACKGROUND_MEAN_RGB = np.array([132.5, 115.5, 107.5], dtype=np.float32)

# One row per class, in CIFAR-10's label order (airplane .. truck).
OBJECT_RGB = np.array(
    [
        [205, 60, 50], [60, 160, 70], [60, 90, 205], [225, 195, 60], [150, 70, 175],
        [60, 190, 200], [235, 130, 40], [120, 85, 50], [225, 225, 225], [40, 40, 45],
    ],
    dtype=np.float32,
)  # fmt: skip
BACKGROUND_TINT_RGB = np.array(
    [
        [-20, 0, 30], [0, 0, 0], [-10, 0, 20], [10, 5, 0], [0, 20, -10],
        [10, 5, 0], [-10, 25, -10], [0, 20, -10], [-20, 0, 30], [0, 0, 0],
    ],
    dtype=np.float32,
)  # fmt: skip
SHAPE_OF = np.array([0, 1, 2, 3, 4, 2, 3, 4, 0, 1])  # 0 disk, 1 square, 2 diamond, 3 ring, 4 cross
ORIENTATION_OF = np.array([0, 1, 2, 3, 4, 4, 0, 1, 2, 3]) * np.float32(np.pi / 5)
FREQUENCY_OF = np.array([2, 3, 2, 3, 2, 3, 2, 3, 2, 3], dtype=np.float32)  # cycles per image

# Difficulty knobs, calibrated with bench/synthetic_calibration.py.
BACKGROUND_SPREAD = 70.0  # std of the background colours around the CIFAR means
COLOUR_JITTER = 15.0  # std of the object colour around its class colour
TEXTURE_CONTRAST = 0.35  # grating amplitude relative to the object colour
FAINT_PROBABILITY = 0.1  # objects drawn at 10..40% opacity
CLUTTER_PROBABILITY = 0.2
NOISE_AMPLITUDE = 15.0  # half-width of the triangular pixel noise

CHUNK = 1000  # images rendered at once: large enough for numpy, small enough for the cache

_AXIS = np.linspace(-1.0, 1.0, SIZE, dtype=np.float32)
_GY, _GX = np.meshgrid(_AXIS, _AXIS, indexing="ij")  # (H, W) each; y grows downwards
_RAMP = np.linspace(0.0, 1.0, SIZE, dtype=np.float32)[None, None, :, None]  # (1, 1, H, 1)


def render_images(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Draw one image per label.

    labels: (N,) ints in 0..9. Returns uint8 (N, 3, 32, 32), channel-major RGB.
    """
    out = np.empty((len(labels), 3, SIZE, SIZE), dtype=np.uint8)
    for start in range(0, len(labels), CHUNK):
        out[start : start + CHUNK] = _render_chunk(labels[start : start + CHUNK], rng)
    return out


def _render_chunk(labels: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    n = len(labels)
    f32 = np.float32

    def normal(scale: float, shape) -> np.ndarray:
        return rng.standard_normal(shape, dtype=f32) * f32(scale)

    # Background: a vertical gradient, (n, 3, H, 1), broadcast over the width.
    tint = BACKGROUND_MEAN_RGB + BACKGROUND_TINT_RGB[labels]
    top = tint + normal(BACKGROUND_SPREAD, (n, 3))
    bottom = tint + normal(BACKGROUND_SPREAD, (n, 3))
    background = top[:, :, None, None] + (bottom - top)[:, :, None, None] * _RAMP

    # Object coverage: a soft-edged shape around a jittered centre, (n, H, W) in [0, 1].
    centre_x, centre_y = normal(0.25, n), normal(0.25, n)
    scale = rng.uniform(0.35, 0.6, n).astype(f32)
    dx = np.abs(_GX[None] - centre_x[:, None, None]) / scale[:, None, None]
    dy = np.abs(_GY[None] - centre_y[:, None, None]) / scale[:, None, None]
    distance = np.empty((n, SIZE, SIZE), dtype=f32)  # < 1 inside the shape
    for shape in range(5):
        rows = np.flatnonzero(SHAPE_OF[labels] == shape)
        distance[rows] = _shape_distance(shape, dx[rows], dy[rows])
    coverage = _soft_below_one(distance, sharpness=12.0)
    # Some objects are faint (haze, low contrast), which caps what any model can reach.
    faint = rng.random(n) < FAINT_PROBABILITY
    coverage *= np.where(faint, rng.uniform(0.1, 0.4, n), 1.0).astype(f32)[:, None, None]

    # Grating texture, (n, H, W): 1 + contrast * sin(pi * frequency * along + phase).
    angle = ORIENTATION_OF[labels] + normal(0.15, n)
    frequency = FREQUENCY_OF[labels] * np.exp(normal(0.1, n)) * f32(np.pi)
    phase = rng.uniform(0, 2 * np.pi, n).astype(f32)
    along = _GX[None] * (np.cos(angle) * frequency)[:, None, None]
    along += _GY[None] * (np.sin(angle) * frequency)[:, None, None]
    along += phase[:, None, None]
    texture = np.sin(along, out=along)
    texture *= f32(TEXTURE_CONTRAST)
    texture += 1.0

    # image = background * (1 - coverage) + colour * coverage * texture, per channel.
    colour = OBJECT_RGB[labels] + normal(COLOUR_JITTER, (n, 3))
    texture *= coverage
    image = background * (1.0 - coverage)[:, None]
    image += colour[:, :, None, None] * texture[:, None]

    # Clutter: a round blob of random colour, anywhere, in some of the images.
    rows = np.flatnonzero(rng.random(n) < CLUTTER_PROBABILITY)
    bx, by = rng.uniform(-1, 1, (2, len(rows))).astype(f32)
    radius = rng.uniform(0.15, 0.35, len(rows)).astype(f32)
    blob_rgb = rng.uniform(0, 255, (len(rows), 3)).astype(f32)
    reach = np.hypot(_GX[None] - bx[:, None, None], _GY[None] - by[:, None, None])
    blob = _soft_below_one(reach / radius[:, None, None], sharpness=10.0)[:, None]
    image[rows] += blob * (blob_rgb[:, :, None, None] - image[rows])

    # Triangular pixel noise from two uniform bytes: cheap and bounded.
    image += rng.integers(0, 256, image.shape, dtype=np.uint8) * f32(NOISE_AMPLITUDE / 255.0)
    image -= rng.integers(0, 256, image.shape, dtype=np.uint8) * f32(NOISE_AMPLITUDE / 255.0)
    np.rint(image, out=image)
    np.clip(image, 0, 255, out=image)
    return image.astype(np.uint8)


def _soft_below_one(distance: np.ndarray, sharpness: float) -> np.ndarray:
    """A smooth step: ~1 where distance < 1, ~0 beyond; the logistic written with tanh."""
    z = np.tanh((distance - 1.0) * np.float32(sharpness / 2.0))
    return 0.5 - 0.5 * z


def _shape_distance(shape: int, dx: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """A distance that is < 1 inside the shape; dx, dy: (n, H, W) absolute offsets / size."""
    if shape == 0:  # disk
        return np.hypot(dx, dy)
    if shape == 1:  # square
        return np.maximum(dx, dy)
    if shape == 2:  # diamond
        return (dx + dy) / np.float32(1.3)
    if shape == 3:  # ring of mean radius 0.75
        return 1.0 + 3.0 * np.abs(np.hypot(dx, dy) - np.float32(0.75))
    return np.maximum(3.0 * np.minimum(dx, dy), np.maximum(dx, dy))  # cross


def balanced_labels(n: int, rng: np.random.Generator) -> np.ndarray:
    """(n,) ints with every class equally often (n a multiple of 10), in random order."""
    return rng.permutation(np.arange(n) % NUM_CLASSES)


def write_cifar10(root: Path, rng: np.random.Generator) -> None:
    """Write data_batch_1..5, test_batch and batches.meta into ``root`` (which must exist)."""
    for name in (*CIFAR10_TRAIN_BATCHES, CIFAR10_TEST_BATCH):
        labels = balanced_labels(CIFAR10_ROWS_PER_BATCH, rng)
        images = render_images(labels, rng)
        batch = {
            "batch_label": f"synthetic {name.replace('_', ' ')}",
            "labels": labels.tolist(),
            "data": images.reshape(len(labels), 3 * SIZE * SIZE),
            "filenames": [f"synthetic_{name}_{i:05d}.png" for i in range(len(labels))],
        }
        _dump(root / name, batch)
    meta = {
        "num_cases_per_batch": CIFAR10_ROWS_PER_BATCH,
        "label_names": list(CIFAR10_LABEL_NAMES),
        "num_vis": 3 * SIZE * SIZE,
    }
    _dump(root / CIFAR10_META, meta)


def _dump(path: Path, obj: dict) -> None:
    # str keys, like the real (python 2) pickles read with encoding="latin1".
    with open(path, "wb") as f:
        pickle.dump(obj, f, protocol=4)
