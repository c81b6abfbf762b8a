"""Tile many small images into one array for plt.imshow (filters, activations, samples)."""

from math import ceil, sqrt

import numpy as np


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Lay images out on a square grid, each rescaled to [0, ubound] on its own.

    Inputs:
    - Xs: (N, H, W, C) images (e.g. first-layer filters transposed to channels-last)
    - ubound: each image is mapped linearly from [min, max] to [0, ubound]
    - padding: blank pixels between neighbouring images

    Returns grid: (G*H + (G-1)*padding, G*W + (G-1)*padding, C) with G = ceil(sqrt(N));
    cells after the last image stay 0.
    """
    num, height, width, channels = Xs.shape
    grid_size = int(ceil(sqrt(num)))
    grid_height = height * grid_size + padding * (grid_size - 1)
    grid_width = width * grid_size + padding * (grid_size - 1)
    grid = np.zeros((grid_height, grid_width, channels))
    for idx in range(num):
        row, col = divmod(idx, grid_size)
        top, left = row * (height + padding), col * (width + padding)
        img = Xs[idx]
        low, high = np.min(img), np.max(img)
        # A constant image has no range to stretch; it maps to 0.
        if high > low:
            grid[top:top + height, left:left + width] = ubound * (img - low) / (high - low)
    return grid


def vis_grid(Xs):
    """Square grid of images with one-pixel gaps, rescaled together to [0, 1].

    Inputs:
    - Xs: (N, H, W, C)

    Returns grid: (A*(H+1)+1, A*(W+1)+1, C) with A = ceil(sqrt(N)).
    """
    num, height, width, channels = Xs.shape
    side = int(ceil(sqrt(num)))
    grid = np.ones((side * (height + 1) + 1, side * (width + 1) + 1, channels), Xs.dtype)
    grid *= np.min(Xs)
    for idx in range(num):
        row, col = divmod(idx, side)
        top, left = row * (height + 1) + 1, col * (width + 1) + 1
        grid[top:top + height, left:left + width] = Xs[idx]
    return _rescale(grid)


def vis_nn(rows):
    """Grid of images given as a list of rows (lists of (H, W, C) arrays, same shape),
    one-pixel gaps, rescaled together to [0, 1]. Returns (R*(H+1)+1, K*(W+1)+1, C) for
    R rows of up to K images."""
    height, width, channels = rows[0][0].shape
    num_cols = max(len(r) for r in rows)
    grid = np.zeros((len(rows) * (height + 1) + 1, num_cols * (width + 1) + 1, channels))
    low = min(np.min(img) for r in rows for img in r)
    grid += low
    for i, row in enumerate(rows):
        for j, img in enumerate(row):
            top, left = i * (height + 1) + 1, j * (width + 1) + 1
            grid[top:top + height, left:left + width] = img
    return _rescale(grid)


def _rescale(grid):
    low, high = np.min(grid), np.max(grid)
    if high == low:
        return np.zeros_like(grid, dtype=float)
    return (grid - low) / (high - low)
