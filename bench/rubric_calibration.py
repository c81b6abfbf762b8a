"""Calibrate the smoke profile's training thresholds on the reference implementation.

Runs each training check's scenario on the reference (in process, as the trusted side
would) with the rubric's smoke settings, for several seeds, on the synthetic data, and
reports min / mean / max of the measured accuracy (or final loss) and the time per run.
A threshold is then chosen below the worst seed by a margin (see bench/RESULTS.md).

    .venv/bin/python bench/rubric_calibration.py [--seeds 5] [--write]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from results_file import write_section  # bench/results_file.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "solutions" / "a2"
sys.path[:0] = [str(MASTER / "grading")]

from scenarios import captioning, models, pytorch_notebook  # noqa: E402
from support.data import Cifar10, Coco, for_numpy_models, for_torch_models  # noqa: E402

from gradelab.settings import get_settings  # noqa: E402
from grader.datasets.synth import ensure_synthetic  # noqa: E402
from grader.plugin.rubric import load_rubric  # noqa: E402
from grader.student_side.loader import Implementation  # noqa: E402


def measure(item, setting, impl, cifar, coco, seed):
    """One run of the item's scenario: (value, seconds). value: accuracy or final loss."""
    started = time.perf_counter()
    if item in ("cnn_overfit", "cnn_train"):
        n_eval = 1 if item == "cnn_overfit" else setting("num_val")
        (Xtr, ytr), (Xv, yv) = cifar.train(setting("num_train")), cifar.val(n_eval)
        Xtr, Xv = for_numpy_models(Xtr, Xv)
        kwargs = {"num_filters": setting("num_filters"), "hidden_dim": setting("hidden_dim")}
        if item == "cnn_overfit":
            kwargs["weight_scale"] = 1e-2
            solver = {"num_epochs": setting("num_epochs"), "batch_size": 50, "update_rule": "adam",
                      "optim_config": {"learning_rate": 1e-3}}
            X_eval, y_eval = Xtr, ytr
        else:
            kwargs.update(weight_scale=1e-3, reg=1e-3)
            solver = {"num_epochs": 1, "batch_size": 50, "update_rule": "adam", "optim_config": {"learning_rate": 1e-3}}
            X_eval, y_eval = Xv, yv
        data = {"X_train": Xtr, "y_train": ytr, "X_val": Xtr[:100], "y_val": ytr[:100]}
        got = models.train(impl, "classifiers.cnn", "ThreeLayerConvNet", kwargs, data, solver, X_eval, seed)
        value = float(np.mean(got["predictions"] == y_eval))
    elif item == "captioning_overfit":
        got = captioning.captioning_overfit(impl, coco.small(50, seed=231),
                                            {"cell_type": "rnn", "hidden_dim": 512, "wordvec_dim": 256},
                                            {"num_epochs": 50, "batch_size": 25, "learning_rate": 5e-3}, seed)
        value = float(got["loss_history"][-1])
    else:
        (Xtr, ytr), (Xv, yv) = cifar.train(setting("num_train")), cifar.val(setting("num_val"))
        Xtr, Xv = for_torch_models(Xtr), for_torch_models(Xv)
        if item == "pt_part2_train":
            got = pytorch_notebook.train_functional(impl, Xtr, ytr, Xv, 32, 16, 3e-3, 1, 64, seed)
        else:
            builder = {"pt_part3_train": "make_module_convnet", "pt_part4_train": "make_sequential_convnet",
                       "pt_part5_challenge": "make_challenge_model"}[item]
            epochs = setting("max_epochs", 1)
            got = pytorch_notebook.train_built(impl, builder, {}, Xtr, ytr, Xv, epochs, 64, seed)
        value = float(np.mean(got["predictions"] == yv))
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    data_dir = ensure_synthetic(get_settings().profile_data_dir("smoke"))
    impl = Implementation(MASTER, "cs231n")
    cifar = Cifar10(data_dir / "cifar-10-batches-py", impl.function("data_utils", "load_pickle"))
    coco = Coco(data_dir / "coco_captioning", impl.function("coco_utils", "load_coco_data"))
    rubric = load_rubric(MASTER / "grading" / "rubric.toml")
    items = [i for i in ("cnn_overfit", "cnn_train", "pt_part2_train", "pt_part3_train", "pt_part4_train",
                         "pt_part5_challenge", "captioning_overfit") if not args.only or i in args.only]
    rows = []
    for item_id in items:
        item = rubric[item_id]

        def setting(key, default=None, _item=item):
            return _item.setting("smoke", key, default)

        values, times = [], []
        for seed in range(1, args.seeds + 1):
            value, seconds = measure(item_id, setting, impl, cifar, coco, seed)
            values.append(value)
            times.append(seconds)
            print(f"{item_id} seed {seed}: {value:.3f} in {seconds:.1f}s", flush=True)
        bound_key = next(k for k in ("min_train_accuracy", "min_val_accuracy", "max_final_loss")
                         if setting(k) is not None)
        rows.append((item_id, bound_key, setting(bound_key), min(values), statistics.mean(values), max(values),
                     statistics.median(times)))
    lines = ["| check | bound (smoke) | threshold | reference min | mean | max | median s/run |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for item_id, key, bound, low, mean, high, seconds in rows:
        lines.append(f"| {item_id} | {key} | {bound:g} | {low:.3f} | {mean:.3f} | {high:.3f} | {seconds:.1f} |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        body = (f"## Smoke-profile thresholds, calibrated on the reference\n\n"
                   f"`bench/rubric_calibration.py --seeds {args.seeds}`: each training check's scenario run on the "
                   "reference with the rubric's smoke settings on the synthetic data, one torch/BLAS thread, one seed per "
                   "run (initialisation and batch order). A threshold sits below the worst seed with a margin, and well "
                   "above chance (0.1), so a broken implementation fails it and a correct one written another way "
                   f"passes.\n\n{table}")
        print(f"updated {write_section('rubric_calibration', body)}")


if __name__ == "__main__":
    main()
