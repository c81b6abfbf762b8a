"""Large inputs reach the sandbox as a read-only memory-mapped file, not through the pipe:
the full profile's 49,000 training images were 1.2 GB of float64 joined in memory."""

import numpy as np
import pytest

from grader.grade import _runtime_dir
from grader.sandbox import SandboxSpec
from grader.sandbox.bwrap import BwrapLauncher
from grader.sandbox.limits import Limits
from grader.sandbox.session import StudentSession

pytestmark = [pytest.mark.needs_bwrap, pytest.mark.xdist_group("sandbox")]


def test_a_large_input_is_mapped_read_only_inside_the_bwrap_sandbox(tmp_path, toy, toy_submission):
    if BwrapLauncher().unavailable_reason():
        pytest.skip(BwrapLauncher().unavailable_reason())
    (toy_submission / "toy" / "ops.py").write_text(
        (toy_submission / "toy" / "ops.py").read_text()
        + "\n\ndef probe(x):\n"
          "    import numpy as np\n"
          "    try:\n"
          "        x[0, 0] = 1\n"
          "        writable = True\n"
          "    except ValueError:\n"
          "        writable = False\n"
          "    return np.array([float(x.sum()), float(isinstance(x, np.memmap)), float(writable)])\n")
    _runtime_dir(toy, tmp_path / "runtime")
    (tmp_path / "runtime" / "scenarios" / "probe.py").write_text(
        "def probe(impl, x):\n    return {'out': impl.function('ops', 'probe')(x)}\n")
    inputs = tmp_path / "inputs"
    inputs.mkdir()
    images = np.arange(49 * 3 * 32 * 32 * 100, dtype=np.int64).astype(np.uint8).reshape(4900, 3, 32, 32)  # 15 MB
    spec = SandboxSpec(runtime_dir=tmp_path / "runtime", submission_dir=toy_submission, package="toy",
                       inputs_dir=inputs, limits=Limits(check_timeout_s=60, run_timeout_s=120))
    with StudentSession(BwrapLauncher(), spec) as session:
        total, mapped, writable = session.run("probe.probe", {"x": images})["out"]
    assert total == float(images.sum()) and mapped == 1.0 and writable == 0.0
    assert [path.stat().st_size > images.nbytes for path in inputs.glob("*.npy")] == [True]
