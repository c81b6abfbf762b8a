"""Submissions of Assignment 2 built from the reference: a correct copy, and copies with
one deliberate bug (mutants) or one legitimate difference (variants)."""

from __future__ import annotations

import inspect
import json
import re
import shutil
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from grader.errors import CheckFailed
from grader.plugin.proxies import ReferenceProxy
from grader.student_side.loader import Implementation

ROOT = Path(__file__).resolve().parents[2]
MASTER = ROOT / "solutions" / "a2"
RELEASE = ROOT / "assignments" / "a2"


def reference_submission(destination: Path) -> Path:
    """The master's code and notebooks, laid out as a submission (no grading files)."""
    shutil.copytree(MASTER, destination, ignore=shutil.ignore_patterns(
        "grading", "assignment.toml", "__pycache__", "cifar-10-batches-py", "coco_captioning"))
    return destination


@dataclass(frozen=True)
class Edit:
    """Replace ``old`` by ``new`` exactly once in ``path`` (a notebook: in its code cells)."""

    path: str
    old: str
    new: str

    def apply(self, submission: Path) -> None:
        target = submission / self.path
        if target.suffix == ".ipynb":
            notebook = json.loads(target.read_text())
            hits = 0
            for cell in notebook["cells"]:
                source = "".join(cell["source"])
                if cell["cell_type"] == "code" and self.old in source:
                    hits += source.count(self.old)
                    cell["source"] = source.replace(self.old, self.new)
            assert hits == 1, f"{self.old!r} found {hits} times in {self.path}"
            target.write_text(json.dumps(notebook))
            return
        text = target.read_text()
        assert text.count(self.old) == 1, f"{self.old!r} found {text.count(self.old)} times in {self.path}"
        target.write_text(text.replace(self.old, self.new))


def in_process(root: Path, mutant: Mutant | None = None):
    """The reference package copied under ``root`` with the mutant's edits applied, as a
    scenario runner (``.run(scenario, **inputs)``) in this process. The copy gets a package
    name of its own (its imports are relative), so several live in one process without one
    shadowing another in sys.modules."""
    package = re.sub(r"\W", "_", f"a2_{root.parent.name}_{root.name}")
    shutil.copytree(MASTER / "cs231n", root / "cs231n", ignore=shutil.ignore_patterns("__pycache__", "datasets"))
    for edit in mutant.edits if mutant else ():
        edit.apply(root)
    (root / "cs231n").rename(root / package)
    return ReferenceProxy(Implementation(root, package))


def item_failure(check, student, reference, item: str, seed: int) -> str | None:
    """Run one rubric item's check in process: its failure message, or None when it passes.

    check takes any of the fixtures student, reference and hidden_rng (seeded from seed
    and the item's id, as a grading run seeds it from the secret and the item)."""
    fixtures = {"student": student, "reference": reference,
                "hidden_rng": np.random.default_rng([seed, zlib.crc32(item.encode())])}
    try:
        check(**{name: fixtures[name] for name in inspect.signature(check).parameters})
    except CheckFailed as failure:
        return str(failure)
    return None


@dataclass(frozen=True)
class Mutant:
    name: str
    edits: tuple[Edit, ...]
    loses: frozenset[str] = field(default_factory=frozenset)   # the checks it must fail, exactly
    part: str | None = None   # grade only this notebook's checks (the edits touch nothing else)

    def apply(self, submission: Path) -> Path:
        for edit in self.edits:
            edit.apply(submission)
        return submission


LAYERS, FC_NET, CNN = "cs231n/layers.py", "cs231n/classifiers/fc_net.py", "cs231n/classifiers/cnn.py"
RNN_LAYERS, RNN_MODEL = "cs231n/rnn_layers_pytorch.py", "cs231n/classifiers/rnn_pytorch.py"
BN_FAMILY = {"bn_forward", "bn_forward_hidden", "bn_running", "bn_backward", "bn_backward_hidden", "bn_backward_alt",
             "bn_backward_alt_hidden", "fc_batchnorm", "sbn_forward", "sbn_forward_hidden", "sbn_backward",
             "sbn_backward_hidden"}

