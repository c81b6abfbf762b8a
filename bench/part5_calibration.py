"""Calibrate the smoke proxy of Part V (the free-form CIFAR-10 model) on Part V-style models.

The real criterion is >= 70% validation accuracy within 10 epochs of 49,000 CIFAR-10 images
on a GPU. The smoke profile can only afford a few CPU epochs of 2,000 synthetic images. This
script trains a set of models of the kinds students hand in (different architectures,
optimizers and learning rates, among them SGD with Nesterov momentum at lr 3e-3 and Adam
at 1e-3), epoch by epoch with the rubric's own training loop and preprocessing, on
synthetic sets drawn from several secret seeds, and records the validation accuracy after
each epoch on the disguised images the rubric evaluates (support/unseen.py) and on the
plain ones. It also measures a hash-lookup "model" built from the public seed-0 set.

    .venv/bin/python bench/part5_calibration.py [--seeds 1 2 3] [--max-epochs 40] [--write]

The smoke thresholds in rubric.toml are chosen from this table (bench/RESULTS.md).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from results_file import write_section  # bench/results_file.py (scripts run from bench/)

ROOT = Path(__file__).resolve().parents[1]
MASTER = ROOT / "solutions" / "a2"
sys.path[:0] = [str(MASTER / "grading")]

from scenarios import pytorch_notebook  # noqa: E402
from support.data import TORCH_NORMALIZE, Cifar10  # noqa: E402
from support.unseen import disguise  # noqa: E402

from grader.datasets.synth import ensure_synthetic  # noqa: E402
from grader.plugin.rubric import load_rubric  # noqa: E402
from grader.student_side.loader import Implementation  # noqa: E402


def calibration_models(torch):
    """name -> builder() returning (model, optimizer): Part V-style models, written here."""
    nn, optim = torch.nn, torch.optim

    def reference():
        impl = Implementation(MASTER, "cs231n")
        impl.notebook_globals.update(device=torch.device("cpu"), dtype=torch.float32, print_every=10**9)
        model, optimizer, _ = impl.notebook("PyTorch").get("make_challenge_model")()
        return model, optimizer

    def five_conv_nesterov():
        # Five conv layers, no normalisation, SGD with Nesterov momentum at lr 3e-3, batch 64:
        # the configuration of a real submission that reached 72.7-77.9% on CIFAR-10.
        model = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(128 * 4 * 4, 256), nn.ReLU(), nn.Linear(256, 10))
        return model, optim.SGD(model.parameters(), lr=3e-3, momentum=0.9, nesterov=True)

    def classic_adam():
        model = nn.Sequential(
            nn.Conv2d(3, 32, 3, padding=1), nn.ReLU(), nn.Conv2d(32, 32, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(32, 64, 3, padding=1), nn.ReLU(), nn.Conv2d(64, 64, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(64 * 8 * 8, 512), nn.ReLU(), nn.Dropout(0.5), nn.Linear(512, 10))
        return model, optim.Adam(model.parameters(), lr=1e-3)

    def small_resnet_sgd():
        class Block(nn.Module):
            def __init__(self, c_in, c_out, stride):
                super().__init__()
                self.body = nn.Sequential(
                    nn.Conv2d(c_in, c_out, 3, stride=stride, padding=1, bias=False), nn.BatchNorm2d(c_out), nn.ReLU(),
                    nn.Conv2d(c_out, c_out, 3, padding=1, bias=False), nn.BatchNorm2d(c_out))
                self.skip = (nn.Identity() if stride == 1 and c_in == c_out else
                             nn.Sequential(nn.Conv2d(c_in, c_out, 1, stride=stride, bias=False), nn.BatchNorm2d(c_out)))

            def forward(self, x):
                return torch.relu(self.body(x) + self.skip(x))

        model = nn.Sequential(nn.Conv2d(3, 32, 3, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU(),
                              Block(32, 32, 1), Block(32, 64, 2), Block(64, 128, 2),
                              nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(128, 10))
        return model, optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)

    def wide_shallow_slow_adam():
        model = nn.Sequential(
            nn.Conv2d(3, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Conv2d(64, 128, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
            nn.Flatten(), nn.Linear(128 * 8 * 8, 10))
        return model, optim.Adam(model.parameters(), lr=3e-4)

    def batchnorm_plain_sgd():
        def stage(c_in, c_out):
            return [nn.Conv2d(c_in, c_out, 3, padding=1), nn.BatchNorm2d(c_out), nn.ReLU()]

        model = nn.Sequential(*stage(3, 32), *stage(32, 32), nn.MaxPool2d(2), *stage(32, 64), *stage(64, 64),
                              nn.MaxPool2d(2), nn.Flatten(), nn.Linear(64 * 8 * 8, 10))
        return model, optim.SGD(model.parameters(), lr=1e-2)

    def strided_rmsprop():
        model = nn.Sequential(
            nn.Conv2d(3, 48, 3, padding=1), nn.BatchNorm2d(48), nn.ReLU(),
            nn.Conv2d(48, 96, 3, stride=2, padding=1), nn.BatchNorm2d(96), nn.ReLU(),
            nn.Conv2d(96, 96, 3, stride=2, padding=1), nn.BatchNorm2d(96), nn.ReLU(),
            nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(96, 10))
        return model, optim.RMSprop(model.parameters(), lr=1e-3)

    return {"reference (VGG-style, BN, AdamW 1e-3)": reference,
            "five conv, no BN, SGD Nesterov 0.9, lr 3e-3": five_conv_nesterov,
            "four conv + FC 512 + dropout, Adam 1e-3": classic_adam,
            "small ResNet, BN, SGD momentum 0.9, lr 0.05": small_resnet_sgd,
            "wide shallow 5x5, Adam 3e-4": wide_shallow_slow_adam,
            "four conv + BN, plain SGD 1e-2": batchnorm_plain_sgd,
            "strided all-conv + BN, RMSprop 1e-3": strided_rmsprop}


def image_key(image: np.ndarray) -> str:
    return hashlib.sha1(np.ascontiguousarray(image).tobytes()).hexdigest()[:12]


def lookup_accuracy(public: Cifar10, X: np.ndarray, y: np.ndarray) -> float:
    """Accuracy of a table of seed-0 images (their hashes -> label) on X: the issue's attack."""
    table = {}
    for batch in range(1, 6):
        images, labels = public._batch(f"data_batch_{batch}")
        table.update({image_key(image): int(label) for image, label in zip(images, labels, strict=True)})
    hits = [table.get(image_key(image), 0) for image in X]
    return float(np.mean(np.asarray(hits) == y))


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3], help="secret data seeds")
    parser.add_argument("--max-epochs", type=int, default=40, help="give up on a model after this many")
    parser.add_argument("--only", nargs="*", default=None, help="model names containing these words")
    parser.add_argument("--write", action="store_true", help="record the table in bench/RESULTS.md")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(1)
    item = load_rubric(MASTER / "grading" / "rubric.toml")["pt_part5_challenge"]
    settings = {key: item.setting("smoke", key) for key in ("num_train", "num_val", "min_val_accuracy", "max_rounds",
                                                             "time_budget_s", "disguise")}
    impl_pickle = Implementation(MASTER, "cs231n").function("data_utils", "load_pickle")
    cache = Path(os.environ.get("GRADELAB_CALIBRATION_DATA", tempfile.gettempdir())) / "gradelab-part5-calibration"
    public = Cifar10(ensure_synthetic(cache / "seed0", seed=0) / "cifar-10-batches-py", impl_pickle)
    models = calibration_models(torch)
    if args.only:
        models = {name: build for name, build in models.items() if any(word in name for word in args.only)}
    runs, lookups, started = {}, [], time.time()
    for seed in args.seeds:
        data = Cifar10(ensure_synthetic(cache / f"seed{seed}", seed=seed) / "cifar-10-batches-py", impl_pickle)
        (X_train, y_train), (X_val, y_val) = data.train(settings["num_train"]), data.val(settings["num_val"])
        disguised = disguise(X_val, np.random.default_rng(seed), **settings["disguise"])
        lookups.append(lookup_accuracy(public, disguised, y_val))
        for name, build in models.items():
            runs.setdefault(name, []).append(
                train_until(torch, build, seed, X_train, y_train, X_val, disguised, y_val,
                            settings["min_val_accuracy"], args.max_epochs, label=f"seed {seed} {name}"))
    text = render(runs, lookups, settings, args, time.time() - started)
    print(text)
    if args.write:
        write_section("part5_calibration", text)
    return 0


