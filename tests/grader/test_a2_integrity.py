"""Only the trusted side decides: submissions written to win points without working code lose
exactly the points they go after, graded for real in the bwrap sandbox (smoke profile).

Each attack was observed to win its points before the trusted side scored trained
parameters itself, measured the free-form model on disguised images of a secret data set,
and counted notebook cases only together with their hidden cases.
"""

import shutil

import pytest

from gradelab.settings import Settings, get_settings
from grader.datasets.synth import ensure_synthetic
from grader.grade import grade
from tests.grader.a2_submissions import (
    CHEATS,
    LOOKUP_LOSES,
    hash_lookup_pytorch,
    reference_submission,
)

pytestmark = pytest.mark.slow


def grade_part(submission, part):
    return grade(submission, assignment="a2", profile="smoke", sandbox="bwrap", settings=Settings(), parts=[part])


def lost_in(result, part):
    return {test.id for test in result.tests
            if test.notebook == part and not test.manual and test.outcome not in ("passed",)}


@pytest.mark.parametrize("cheat", CHEATS, ids=[c.name for c in CHEATS])
def test_an_attack_loses_exactly_the_points_it_goes_after(cheat, tmp_path):
    result = grade_part(cheat.apply(reference_submission(tmp_path / "a2")), cheat.part)
    assert result.gradable, result.reason
    lost = lost_in(result, cheat.part)
    assert lost == set(cheat.loses), {t.id: (t.outcome, t.message) for t in result.tests if t.id in lost ^ cheat.loses}
    for test in result.tests:
        if test.id in cheat.loses:
            assert test.outcome in ("wrong", "withheld", "exception"), (test.id, test.outcome, test.message)


def test_a_notebook_that_looks_images_up_in_the_public_synthetic_sets_wins_nothing(tmp_path):
    """The issue's attack: no network, each image looked up by the hash of its pixels in a
    table built from `gradelab data synth` (seed 0). The grader's images come from the
    deployment's secret seed, Parts II-IV are scored with the reference models holding the
    trained weights, and Part V's images are disguised."""
    public = ensure_synthetic(get_settings().profile_data_dir("smoke"), seed=0) / "cifar-10-batches-py"
    submission = hash_lookup_pytorch(reference_submission(tmp_path / "a2"), public)
    result = grade_part(submission, "PyTorch")
    assert result.gradable, result.reason
    by_id = {test.id: test for test in result.tests}
    assert lost_in(result, "PyTorch") == set(LOOKUP_LOSES), {i: (by_id[i].outcome, by_id[i].message) for i in by_id
                                                             if by_id[i].notebook == "PyTorch"}
    assert by_id["pt_init_params"].passed  # the one honest part
    for item in ("pt_part2_train", "pt_part3_train", "pt_part4_train", "pt_part5_challenge"):
        accuracy = by_id[item].details["metrics"]["val_accuracy"]
        assert accuracy < 0.2, (item, accuracy)   # chance is 0.1; the table found nothing


def test_the_grader_s_smoke_images_are_not_the_public_ones(tmp_path):
    """`gradelab data synth` (what a student can run) writes seed 0; the grader draws its
    sets from the deployment's secret key, so no image of one is in the other."""
    settings = Settings(var_dir=tmp_path / "var", secret_key="a deployment's secret")
    from grader.hidden_seed import secret_key, synthetic_data_seed

    seed = synthetic_data_seed(secret_key(settings))
    assert seed != 0 and seed == synthetic_data_seed(b"a deployment's secret")
    assert synthetic_data_seed(b"another deployment") != seed
    assert settings.secret_smoke_data_dir(seed) != Settings(secret_key="another").secret_smoke_data_dir(
        synthetic_data_seed(b"another"))
    public = ensure_synthetic(get_settings().profile_data_dir("smoke"), seed=0) / "cifar-10-batches-py"
    secret = ensure_synthetic(settings.secret_smoke_data_dir(seed), seed=seed) / "cifar-10-batches-py"
    public_images = {image.tobytes() for image in read_images(public / "test_batch")}
    assert not any(image.tobytes() in public_images for image in read_images(secret / "test_batch"))
    shutil.rmtree(settings.secret_smoke_data_dir(seed))


def read_images(batch):
    import pickle

    import numpy as np

    with open(batch, "rb") as handle:
        return np.asarray(pickle.load(handle, encoding="latin1")["data"], dtype=np.uint8)