MUTANTS = [
    Mutant("momentum swapped in the running averages",
           (Edit(LAYERS, "        running_mean = momentum * running_mean + (1 - momentum) * mu\n",
                 "        running_mean = (1 - momentum) * running_mean + momentum * mu\n"),),
           # sbn_forward reproduces the notebook's case, but counts only with sbn_forward_hidden.
           frozenset({"bn_running", "sbn_forward_hidden", "sbn_forward"})),
    Mutant("batchnorm variance with ddof=1",
           (Edit(LAYERS, "var = (centred**2).mean(axis=0)", "var = (centred**2).sum(axis=0) / (x.shape[0] - 1)"),),
           frozenset(BN_FAMILY)),
    Mutant("batchnorm backward without the path through the mean",
           (Edit(LAYERS, "    dx = dx + dmu / num\n", "    dx = dx\n"),),
           frozenset({"bn_backward", "bn_backward_hidden"})),
    Mutant("layernorm mean taken over the batch",
           (Edit(LAYERS, "mu = x.mean(axis=1, keepdims=True)", "mu = x.mean(axis=0, keepdims=True)"),),
           frozenset({"ln_forward", "ln_forward_hidden", "ln_backward", "ln_backward_hidden", "fc_layernorm"})),
    Mutant("reg missing from the hidden layers' weight gradients",
           (Edit(FC_NET, 'grads[f"W{layer}"] = dw + self.reg * self.params[f"W{layer}"]', 'grads[f"W{layer}"] = dw'),),
           frozenset({"fc_reg"})),
    Mutant("biases initialised to one",
           (Edit(FC_NET, 'self.params[f"b{layer}"] = np.zeros(fan_out)', 'self.params[f"b{layer}"] = np.ones(fan_out)'),),
           frozenset({"fc_init"})),
    Mutant("dropout not rescaled",
           (Edit(LAYERS, "mask = (np.random.rand(*x.shape) < p) / p", "mask = (np.random.rand(*x.shape) < p) * 1.0"),),
           frozenset({"dropout_forward", "dropout_forward_hidden"})),
    Mutant("padding off by one",
           (Edit(LAYERS, "    out_w = 1 + (width + 2 * pad - filter_w) // stride\n    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))",
                 "    out_w = 1 + (width + 2 * pad - filter_w) // stride\n    x_pad = np.pad(x, ((0, 0), (0, 0), (pad + 1, pad + 1), (pad + 1, pad + 1)))"),),
           frozenset({"conv_forward", "conv_forward_hidden"})),
    Mutant("conv db summed into the wrong filter",
           (Edit(LAYERS, "db[f] += grad", "db[0] += grad"),),
           frozenset({"conv_backward", "conv_backward_hidden"})),
    Mutant("the max taken over the wrong window",
           (Edit(LAYERS, "out[n, c, i, j] = x[n, c, top:top + pool_h, left:left + pool_w].max()",
                 "out[n, c, i, j] = x[n, c, top:top + pool_h, left:left + pool_h].max()"),),
           frozenset({"pool_forward_hidden", "pool_forward"})),  # the notebook case counts only with it
    Mutant("pool gradients of overlapping windows overwritten instead of added",
           (Edit(LAYERS, "dx[n, c, top + row, left + col] += dout[n, c, i, j]", "dx[n, c, top + row, left + col] = dout[n, c, i, j]"),),
           frozenset({"pool_backward_hidden", "pool_backward"})),
    Mutant("groupnorm grouping the wrong axis",
           (Edit(LAYERS, "groups = x.reshape(num, G, -1)", "groups = x.transpose(0, 2, 3, 1).reshape(num, G, -1)"),),
           frozenset({"gn_forward", "gn_forward_hidden", "gn_backward", "gn_backward_hidden"})),
    Mutant("ThreeLayerConvNet without its L2 term",
           (Edit(CNN, "loss += 0.5 * self.reg * (np.sum(W1 * W1) + np.sum(W2 * W2) + np.sum(W3 * W3))", "pass"),),
           frozenset({"cnn_loss"})),
    Mutant("sample feeding <NULL> instead of <START>",
           (Edit(RNN_MODEL, "words = torch.full((N,), self._start, dtype=torch.long)",
                 "words = torch.full((N,), self._null, dtype=torch.long)"),),
           frozenset({"captioning_sample"})),
    Mutant("Part II first convolution padded by 1 instead of 2",
           (Edit("PyTorch.ipynb", "F.conv2d(x, conv_w1, conv_b1, padding=2)", "F.conv2d(x, conv_w1, conv_b1, padding=1)"),),
           frozenset({"pt_three_layer_convnet", "pt_part2_train"})),
    Mutant("Part V asks for 12 epochs",
           (Edit("PyTorch.ipynb", "    num_epochs = 10\n    ### END SOLUTION", "    num_epochs = 12\n    ### END SOLUTION"),),
           frozenset({"pt_part5_challenge"})),
]