def train_until(torch, build, seed, X_train, y_train, X_val, disguised, y_val, threshold, max_epochs, label):
    """Train epoch by epoch (the rubric's loop) until the disguised validation accuracy reaches
    threshold: [(disguised accuracy, plain accuracy, seconds)] per epoch."""
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    model, optimizer = build()
    epochs = []
    while len(epochs) < max_epochs:
        tick = time.perf_counter()
        pytorch_notebook._train_module(torch, model, optimizer, X_train, y_train, TORCH_NORMALIZE, 1, 64, rng,
                                       torch.device("cpu"))
        seconds = time.perf_counter() - tick
        model.eval()
        hidden = float(np.mean(pytorch_notebook._predict(torch, model, disguised, TORCH_NORMALIZE, "cpu") == y_val))
        plain = float(np.mean(pytorch_notebook._predict(torch, model, X_val, TORCH_NORMALIZE, "cpu") == y_val))
        epochs.append((hidden, plain, seconds))
        print(f"{label}: epoch {len(epochs)} disguised {hidden:.3f} plain {plain:.3f} ({seconds:.1f} s)", flush=True)
        if hidden >= threshold:
            break
    return epochs


def render(runs, lookups, settings, args, elapsed) -> str:
    threshold = settings["min_val_accuracy"]
    lines = [
        "## Part V's smoke proxy, calibrated on Part V-style models (`bench/part5_calibration.py`)",
        "",
        f"Each model trained epoch by epoch with the rubric's loop and normalisation (batch 64, one CPU thread) on "
        f"{settings['num_train']} synthetic training images of secret data seeds {', '.join(map(str, args.seeds))}, "
        f"until its accuracy on {settings['num_val']} validation images, disguised as the rubric evaluates them "
        f"({settings['disguise']}), reached the smoke threshold {threshold}. The rubric passes a model at the first "
        f"round that reaches it, fails one that has not after max_rounds = {settings['max_rounds']} rounds, and is "
        f"provisional when its {settings['time_budget_s']} s budget runs out first. A hash-lookup table of the public "
        f"seed-0 set (the issue's attack) scores {', '.join(f'{v:.3f}' for v in lookups)} on the disguised images "
        "(chance is 0.1).",
        "",
        f"{time.strftime('%Y-%m-%d')}, {platform.machine()}, {os.cpu_count()} logical CPUs, Python "
        f"{platform.python_version()}; load average {os.getloadavg()[0]:.2f} at the end (a shared machine); "
        f"{elapsed / 60:.1f} min in all",
        "",
        "| model | accuracy after epoch 1, worst seed: disguised (plain) | epochs to reach the threshold, per seed | "
        "largest drop from the disguise | s/epoch |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, per_seed in runs.items():
        first = min(per_seed, key=lambda epochs: epochs[0][0])[0]
        reached = [str(len(epochs)) if epochs[-1][0] >= threshold else f">{len(epochs)}" for epochs in per_seed]
        drop = max(plain - hidden for epochs in per_seed for hidden, plain, _ in epochs)
        seconds = np.median([step[2] for epochs in per_seed for step in epochs])
        lines.append(f"| {name} | {first[0]:.3f} ({first[1]:.3f}) | {', '.join(reached)} | {drop:+.3f} | "
                     f"{seconds:.1f} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
