"""Solver of the reference solver.py, training a small FullyConnectedNet on blobs."""

import pickle
import re

import numpy as np
import pytest
from cs231n.classifiers.fc_net import FullyConnectedNet
from cs231n.solver import Solver


def _blobs(num, rng):
    """Three well separated Gaussian blobs in 5 dimensions."""
    y = rng.integers(3, size=num)
    centres = np.eye(3, 5) * 4
    return centres[y] + rng.normal(size=(num, 5)), y


@pytest.fixture
def data():
    rng = np.random.default_rng(0)
    X_train, y_train = _blobs(55, rng)
    X_val, y_val = _blobs(30, rng)
    return {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}


def _model(seed=0):
    np.random.seed(seed)
    return FullyConnectedNet([8], input_dim=5, num_classes=3, weight_scale=1e-1, dtype=np.float64)


def test_histories_and_epochs(data):
    solver = Solver(_model(), data, num_epochs=3, batch_size=10, verbose=False,
                    update_rule="sgd_momentum", optim_config={"learning_rate": 0.05})
    solver.train()

    # 55 // 10 = 5 iterations per epoch, 15 in all; accuracies at the first iteration and
    # at each epoch end (the last iteration is one).
    assert len(solver.loss_history) == 15
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 4
    assert solver.epoch == 3
    assert solver.loss_history[-1] < solver.loss_history[0]


def test_best_validation_params_are_restored(data):
    model = _model()
    solver = Solver(model, data, num_epochs=4, batch_size=5, update_rule="adam",
                    optim_config={"learning_rate": 5e-2}, verbose=False)
    solver.train()

    assert solver.best_val_acc == max(solver.val_acc_history)
    assert model.params is solver.best_params
    # num_val_samples=None scores the whole validation set, so this is deterministic.
    assert solver.check_accuracy(data["X_val"], data["y_val"]) == solver.best_val_acc


def test_best_params_are_copies_not_the_live_arrays(data):
    model = _model()
    solver = Solver(model, data, num_epochs=1, batch_size=55, verbose=False,
                    optim_config={"learning_rate": 0.1})
    live = dict(model.params)
    solver.train()
    for name, value in solver.best_params.items():
        assert value is not live[name]


def test_minibatches_come_from_np_random_choice(data):
    model = _model()
    solver = Solver(model, data, num_epochs=1, batch_size=10, verbose=False)
    np.random.seed(42)
    mask = np.random.choice(55, 10)
    expected_first_loss, _ = model.loss(data["X_train"][mask], data["y_train"][mask])

    np.random.seed(42)
    solver.train()

    assert solver.loss_history[0] == pytest.approx(expected_first_loss, rel=1e-12)


def test_lr_decay_and_separate_configs(data):
    solver = Solver(_model(), data, num_epochs=3, batch_size=11, lr_decay=0.5,
                    optim_config={"learning_rate": 0.2}, verbose=False)
    solver.train()

    assert set(solver.optim_configs) == set(solver.model.params)
    for config in solver.optim_configs.values():
        assert config["learning_rate"] == pytest.approx(0.2 * 0.5**3)
    configs = list(solver.optim_configs.values())
    assert configs[0] is not configs[1]
    assert solver.optim_config == {"learning_rate": 0.2}  # the caller's dict is untouched


def test_unknown_arguments_are_rejected(data):
    with pytest.raises(ValueError, match="learning_rate"):
        Solver(_model(), data, learning_rate=1e-3)
    with pytest.raises(ValueError, match="nesterov"):
        Solver(_model(), data, update_rule="nesterov")


def test_printed_progress_has_the_course_format(data, capsys):
    solver = Solver(_model(), data, num_epochs=2, batch_size=10, print_every=4)
    solver.train()
    lines = capsys.readouterr().out.splitlines()

    iteration_lines = [line for line in lines if line.startswith("(Iteration")]
    epoch_lines = [line for line in lines if line.startswith("(Epoch")]
    assert [re.match(r"\(Iteration (\d+) / 10\) loss: \d+\.\d{6}$", line).group(1)
            for line in iteration_lines] == ["1", "5", "9"]
    assert [re.match(r"\(Epoch (\d) / 2\) train acc: \d\.\d{6}; val_acc: \d\.\d{6}$", line).group(1)
            for line in epoch_lines] == ["0", "1", "2"]


def test_checkpoints_are_pickled_at_every_check(data, tmp_path):
    name = str(tmp_path / "fc")
    solver = Solver(_model(), data, num_epochs=2, batch_size=25, checkpoint_name=name,
                    verbose=False)
    solver.train()

    files = sorted(p.name for p in tmp_path.iterdir())
    assert files == ["fc_epoch_0.pkl", "fc_epoch_1.pkl", "fc_epoch_2.pkl"]
    with open(tmp_path / "fc_epoch_2.pkl", "rb") as f:
        checkpoint = pickle.load(f)
    assert checkpoint["epoch"] == 2
    assert len(checkpoint["loss_history"]) == 4
    assert set(checkpoint) >= {"model", "update_rule", "lr_decay", "optim_config", "batch_size",
                               "num_train_samples", "num_val_samples", "train_acc_history",
                               "val_acc_history"}


def test_check_accuracy_subsamples_with_np_random_choice(data):
    solver = Solver(_model(), data, verbose=False)
    X, y = data["X_val"], data["y_val"]

    np.random.seed(7)
    subsampled = solver.check_accuracy(X, y, num_samples=12, batch_size=5)
    np.random.seed(7)
    mask = np.random.choice(30, 12)
    expected = np.mean(np.argmax(solver.model.loss(X[mask]), axis=1) == y[mask])

    assert subsampled == expected
    full = solver.check_accuracy(X, y, batch_size=7)  # batches need not divide N
    assert full == np.mean(np.argmax(solver.model.loss(X), axis=1) == y)
