"""write_synthetic / ensure_synthetic: deterministic, atomic, rewritten only when stale."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import h5py
import numpy as np
import pytest

import grader.datasets.synth as synth
from grader.datasets.synth_cifar import balanced_labels, render_images
from grader.datasets.synth_coco import write_coco

REPO_ROOT = Path(__file__).resolve().parents[2]


def test_images_depend_only_on_the_seed():
    def draw(seed: int) -> np.ndarray:
        rng = np.random.default_rng(seed)
        return render_images(balanced_labels(200, rng), rng)

    np.testing.assert_array_equal(draw(5), draw(5))
    assert not np.array_equal(draw(5), draw(6))


def test_coco_files_depend_only_on_the_seed(tmp_path: Path):
    sizes = {"train": 30, "val": 10}
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        write_coco(tmp_path / name, np.random.default_rng(3), images=sizes)
    for path in sorted((tmp_path / "a").iterdir()):
        twin = tmp_path / "b" / path.name
        if path.suffix == ".h5":
            with h5py.File(path, "r") as f, h5py.File(twin, "r") as g:
                assert list(f) == list(g)
                for key in f:
                    np.testing.assert_array_equal(
                        f[key][()], g[key][()], err_msg=f"{path.name}:{key}"
                    )
        else:
            assert path.read_bytes() == twin.read_bytes(), path.name


def test_ensure_writes_once_and_again_only_when_stale(tmp_path: Path):
    out = tmp_path / "smoke"
    assert synth.ensure_synthetic(out) == out
    batch = out / "cifar-10-batches-py" / "data_batch_1"
    first = batch.stat().st_ino
    assert synth.read_stamp(out) == {"format_version": synth.FORMAT_VERSION, "seed": 0}
    assert oct(out.stat().st_mode & 0o777) == oct(0o755)  # readable by a sandbox's other user

    synth.ensure_synthetic(out)
    assert batch.stat().st_ino == first  # up to date: not rewritten

    (out / synth.STAMP).write_text(json.dumps({"format_version": -1, "seed": 0}))
    synth.ensure_synthetic(out)
    assert batch.stat().st_ino != first
    assert synth.read_stamp(out)["format_version"] == synth.FORMAT_VERSION
    leftovers = [p.name for p in tmp_path.iterdir() if p.name not in {"smoke", ".smoke.lock"}]
    assert leftovers == []  # no staging directory left behind


def test_a_failed_write_leaves_no_half_written_set(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    def fail_halfway(root: Path, rng) -> None:
        (root / "data_batch_1").write_bytes(b"partial")
        raise OSError("disk full")

    monkeypatch.setattr(synth, "write_cifar10", fail_halfway)
    out = tmp_path / "smoke"
    with pytest.raises(OSError, match="disk full"):
        synth.write_synthetic(out)
    assert not out.exists()
    assert [p.name for p in tmp_path.iterdir()] == [".smoke.lock"]

    # An existing (here: older, unstamped) set stays as it was.
    (out / "cifar-10-batches-py").mkdir(parents=True)
    (out / "cifar-10-batches-py" / "data_batch_1").write_bytes(b"older")
    with pytest.raises(OSError):
        synth.ensure_synthetic(out)
    assert (out / "cifar-10-batches-py" / "data_batch_1").read_bytes() == b"older"
    assert sorted(p.name for p in out.iterdir()) == ["cifar-10-batches-py"]


def test_cli_synth_defaults_to_the_smoke_profile_directory(
    synthetic_dir: Path, tmp_path: Path, gradelab_cmd: list[str]
):
    # An up-to-date copy at <data_dir>/smoke: the command finds it and writes nothing.
    (tmp_path / "smoke").symlink_to(synthetic_dir, target_is_directory=True)
    env = {**os.environ, "GRADELAB_DATA_DIR": str(tmp_path)}
    done = subprocess.run(
        [*gradelab_cmd, "data", "synth"],
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env=env,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert f"synthetic data sets in {tmp_path / 'smoke'}" in done.stderr
