"""Part V's decision, run in process on real models: the smoke profile passes a model as soon
as it reaches the threshold, fails one that has not after max_rounds, and says
"provisional" (taking no points) when its time budget runs out first."""

import importlib
import sys

import numpy as np
import pytest

from gradelab.settings import get_settings
from grader.datasets.synth import ensure_synthetic
from grader.errors import CheckFailed, Provisional
from grader.plugin.fixtures import Details
from grader.plugin.proxies import ReferenceProxy
from grader.plugin.rubric import load_rubric
from grader.student_side.loader import Implementation
from tests.grader.a2_submissions import MASTER, Edit, reference_submission

pytestmark = pytest.mark.xdist_group("part5")

CONSTANT_MODEL = """    model = nn.Sequential(nn.Flatten(), nn.Linear(3 * 32 * 32, 10))
    with torch.no_grad():
        model[1].weight.zero_()
    optimizer = optim.SGD(model.parameters(), lr=0.0)
    num_epochs = 10
    ### END SOLUTION"""


@pytest.fixture(scope="module")
def part5():
    grading = str(MASTER / "grading")
    if grading not in sys.path:
        sys.path.insert(0, grading)
    from support.data import Cifar10

    reference = Implementation(MASTER, "cs231n")
    data = ensure_synthetic(get_settings().profile_data_dir("smoke"), seed=0)
    cifar10 = Cifar10(data / "cifar-10-batches-py", reference.function("data_utils", "load_pickle"))
    item = load_rubric(MASTER / "grading" / "rubric.toml")["pt_part5_challenge"]
    return importlib.import_module("test_pytorch").test_part5_challenge, cifar10, item


def run(part5, student, **overrides):
    check, cifar10, item = part5
    store = {}

    def setting(key, default=None):
        return overrides.get(key, item.setting("smoke", key, default))

    try:
        check(student=student, setting=setting, cifar10=cifar10, hidden_rng=np.random.default_rng(7),
              report=Details(store))
    except (CheckFailed, Provisional) as verdict:
        return verdict, store["metrics"]
    return None, store["metrics"]


def model_that_never_learns(tmp_path):
    submission = reference_submission(tmp_path / "sub")
    Edit("PyTorch.ipynb", "    optimizer = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=5e-2)\n"
                          "    num_epochs = 10\n    ### END SOLUTION",
         "    optimizer = optim.AdamW(model.parameters(), lr=1e-3, weight_decay=5e-2)\n" + CONSTANT_MODEL).apply(submission)
    return ReferenceProxy(Implementation(submission, "cs231n"))


def test_a_model_that_never_learns_fails_once_the_rounds_are_spent(part5, tmp_path):
    verdict, metrics = run(part5, model_that_never_learns(tmp_path), max_rounds=3, time_budget_s=10_000)
    assert isinstance(verdict, CheckFailed) and "3 epoch(s)" in verdict.message, verdict
    assert metrics["val_accuracy"] < 0.2


def test_the_smoke_profile_takes_no_points_when_its_time_runs_out_first(part5, tmp_path):
    verdict, metrics = run(part5, model_that_never_learns(tmp_path), max_rounds=3, time_budget_s=0)
    assert isinstance(verdict, Provisional) and "decided by the full profile" in verdict.message, verdict
    assert "1 epoch(s)" in verdict.message


def test_the_reference_passes_in_its_first_round(part5):
    verdict, metrics = run(part5, ReferenceProxy(Implementation(MASTER, "cs231n")), max_rounds=3, time_budget_s=0)
    assert verdict is None and metrics["val_accuracy"] >= part5[2].setting("smoke", "min_val_accuracy")