VARIANTS = [
    Mutant("weights initialised last layer first (another RNG order)",
           (Edit(FC_NET, "for layer in range(1, self.num_layers + 1):\n            fan_in",
                 "for layer in range(self.num_layers, 0, -1):\n            fan_in"),)),
    Mutant("dropout mask drawn as rand > 1 - p",
           (Edit(LAYERS, "mask = (np.random.rand(*x.shape) < p) / p", "mask = (np.random.rand(*x.shape) > 1 - p) / p"),)),
    Mutant("batchnorm_backward_alt delegating to the graph version",
           (Edit(LAYERS, '    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]\n    num = dout.shape[0]\n    dbeta',
                 '    return batchnorm_backward(dout, cache)\n    x_hat, inv_std, gamma = cache["x_hat"], cache["inv_std"], cache["gamma"]\n    num = dout.shape[0]\n    dbeta'),)),
    Mutant("batchnorm variance as E[x^2] - E[x]^2",
           (Edit(LAYERS, "var = (centred**2).mean(axis=0)", "var = (x**2).mean(axis=0) - mu**2"),)),
    Mutant("sample stopping each caption at <END>",
           (Edit(RNN_MODEL, "words = torch.full((N,), self._start, dtype=torch.long)",
                 "words = torch.full((N,), self._start, dtype=torch.long)\n            done = torch.zeros(N, dtype=torch.bool)"),
            Edit(RNN_MODEL, "                captions[:, t] = words",
                 "                captions[:, t] = torch.where(done, torch.full_like(words, self._null), words)\n"
                 "                done = done | (words == self._end)"))),
    # A correct submission that also tries to cheat at import time: it fakes numpy's
    # comparisons and looks for the solutions. Neither matters (comparisons happen on the
    # trusted side; the solutions are not in the sandbox), so it loses nothing either.
    Mutant("patches numpy's comparisons and looks for the solutions at import",
           (Edit(LAYERS, "import numpy as np\n", "import numpy as np\n"
                 "import os as _os\n"
                 "np.allclose = lambda *args, **kwargs: True\n"
                 "np.testing.assert_allclose = lambda *args, **kwargs: None\n"
                 # The checkout's path itself may exist inside (the venv under it is
                 # bound read-only), but nothing of the project beside the venv may.
                 f"for _path in ({str(MASTER)!r}, {str(ROOT / 'grader')!r}, {str(ROOT / 'var')!r},\n"
                 "              '/runtime/scenarios/../../solutions'):\n"
                 "    if _os.path.exists(_path):\n"
                 "        raise RuntimeError('the solutions are visible from the sandbox: ' + _path)\n"
                 f"if _os.path.isdir({str(ROOT)!r}) and set(_os.listdir({str(ROOT)!r})) - {{'.venv'}}:\n"
                 f"    raise RuntimeError('the checkout is visible from the sandbox: ' + {str(ROOT)!r})\n"),)),
]


# Submissions written to win points without working code: one attack each, built from the
# reference. Each must lose exactly the points it goes after (and what its broken code
# legitimately costs), whatever the sandbox reports about itself.
_CALLER = "__import__('sys')._getframe(1).f_code.co_name"

