"""The trusted side validates what comes back from the sandbox before it computes with it,
stores a bounded amount of it, and keeps student text inert in every report.

The tests grade hostile submissions for real (the toy assignment, and Assignment 2 where the
observation was made there) with the trusted process under a tight memory cap
(``Limits.trusted_memory_mb``): a big allocation on the trusted side would end the run as
our failure instead of the verdict the test expects."""

import json
import re

import pytest

from gradelab.settings import Settings
from grader.grade import grade
from grader.results import GradeResult
from grader.results.markdown import render_markdown
from grader.results.text_table import render_table
from grader.sandbox.limits import Limits
from tests.grader.conftest import TOY, outcomes
from tests.grader.test_containment import RELU_ONLY, with_relu
from tests.sandbox import engines

container_settings = engines.container_settings   # fixtures: the cap test runs in each launcher
launcher_settings = engines.launcher_settings

pytestmark = pytest.mark.xdist_group("sandbox")

#: The toy's trusted session needs about 130 MiB of private memory (numpy, pytest, the
#: plugin); 400 MiB leaves room for that and none for a copy of a hostile reply as floats
#: (the main tree needed 860 MiB for the 4M-point series: bench/RESULTS.md).
TIGHT_TRUSTED_MB = 400
#: Assignment 2's captioning part needs about 400 MiB resident in the trusted process (torch,
#: the reference); the main tree needed 1175 MiB for the 4M-point history (bench/RESULTS.md).
A2_TRUSTED_MB = 1024


@pytest.fixture
def grade_hostile(tmp_path):
    settings = Settings(var_dir=tmp_path / "var")
    limits = Limits(check_timeout_s=30, run_timeout_s=300, memory_mb=2048, max_processes=64,
                    max_output_bytes=1 << 20, trusted_memory_mb=TIGHT_TRUSTED_MB)

    def run(submission, **kwargs):
        keep = tmp_path / "keep"
        result = grade(submission, assignment=TOY, settings=settings, limits=kwargs.pop("limits", limits),
                       keep_dir=keep, **kwargs)
        return result, keep / "results.json"

    return run


def relu_result(result):
    got = outcomes(result)
    assert result.gradable, result.reason
    relu = got.pop("relu")
    assert got == RELU_ONLY, result.tests
    return relu, next(t for t in result.tests if t.id == "relu")


def test_a_4_million_point_series_is_stored_downsampled_and_the_check_fails_on_its_merits(grade_hostile,
                                                                                          toy_submission):
    # relu's check plots what relu returned, then compares it with the reference's (11,).
    sub = with_relu(toy_submission, "import numpy as np\nreturn np.linspace(-1.0, 1.0, 4_000_000)")
    result, results_json = grade_hostile(sub)
    outcome, relu = relu_result(result)
    assert outcome == "wrong"
    assert "expected shape (11,), got (4000000,)" in relu.message
    assert results_json.stat().st_size < 300_000, results_json.stat().st_size
    stored = relu.details["series"]["relu"]
    assert stored["length"] == 4_000_000
    assert 100 <= len(stored["values"]) <= Limits().series_max_points
    assert len(stored["x"]) == len(stored["values"])
    # Faithful: the first and last points, the extremes, and x in order.
    assert stored["x"][0] == 1 and stored["x"][-1] == 4_000_000
    assert stored["values"][0] == -1.0 and stored["values"][-1] == 1.0
    assert stored["x"] == sorted(stored["x"])


def test_predictions_of_20_million_rows_fail_on_their_shape_without_a_big_allocation(grade_hostile,
                                                                                     toy_submission):
    # 20 MB over the wire; as float64 for a plot 160 MB, compared elementwise with (11,) 220 MB.
    sub = with_relu(toy_submission, "import numpy as np\nreturn np.zeros((20_000_000, 1), dtype=np.uint8)")
    outcome, relu = relu_result(grade_hostile(sub)[0])
    assert outcome == "wrong"
    assert "expected shape (11,), got (20000000, 1)" in relu.message


def test_a_reply_over_the_byte_cap_is_the_student_s_protocol_failure(grade_hostile, toy_submission):
    # 160 MB of int64: over the default cap on replies, refused before it is read.
    sub = with_relu(toy_submission, "import numpy as np\nreturn np.zeros((20_000_000, 1), dtype=np.int64)")
    outcome, relu = relu_result(grade_hostile(sub)[0])
    assert outcome == "protocol"
    assert f"{Limits().max_message_bytes}-byte cap" in relu.message


