"""Trusted fixtures of the Assignment 2 rubric: the profile's data sets, read here and
never handed whole to the sandbox."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def cifar10(run_spec, reference_impl):
    from support.data import Cifar10

    return Cifar10(run_spec.data_dir / "cifar-10-batches-py", reference_impl.function("data_utils", "load_pickle"))


@pytest.fixture(scope="session")
def coco(run_spec, reference_impl):
    from support.data import Coco

    return Coco(run_spec.data_dir / "coco_captioning", reference_impl.function("coco_utils", "load_coco_data"))