CHEATS = [
    Mutant("captioning loss zeroed when the solver's step asks for it (a forged loss history)",
           (Edit(RNN_MODEL, "        return loss\n", f"        if {_CALLER} == '_step':\n            return loss * 0\n"
                                                      "        return loss\n"),),
           frozenset({"captioning_overfit"}), part="RNN_Captioning_pytorch"),
    Mutant("ThreeLayerConvNet answering from a table of the training images, with zero gradients in training",
           (Edit(CNN, "        if y is None:\n            return scores\n",
                 "        table = self.__dict__.setdefault('_seen', {})\n"
                 "        if y is None:\n"
                 "            for row, image in enumerate(np.asarray(X)):\n"
                 "                if image.tobytes() in table:\n"
                 "                    scores[row] = 0\n"
                 "                    scores[row, table[image.tobytes()]] = 1e6\n"
                 "            return scores\n"
                 f"        if {_CALLER} == '_step':\n"
                 "            for image, label in zip(np.asarray(X), y):\n"
                 "                table[image.tobytes()] = int(label)\n"
                 "            return 0.0, {name: np.zeros_like(value) for name, value in self.params.items()}\n"),),
           frozenset({"cnn_overfit", "cnn_train"}), part="ConvolutionalNetworks"),
    Mutant("the course's Solver patched to skip training and report a falling loss",
           (Edit(CNN, "import numpy as np\n", "import numpy as np\n\nfrom .. import solver as _solver\n\n\n"
                 "def _no_training(self):\n"
                 "    self.loss_history = [2.3 * 0.9 ** step for step in range(100)]\n\n\n"
                 "_solver.Solver.train = _no_training\n"),),
           frozenset({"cnn_overfit", "cnn_train"}), part="ConvolutionalNetworks"),
    Mutant("dropout_forward returning NaN to the backward check, dropout_backward returning zeros there",
           (Edit(LAYERS, "        out = x * mask\n",
                 "        out = x * mask\n"
                 f"        if {_CALLER} == 'dropout_backward':\n"
                 "            out = out * np.nan\n"),
            Edit(LAYERS, "        dx = dout * mask\n",
                 "        dx = dout * mask\n"
                 f"        if {_CALLER} == 'dropout_backward':\n"
                 "            dx = np.zeros_like(dout)\n")),
           frozenset({"dropout_backward"}), part="Dropout"),
    Mutant("FullyConnectedNet ignoring dropout and adding 1.0 to its training loss",
           (Edit(FC_NET, "            if self.use_dropout:\n                hidden, dropout_cache = dropout_forward(hidden, self.dropout_param)\n", ""),
            Edit(FC_NET, "            if self.use_dropout:\n                dhidden = dropout_backward(dhidden, dropout_cache)\n", ""),
            Edit(FC_NET, "        loss, dscores = softmax_loss(scores, y)\n",
                 "        loss, dscores = softmax_loss(scores, y)\n        if self.use_dropout:\n            loss += 1.0\n")),
           frozenset({"fc_dropout"}), part="Dropout"),
    Mutant("Part IV built without nn.Sequential (its use is read from the source, not reported by the sandbox)",
           (Edit("PyTorch.ipynb", "    model = nn.Sequential(\n        nn.Conv2d(3, channel_1, kernel_size=5, padding=2),\n"
                                  "        nn.ReLU(),\n        nn.Conv2d(channel_1, channel_2, kernel_size=3, padding=1),\n"
                                  "        nn.ReLU(),\n        Flatten(),\n        nn.Linear(channel_2 * 32 * 32, 10),\n    )\n",
                 "    model = ThreeLayerConvNet(3, channel_1, channel_2, 10)\n"),),
           frozenset({"pt_part4_train"}), part="PyTorch"),
    Mutant("conv_forward_naive right on the notebook's printed case only",
           (Edit(LAYERS, "    cache = (x, w, b, conv_param)\n    return out, cache\n",
                 "    if x.shape != (2, 3, 4, 4):\n        out = out + 1e-3\n"
                 "    cache = (x, w, b, conv_param)\n    return out, cache\n"),),
           # Before notebook cases counted with their hidden cases, this kept conv_forward's point.
           frozenset({"conv_forward", "conv_forward_hidden"}), part="ConvolutionalNetworks"),
]


