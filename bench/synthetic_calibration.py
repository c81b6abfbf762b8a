"""How learnable the synthetic data sets are, and what they cost to write.

    .venv/bin/python bench/synthetic_calibration.py [--data DIR] [--seed N] [--full] [--no-write]

Writes the synthetic sets (into a temporary directory unless --data names one that holds
them), then trains, on CPU, the kinds of model the notebooks train and reports validation
accuracy (CIFAR-10: rows 49000..49999 of the training batches, as get_CIFAR10_data's val
split) and, for COCO, the seed's overfitting run. --full adds runs on all 49000 training
images, one or two epochs each (slow on 2 cores). Prints the figures and writes them to
its section of bench/RESULTS.md.

The data is read through the reference cs231n loaders (solutions/a2/cs231n); the captioning
run uses the reference CaptioningRNN and CaptioningSolverPytorch with the notebook's settings.
The CIFAR models are small torch re-statements of the notebooks' models (same layers, init
and optimiser), since the numpy reference layers would take far longer on CPU.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
from results_file import write_section  # bench/results_file.py (scripts run from bench/)

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "solutions" / "a2"))

from cs231n.captioning_solver_pytorch import CaptioningSolverPytorch  # noqa: E402
from cs231n.classifiers.rnn_pytorch import CaptioningRNN  # noqa: E402
from cs231n.coco_utils import decode_captions, load_coco_data  # noqa: E402
from cs231n.data_utils import get_CIFAR10_data  # noqa: E402
from cs231n.torch_data import CIFAR10_MEAN, CIFAR10_STD  # noqa: E402

from grader.datasets.synth import write_synthetic  # noqa: E402
from grader.datasets.synth_coco import ACTIONS, COLOURS, OBJECTS, PLACES, SIZES  # noqa: E402


def directory_size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# --- CIFAR-10 -------------------------------------------------------------------------


def accuracy(
    model: Callable[[torch.Tensor], torch.Tensor], X: torch.Tensor, y: np.ndarray
) -> float:
    with torch.no_grad():
        scores = torch.cat([model(X[i : i + 500]) for i in range(0, len(X), 500)])
    return float((scores.argmax(1).numpy() == y).mean())


def minibatches(n: int, batch: int, epochs: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    for _ in range(epochs):
        order = torch.randperm(n, generator=g)
        for i in range(0, n, batch):
            yield order[i : i + batch]


def numpy_softmax(X, y, Xv, yv, epochs=10, lr=1e-3, reg=1e-4, batch=200, seed=0) -> float:
    """Linear softmax classifier, minibatch SGD, on mean-subtracted pixels (assignment 1 style)."""
    rng = np.random.default_rng(seed)
    X, Xv = X.reshape(len(X), -1) / 255.0, Xv.reshape(len(Xv), -1) / 255.0
    W = 1e-4 * rng.standard_normal((X.shape[1], 10))
    for _ in range(epochs):
        for idx in np.array_split(rng.permutation(len(X)), len(X) // batch):
            scores = X[idx] @ W
            scores -= scores.max(1, keepdims=True)
            p = np.exp(scores)
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(idx)), y[idx]] -= 1
            W -= lr * 100 * (X[idx].T @ p / len(idx) + reg * W)
    return float(((Xv @ W).argmax(1) == yv).mean())


def numpy_two_layer(X, y, Xv, yv, hidden=100, epochs=10, lr=1e-3, batch=200, seed=0) -> float:
    """affine-relu-affine-softmax in numpy, Adam, on mean-subtracted pixels."""
    rng = np.random.default_rng(seed)
    X, Xv = X.reshape(len(X), -1) / 255.0, Xv.reshape(len(Xv), -1) / 255.0
    params = {
        "W1": rng.standard_normal((X.shape[1], hidden)) * np.sqrt(2.0 / X.shape[1]),
        "b1": np.zeros(hidden),
        "W2": rng.standard_normal((hidden, 10)) * np.sqrt(2.0 / hidden),
        "b2": np.zeros(10),
    }
    m = {k: np.zeros_like(v) for k, v in params.items()}
    v = {k: np.zeros_like(v) for k, v in params.items()}
    t = 0
    for _ in range(epochs):
        for idx in np.array_split(rng.permutation(len(X)), len(X) // batch):
            h = np.maximum(X[idx] @ params["W1"] + params["b1"], 0)
            scores = h @ params["W2"] + params["b2"]
            scores -= scores.max(1, keepdims=True)
            p = np.exp(scores)
            p /= p.sum(1, keepdims=True)
            p[np.arange(len(idx)), y[idx]] -= 1
            p /= len(idx)
            dh = (p @ params["W2"].T) * (h > 0)
            grads = {"W2": h.T @ p, "b2": p.sum(0), "W1": X[idx].T @ dh, "b1": dh.sum(0)}
            t += 1
            for k in params:
                m[k] = 0.9 * m[k] + 0.1 * grads[k]
                v[k] = 0.999 * v[k] + 0.001 * grads[k] ** 2
                mhat, vhat = m[k] / (1 - 0.9**t), v[k] / (1 - 0.999**t)
                params[k] -= lr * mhat / (np.sqrt(vhat) + 1e-8)
    h = np.maximum(Xv @ params["W1"] + params["b1"], 0)
    return float(((h @ params["W2"] + params["b2"]).argmax(1) == yv).mean())


def three_layer_convnet(X, y, Xv, yv, seed=0) -> float:
    """ConvolutionalNetworks.ipynb's run: ThreeLayerConvNet(weight_scale=1e-3, hidden_dim=500,
    reg=1e-3), 7x7 conv 32 filters, 2x2 pool, Adam 1e-3, batch 50, one epoch."""
    torch.manual_seed(seed)
    ws = 1e-3
    W1 = (ws * torch.randn(32, 3, 7, 7, dtype=torch.float32)).requires_grad_()
    W2 = (ws * torch.randn(32 * 16 * 16, 500, dtype=torch.float32)).requires_grad_()
    W3 = (ws * torch.randn(500, 10, dtype=torch.float32)).requires_grad_()
    b1, b2, b3 = (torch.zeros(n, requires_grad=True) for n in (32, 500, 10))
    params = [W1, b1, W2, b2, W3, b3]

    def scores(x):
        h = F.max_pool2d(F.relu(F.conv2d(x, W1, b1, padding=3)), 2).flatten(1)
        return F.relu(h @ W2 + b2) @ W3 + b3

    opt = torch.optim.Adam(params, lr=1e-3)
    Xt, yt = torch.from_numpy(X).float(), torch.from_numpy(y)
    for idx in minibatches(len(X), 50, 1, seed):
        loss = F.cross_entropy(scores(Xt[idx]), yt[idx])
        loss = loss + 0.5 * 1e-3 * sum((W**2).sum() for W in (W1, W2, W3))
        opt.zero_grad()
        loss.backward()
        opt.step()
    return accuracy(scores, torch.from_numpy(Xv).float(), yv)


def normalise(X_uint8: np.ndarray) -> torch.Tensor:
    """PyTorch.ipynb's preprocessing: ToTensor + Normalize(CIFAR10_MEAN, CIFAR10_STD)."""
    x = torch.from_numpy(X_uint8).float().div(255)
    mean = torch.tensor(CIFAR10_MEAN).view(1, 3, 1, 1)
    std = torch.tensor(CIFAR10_STD).view(1, 3, 1, 1)
    return (x - mean) / std


