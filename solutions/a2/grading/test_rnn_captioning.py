"""RNN_Captioning_pytorch.ipynb: RNN layers in torch (gradients by autograd) and the
CaptioningRNN, checked with parameters set explicitly."""

import numpy as np
import pytest
from support import trained
from support.compare import against_reference

from grader.errors import CheckFailed
from grader.plugin import expect

TOL = 1e-8


def lin(low, high, *shape):
    return np.linspace(low, high, num=int(np.prod(shape))).reshape(shape)


def step_inputs(x, prev_h, Wx, Wh, b, rng):
    return {"x": x, "prev_h": prev_h, "Wx": Wx, "Wh": Wh, "b": b, "dnext_h": rng.normal(size=prev_h.shape)}


def notebook_step(rng):
    N, D, H = 3, 10, 4
    return step_inputs(lin(-0.4, 0.7, N, D), lin(-0.2, 0.5, N, H), lin(-0.1, 0.9, D, H), lin(-0.3, 0.7, H, H),
                       lin(-0.2, 0.4, H), rng)


def hidden_step(rng):
    N, D, H = (int(v) for v in rng.integers(2, 8, size=3))
    return step_inputs(rng.normal(size=(N, D)), rng.normal(size=(N, H)), rng.normal(size=(D, H)) * 0.5,
                       rng.normal(size=(H, H)) * 0.5, rng.normal(size=H), rng)


def sequence_inputs(x, h0, Wx, Wh, b, rng):
    N, T, _ = x.shape
    return {"x": x, "h0": h0, "Wx": Wx, "Wh": Wh, "b": b, "dh": rng.normal(size=(N, T, h0.shape[1]))}


def notebook_sequence(rng):
    N, T, D, H = 2, 3, 4, 5
    return sequence_inputs(lin(-0.1, 0.3, N, T, D), lin(-0.3, 0.1, N, H), lin(-0.2, 0.4, D, H), lin(-0.4, 0.1, H, H),
                           lin(-0.7, 0.1, H), rng)


def hidden_sequence(rng):
    N, T, D, H = (int(v) for v in rng.integers(2, 7, size=4))
    return sequence_inputs(rng.normal(size=(N, T, D)), rng.normal(size=(N, H)), rng.normal(size=(D, H)) * 0.5,
                           rng.normal(size=(H, H)) * 0.5, rng.normal(size=H), rng)


STEP_HINT = "next_h = tanh(x Wx + prev_h Wh + b)"
SEQ_HINT = "run rnn_step_forward over t = 0..T-1, feeding each step's hidden state to the next; h[:, t] is step t's"


@pytest.mark.rubric("rnn_step")
def test_rnn_step(student, reference, hidden_rng):
    against_reference(student, reference, "captioning.rnn_step", notebook_step(hidden_rng), {"next_h": TOL},
                      case="the notebook's case (N, D, H = 3, 10, 4)", hint=STEP_HINT)


@pytest.mark.rubric("rnn_step_hidden")
def test_rnn_step_hidden(student, reference, hidden_rng):
    for _ in range(2):
        inputs = hidden_step(hidden_rng)
        against_reference(student, reference, "captioning.rnn_step", inputs, {"next_h": TOL},
                          case=f"a hidden case ({expect.describe_inputs(x=inputs['x'], prev_h=inputs['prev_h'])})",
                          hint=STEP_HINT)


@pytest.mark.rubric("rnn_forward")
def test_rnn_forward(student, reference, hidden_rng):
    against_reference(student, reference, "captioning.rnn_sequence", notebook_sequence(hidden_rng), {"h": TOL},
                      case="the notebook's case (N, T, D, H = 2, 3, 4, 5)", hint=SEQ_HINT)


@pytest.mark.rubric("rnn_forward_hidden")
def test_rnn_forward_hidden(student, reference, hidden_rng):
    for _ in range(2):
        inputs = hidden_sequence(hidden_rng)
        against_reference(student, reference, "captioning.rnn_sequence", inputs, {"h": TOL},
                          case=f"a hidden case ({expect.describe_inputs(x=inputs['x'], h0=inputs['h0'])})", hint=SEQ_HINT)


