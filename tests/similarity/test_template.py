"""The template never counts: the untouched release compared with anything flags nothing,
and a course's own starter (--template) is subtracted the same way."""

from __future__ import annotations

import re

from similarity.engine import Setup
from similarity.layout import layout_of
from similarity.sources import template_files
from tests.similarity.builders import (
    DISGUISED_LAYERS,
    LAYERS,
    RELEASE,
    release_copy,
    submission,
    zipped,
)
from tests.similarity.builders import MASTER as REFERENCE_SUBMISSION

NO_WORK = "no student-written code or answers: everything matches the template"


def test_the_untouched_release_matches_nothing(report_of, tmp_path):
    report = report_of(release_copy(tmp_path / "untouched"), release_copy(tmp_path / "untouched-too"),
                       REFERENCE_SUBMISSION, submission(tmp_path / "copy", {LAYERS: DISGUISED_LAYERS}), floor=0.0)

    assert {s.name: s.reason for s in report.skipped} == {"untouched": NO_WORK, "untouched-too": NO_WORK}
    assert all("untouched" not in (pair.a, pair.b) for pair in report.code + report.answers)


def test_a_release_with_a_few_lines_changed_shares_only_those(report_of, tmp_path):
    """Two students who each finished one small function differently share nothing, though
    the hundreds of template lines around are the same."""
    one = submission(tmp_path / "one", {LAYERS: (RELEASE / LAYERS).read_text().replace(
        "def relu_forward(x):", "def relu_forward(x):\n    return x * (x > 0), x\n\n\ndef _unused(x):", 1)})
    two = submission(tmp_path / "two", {LAYERS: (tmp_path / "one" / LAYERS).read_text().replace(
        "return x * (x > 0), x", "return np.where(x > 0, x, 0.0), x")})
    report = report_of(one, two, floor=0.0)
    assert report.pair("one", "two") is None or report.pair("one", "two").share < 0.05


def test_a_course_starter_named_as_template_is_subtracted(a2, report_of, tmp_path):
    """A course moving mid-term: its students began from their own starter, which gives them
    a helper our release lacks. Against our release that helper is shared work; against
    the course's starter (as --template names it) it is not."""
    helper = '''

def conv_output_size(size, filter_size, stride, pad):
    """Spatial size of a convolution's output (given in the course's starter)."""
    padded = size + 2 * pad
    if (padded - filter_size) % stride != 0:
        raise ValueError(f"filter {filter_size} and stride {stride} do not tile {padded} pixels")
    return (padded - filter_size) // stride + 1


def pool_output_size(size, pool, stride):
    """Spatial size of a pooling layer's output (given in the course's starter)."""
    if (size - pool) % stride != 0:
        raise ValueError(f"pool {pool} and stride {stride} do not tile {size} pixels")
    return (size - pool) // stride + 1
'''
    starter = release_copy(tmp_path / "starter")
    layers = (starter / LAYERS).read_text() + helper
    # The course's stubs say "pass" where ours raise.
    (starter / LAYERS).write_text(re.sub(r"raise NotImplementedError\(.*\)", "pass", layers))
    students = []
    for name, body in (("ann", "    return x * (x > 0), x\n"), ("ben", "    return np.where(x > 0, x, 0.0), x\n")):
        text = (starter / LAYERS).read_text().replace('def relu_forward(x):', f"def relu_forward(x):\n{body}\n\ndef _relu_stub(x):", 1)
        students.append(submission(tmp_path / name, {LAYERS: text}))

    against_release = report_of(*students, floor=0.0)
    assert against_release.pair("ann", "ben").share > 0.5

    layout = layout_of(a2)
    # As a zip holding the starter inside a folder, as a course would hand it out.
    course = Setup(a2, layout, template_files(zipped(starter, tmp_path / "starter.zip", "course-a2/"), layout))
    against_starter = report_of(*students, setup=course, floor=0.0)
    assert against_starter.pair("ann", "ben") is None or against_starter.pair("ann", "ben").share < 0.05