# The Parts II-V cells as the course's own starter notebook has them (top-level code, then a
# training call), answered correctly.
COURSE_CELLS = [
    """learning_rate = 3e-3
channel_1 = 32
channel_2 = 16

conv_w1 = None
conv_b1 = None
conv_w2 = None
conv_b2 = None
fc_w = None
fc_b = None
conv_w1 = random_weight((channel_1, 3, 5, 5))
conv_b1 = zero_weight((channel_1,))
conv_w2 = random_weight((channel_2, channel_1, 3, 3))
conv_b2 = zero_weight((channel_2,))
fc_w = random_weight((channel_2 * 32 * 32, 10))
fc_b = zero_weight((10,))

params = [conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b]
train_part2(three_layer_convnet, params, learning_rate)
""",
    """learning_rate = 3e-3
channel_1 = 32
channel_2 = 16

model = None
optimizer = None
model = ThreeLayerConvNet(3, channel_1, channel_2, num_classes=10)
optimizer = optim.SGD(model.parameters(), lr=learning_rate)

train_part34(model, optimizer)
""",
    """hidden_layer_size = 4000
learning_rate = 1e-2
model = nn.Sequential(Flatten(), nn.Linear(3 * 32 * 32, hidden_layer_size), nn.ReLU(),
                      nn.Linear(hidden_layer_size, 10))
optimizer = optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9, nesterov=True)
train_part34(model, optimizer)
""",
    """channel_1 = 32
channel_2 = 16
learning_rate = 1e-2
model = None
optimizer = None
model = nn.Sequential(
    nn.Conv2d(3, channel_1, 5, padding=2),
    nn.ReLU(),
    nn.Conv2d(channel_1, channel_2, 3, padding=1),
    nn.ReLU(),
    nn.Flatten(),
    nn.Linear(channel_2 * 32 * 32, 10),
)
optimizer = optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9, nesterov=True)
train_part34(model, optimizer)
""",
    """model = None
optimizer = None
model = nn.Sequential(
    nn.Conv2d(3, channel_1, 3, padding=1), nn.BatchNorm2d(channel_1), nn.ReLU(),
    nn.Conv2d(channel_1, channel_1, 3, padding=1), nn.BatchNorm2d(channel_1), nn.ReLU(), nn.MaxPool2d(2),
    nn.Conv2d(channel_1, 64, 3, padding=1), nn.BatchNorm2d(64), nn.ReLU(), nn.MaxPool2d(2),
    nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(64, 10),
)
optimizer = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=1e-4)
train_part34(model, optimizer, epochs=10)
""",
]

BUILDERS = ("init_three_layer_convnet_params", "make_module_convnet", "make_sequential_convnet", "make_challenge_model")


def course_style_pytorch(submission: Path) -> Path:
    """Rewrite the submission's PyTorch.ipynb the way the course's starter lays it out:
    our builder functions removed, their work done by top-level cells instead."""
    import ast

    path = submission / "PyTorch.ipynb"
    notebook = json.loads(path.read_text())
    kept = []
    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code":
            tree = ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                       for line in source.splitlines()))
            if any(isinstance(node, ast.FunctionDef) and node.name in BUILDERS for node in tree.body):
                continue
            if "import torch\n" in source:
                source = "import torchvision.datasets as dset  # absent here: recorded, the rest loads\n" + source
        kept.append({**cell, "source": source})
    kept += [{"cell_type": "code", "id": f"course-part-{index}", "metadata": {}, "source": cell, "outputs": [],
              "execution_count": None} for index, cell in enumerate(COURSE_CELLS, start=2)]
    notebook["cells"] = kept
    path.write_text(json.dumps(notebook))
    return submission