def random_weight(shape):
    fan_in = shape[0] if len(shape) == 2 else int(np.prod(shape[1:]))
    return (torch.randn(shape) * np.sqrt(2.0 / fan_in)).requires_grad_()


def part2_fc(X, y, Xv, yv, seed=0) -> float:
    """PyTorch Part II two-layer FC: hidden 4000, manual SGD lr 1e-2, batch 64, one epoch."""
    torch.manual_seed(seed)
    w1, w2 = random_weight((3072, 4000)), random_weight((4000, 10))

    def model(x):
        return F.relu(x.flatten(1) @ w1) @ w2

    _sgd_epoch(model, [w1, w2], X, y, 1e-2, seed)
    return accuracy(model, Xv, yv)


def part2_conv(X, y, Xv, yv, seed=0) -> float:
    """PyTorch Part II three-layer ConvNet (5x5 conv 32, 3x3 conv 16, fc), SGD 3e-3, one epoch."""
    torch.manual_seed(seed)
    params = [
        random_weight((32, 3, 5, 5)),
        torch.zeros(32, requires_grad=True),
        random_weight((16, 32, 3, 3)),
        torch.zeros(16, requires_grad=True),
        random_weight((16 * 32 * 32, 10)),
        torch.zeros(10, requires_grad=True),
    ]

    def model(x):
        h = F.relu(F.conv2d(x, params[0], params[1], padding=2))
        h = F.relu(F.conv2d(h, params[2], params[3], padding=1))
        return h.flatten(1) @ params[4] + params[5]

    _sgd_epoch(model, params, X, y, 3e-3, seed)
    return accuracy(model, Xv, yv)