@pytest.mark.rubric("rnn_backward")
def test_rnn_backward(student, reference, hidden_rng):
    hint = "use torch operations only, so autograd can follow them (no numpy round trips, no in-place edits of inputs)"
    inputs = hidden_step(hidden_rng)
    against_reference(student, reference, "captioning.rnn_step", inputs,
                      {f"grads.{k}": 1e-7 for k in ("x", "prev_h", "Wx", "Wh", "b")},
                      case="rnn_step_forward on a hidden case", hint=hint)
    inputs = hidden_sequence(hidden_rng)
    against_reference(student, reference, "captioning.rnn_sequence", inputs,
                      {f"grads.{k}": 1e-7 for k in ("x", "h0", "Wx", "Wh", "b")},
                      case="rnn_forward on a hidden case", hint=hint)


@pytest.mark.rubric("word_embedding")
def test_word_embedding(student, reference, hidden_rng):
    x, W = np.asarray([[0, 3, 1, 2], [2, 1, 0, 3]]), lin(0, 1, 5, 3)
    against_reference(student, reference, "captioning.word_embedding",
                      {"x": x, "W": W, "dout": hidden_rng.normal(size=(2, 4, 3))}, {"out": TOL},
                      case="the notebook's case (x (2, 4), W (5, 3))", hint="out[n, t] = W[x[n, t]]")


@pytest.mark.rubric("word_embedding_hidden")
def test_word_embedding_hidden(student, reference, hidden_rng):
    N, T, V, D = (int(v) for v in hidden_rng.integers(2, 9, size=4))
    x = hidden_rng.integers(V, size=(N, T))
    against_reference(student, reference, "captioning.word_embedding",
                      {"x": x, "W": hidden_rng.normal(size=(V, D)), "dout": hidden_rng.normal(size=(N, T, D))},
                      {"out": TOL, "dW": 1e-10}, case=f"a hidden case (x {x.shape}, W ({V}, {D}))",
                      hint="index W with x; autograd accumulates dW over repeated words")


# --- CaptioningRNN -----------------------------------------------------------------------
def captioning_shapes(V, D, W, H):
    return {"W_embed": (V, W), "W_proj": (D, H), "b_proj": (H,), "Wx": (W, H), "Wh": (H, H), "b": (H,),
            "W_vocab": (H, V), "b_vocab": (V,)}


def notebook_captioning():
    N, D, W, H, T = 10, 20, 30, 40, 13
    word_to_idx = {"<NULL>": 0, "cat": 2, "dog": 3}
    V = len(word_to_idx)
    params = {name: lin(-1.4, 1.3, *shape) for name, shape in captioning_shapes(V, D, W, H).items()}
    return {"word_to_idx": word_to_idx, "kwargs": {"input_dim": D, "wordvec_dim": W, "hidden_dim": H, "cell_type": "rnn"},
            "params": params, "features": lin(-1.5, 0.3, N, D), "captions": (np.arange(N * T) % V).reshape(N, T)}


def hidden_captioning(rng, *, V=None, min_dim=2):
    """min_dim: the least N, D, W and H drawn (T stays 2..8)."""
    N, D, W, H = (int(v) for v in rng.integers(min_dim, max(9, 2 * min_dim + 1), size=4))
    T = int(rng.integers(2, 9))
    V = V or int(rng.integers(4, 12))
    word_to_idx = {"<NULL>": 0, "<START>": 1, "<END>": 2, **{f"w{i}": i for i in range(3, V)}}
    params = {name: rng.normal(scale=0.5, size=shape) for name, shape in captioning_shapes(V, D, W, H).items()}
    captions = rng.integers(1, V, size=(N, T + 1))
    captions[:, 0] = 1
    for row in captions:
        row[int(rng.integers(2, T + 2)):] = 0  # <NULL> padding after a random length
    return {"word_to_idx": word_to_idx, "kwargs": {"input_dim": D, "wordvec_dim": W, "hidden_dim": H, "cell_type": "rnn"},
            "params": params, "features": rng.normal(size=(N, D)), "captions": captions}


