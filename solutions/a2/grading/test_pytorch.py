"""PyTorch.ipynb: the student's functions and modules, trained with the notebook's own
loops (our copies) on the profile's data in the sandbox. Accuracies are measured here: the
trained parameters of the fixed architectures (Parts II-IV) are scored with the reference
models, the free-form Part V model's predictions of disguised images are scored against
labels the sandbox never sees."""

import numpy as np
import pytest
from support import trained, unseen
from support.compare import against_reference
from support.data import TORCH_NORMALIZE, for_torch_models
from support.notebook_source import builds_with_sequential

from grader.errors import CheckFailed, Provisional
from grader.plugin import expect
from grader.plugin.series import SeriesRefused, as_points


def conv_params(rng, channel_1, channel_2, classes=10, size=32):
    shapes = [(channel_1, 3, 5, 5), (channel_1,), (channel_2, channel_1, 3, 3), (channel_2,),
              (channel_2 * size * size, classes), (classes,)]
    return [rng.normal(scale=0.05, size=shape) for shape in shapes]


@pytest.mark.rubric("pt_three_layer_convnet")
def test_three_layer_convnet(student, reference, hidden_rng):
    for channel_1, channel_2 in [(6, 9), (int(hidden_rng.integers(2, 8)), int(hidden_rng.integers(2, 8)))]:
        inputs = {"x": hidden_rng.normal(size=(4, 3, 32, 32)), "params": conv_params(hidden_rng, channel_1, channel_2)}
        against_reference(
            student, reference, "pytorch_notebook.three_layer_convnet", inputs, {"scores": 1e-8},
            case=f"x (4, 3, 32, 32) with {channel_1} and {channel_2} filters (float64 parameters)",
            hint="conv (pad 2) - ReLU - conv (pad 1) - ReLU - flatten - x.mm(fc_w) + fc_b, with the given parameters")


@pytest.mark.rubric("pt_init_params")
def test_init_params(student):
    # The course's notebook fixes channel_1 = 32 and channel_2 = 16: code written for it (a
    # literal fc_w = random_weight((16384, 10))) is right, so no other counts are asked for.
    channel_1, channel_2 = 32, 16
    case = f"init_three_layer_convnet_params(channel_1={channel_1}, channel_2={channel_2})"
    got = student.run("pytorch_notebook.init_params", channel_1=channel_1, channel_2=channel_2, seed=0)
    params = trained.ordered_params(got.get("params"), PART2_SHAPES, case=case,
                                    architecture="[conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b] of the notebook")
    for index in (1, 3, 5):
        expect.equal(params[index], np.zeros(PART2_SHAPES[index]), name=f"parameter {index} (a bias)", case=case)
    for index in (0, 2, 4):
        shape = PART2_SHAPES[index]
        fan_in = shape[0] if len(shape) == 2 else int(np.prod(shape[1:]))
        expected = np.sqrt(2.0 / fan_in)
        if not 0.8 * expected <= float(params[index].std()) <= 1.2 * expected:
            raise CheckFailed(f"On {case}: weight {index} has std {params[index].std():.3g}; Kaiming init gives "
                              f"sqrt(2 / fan_in) = {expected:.3g}. Hint: use random_weight.")


@pytest.mark.rubric("pt_module_convnet")
def test_module_convnet(student, reference, hidden_rng):
    channel_1, channel_2 = 12, 8   # the notebook's test_ThreeLayerConvNet
    case = f"ThreeLayerConvNet(in_channel=3, channel_1={channel_1}, channel_2={channel_2}, num_classes=10)"
    shapes = [(channel_1, 3, 5, 5), (channel_1,), (channel_2, channel_1, 3, 3), (channel_2,),
              (10, channel_2 * 32 * 32), (10,)]
    inputs = {"in_channel": 3, "channel_1": channel_1, "channel_2": channel_2, "num_classes": 10,
              "x": hidden_rng.normal(size=(4, 3, 32, 32)).astype(np.float32),
              "weights": [hidden_rng.normal(scale=0.05, size=shape).astype(np.float32) for shape in shapes]}
    got = student.run("pytorch_notebook.module_convnet", **inputs)
    returned = got.get("shapes")
    if not isinstance(returned, list) or len(returned) > 100 or not all(
            isinstance(shape, list) and all(isinstance(size, int) for size in shape) for shape in returned):
        raise CheckFailed(f"On {case}: the model's parameter shapes did not come back as a list of shapes.")
    expect.equal(sorted(tuple(s) for s in returned), sorted(shapes), name="the parameter shapes",
                 case=case, hint="two nn.Conv2d (5x5 pad 2, 3x3 pad 1) and one nn.Linear, all with biases")
    want = reference.run("pytorch_notebook.module_convnet", **inputs)
    expect.close(got.get("scores"), want["scores"], name="the scores", tol=1e-4, atol=1e-5,
                 case=f"{case} with its parameters set to hidden values",
                 hint="conv1 (pad 2) - ReLU - conv2 (pad 1) - ReLU - flatten - fc, in forward()")


