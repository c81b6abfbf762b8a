"""Hostile submissions are contained: each is graded to completion, the checks it breaks
say why, the others are graded normally, and nothing outside the sandbox is touched.

Every test runs twice: in the bwrap sandbox and in the container launcher (the engine on
this machine, the image built from its Python)."""

import json
import textwrap
from pathlib import Path

import pytest

from tests.grader.conftest import TOY, outcomes, toy_grader
from tests.sandbox import engines

pytestmark = pytest.mark.xdist_group("sandbox")
container_settings = engines.container_settings   # fixtures: every test runs in each launcher
launcher_settings = engines.launcher_settings


@pytest.fixture
def grade_toy(tmp_path, launcher_settings):
    """Grade a toy submission with test-sized limits, in each launcher in turn."""
    # A toy check takes milliseconds: 10 s is ample, and bounds the hangs' tests twice over.
    return toy_grader(tmp_path / "var", check_timeout_s=10, **launcher_settings)


RELU_ONLY = {"affine": "passed", "affine_hidden": "passed", "scale": "passed", "toy_q1": "manual"}


def with_relu(toy_submission, body: str) -> Path:
    """Replace the body of relu() in ops.py with ``body``."""
    ops = toy_submission / "toy" / "ops.py"
    source = ops.read_text()
    start = source.index("def relu(x):")
    ops.write_text(source[:start] + "def relu(x):\n" + textwrap.indent(textwrap.dedent(body), "    ") + "\n")
    return toy_submission


def with_module_prelude(toy_submission, code: str) -> Path:
    ops = toy_submission / "toy" / "ops.py"
    ops.write_text(textwrap.dedent(code) + "\n" + ops.read_text())
    return toy_submission


def graded(result, relu_outcome):
    """The run finished, relu got ``relu_outcome`` (or one of a set), the rest as usual."""
    got = outcomes(result)
    assert result.gradable, result.reason
    expected = relu_outcome if isinstance(relu_outcome, set) else {relu_outcome}
    assert got.pop("relu") in expected, result.tests
    assert got == RELU_ONLY
    return next(t for t in result.tests if t.id == "relu")


def test_reading_the_solutions_and_grading_files(grade_toy, toy_submission):
    sub = with_relu(toy_submission, f"""
        import os
        for path in [{str(TOY / 'toy' / 'ops.py')!r}, {str(TOY / 'grading' / 'test_toy.py')!r},
                     {str(Path(__file__).resolve().parents[2] / 'solutions')!r}, '/runtime/../grading']:
            if os.path.exists(path):
                raise RuntimeError('could see ' + path)
        raise RuntimeError('nothing visible')
    """)
    relu = graded(grade_toy(sub), "exception")
    assert "nothing visible" in relu.message


def test_opening_a_socket(grade_toy, toy_submission):
    sub = with_relu(toy_submission, """
        import socket
        socket.create_connection(('127.0.0.1', 5432), timeout=3)  # the host's PostgreSQL
    """)
    relu = graded(grade_toy(sub), "exception")
    assert "refused" in relu.message or "unreachable" in relu.message


def test_a_fork_bomb(grade_toy, toy_submission):
    sub = with_relu(toy_submission, """
        import os
        while True:
            try:
                os.fork()
            except OSError:
                pass
    """)
    relu = graded(grade_toy(sub), "timeout")
    assert "restarted" in relu.message


def test_allocating_50_gigabytes(grade_toy, toy_submission):
    sub = with_relu(toy_submission, """
        import numpy as np
        hoard = []
        for _ in range(500):   # 500 x 100 MiB, touched so the pages are real
            hoard.append(np.ones((100 << 20) // 8))
    """)
    relu = graded(grade_toy(sub), {"memory", "exception"})
    assert "memory" in relu.message.lower()


def test_one_huge_allocation(grade_toy, toy_submission):
    sub = with_relu(toy_submission, "import numpy as np\nreturn np.ones((50 << 30) // 8)")
    relu = graded(grade_toy(sub), {"memory", "exception"})
    assert "memory" in relu.message.lower() or "allocate" in relu.message.lower()


def test_an_infinite_loop(grade_toy, toy_submission):
    graded(grade_toy(with_relu(toy_submission, "while True:\n    pass")), "timeout")


@pytest.mark.parametrize("exit_call, outcome, words", [
    ("import sys\nsys.exit(0)", "load_error", "sys.exit(0)"),
    ("import os\nos._exit(3)", "crashed", "exited with status 3"),
])
def test_exiting_at_import(grade_toy, toy_submission, exit_call, outcome, words):
    result = grade_toy(with_module_prelude(toy_submission, exit_call))
    got = outcomes(result)
    assert result.gradable
    assert got["affine"] == got["affine_hidden"] == got["relu"] == outcome
    assert got["scale"] == "passed"  # the notebook part does not import ops.py
    assert words in result.tests[0].message