LOSS_HINT = ("h0 = features W_proj + b_proj; inputs are captions[:, :-1], targets captions[:, 1:], and "
             "<NULL> targets are masked out of temporal_softmax_loss")


@pytest.mark.rubric("captioning_loss")
def test_captioning_loss(student, reference):
    against_reference(student, reference, "captioning.captioning_loss", notebook_captioning(), {"loss": 1e-10},
                      case="the notebook's fixed parameters (expected loss 9.83235591003)", hint=LOSS_HINT)


@pytest.mark.rubric("captioning_loss_hidden")
def test_captioning_loss_hidden(student, reference, hidden_rng):
    for _ in range(2):
        inputs = hidden_captioning(hidden_rng)
        against_reference(student, reference, "captioning.captioning_loss", inputs, {"loss": 1e-10},
                          case=f"hidden parameters (captions {inputs['captions'].shape})", hint=LOSS_HINT)


@pytest.mark.rubric("captioning_grads")
def test_captioning_grads(student, reference, hidden_rng):
    inputs = hidden_captioning(hidden_rng)
    against_reference(student, reference, "captioning.captioning_loss", inputs,
                      {f"grads.{name}": 1e-7 for name in inputs["params"]},
                      case=f"hidden parameters (captions {inputs['captions'].shape})",
                      hint="every parameter must take part in the loss through torch operations")


@pytest.mark.rubric("captioning_overfit")
def test_captioning_overfit(student, reference, setting, coco, report):
    data = coco.small(50, seed=231, distinct_images=True)
    kwargs = {"cell_type": "rnn", "hidden_dim": 512, "wordvec_dim": 256}
    case = "50 captions of 50 images, 50 epochs, batch 25, learning rate 5e-3, hidden 512, word vectors 256"
    got = student.run("captioning.captioning_overfit", data=data, model_kwargs=kwargs,
                      solver_kwargs={"num_epochs": 50, "batch_size": 25, "learning_rate": 5e-3}, seed=231)
    report.series("training loss (as your solver recorded it)", got.get("loss_history", []))
    model_kwargs = {"input_dim": int(data["train_features"].shape[1]), "wordvec_dim": 256, "hidden_dim": 512,
                    "cell_type": "rnn"}
    V, D, W, H = len(data["word_to_idx"]), model_kwargs["input_dim"], 256, 512
    params = trained.named_params(got.get("params"), captioning_shapes(V, D, W, H), case=case)
    # The reference model holding the trained parameters, on all 50 captions: what was learned,
    # whatever the loss history says.
    loss = reference.run("captioning.captioning_data_loss", word_to_idx=data["word_to_idx"], kwargs=model_kwargs,
                         params=params, data=data)["loss"]
    report.metric("final_loss", loss)
    expect.at_most(loss, setting("max_final_loss"), name="the loss of the trained parameters over the 50 captions",
                   case=case)


@pytest.mark.rubric("captioning_sample")
def test_captioning_sample(student, reference, hidden_rng):
    for _ in range(2):
        # Wide enough that the first word fed in steers the caption: with hidden_dim 2 the
        # greedy caption often ignored it, and 2% of gradings passed a sampler fed <NULL>.
        inputs = hidden_captioning(hidden_rng, V=12, min_dim=8)
        inputs.pop("captions")
        inputs["max_length"] = 8
        want = np.asarray(reference.run("captioning.captioning_sample", **inputs)["captions"])
        case = f"hidden parameters, {len(want)} images, max_length 8"
        got = expect.array(student.run("captioning.captioning_sample", **inputs)["captions"], name="the captions",
                           shape=want.shape, kind="fiu", case=case, hint="return a (N, max_length) tensor of word indices")
        for row, (mine, theirs) in enumerate(zip(got, want, strict=True)):
            # Stopping at <END> is optional: compare up to and including the first <END>.
            ends = np.flatnonzero(theirs == 2)
            stop = int(ends[0]) + 1 if len(ends) else len(theirs)
            if not np.array_equal(mine[:stop], theirs[:stop]):
                raise CheckFailed(f"On {case}: the caption of image {row} differs from the greedy one. Hint: feed "
                                  "<START> first, then at each step the argmax word of the previous step.")