#: Part II's parameters for the course's channels (32, 16), in the notebook's order.
PART2_SHAPES = [(32, 3, 5, 5), (32,), (16, 32, 3, 3), (16,), (16 * 32 * 32, 10), (10,)]


def _training_images(cifar10, setting):
    """uint8 training images (N, 3, 32, 32) and labels: the sandbox normalises them per batch."""
    return cifar10.train(setting("num_train"))


def _val_accuracy(reference, scenario, cifar10, setting, **inputs):
    """The reference model holding the trained parameters, scored on the validation images
    (normalised here as the notebook does); the sandbox never sees them."""
    X_val, y_val = cifar10.val(setting("num_val"))
    predictions = reference.run(scenario, X=for_torch_models(X_val), **inputs)["predictions"]
    return float(np.mean(predictions == y_val))


@pytest.mark.rubric("pt_part2_train")
def test_part2_train(student, reference, setting, cifar10, report):
    X_train, y_train = _training_images(cifar10, setting)
    case = f"three_layer_convnet with your parameters, one epoch of SGD on {len(y_train)} images"
    got = student.run("pytorch_notebook.train_functional", X_train=X_train, y_train=y_train, normalize=TORCH_NORMALIZE,
                      channel_1=32, channel_2=16, learning_rate=3e-3, epochs=1, batch_size=64, seed=231)
    report.series("training loss", got.get("losses", []))
    params = trained.ordered_params(got.get("params"), PART2_SHAPES, case=case,
                                    architecture="[conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b] of the notebook")
    accuracy = _val_accuracy(reference, "pytorch_notebook.predict_functional", cifar10, setting, params=params)
    report.metric("val_accuracy", accuracy)
    expect.at_least(accuracy, setting("min_val_accuracy"), name="the validation accuracy of the trained parameters",
                    case=case)


def _train_fixed_architecture(student, reference, cifar10, setting, report, builder, architecture, case,
                              rule=None):
    """Train builder()'s model one epoch in the sandbox; score its trained parameters with the
    reference's builder() model (the course fixes the architecture) on the validation images.
    ``rule``: checked once the builder is known to run (so a stub says "not implemented")."""
    X_train, y_train = _training_images(cifar10, setting)
    got = student.run("pytorch_notebook.train_built", builder=builder, builder_kwargs={}, X_train=X_train,
                      y_train=y_train, normalize=TORCH_NORMALIZE, epochs=1, batch_size=64, seed=231)
    report.series("training loss", got.get("losses", []))
    if rule is not None:
        rule()
    shapes = reference.run("pytorch_notebook.built_shapes", builder=builder, builder_kwargs={})["shapes"]
    params = trained.ordered_params(got.get("params"), shapes, case=case, architecture=architecture)
    accuracy = _val_accuracy(reference, "pytorch_notebook.predict_built", cifar10, setting, builder=builder,
                             builder_kwargs={}, params=params)
    report.metric("val_accuracy", accuracy)
    expect.at_least(accuracy, setting("min_val_accuracy"), name="the validation accuracy of the trained parameters",
                    case=case)


@pytest.mark.rubric("pt_part3_train")
def test_part3_train(student, reference, setting, cifar10, report):
    _train_fixed_architecture(student, reference, cifar10, setting, report, "make_module_convnet",
                              "ThreeLayerConvNet(3, 32, 16, 10) (5x5 conv, 3x3 conv, linear, with biases)",
                              f"make_module_convnet(), one epoch on {setting('num_train')} images")


