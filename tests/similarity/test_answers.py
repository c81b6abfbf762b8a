"""Free-text answers are compared on their own, question by question: a copied answer
with a few words changed is flagged and its question named; answers written apart and the
release's placeholder are not."""

from __future__ import annotations

from tests.similarity.builders import submission
from tests.similarity.conftest import DEFAULT_THRESHOLD

ANN_BN = ("Batch normalization makes the network far less sensitive to the scale of the initial weights. "
          "Without it, a weight scale that is slightly too small shrinks the activations layer after layer "
          "until the gradients vanish, and one that is too large makes them explode; with it, every layer "
          "sees inputs with zero mean and unit variance whatever the scale, so training works over a much "
          "wider range of initializations.")
# Ann's answer with a few words swapped and a sentence reordered.
BEN_BN = ("With batch normalization the network is far less sensitive to the scale of the initial weights. "
          "With it, every layer sees inputs with zero mean and unit variance whatever the scale, so training "
          "works over a much wider range of initializations. Without it, a weight scale that is slightly too "
          "small shrinks the activations layer after layer until the gradients vanish, and one that is too "
          "large makes them explode.")
CAL_BN = ("The plots show that the baseline only trains for a narrow band of weight scales, while the batchnorm "
          "model keeps a good validation accuracy across almost all of them. Normalising each layer's "
          "pre-activations undoes a bad choice of scale at every step, which is why the curve is flat.")
ANN_DROPOUT = ("Dropout randomly zeroes units during training so the network cannot rely on any single feature; "
               "at test time all units are kept and the scaling by one over p keeps the expected output the same.")
BEN_DROPOUT = ("Keeping fewer units makes the training accuracy drop, because the model is regularised more "
               "strongly, but the gap between training and validation accuracy shrinks as well.")


def test_a_copied_answer_is_flagged_with_its_question(report_of, tmp_path):
    ann = submission(tmp_path / "ann", answers={"bn_q1": ANN_BN, "dropout_q1": ANN_DROPOUT})
    ben = submission(tmp_path / "ben", answers={"bn_q1": BEN_BN, "dropout_q1": BEN_DROPOUT})
    cal = submission(tmp_path / "cal", answers={"bn_q1": CAL_BN})
    report = report_of(ann, ben, cal, floor=0.0)

    assert report.code == []
    pair = report.pair("ann", "ben", "answers")
    assert pair is not None and pair.flagged(DEFAULT_THRESHOLD)
    assert [m.a.split("::")[-1] for m in pair.matching_units()] == ["bn_q1"]
    assert [p for p in report.flagged("answers") if "cal" in (p.a, p.b)] == []
    bn = pair.matching_units()[0]
    assert bn.share > 0.8 and bn.a_label == "BatchNormalization: bn_q1"


def test_answers_to_different_questions_never_meet(report_of, tmp_path):
    ann = submission(tmp_path / "ann", answers={"bn_q1": ANN_BN})
    ben = submission(tmp_path / "ben", answers={"bn_q2": ANN_BN})
    report = report_of(ann, ben, floor=0.0)
    assert report.answers == []


def test_the_placeholder_and_a_blank_answer_are_not_an_answer(report_of, tmp_path):
    ann = submission(tmp_path / "ann", answers={"bn_q1": ""})
    ben = submission(tmp_path / "ben", answers={"bn_q1": ""})
    report = report_of(ann, ben, floor=0.0)
    assert report.answers == []
    assert {s.name for s in report.skipped} == {"ann", "ben"}