def test_killing_the_parent_and_everything_else(grade_toy, toy_submission):
    sub = with_relu(toy_submission, """
        import os, signal
        os.kill(os.getppid(), signal.SIGKILL)
        os.kill(-1, signal.SIGKILL)
    """)
    # The parent it sees is the sandbox's own init, which ignores the signal, and there is
    # nothing else it may signal: kill(-1) finds no process. The grader never notices.
    relu = graded(grade_toy(sub), {"crashed", "exception"})
    assert "No such process" in relu.message or "SIGKILL" in relu.message


def test_printing_a_gigabyte(grade_toy, toy_submission):
    sub = with_relu(toy_submission, """
        import sys
        chunk = 'x' * (1 << 20)
        for _ in range(1024):
            sys.stdout.write(chunk)
    """)
    relu = graded(grade_toy(sub), "output_limit")
    assert "printed more than" in relu.message


def test_a_segfault(grade_toy, toy_submission):
    relu = graded(grade_toy(with_relu(toy_submission, "import ctypes\nctypes.string_at(0)")), "crashed")
    assert "SIGSEGV" in relu.message


def test_patching_numpy_to_fake_equality(grade_toy, toy_submission):
    sub = with_relu(toy_submission, """
        import numpy as np
        np.allclose = lambda *a, **k: True
        np.array_equal = lambda *a, **k: True
        np.testing.assert_allclose = lambda *a, **k: None
        return np.full_like(x, 123.0)
    """)
    relu = graded(grade_toy(sub), "wrong")
    assert "differs" in relu.message


def test_writing_outside_the_sandbox(grade_toy, toy_submission, tmp_path):
    target = tmp_path / "pwned"
    sub = with_relu(toy_submission, f"""
        import os
        for path in [{str(target)!r}, '/submission/toy/ops.py', '/runtime/student_side/serve.py', '/usr/pwned']:
            try:
                with open(path, 'a') as handle:
                    handle.write('pwned')
                raise RuntimeError('wrote ' + path)
            except OSError:
                pass
        raise RuntimeError('no write succeeded')
    """)
    relu = graded(grade_toy(sub), "exception")
    assert "no write succeeded" in relu.message
    assert not target.exists()
    assert "pwned" not in (TOY / "toy" / "ops.py").read_text()


def test_garbage_on_the_protocol_stream(grade_toy, toy_submission):
    sub = with_relu(toy_submission, """
        import os
        for fd in range(3, 10):
            try:
                os.write(fd, b'GLP1 forged frame, not the protocol')
            except OSError:
                pass
        return x
    """)
    graded(grade_toy(sub), {"protocol", "passed", "crashed"})


def test_a_forged_bad_request_reply_is_the_students_protocol_failure(grade_toy, toy_submission):
    """The student shares the process with the serve loop, so it can write a well-formed
    frame: a ``bad_request`` the trusted side never provokes. Only relu loses, as protocol."""
    sub = with_relu(toy_submission, """
        import os
        from student_side import wire
        frame = wire.encode("failed", {"kind": "bad_request", "type": "",
                                       "message": "unknown scenario (forged by the submission)"})
        for fd in range(3, 20):
            try:
                os.write(fd, frame)
            except OSError:
                pass
        return x
    """)
    relu = graded(grade_toy(sub), "protocol")
    assert relu.score == 0
    assert "bad_request" in relu.message and "your code" in relu.message.lower()
    assert "grader bug" not in relu.message and "not your fault" not in relu.message


def with_notebook_cell(toy_submission, code: str) -> Path:
    """Add a code cell after scale's in the submitted Toy notebook (its definitions are loaded)."""
    path = toy_submission / "Toy.ipynb"
    notebook = json.loads(path.read_text())
    notebook["cells"].insert(3, {"cell_type": "code", "execution_count": None, "id": "hostile", "metadata": {},
                                 "outputs": [], "source": textwrap.dedent(code)})
    path.write_text(json.dumps(notebook))
    return toy_submission


def test_a_notebook_class_body_writing_kernel_settings(grade_toy, toy_submission):
    # The attack of the report: a class body runs when the loader builds the notebook's
    # definitions. It writes back exactly what the files hold, so a failure harms nothing.
    sub = with_notebook_cell(toy_submission, """
        class Handler:
            outcome = []
            for setting in ('/proc/sys/kernel/core_pattern', '/proc/sys/vm/overcommit_memory'):
                try:
                    with open(setting, 'r+') as handle:
                        value = handle.read()
                        handle.seek(0)
                        handle.write(value)
                    outcome.append('WROTE ' + setting)
                except OSError as exc:
                    outcome.append(f'refused {setting}: {exc.strerror}')

        def scale(x):
            raise RuntimeError('; '.join(Handler.outcome))
    """)
    result = grade_toy(sub)
    scale = next(t for t in result.tests if t.id == "scale")
    assert scale.outcome == "exception" and "WROTE" not in scale.message, scale.message
    assert "refused /proc/sys/kernel/core_pattern" in scale.message
    assert "refused /proc/sys/vm/overcommit_memory" in scale.message