@pytest.mark.rubric("pt_part4_train")
def test_part4_train(student, reference, setting, cifar10, report, run_spec):
    def built_with_sequential():
        # Read from the notebook's source here, not reported by the sandbox.
        if builds_with_sequential(run_spec.submission_dir / "PyTorch.ipynb", "make_sequential_convnet") is False:
            raise CheckFailed("make_sequential_convnet() must build its model with nn.Sequential.")

    _train_fixed_architecture(student, reference, cifar10, setting, report, "make_sequential_convnet",
                              "the notebook's nn.Sequential ConvNet (conv 5x5 pad 2, ReLU, conv 3x3 pad 1, ReLU, "
                              "flatten, linear)", f"make_sequential_convnet(), one epoch on {setting('num_train')} images",
                              rule=built_with_sequential)


@pytest.mark.rubric("pt_part5_challenge")
def test_part5_challenge(student, setting, cifar10, hidden_rng, report):
    """The free-form model trains in the sandbox and predicts disguised validation and test
    images (support/unseen.py); the accuracies are measured here.

    The full profile trains the epochs the model asks for (at most epochs_per_round = 10) and
    decides.
    The smoke profile's CPU budget affords little: it trains in rounds of epochs_per_round
    epochs on a small synthetic set, scoring after each, and passes as soon as the
    validation accuracy reaches the threshold. It fails only after max_rounds rounds, by
    which every model of the calibration set reached it (bench/RESULTS.md); when its time
    budget runs out first, the result is provisional and the full profile decides.
    """
    import time

    X_train, y_train = cifar10.train(setting("num_train"))
    (X_val, y_val), (X_test, y_test) = cifar10.val(setting("num_val")), cifar10.test(setting("num_test"))
    X_eval = unseen.disguise(np.concatenate([X_val, X_test]), hidden_rng, **setting("disguise", {}))
    threshold, max_rounds = setting("min_val_accuracy"), setting("max_rounds", 1)
    budget_s, per_round = setting("time_budget_s"), setting("epochs_per_round")
    started, epochs, losses, val_accuracy, test_accuracy = time.monotonic(), 0, [], 0.0, 0.0
    for round_index in range(max_rounds):
        got = student.run("pytorch_notebook.train_built", builder="make_challenge_model", builder_kwargs={},
                          X_train=X_train, y_train=y_train, normalize=TORCH_NORMALIZE, epochs=per_round,
                          batch_size=64, seed=231, X_eval=X_eval, with_params=False,
                          keep_as="make_challenge_model" if max_rounds > 1 else None, resume=round_index > 0)
        asked = got.get("asked_epochs")
        if not isinstance(asked, int) or not 1 <= asked <= 10:
            raise CheckFailed(f"make_challenge_model() asks for {asked} epochs; return (model, optimizer, num_epochs) "
                              "with 1 <= num_epochs <= 10.")
        epochs += min(asked, per_round)
        try:   # the curve is only drawn (and bounded there); the predictions decide
            losses.append(as_points(got.get("losses", [])))
        except SeriesRefused:
            pass
        predictions = expect.labels(got.get("predictions"), len(X_eval), 10, case=f"Part V after {epochs} epoch(s)")
        val_accuracy = float(np.mean(predictions[:len(y_val)] == y_val))
        test_accuracy = float(np.mean(predictions[len(y_val):] == y_test))
        if val_accuracy >= threshold:
            break
        if round_index + 1 < max_rounds and budget_s is not None and time.monotonic() - started > budget_s:
            report.series("training loss", np.concatenate(losses) if losses else [])
            report.metric("val_accuracy", val_accuracy)
            report.metric("test_accuracy", test_accuracy)
            raise Provisional(
                f"provisional: decided by the full profile. After {epochs} epoch(s) on {len(y_train)} synthetic "
                f"images the validation accuracy is {val_accuracy:.3f} (threshold {threshold}); this CPU run's "
                f"{budget_s:.0f} s ran out before the {max_rounds} epochs in which every model of the calibration "
                "set reached it, so no points are taken here.")
    report.series("training loss", np.concatenate(losses) if losses else [])
    report.metric("val_accuracy", val_accuracy)
    report.metric("test_accuracy", test_accuracy)
    expect.at_least(val_accuracy, threshold, name="the validation accuracy",
                    case=f"{epochs} epoch(s) on {len(y_train)} images (test accuracy {test_accuracy:.3f})")
