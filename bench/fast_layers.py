"""Benchmark: naive vs fast (numpy) vs torch convolution and max pooling on CPU.

Times the reference cs231n layers on the shapes of ConvolutionalNetworks.ipynb's fast-layer
cells, in float64 and float32:

- conv: x (100, 3, 31, 31), w (25, 3, 3, 3), stride 2, pad 1, dout (100, 25, 16, 16)
- pool: x (100, 3, 32, 32), 2x2 windows, stride 2, dout (100, 3, 16, 16)

against torch.nn.functional.conv2d / max_pool2d (backward through autograd on a graph
built once, so only the backward is timed). Every figure is the median CPU time of
repeated runs, with numpy's BLAS and torch held to one thread.
The seed notebook's speedups of fast over naive were 215x (conv forward), 760x (conv
backward) and 71x / 72x (pool forward / backward).

Usage (from the repository root):

    .venv/bin/python bench/fast_layers.py              # prints the table, updates RESULTS.md
    .venv/bin/python bench/fast_layers.py --no-write   # prints only

The machine's other load shows up in every number; run it more than once.
"""

from __future__ import annotations

import argparse
import datetime
import os
import platform
import statistics
import sys
import time
from pathlib import Path

from results_file import write_section  # bench/results_file.py (scripts run from bench/)

# One thread in every library (unless the environment already says otherwise): the
# figures then compare implementations rather than how each thread pool copes with a
# shared, busy machine. Must happen before numpy and torch load their thread pools.
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO_ROOT / "solutions" / "a2"))

from cs231n import fast_layers, layers  # noqa: E402

CONV_PARAM = {"stride": 2, "pad": 1}
POOL_PARAM = {"pool_height": 2, "pool_width": 2, "stride": 2}
SEED_SPEEDUPS = {
    ("conv", "forward"): 215,
    ("conv", "backward"): 760,
    ("pool", "forward"): 71,
    ("pool", "backward"): 72,
}


def median_seconds(fn, repeats):
    """Median CPU time of fn over `repeats` calls. Every library runs single-threaded
    here, so CPU time is the work done, far less inflated than wall-clock time by other
    processes competing for the machine."""
    times = []
    for _ in range(repeats):
        start = time.process_time()
        fn()
        times.append(time.process_time() - start)
    return statistics.median(times)


