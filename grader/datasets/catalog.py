"""The official data sets as data: where each archive comes from, how to recognise it and
what it unpacks to under a data directory.

=========  ==========================  =====================  ==============================
name       archive                     unpacks to             verified by
=========  ==========================  =====================  ==============================
cifar10    cifar-10-python.tar.gz      cifar-10-batches-py/   MD5 and size (published)
coco       coco_captioning.zip         coco_captioning/       zip CRCs, members, h5 shapes;
                                                              SHA-256 pinned on first fetch
=========  ==========================  =====================  ==============================

The URLs come from settings (``GRADELAB_CIFAR10_URL``, ``GRADELAB_COCO_URL``), so a mirror
needs no code change; a mirror must serve the same bytes, since the checksums still apply.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from gradelab.settings import Settings
from grader.datasets.layout import (
    CIFAR10_DIRNAME,
    CIFAR10_FILES,
    COCO_DIRNAME,
    COCO_FC7_FILES,
    COCO_FILES,
    check_cifar10,
    check_coco,
)


@dataclass(frozen=True)
class Source:
    """One downloadable data set.

    name: the key used on the command line (``--only``) and in the fetch manifest.
    archive: the archive's file name; kind: how to unpack it.
    dirname: the directory it provides under the data directory (the course's layout).
    members: files that directory must hold.
    md5, sha256, size: what the archive must match; None where unknown.
    check: raises DatasetInvalid unless a directory is a usable copy of the set.
    """

    name: str
    title: str
    url: str
    archive: str
    kind: Literal["tar.gz", "zip"]
    dirname: str
    members: tuple[str, ...]
    check: Callable[[Path], object]
    md5: str | None = None
    sha256: str | None = None
    size: int | None = None

    def with_overrides(
        self, *, url: str | None = None, md5: str | None = None, sha256: str | None = None
    ) -> Source:
        changes = {"url": url, "md5": md5, "sha256": sha256}
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})


def _check_coco_fetched(root: Path) -> object:
    # The COCO zip may or may not hold the 4096-d features; they are checked when present.
    return check_coco(root, require_fc7=False)


def catalog(settings: Settings) -> dict[str, Source]:
    """The official sources, keyed by name, with URLs from ``settings``."""
    return {
        "cifar10": Source(
            name="cifar10",
            title="CIFAR-10 (python version)",
            url=settings.cifar10_url,
            archive="cifar-10-python.tar.gz",
            kind="tar.gz",
            dirname=CIFAR10_DIRNAME,
            members=tuple(CIFAR10_FILES),
            check=check_cifar10,
            md5="c58f30108f718f92721af3b95e74349a",
            size=170498071,
        ),
        "coco": Source(
            name="coco",
            title="COCO captioning (VGG-16 fc7 features, captions, vocabulary)",
            url=settings.coco_url,
            archive="coco_captioning.zip",
            kind="zip",
            dirname=COCO_DIRNAME,
            members=tuple(n for n in COCO_FILES if n not in COCO_FC7_FILES),
            check=_check_coco_fetched,
        ),
    }