HOSTILE_TEXT = ("\x1b[2J\x1b[H\x1b]0;owned\x07\x1b]52;c;cm0gLXJmIH4=\x07\x9b31m"
                "```\n# not a heading: the fence is closed\n````` five\rover\x08\x00written")


def test_escape_sequences_and_fences_in_a_message_are_inert_in_every_report(grade_hostile, toy_submission):
    sub = with_relu(toy_submission, f"print({HOSTILE_TEXT!r})\nraise RuntimeError({HOSTILE_TEXT!r})")
    result, results_json = grade_hostile(sub)
    outcome, relu = relu_result(result)
    assert outcome == "exception"
    control = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
    # (What the code printed is cleaned the same way; when its last lines arrive is a race.)
    for text in (relu.message, relu.student_output, json.loads(results_json.read_text())["tests"][2]["output"]):
        assert not control.search(text), repr(control.search(text))
    assert "owned" in relu.message and "\\u001b" not in results_json.read_text()

    table = render_table(result, width=200)
    assert "RuntimeError" in table and not control.search(table)

    markdown = render_markdown(result)
    section = markdown[markdown.index("### relu"):]
    fence = re.match(r"### relu .*\n\n(`{3,})\n", section).group(1)
    assert len(fence) > 5   # longer than the longest backtick run in the message
    opening = section.index("\n" + fence + "\n")
    closing = section.index("\n" + fence + "\n", opening + len(fence) + 1)
    assert "# not a heading" in section[opening:closing] and "five" in section[opening:closing]


def test_every_report_escapes_text_that_reached_results_json_unclean():
    """Defence in depth: results.json written by an older grader (or edited) still shows inert."""
    raw = GradeResult.from_gradescope({"tests": [{"name": "relu \x1b]0;t\x07", "score": 0, "max_score": 1,
                                                  "status": "failed", "output": HOSTILE_TEXT,
                                                  "extra_data": {"id": "relu", "outcome": "exception"}}]})
    table = render_table(raw, width=200)
    assert "\x1b" not in table and "\x07" not in table and "\x9b" not in table
    markdown = render_markdown(raw)
    assert "\x1b" not in markdown
    assert re.search(r"\n(`{6,})\n.*five.*\n\1\n", markdown, re.S), markdown


def test_the_trusted_memory_cap_is_not_inherited_by_the_sandbox(tmp_path, toy_submission, launcher_settings):
    # 1 GiB touched in the student process, under its own 2 GiB cap but over the trusted one
    # (in bwrap, and in a container whose engine client is a child of the trusted process).
    sub = with_relu(toy_submission, """
        import numpy as np
        hoard = np.ones((1 << 30) // 8)
        return np.maximum(x, 0) + 0 * hoard[:1]
    """)
    limits = Limits(check_timeout_s=60, run_timeout_s=300, memory_mb=2048, max_processes=64,
                    trusted_memory_mb=TIGHT_TRUSTED_MB)
    result = grade(sub, assignment=TOY, settings=Settings(var_dir=tmp_path / "var", **launcher_settings),
                   limits=limits)
    outcome, relu = relu_result(result)
    assert outcome == "passed", relu.message


def test_a_trusted_process_over_its_memory_cap_ends_the_run_as_a_grader_failure(tmp_path, toy_submission):
    """Whatever slips past validation: the trusted process meets its cap, and the run ends as
    our failure (not gradable, staff's to look at), not a crash of the worker (this process)."""
    import shutil

    master = tmp_path / "toy-master"
    shutil.copytree(TOY, master, ignore=shutil.ignore_patterns("__pycache__"))
    checks = master / "grading" / "test_toy.py"
    checks.write_text(checks.read_text().replace(
        "    x = np.array([1.0, 2.0])\n", "    x = np.array([1.0, 2.0])\n    hoard = np.ones((1 << 30) // 8)\n"))
    limits = Limits(check_timeout_s=30, run_timeout_s=300, memory_mb=1024, max_processes=64,
                    trusted_memory_mb=TIGHT_TRUSTED_MB)
    result = grade(toy_submission, assignment=master, settings=Settings(var_dir=tmp_path / "var"), limits=limits)
    assert not result.gradable
    # What happened is said to staff (the reason, or staff_detail where results keep one apart).
    said = f"{result.reason} {getattr(result, 'staff_detail', '')}"
    assert f"memory cap of {TIGHT_TRUSTED_MB} MiB" in said and "GRADELAB_TRUSTED_MEMORY_MB" in said, said
    assert getattr(result, "failure", None) in (None, "infrastructure")