def rel_error(x, y):
    """The notebooks' relative error."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def bench_conv(dtype, naive_repeats, fast_repeats):
    np.random.seed(231)
    x = np.random.randn(100, 3, 31, 31).astype(dtype)
    w = np.random.randn(25, 3, 3, 3).astype(dtype)
    b = np.random.randn(25).astype(dtype)
    dout = np.random.randn(100, 25, 16, 16).astype(dtype)

    out_naive, cache_naive = layers.conv_forward_naive(x, w, b, CONV_PARAM)
    grads_naive = layers.conv_backward_naive(dout, cache_naive)
    out_fast, cache_fast = fast_layers.conv_forward_fast(x, w, b, CONV_PARAM)
    grads_fast = fast_layers.conv_backward_fast(dout, cache_fast)

    xt, wt, bt = (torch.from_numpy(a).requires_grad_() for a in (x, w, b))
    out_torch = F.conv2d(xt, wt, bt, stride=2, padding=1)
    dout_t = torch.from_numpy(dout)

    forward = {
        "naive": median_seconds(lambda: layers.conv_forward_naive(x, w, b, CONV_PARAM), naive_repeats),
        "fast": median_seconds(lambda: fast_layers.conv_forward_fast(x, w, b, CONV_PARAM), fast_repeats),
        "torch": median_seconds(
            lambda: F.conv2d(xt.detach(), wt.detach(), bt.detach(), stride=2, padding=1),
            fast_repeats),
    }
    backward = {
        "naive": median_seconds(lambda: layers.conv_backward_naive(dout, cache_naive), naive_repeats),
        "fast": median_seconds(lambda: fast_layers.conv_backward_fast(dout, cache_fast), fast_repeats),
        "torch": median_seconds(
            lambda: torch.autograd.grad(out_torch, (xt, wt, bt), dout_t, retain_graph=True),
            fast_repeats),
    }
    errors = {
        "forward": rel_error(out_naive, out_fast),
        "backward": max(rel_error(a, c) for a, c in zip(grads_naive, grads_fast, strict=True)),
    }
    return {"forward": forward, "backward": backward}, errors


def bench_pool(dtype, naive_repeats, fast_repeats):
    np.random.seed(231)
    x = np.random.randn(100, 3, 32, 32).astype(dtype)
    dout = np.random.randn(100, 3, 16, 16).astype(dtype)

    out_naive, cache_naive = layers.max_pool_forward_naive(x, POOL_PARAM)
    dx_naive = layers.max_pool_backward_naive(dout, cache_naive)
    out_fast, cache_fast = fast_layers.max_pool_forward_fast(x, POOL_PARAM)
    dx_fast = fast_layers.max_pool_backward_fast(dout, cache_fast)

    xt = torch.from_numpy(x).requires_grad_()
    out_torch = F.max_pool2d(xt, 2, 2)
    dout_t = torch.from_numpy(dout)

    forward = {
        "naive": median_seconds(lambda: layers.max_pool_forward_naive(x, POOL_PARAM), naive_repeats),
        "fast": median_seconds(lambda: fast_layers.max_pool_forward_fast(x, POOL_PARAM), fast_repeats),
        "torch": median_seconds(lambda: F.max_pool2d(xt.detach(), 2, 2), fast_repeats),
    }
    backward = {
        "naive": median_seconds(lambda: layers.max_pool_backward_naive(dout, cache_naive), naive_repeats),
        "fast": median_seconds(lambda: fast_layers.max_pool_backward_fast(dout, cache_fast), fast_repeats),
        "torch": median_seconds(
            lambda: torch.autograd.grad(out_torch, (xt,), dout_t, retain_graph=True), fast_repeats),
    }
    errors = {"forward": rel_error(out_naive, out_fast), "backward": rel_error(dx_naive, dx_fast)}
    return {"forward": forward, "backward": backward}, errors


def run(naive_repeats, fast_repeats):
    rows = []
    for dtype in (np.float64, np.float32):
        for layer, bench in (("conv", bench_conv), ("pool", bench_pool)):
            timings, errors = bench(dtype, naive_repeats, fast_repeats)
            for direction, t in timings.items():
                rows.append({
                    "layer": layer,
                    "direction": direction,
                    "dtype": np.dtype(dtype).name,
                    **t,
                    "speedup": t["naive"] / t["fast"],
                    "vs_torch": t["fast"] / t["torch"],
                    "seed_speedup": SEED_SPEEDUPS[(layer, direction)],
                    "rel_error": errors[direction],
                })
    return rows


def format_table(rows):
    lines = [
        "| layer | pass | dtype | naive | fast | torch | fast vs naive | fast / torch "
        "| seed's speedup | rel. error fast vs naive |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        # float32 naive and fast layers sum in different orders, so near-zero outputs show
        # large relative differences that say nothing about the algorithm.
        error = f"{r['rel_error']:.1e}" if r["dtype"] == "float64" else "n/a"
        lines.append(
            f"| {r['layer']} | {r['direction']} | {r['dtype']} | {r['naive'] * 1e3:.1f} ms "
            f"| {r['fast'] * 1e3:.2f} ms | {r['torch'] * 1e3:.2f} ms | {r['speedup']:.0f}x "
            f"| {r['vs_torch']:.2f}x | {r['seed_speedup']}x | {error} |"
        )
    return "\n".join(lines)


def machine_line(naive_repeats, fast_repeats):
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return (
        f"{datetime.date.today().isoformat()}, {cpu}, {os.cpu_count()} logical CPUs, "
        f"load average {os.getloadavg()[0]:.2f} at the end; Python {platform.python_version()}, "
        f"numpy {np.__version__} (OPENBLAS_NUM_THREADS={os.environ['OPENBLAS_NUM_THREADS']}), "
        f"torch {torch.__version__} (threads: {torch.get_num_threads()}); "
        f"medians of {naive_repeats} naive and {fast_repeats} fast/torch runs"
    )


def section(table, machine):
    return (
        "## Fast conv / pool layers (`bench/fast_layers.py`)\n\n"
        "Reference `cs231n` layers on the seed notebook's shapes; fast = `conv_forward_fast` /\n"
        "`conv_backward_fast` (numpy strided windows + batched matmul) and\n"
        "`max_pool_forward_fast` / `max_pool_backward_fast` (reshape path); torch = CPU\n"
        "`F.conv2d` / `F.max_pool2d`, backward through autograd. Median CPU time per call, every\n"
        "library single-threaded; \"fast / torch\" above 1 means slower than torch.\n\n"
        f"{machine}\n\n"
        f"{table}\n"
    )


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--naive-repeats", type=int, default=3)
    parser.add_argument("--fast-repeats", type=int, default=50)
    parser.add_argument("--no-write", action="store_true", help="do not update bench/RESULTS.md")
    args = parser.parse_args(argv)

    rows = run(args.naive_repeats, args.fast_repeats)
    table = format_table(rows)
    machine = machine_line(args.naive_repeats, args.fast_repeats)
    print(machine)
    print(table)
    if not args.no_write:
        print(f"updated {write_section('fast_layers', section(table, machine))}")


if __name__ == "__main__":
    main()
