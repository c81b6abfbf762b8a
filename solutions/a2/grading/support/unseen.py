"""Images the student cannot look up: the evaluation images of the free-form Part V model,
disguised per submission with a secret transformation.

Part V's model is the student's own code, so it runs in the sandbox and only its
predictions come back. Its evaluation images must not be recognisable: the smoke profile's
synthetic sets are drawn from the deployment's secret seed, and CIFAR-10's test labels are
public, so every evaluation image is also moved by a few pixels, maybe mirrored, and given
a little brightness change and noise, drawn from the submission's secret seed. A classifier
barely notices (bench/RESULTS.md has the figures); a table of image hashes finds nothing.

Shape legend: N images, C = 3 channels, H = W = 32; images are uint8 (N, C, H, W).
"""

from __future__ import annotations

import numpy as np


def disguise(images: np.ndarray, rng: np.random.Generator, *, max_shift: int = 2, flip: bool = True,
             brightness: float = 0.1, noise: float = 3.0) -> np.ndarray:
    """A disguised copy of uint8 images (N, C, H, W).

    Per image: a shift by up to ``max_shift`` pixels each way (edges repeated), a
    left-right mirror with probability 1/2 when ``flip``, a brightness factor in
    [1 - brightness, 1 + brightness], and Gaussian pixel noise of ``noise`` grey levels.
    """
    images = np.asarray(images)
    N, _, H, W = images.shape
    padded = np.pad(images, ((0, 0), (0, 0), (max_shift, max_shift), (max_shift, max_shift)), mode="edge")
    dy, dx = (rng.integers(0, 2 * max_shift + 1, size=N) for _ in range(2))
    rows = dy[:, None] + np.arange(H)[None, :]                  # (N, H)
    cols = dx[:, None] + np.arange(W)[None, :]                  # (N, W)
    if flip:
        mirrored = rng.random(N) < 0.5
        cols = np.where(mirrored[:, None], cols[:, ::-1], cols)
    moved = padded[np.arange(N)[:, None, None, None], np.arange(padded.shape[1])[None, :, None, None],
                   rows[:, None, :, None], cols[:, None, None, :]].astype(np.float32)
    moved *= rng.uniform(1 - brightness, 1 + brightness, size=(N, 1, 1, 1)).astype(np.float32)
    moved += rng.normal(scale=noise, size=moved.shape).astype(np.float32)
    return np.clip(np.rint(moved), 0, 255).astype(np.uint8)