def _sgd_epoch(model, params, X, y, lr, seed):
    yt = torch.from_numpy(y)
    for idx in minibatches(len(X), 64, 1, seed):
        F.cross_entropy(model(X[idx]), yt[idx]).backward()
        with torch.no_grad():
            for w in params:
                w -= lr * w.grad
                w.grad.zero_()


def part4_sequential(X, y, Xv, yv, seed=0) -> float:
    """PyTorch Part IV nn.Sequential ConvNet, SGD Nesterov momentum 0.9, lr 1e-2, one epoch."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(3, 32, 5, padding=2),
        nn.ReLU(),
        nn.Conv2d(32, 16, 3, padding=1),
        nn.ReLU(),
        nn.Flatten(),
        nn.Linear(16 * 32 * 32, 10),
    )
    opt = torch.optim.SGD(model.parameters(), lr=1e-2, momentum=0.9, nesterov=True)
    return _train_module(model, opt, X, y, Xv, yv, epochs=1, seed=seed)[-1]


def part5_convnet(X, y, Xv, yv, epochs=4, seed=0) -> list[float]:
    """A modest Part V model: two conv-BN-ReLU-pool blocks and a linear layer, Adam 1e-3."""
    torch.manual_seed(seed)
    model = nn.Sequential(
        nn.Conv2d(3, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(32, 64, 3, padding=1),
        nn.BatchNorm2d(64),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(64 * 8 * 8, 10),
    )
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    return _train_module(model, opt, X, y, Xv, yv, epochs=epochs, seed=seed)


def _train_module(model, opt, X, y, Xv, yv, epochs, seed) -> list[float]:
    yt, per_epoch = torch.from_numpy(y), []
    for epoch in range(epochs):
        model.train()
        for idx in minibatches(len(X), 64, 1, seed + epoch):
            loss = F.cross_entropy(model(X[idx]), yt[idx])
            opt.zero_grad()
            loss.backward()
            opt.step()
        model.eval()
        per_epoch.append(accuracy(model, Xv, yv))
    return per_epoch


def calibrate_cifar(cifar_dir: Path, full: bool) -> dict:
    data = get_CIFAR10_data(cifar10_dir=str(cifar_dir), subtract_mean=False)
    X_raw = data["X_train"].astype(np.uint8)  # the un-shifted pixels, (N, 3, 32, 32)
    y = data["y_train"]
    Xv_raw, yv = data["X_val"].astype(np.uint8), data["y_val"]
    mean = X_raw.mean(0)
    centred = (X_raw - mean).astype(np.float32)
    centred_val = (Xv_raw - mean).astype(np.float32)
    channel_mean = X_raw.transpose(1, 0, 2, 3).reshape(3, -1).mean(1)
    channel_std = X_raw[:5000].transpose(1, 0, 2, 3).reshape(3, -1).std(1)
    Xn, Xvn = normalise(X_raw[:5000]), normalise(Xv_raw)

    runs = [
        ("numpy softmax, 5000 images, 10 epochs SGD", lambda: numpy_softmax(centred[:5000], y[:5000], centred_val, yv)),
        ("numpy 2-layer net (hidden 100), 5000 images, 10 epochs Adam", lambda: numpy_two_layer(centred[:5000], y[:5000], centred_val, yv)),
        ("ThreeLayerConvNet (notebook settings), 1 epoch on 2000 images", lambda: three_layer_convnet(centred[:2000], y[:2000], centred_val, yv)),
        ("ThreeLayerConvNet (notebook settings), 1 epoch on 5000 images", lambda: three_layer_convnet(centred[:5000], y[:5000], centred_val, yv)),
        ("PyTorch Part II FC (hidden 4000, SGD 1e-2), 1 epoch on 5000", lambda: part2_fc(Xn, y[:5000], Xvn, yv)),
        ("PyTorch Part II ConvNet (SGD 3e-3), 1 epoch on 5000", lambda: part2_conv(Xn, y[:5000], Xvn, yv)),
        ("PyTorch Part IV Sequential (Nesterov 1e-2), 1 epoch on 5000", lambda: part4_sequential(Xn, y[:5000], Xvn, yv)),
        ("PyTorch Part V-style ConvNet (Adam 1e-3), 4 epochs on 5000", lambda: part5_convnet(Xn, y[:5000], Xvn, yv)),
    ]  # fmt: skip
    if full:
        Xfull = normalise(X_raw)
        runs += [
            ("ThreeLayerConvNet (notebook settings), 1 epoch on 49000", lambda: three_layer_convnet(centred, y, centred_val, yv)),
            ("PyTorch Part II ConvNet (SGD 3e-3), 1 epoch on 49000", lambda: part2_conv(Xfull, y, Xvn, yv)),
            ("PyTorch Part V-style ConvNet (Adam 1e-3), 2 epochs on 49000", lambda: part5_convnet(Xfull, y, Xvn, yv, epochs=2)),
        ]  # fmt: skip
    results = {}
    for name, run in runs:
        started = time.monotonic()
        acc = run()
        results[name] = {"val_accuracy": acc, "seconds": round(time.monotonic() - started, 1)}
        print(f"  {name:68s} {_fmt_acc(acc)}  ({results[name]['seconds']} s)", flush=True)
    return {
        "channel_mean_0_255": [round(float(c), 1) for c in channel_mean],
        "channel_std_0_255": [round(float(c), 1) for c in channel_std],
        "models": results,
    }


def _fmt_acc(acc) -> str:
    if isinstance(acc, list):
        return " -> ".join(f"{a:.1%}" for a in acc)
    return f"{acc:.1%}"


# --- COCO captioning ------------------------------------------------------------------


def calibrate_coco(coco_dir: Path) -> dict:
    data = load_coco_data(base_dir=str(coco_dir))
    result = {"nearest_neighbour_word_overlap": _neighbour_overlap(data)}
    print(
        f"  caption-word overlap, feature neighbour vs random image: {result['nearest_neighbour_word_overlap']}"
    )

    # RNN_Captioning_pytorch.ipynb's overfitting cell, verbatim settings.
    np.random.seed(231)
    torch.manual_seed(231)
    small = load_coco_data(base_dir=str(coco_dir), max_train=50)
    model = CaptioningRNN(
        cell_type="rnn",
        word_to_idx=data["word_to_idx"],
        input_dim=data["train_features"].shape[1],
        hidden_dim=512,
        wordvec_dim=256,
    )
    solver = CaptioningSolverPytorch(
        model, small, num_epochs=50, batch_size=25, learning_rate=5e-3, verbose=False
    )
    started = time.monotonic()
    solver.train()
    final_loss = float(solver.loss_history[-1])
    with torch.no_grad():
        features = torch.from_numpy(small["train_features"][small["train_image_idxs"]])
        sampled = decode_captions(model.sample(features).numpy(), data["idx_to_word"])
    truth = decode_captions(small["train_captions"], data["idx_to_word"])
    reproduced = sum(s == t.replace("<START> ", "") for s, t in zip(sampled, truth, strict=True))
    result.update(
        {
            "overfit_50_final_loss": round(final_loss, 4),
            "overfit_50_seconds": round(time.monotonic() - started, 1),
            "overfit_50_sampled_exactly": f"{reproduced}/50",
            "overfit_50_example": {"truth": truth[0], "sampled": sampled[0]},
        }
    )
    print(f"  overfit 50 captions (seed settings): final loss {final_loss:.4f}, "
          f"{reproduced}/50 sampled exactly, {result['overfit_50_seconds']} s")  # fmt: skip
    return result


def _neighbour_overlap(data: dict) -> dict:
    """Mean Jaccard overlap of the attribute words (objects, colours, places, ...) in the
    captions of each val image and of (a) its nearest train image in feature space, (b) a
    random train image: the captions depend on the features iff (a) >> (b)."""
    vocabulary = {w for pair in OBJECTS for w in pair} | set(COLOURS) | set(ACTIONS) | set(SIZES)
    vocabulary |= {place.split()[-1] for place in PLACES}

    def words_per_image(split: str) -> list[set]:
        sets = [set() for _ in range(len(data[f"{split}_features"]))]
        for row, image in zip(data[f"{split}_captions"], data[f"{split}_image_idxs"], strict=True):
            sets[image].update(data["idx_to_word"][w] for w in row)
        return [s & vocabulary for s in sets]

    train_words, val_words = words_per_image("train"), words_per_image("val")
    train, val = data["train_features"], data["val_features"][:500]
    dist = (val**2).sum(1)[:, None] - 2 * val @ train.T + (train**2).sum(1)[None]
    nearest = dist.argmin(1)
    random = np.random.default_rng(0).integers(0, len(train), len(val))

    def overlap(partners: np.ndarray) -> float:
        pairs = [(val_words[i], train_words[j]) for i, j in enumerate(partners)]
        return round(float(np.mean([len(a & b) / max(len(a | b), 1) for a, b in pairs])), 3)

    return {"nearest": overlap(nearest), "random": overlap(random)}


def render_section(record: dict) -> str:
    cifar, coco = record["cifar10"], record["coco"]
    rows = "\n".join(
        f"| {name} | {_fmt_acc(run['val_accuracy'])} | {run['seconds']} s |"
        for name, run in cifar["models"].items()
    )
    overlap = coco["nearest_neighbour_word_overlap"]
    return (
        "## Synthetic data sets (`bench/synthetic_calibration.py`)\n\n"
        "How learnable the `smoke` profile's synthetic sets are. CIFAR-10: validation accuracy\n"
        "(rows 49000..49999 of the training batches, chance 10%) of the notebooks' kinds of model,\n"
        "trained on CPU; COCO: the RNN notebook's 50-caption overfit with the reference\n"
        "CaptioningRNN and solver, and caption-word overlap (Jaccard of attribute words) between a\n"
        "val image and its nearest train image in feature space vs a random one.\n\n"
        f"{record['date']}, {record['machine']}; load average {record['load']} at the end\n\n"
        f"- writing both sets (seed {record['seed']}): {record.get('write_seconds', 'n/a')} s; "
        f"on disk: CIFAR-10 {record['disk_mib']['cifar-10-batches-py']} MiB, "
        f"COCO {record['disk_mib']['coco_captioning']} MiB\n"
        f"- CIFAR-10 pixels: channel means {cifar['channel_mean_0_255']} "
        f"(real: [125.3, 123.0, 113.9]), stds {cifar['channel_std_0_255']}\n\n"
        "| model | val accuracy | time |\n|---|---:|---:|\n"
        f"{rows}\n\n"
        f"- COCO overfit of 50 captions (hidden 512, wordvec 256, 50 epochs, batch 25, lr 5e-3, "
        f"seeds 231): final loss {coco['overfit_50_final_loss']} (seed on real data: 0.0134), "
        f"{coco['overfit_50_sampled_exactly']} captions sampled back exactly, "
        f"{coco['overfit_50_seconds']} s\n"
        f"- caption-word overlap with the feature-space neighbour {overlap['nearest']}, "
        f"with a random image {overlap['random']}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, help="Directory already holding the synthetic sets.")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--full", action="store_true", help="Add runs on all 49000 training images.")
    parser.add_argument("--no-write", action="store_true", help="Do not update bench/RESULTS.md.")
    args = parser.parse_args()
    torch.set_num_threads(2)

    record: dict = {
        "date": datetime.date.today().isoformat(),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} logical CPUs, "
        f"Python {platform.python_version()}, numpy {np.__version__}, torch {torch.__version__} "
        f"({torch.get_num_threads()} threads)",
        "seed": args.seed,
    }
    with tempfile.TemporaryDirectory() as tmp:
        data_dir = args.data
        if data_dir is None:
            data_dir = Path(tmp) / "synthetic"
            started = time.monotonic()
            write_synthetic(data_dir, seed=args.seed)
            record["write_seconds"] = round(time.monotonic() - started, 1)
            print(f"wrote the synthetic sets in {record['write_seconds']} s")
        record["disk_mib"] = {
            name: round(directory_size(data_dir / name) / 2**20, 1)
            for name in ("cifar-10-batches-py", "coco_captioning")
        }
        print(f"size on disk (MiB): {record['disk_mib']}")
        print("CIFAR-10 (validation accuracy, chance 10%):")
        record["cifar10"] = calibrate_cifar(data_dir / "cifar-10-batches-py", args.full)
        print("COCO captioning:")
        record["coco"] = calibrate_coco(data_dir / "coco_captioning")
    record["load"] = f"{os.getloadavg()[0]:.2f}"

    if not args.no_write:
        print(f"updated {write_section('synthetic_calibration', render_section(record))}")


if __name__ == "__main__":
    main()