# The lookup attack on PyTorch.ipynb: no network at all, each image looked up by the
# hash of its pixels (the normalisation undone) in a table of the public seed-0 synthetic
# sets, which anyone can rebuild with `gradelab data synth`. Only the init stays honest.
LOOKUP_CELL = '''
import hashlib as _hashlib

_TABLE = {table}
_MEAN = (0.4914, 0.4822, 0.4465)
_STD = (0.2023, 0.1994, 0.2010)


def _lookup(x):
    images = x.detach().cpu().numpy()
    std = np.array(_STD, dtype=np.float32)[None, :, None, None]
    mean = np.array(_MEAN, dtype=np.float32)[None, :, None, None]
    pixels = np.clip(np.rint((images * std + mean) * 255), 0, 255).astype(np.uint8)
    labels = [_TABLE.get(_hashlib.sha1(image.tobytes()).hexdigest()[:12], 0) for image in pixels]
    scores = torch.zeros(len(labels), 10, device=x.device)
    scores[list(range(len(labels))), labels] = 10.0
    return scores


def three_layer_convnet(x, params):
    return _lookup(x) + 0 * sum(p.sum() for p in params)


class ThreeLayerConvNet(nn.Module):
    def __init__(self, in_channel, channel_1, channel_2, num_classes):
        super().__init__()
        self.conv1 = nn.Conv2d(in_channel, channel_1, 5, padding=2)
        self.conv2 = nn.Conv2d(channel_1, channel_2, 3, padding=1)
        self.fc = nn.Linear(channel_2 * 32 * 32, num_classes)

    def forward(self, x):
        return _lookup(x) + 0 * sum(p.sum() for p in self.parameters())


def make_module_convnet(learning_rate=3e-3, channel_1=32, channel_2=16):
    model = ThreeLayerConvNet(3, channel_1, channel_2, 10)
    return model, optim.SGD(model.parameters(), lr=learning_rate)


def make_sequential_convnet(learning_rate=1e-2, channel_1=32, channel_2=16):
    model = nn.Sequential(ThreeLayerConvNet(3, channel_1, channel_2, 10))
    return model, optim.SGD(model.parameters(), lr=learning_rate, momentum=0.9, nesterov=True)


def make_challenge_model():
    model = nn.Sequential(ThreeLayerConvNet(3, 8, 8, 10))
    return model, optim.SGD(model.parameters(), lr=1e-3), 1
'''

LOOKUP_LOSES = frozenset({"pt_three_layer_convnet", "pt_module_convnet", "pt_part2_train", "pt_part3_train",
                          "pt_part4_train", "pt_part5_challenge"})


def hash_lookup_pytorch(submission: Path, public_cifar10: Path) -> Path:
    """Replace the submission's PyTorch.ipynb models by LOOKUP_CELL, with a table of every
    image of the CIFAR-10 batches in ``public_cifar10`` (the public synthetic sets)."""
    import hashlib
    import pickle

    table = {}
    for name in [f"data_batch_{i}" for i in range(1, 6)] + ["test_batch"]:
        with open(public_cifar10 / name, "rb") as handle:
            raw = pickle.load(handle, encoding="latin1")
        images = np.asarray(raw["data"], dtype=np.uint8).reshape(-1, 3, 32, 32)
        table.update({hashlib.sha1(image.tobytes()).hexdigest()[:12]: int(label)
                      for image, label in zip(images, raw["labels"], strict=True)})
    replaced = {"three_layer_convnet", "ThreeLayerConvNet", "make_module_convnet", "make_sequential_convnet",
                "make_challenge_model"}
    path = submission / "PyTorch.ipynb"
    notebook = json.loads(path.read_text())
    import ast

    for cell in notebook["cells"]:
        source = "".join(cell["source"])
        if cell["cell_type"] == "code" and any(
                isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name in replaced
                for node in ast.parse("\n".join("" if line.lstrip().startswith(("%", "!")) else line
                                                for line in source.splitlines())).body):
            cell["source"] = "# (removed by the lookup attack)\n"
    notebook["cells"].append({"cell_type": "code", "id": "lookup-attack", "metadata": {}, "outputs": [],
                              "execution_count": None, "source": LOOKUP_CELL.replace("{table}", repr(table))})
    path.write_text(json.dumps(notebook))
    return submission
