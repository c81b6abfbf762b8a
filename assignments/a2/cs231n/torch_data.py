"""CIFAR-10 as a torch Dataset, for PyTorch.ipynb (no torchvision needed).

Items are what torchvision's ``CIFAR10`` gives with ``T.Compose([T.ToTensor(),
T.Normalize(CIFAR10_MEAN, CIFAR10_STD)])``: a float32 tensor (C, H, W) = (3, 32, 32) with
each channel scaled to [0, 1], minus its mean, divided by its std, and the int label.
"""

import os

import numpy as np
import torch
from torch.utils.data import Dataset

from .data_utils import load_pickle

CIFAR10_MEAN = (0.4914, 0.4822, 0.4465)
CIFAR10_STD = (0.2023, 0.1994, 0.2010)
CIFAR10_DIRNAME = "cifar-10-batches-py"
TRAIN_BATCHES = [f"data_batch_{b}" for b in range(1, 6)]
TEST_BATCHES = ["test_batch"]


class CIFAR10(Dataset):
    """The 50000 training images (train=True) or the 10000 test images of CIFAR-10.

    root: the directory holding cifar-10-batches-py (the notebooks' './cs231n/datasets').
    transform: optional callable applied to each normalised (3, 32, 32) tensor.
    download: accepted for torchvision compatibility; nothing is downloaded here, run
    cs231n/datasets/get_datasets.sh instead.

    Attributes as torchvision has them: data, uint8 (N, 32, 32, 3); targets, list of N ints;
    classes, the 10 label names; train.
    """

    def __init__(self, root="./cs231n/datasets", train=True, transform=None, download=False):
        self.root = root
        self.train = train
        self.transform = transform
        folder = os.path.join(root, CIFAR10_DIRNAME)
        names = TRAIN_BATCHES if train else TEST_BATCHES
        missing = [n for n in names if not os.path.isfile(os.path.join(folder, n))]
        if missing:
            raise FileNotFoundError(
                f"CIFAR-10 is not in {folder} (missing {', '.join(missing)}): run "
                "`bash get_datasets.sh` in cs231n/datasets first"
            )

        images, labels = [], []
        for name in names:
            with open(os.path.join(folder, name), "rb") as f:
                batch = load_pickle(f)
            images.append(batch["data"])
            labels.extend(int(label) for label in batch["labels"])
        chw = np.concatenate(images).reshape(-1, 3, 32, 32)
        self.data = chw.transpose(0, 2, 3, 1)
        self.targets = labels
        self.classes = self._label_names(folder)
        self._images = torch.from_numpy(chw)  # uint8 (N, C, H, W); converted per item
        self._mean = torch.tensor(CIFAR10_MEAN, dtype=torch.float32).view(3, 1, 1)
        self._std = torch.tensor(CIFAR10_STD, dtype=torch.float32).view(3, 1, 1)

    @staticmethod
    def _label_names(folder):
        try:
            with open(os.path.join(folder, "batches.meta"), "rb") as f:
                return list(load_pickle(f)["label_names"])
        except (OSError, KeyError):
            return []

    def __len__(self):
        return len(self.targets)

    def __getitem__(self, index):
        x = self._images[index].to(torch.float32).div(255)
        x = x.sub(self._mean).div(self._std)
        if self.transform is not None:
            x = self.transform(x)
        return x, self.targets[index]

    def __repr__(self):
        split = "train" if self.train else "test"
        return f"CIFAR10(root={self.root!r}, split={split}, {len(self)} images)"
