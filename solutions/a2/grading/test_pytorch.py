"""PyTorch.ipynb: the student's functions and modules, trained with the notebook's own
loops (our copies) on the profile's data; accuracies are scored here, on labels the
sandbox never sees."""

import numpy as np
import pytest
from support.compare import against_reference
from support.data import for_torch_models

from grader.errors import CheckFailed
from grader.plugin import expect


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
    for channel_1, channel_2 in [(32, 16), (8, 4)]:
        case = f"init_three_layer_convnet_params(channel_1={channel_1}, channel_2={channel_2})"
        got = student.run("pytorch_notebook.init_params", channel_1=channel_1, channel_2=channel_2, seed=0)
        params = [np.asarray(p) for p in got["params"]]
        shapes = [(channel_1, 3, 5, 5), (channel_1,), (channel_2, channel_1, 3, 3), (channel_2,),
                  (channel_2 * 32 * 32, 10), (10,)]
        expect.equal([p.shape for p in params], shapes, name="the shapes of [conv_w1, conv_b1, conv_w2, conv_b2, fc_w, fc_b]",
                     case=case, hint="both convolutions keep 32x32, so fc_w is (channel_2 * 32 * 32, 10)")
        if not all(got["requires_grad"]):
            raise CheckFailed(f"On {case}: not every parameter has requires_grad=True. Hint: use random_weight and zero_weight.")
        for index in (1, 3, 5):
            expect.equal(params[index], np.zeros(shapes[index]), name=f"parameter {index} (a bias)", case=case)
        for index in (0, 2, 4):
            fan_in = shapes[index][0] if len(shapes[index]) == 2 else int(np.prod(shapes[index][1:]))
            expected = np.sqrt(2.0 / fan_in)
            if not 0.8 * expected <= float(params[index].std()) <= 1.2 * expected:
                raise CheckFailed(f"On {case}: weight {index} has std {params[index].std():.3g}; Kaiming init gives "
                                  f"sqrt(2 / fan_in) = {expected:.3g}. Hint: use random_weight.")


@pytest.mark.rubric("pt_module_convnet")
def test_module_convnet(student):
    channel_1, channel_2 = 12, 8
    case = f"ThreeLayerConvNet(in_channel=3, channel_1={channel_1}, channel_2={channel_2}, num_classes=10)"
    got = student.run("pytorch_notebook.module_convnet", in_channel=3, channel_1=channel_1, channel_2=channel_2,
                      num_classes=10, x=np.zeros((4, 3, 32, 32), dtype=np.float32), seed=0)
    expect.equal(np.asarray(got["scores"]).shape, (4, 10), name="the scores' shape", case=case)
    expected = sorted([(channel_1, 3, 5, 5), (channel_1,), (channel_2, channel_1, 3, 3), (channel_2,),
                       (10, channel_2 * 32 * 32), (10,)])
    expect.equal(sorted(tuple(s) for s in got["shapes"]), expected, name="the parameter shapes", case=case,
                 hint="two nn.Conv2d (5x5 pad 2, 3x3 pad 1) and one nn.Linear, all with biases")


def _cifar_for_torch(cifar10, setting, with_test=False):
    (X_train, y_train), (X_val, y_val) = cifar10.train(setting("num_train")), cifar10.val(setting("num_val"))
    parts = {"X_train": for_torch_models(X_train), "y_train": y_train, "X_val": for_torch_models(X_val), "y_val": y_val}
    if with_test:
        X_test, y_test = cifar10.test(setting("num_test"))
        parts.update(X_test=for_torch_models(X_test), y_test=y_test)
    return parts


def _accuracy(predictions, labels):
    return float(np.mean(np.asarray(predictions) == labels))


@pytest.mark.rubric("pt_part2_train")
def test_part2_train(student, setting, cifar10, report):
    data = _cifar_for_torch(cifar10, setting)
    got = student.run("pytorch_notebook.train_functional", X_train=data["X_train"], y_train=data["y_train"],
                      X_eval=data["X_val"], channel_1=32, channel_2=16, learning_rate=3e-3, epochs=1,
                      batch_size=64, seed=231)
    report.series("training loss", got["losses"])
    accuracy = _accuracy(got["predictions"], data["y_val"])
    report.metric("val_accuracy", accuracy)
    expect.at_least(accuracy, setting("min_val_accuracy"), name="the validation accuracy",
                    case=f"three_layer_convnet with your parameters, one epoch of SGD on {len(data['y_train'])} images")


def _train_builder(student, builder, data, epochs, report):
    got = student.run("pytorch_notebook.train_built", builder=builder, builder_kwargs={}, X_train=data["X_train"],
                      y_train=data["y_train"], X_eval=np.concatenate([data["X_val"], data.get("X_test", data["X_val"][:0])]),
                      epochs=epochs, batch_size=64, seed=231)
    report.series("training loss", got["losses"])
    return got


@pytest.mark.rubric("pt_part3_train")
def test_part3_train(student, setting, cifar10, report):
    data = _cifar_for_torch(cifar10, setting)
    got = _train_builder(student, "make_module_convnet", data, 1, report)
    accuracy = _accuracy(got["predictions"], data["y_val"])
    report.metric("val_accuracy", accuracy)
    expect.at_least(accuracy, setting("min_val_accuracy"), name="the validation accuracy",
                    case=f"make_module_convnet(), one epoch on {len(data['y_train'])} images")


@pytest.mark.rubric("pt_part4_train")
def test_part4_train(student, setting, cifar10, report):
    data = _cifar_for_torch(cifar10, setting)
    got = _train_builder(student, "make_sequential_convnet", data, 1, report)
    if not got["is_sequential"]:
        raise CheckFailed("make_sequential_convnet() must build its model with nn.Sequential.")
    accuracy = _accuracy(got["predictions"], data["y_val"])
    report.metric("val_accuracy", accuracy)
    expect.at_least(accuracy, setting("min_val_accuracy"), name="the validation accuracy",
                    case=f"make_sequential_convnet(), one epoch on {len(data['y_train'])} images")


@pytest.mark.rubric("pt_part5_challenge")
def test_part5_challenge(student, setting, cifar10, report):
    data = _cifar_for_torch(cifar10, setting, with_test=True)
    got = _train_builder(student, "make_challenge_model", data, setting("max_epochs"), report)
    asked = got["asked_epochs"]
    if asked is None or not 1 <= asked <= 10:
        raise CheckFailed(f"make_challenge_model() asks for {asked} epochs; return (model, optimizer, num_epochs) "
                          "with 1 <= num_epochs <= 10.")
    predictions = np.asarray(got["predictions"])
    n_val = len(data["y_val"])
    val_accuracy = _accuracy(predictions[:n_val], data["y_val"])
    test_accuracy = _accuracy(predictions[n_val:], data["y_test"])
    report.metric("val_accuracy", val_accuracy)
    report.metric("test_accuracy", test_accuracy)
    trained = min(asked, setting("max_epochs"))
    expect.at_least(val_accuracy, setting("min_val_accuracy"), name="the validation accuracy",
                    case=f"{trained} epoch(s) on {len(data['y_train'])} images (test accuracy {test_accuracy:.3f})")
