"""Write the synthetic data sets (CIFAR-10 and COCO captioning in their real on-disk formats).

``write_synthetic(out)`` produces::

    out/cifar-10-batches-py/   data_batch_1..5, test_batch, batches.meta   (synth_cifar)
    out/coco_captioning/       h5 features and captions, vocab, URL lists (synth_coco)
    out/synthetic.json         format version and seed that produced the two

Everything is written into a staging directory beside ``out`` and renamed into place, so a
reader never sees a half-written set; a file lock beside ``out`` serialises writers in
different processes. ``ensure_synthetic(out)`` writes only when the stamp is missing or was
written by another format version or seed, so it is cheap to call before every use.
The output depends only on the seed (and on numpy's random generators).
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import numpy as np

from grader.datasets.layout import CIFAR10_DIRNAME, CIFAR10_FILES, COCO_DIRNAME, COCO_FILES
from grader.datasets.synth_cifar import write_cifar10
from grader.datasets.synth_coco import write_coco

#: Bump whenever the generators change what they write, so stale sets are rewritten.
FORMAT_VERSION = 2
STAMP = "synthetic.json"


def write_synthetic(out: Path, *, seed: int = 0) -> None:
    """Write both synthetic sets under ``out``, replacing any there (see module docstring)."""
    out = Path(out).absolute()
    with _writer_lock(out):
        _write(out, seed)


def ensure_synthetic(out: Path, *, seed: int = 0) -> Path:
    """Write the synthetic sets under ``out`` unless an up-to-date copy is there; return ``out``."""
    out = Path(out).absolute()
    if _is_current(out, seed):
        return out
    with _writer_lock(out):
        if not _is_current(out, seed):  # another process may have written it meanwhile
            _write(out, seed)
    return out


def read_stamp(out: Path) -> dict | None:
    """The stamp of a synthetic directory, or None where there is none (or it is unreadable)."""
    try:
        return json.loads((Path(out) / STAMP).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def _is_current(out: Path, seed: int) -> bool:
    stamp = read_stamp(out)
    if stamp != {"format_version": FORMAT_VERSION, "seed": seed}:
        return False
    return all((out / CIFAR10_DIRNAME / n).is_file() for n in CIFAR10_FILES) and all(
        (out / COCO_DIRNAME / n).is_file() for n in COCO_FILES
    )


@contextmanager
def _writer_lock(out: Path) -> Iterator[None]:
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(out.parent / f".{out.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def _write(out: Path, seed: int) -> None:
    cifar_rng, coco_rng = (np.random.default_rng(s) for s in np.random.SeedSequence(seed).spawn(2))
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.synth-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp's 0700 would hide the sets from a sandbox's other user
    try:
        (staging / CIFAR10_DIRNAME).mkdir()
        write_cifar10(staging / CIFAR10_DIRNAME, cifar_rng)
        (staging / COCO_DIRNAME).mkdir()
        write_coco(staging / COCO_DIRNAME, coco_rng)
        stamp = {"format_version": FORMAT_VERSION, "seed": seed}
        (staging / STAMP).write_text(json.dumps(stamp), encoding="utf-8")
        _install(staging, out)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _install(staging: Path, out: Path) -> None:
    """Move the finished sets from ``staging`` to ``out`` without exposing partial ones."""
    if not out.exists():
        os.rename(staging, out)
        return
    # The stamp goes first and comes back last: an interrupted swap leaves no stamp, so the
    # next ensure_synthetic rewrites everything.
    (out / STAMP).unlink(missing_ok=True)
    for name in (CIFAR10_DIRNAME, COCO_DIRNAME):
        target = out / name
        if target.exists() or target.is_symlink():
            os.rename(target, staging / f"{name}.old")  # deleted with the staging directory
        os.rename(staging / name, target)
    os.replace(staging / STAMP, out / STAMP)