@pytest.mark.slow
def test_an_a2_solver_that_reports_a_4_million_point_loss_history(tmp_path):
    """The course's captioning solver patched by the submission to pad its loss history to
    4M points after training for real: the check passes on what was learned, results.json
    stays small, and the trusted process stays under a cap near the reference's own needs."""
    import dataclasses

    from tests.grader.a2_submissions import RNN_MODEL, Edit, Mutant, reference_submission

    padded = Mutant("a 4M-point loss history", (Edit(RNN_MODEL, "import torch\n", (
        "import torch\n\nfrom .. import captioning_solver_pytorch as _solver\n\n"
        "_train = _solver.CaptioningSolverPytorch.train\n\n\n"
        "def _train_and_pad(self):\n"
        "    _train(self)\n"
        "    self.loss_history = list(self.loss_history) + [self.loss_history[-1]] * 4_000_000\n\n\n"
        "_solver.CaptioningSolverPytorch.train = _train_and_pad\n")),), part="RNN_Captioning_pytorch")
    settings = Settings()
    limits = dataclasses.replace(Limits.from_settings(settings, "smoke"), trusted_memory_mb=A2_TRUSTED_MB)
    result = grade(padded.apply(reference_submission(tmp_path / "a2")), assignment="a2", profile="smoke",
                   sandbox="bwrap", settings=settings, limits=limits, parts=[padded.part], keep_dir=tmp_path / "keep")
    assert result.gradable, result.reason
    overfit = next(t for t in result.tests if t.id == "captioning_overfit")
    assert overfit.outcome == "passed", overfit.message
    series = next(iter(overfit.details["series"].values()))
    assert series["length"] == 4_000_100 and len(series["values"]) <= limits.series_max_points
    assert (tmp_path / "keep" / "results.json").stat().st_size < 1_000_000


@pytest.mark.slow
def test_part_v_predictions_of_20_million_rows_fail_on_their_shape(tmp_path):
    """The observed case: Part V's predictions of shape (20M, 1) against the evaluation labels.
    A class body in the notebook (run when the loader builds its definitions) replaces the
    sandbox's training scenario for the challenge model; the check fails on the shape, and
    the trusted process stays under the cap (a (20M, N) comparison would need gigabytes)."""
    import dataclasses

    from tests.grader.a2_submissions import reference_submission

    submission = reference_submission(tmp_path / "a2")
    notebook = json.loads((submission / "PyTorch.ipynb").read_text())
    notebook["cells"].append({"cell_type": "code", "id": "twenty-million-rows", "metadata": {}, "outputs": [],
                              "execution_count": None,
                              "source": (
        "class TwentyMillionRows:\n"
        "    import sys\n"
        "    scenarios = sys.modules['scenarios.pytorch_notebook']\n"
        "    real = scenarios.train_built\n\n"
        "    def fake(impl, builder, *args, real=real, **kwargs):\n"
        "        if builder != 'make_challenge_model':\n"
        "            return real(impl, builder, *args, **kwargs)\n"
        "        import numpy as np\n"
        "        return {'asked_epochs': 1, 'epochs': 1, 'losses': np.zeros(3),\n"
        "                'predictions': np.zeros((20_000_000, 1), dtype=np.int8)}\n\n"
        "    scenarios.train_built = fake\n")})
    (submission / "PyTorch.ipynb").write_text(json.dumps(notebook))
    settings = Settings()
    limits = dataclasses.replace(Limits.from_settings(settings, "smoke"), trusted_memory_mb=A2_TRUSTED_MB)
    result = grade(submission, assignment="a2", profile="smoke", sandbox="bwrap", settings=settings, limits=limits,
                   parts=["PyTorch"])
    assert result.gradable, result.reason
    part5 = next(t for t in result.tests if t.id == "pt_part5_challenge")
    assert part5.outcome == "wrong", part5.message
    assert re.search(r"the predictions: expected shape \(\d+,\), got \(20000000, 1\)", part5.message), part5.message
