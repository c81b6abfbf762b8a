"""Calibrate the smoke profile's training thresholds on the reference implementation.

Runs each training check on the reference (in process) as the rubric does, with the
rubric's smoke settings, on synthetic sets of several secret seeds and with several
training seeds, scores the trained parameters with the reference model as the trusted side
does, and reports the worst / mean / best value and the time per run. A threshold is then
chosen beyond the worst run by a margin (see bench/RESULTS.md).

    .venv/bin/python bench/rubric_calibration.py [--seeds 3] [--data-seeds 1 2 3] [--write]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from results_file import write_section  # bench/results_file.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "solutions" / "a2"
sys.path[:0] = [str(MASTER / "grading")]

from scenarios import captioning, models, pytorch_notebook  # noqa: E402
from support.data import (  # noqa: E402
    TORCH_NORMALIZE,
    Cifar10,
    Coco,
    for_numpy_models,
    for_torch_models,
    mean_image,
)
from support.unseen import disguise  # noqa: E402

from grader.datasets.synth import ensure_synthetic  # noqa: E402
from grader.plugin.rubric import load_rubric  # noqa: E402
from grader.student_side.loader import Implementation  # noqa: E402

#: The reference as the trusted side holds it (its own instance: the trained one is "the student").
REFERENCE = Implementation(MASTER, "cs231n")


def _reference_predictions(scenario_module, name, X, **inputs):
    """What the trusted side does with trained parameters: the reference model predicts."""
    return getattr(scenario_module, name)(REFERENCE, X=X, **inputs)["predictions"]


def measure(item, setting, impl, cifar, coco, seed):
    """One run of the item as the rubric runs it, trained with ``seed`` (initialisation and
    batch order) and scored the trusted side's way: (value, seconds); value is an accuracy
    or a loss of the trained parameters."""
    started = time.perf_counter()
    if item in ("cnn_overfit", "cnn_train"):
        (Xtr, ytr) = cifar.train(setting("num_train"))
        kwargs = {"num_filters": setting("num_filters"), "hidden_dim": setting("hidden_dim")}
        epochs = setting("num_epochs") if item == "cnn_overfit" else 1
        kwargs.update({"weight_scale": 1e-2} if item == "cnn_overfit" else {"weight_scale": 1e-3, "reg": 1e-3})
        solver = {"num_epochs": epochs, "batch_size": 50, "update_rule": "adam", "optim_config": {"learning_rate": 1e-3}}
        data = {"X_train": Xtr, "y_train": ytr, "X_val": Xtr[:100], "y_val": ytr[:100]}
        got = models.train(impl, "classifiers.cnn", "ThreeLayerConvNet", kwargs, data, solver, mean_image(Xtr), seed)
        if item == "cnn_overfit":
            X_eval, y_eval = for_numpy_models(Xtr)[0], ytr
        else:
            Xv, y_eval = cifar.val(setting("num_val"))
            X_eval = for_numpy_models(Xtr, Xv)[1]
        predictions = models.predict(REFERENCE, "classifiers.cnn", "ThreeLayerConvNet", kwargs, got["params"],
                                     X_eval)["predictions"]
        value = float(np.mean(predictions == y_eval))
    elif item == "captioning_overfit":
        data = coco.small(50, seed=231, distinct_images=True)
        got = captioning.captioning_overfit(impl, data, {"cell_type": "rnn", "hidden_dim": 512, "wordvec_dim": 256},
                                            {"num_epochs": 50, "batch_size": 25, "learning_rate": 5e-3}, seed)
        kwargs = {"input_dim": int(data["train_features"].shape[1]), "wordvec_dim": 256, "hidden_dim": 512,
                  "cell_type": "rnn"}
        value = captioning.captioning_data_loss(REFERENCE, data["word_to_idx"], kwargs, got["params"], data)["loss"]
    elif item == "pt_part5_challenge":
        # Round one of the smoke rounds: the reference must pass in it (bench/part5_calibration.py
        # covers the other models and the later rounds).
        (Xtr, ytr), (Xv, yv) = cifar.train(setting("num_train")), cifar.val(setting("num_val"))
        X_eval = disguise(Xv, np.random.default_rng(seed), **setting("disguise", {}))
        got = pytorch_notebook.train_built(impl, "make_challenge_model", {}, Xtr, ytr, TORCH_NORMALIZE,
                                           setting("epochs_per_round"), 64, seed, X_eval=X_eval, with_params=False)
        value = float(np.mean(got["predictions"] == yv))
    else:
        (Xtr, ytr), (Xv, yv) = cifar.train(setting("num_train")), cifar.val(setting("num_val"))
        if item == "pt_part2_train":
            got = pytorch_notebook.train_functional(impl, Xtr, ytr, TORCH_NORMALIZE, 32, 16, 3e-3, 1, 64, seed)
            predictions = _reference_predictions(pytorch_notebook, "predict_functional", for_torch_models(Xv),
                                                 params=got["params"])
        else:
            builder = {"pt_part3_train": "make_module_convnet", "pt_part4_train": "make_sequential_convnet"}[item]
            got = pytorch_notebook.train_built(impl, builder, {}, Xtr, ytr, TORCH_NORMALIZE, 1, 64, seed)
            predictions = _reference_predictions(pytorch_notebook, "predict_built", for_torch_models(Xv),
                                                 builder=builder, builder_kwargs={}, params=got["params"])
        value = float(np.mean(predictions == yv))
    return value, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=3, help="training seeds per data set")
    parser.add_argument("--data-seeds", type=int, nargs="+", default=[1, 2, 3], help="secret data-set seeds")
    parser.add_argument("--only", nargs="*")
    parser.add_argument("--write", action="store_true", help="update bench/RESULTS.md")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    impl = Implementation(MASTER, "cs231n")
    cache = Path(os.environ.get("GRADELAB_CALIBRATION_DATA", tempfile.gettempdir())) / "gradelab-part5-calibration"
    data_sets = []
    for data_seed in args.data_seeds:
        data_dir = ensure_synthetic(cache / f"seed{data_seed}", seed=data_seed)
        data_sets.append((Cifar10(data_dir / "cifar-10-batches-py", impl.function("data_utils", "load_pickle")),
                          Coco(data_dir / "coco_captioning", impl.function("coco_utils", "load_coco_data"))))
    rubric = load_rubric(MASTER / "grading" / "rubric.toml")
    items = [i for i in ("cnn_overfit", "cnn_train", "pt_part2_train", "pt_part3_train", "pt_part4_train",
                         "pt_part5_challenge", "captioning_overfit") if not args.only or i in args.only]
    rows = []
    for item_id in items:
        item = rubric[item_id]

        def setting(key, default=None, _item=item):
            return _item.setting("smoke", key, default)

        values, times = [], []
        for data_seed, (cifar, coco) in zip(args.data_seeds, data_sets, strict=True):
            for seed in range(1, args.seeds + 1):
                value, seconds = measure(item_id, setting, impl, cifar, coco, seed)
                values.append(value)
                times.append(seconds)
                print(f"{item_id} data {data_seed} seed {seed}: {value:.3f} in {seconds:.1f}s", flush=True)
        bound_key = next(k for k in ("min_train_accuracy", "min_val_accuracy", "max_final_loss")
                         if setting(k) is not None)
        rows.append((item_id, bound_key, setting(bound_key), min(values), statistics.mean(values), max(values),
                     statistics.median(times)))
    lines = ["| check | bound (smoke) | threshold | reference worst | mean | best | median s/run |",
             "|---|---|---:|---:|---:|---:|---:|"]
    for item_id, key, bound, low, mean, high, seconds in rows:
        worst, best = (high, low) if key == "max_final_loss" else (low, high)
        lines.append(f"| {item_id} | {key} | {bound:g} | {worst:.3f} | {mean:.3f} | {best:.3f} | {seconds:.1f} |")
    table = "\n".join(lines)
    print(table)
    if args.write:
        body = (f"## Smoke-profile thresholds, calibrated on the reference\n\n"
                f"`bench/rubric_calibration.py --seeds {args.seeds} --data-seeds {' '.join(map(str, args.data_seeds))}`: "
                "each training check run on the reference as the rubric runs it, on synthetic sets of several secret "
                "seeds (the smoke profile grades with the deployment's own), with several training seeds "
                "(initialisation and batch order), one torch/BLAS thread, and scored the trusted side's way: the "
                "reference model holding the trained parameters measures the accuracy (or the captioning loss over "
                "the 50 captions). A threshold sits below the worst run with a margin, and well above chance (0.1).\n\n"
                f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} logical CPUs, load average "
                f"{os.getloadavg()[0]:.2f} at the end.\n\n{table}")
        print(f"updated {write_section('rubric_calibration', body)}")


if __name__ == "__main__":
    main()
