"""Running a master notebook top to bottom, and reading the numbers it printed.

Each run copies solutions/a2 (without grading/) into a fresh directory, links the
synthetic data sets into cs231n/datasets/, and executes the notebook in its own Jupyter
kernel in quick mode (CS231N_QUICK=1) with one BLAS/OpenMP thread: on a 2-core runner
shared with another test worker, extra threads only spin against each other (a 7-second
training cell took minutes with them).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import nbformat
import numpy as np
import pytest
from nbclient import NotebookClient

REPO_ROOT = Path(__file__).resolve().parents[2]
ASSIGNMENT_DIR = REPO_ROOT / "solutions" / "a2"

#: A cell running longer than this is stuck: the slowest (Part V's quick epoch) takes 10-50 s.
CELL_TIMEOUT_S = 300
DATA_SETS = ("cifar-10-batches-py", "coco_captioning")


def synthetic_data_dir() -> Path:
    """The smoke profile's synthetic sets (written once per machine, shared with the grader)."""
    from gradelab.settings import get_settings
    from grader.datasets.synth import ensure_synthetic

    return ensure_synthetic(get_settings().profile_data_dir("smoke"))


def execute(name: str, workdir: Path, data_dir: Path) -> nbformat.NotebookNode:
    """Run ``<name>`` (e.g. "Dropout.ipynb") in a copy of the master at ``workdir``."""
    shutil.copytree(ASSIGNMENT_DIR, workdir,
                    ignore=shutil.ignore_patterns("grading", "__pycache__", ".ipynb_checkpoints", *DATA_SETS))
    datasets = workdir / "cs231n" / "datasets"
    datasets.mkdir(parents=True, exist_ok=True)
    for data_name in DATA_SETS:
        (datasets / data_name).symlink_to(data_dir / data_name, target_is_directory=True)
    notebook = nbformat.read(workdir / name, as_version=4)
    with pytest.MonkeyPatch.context() as patch:  # the kernel inherits this environment
        patch.setenv("CS231N_QUICK", "1")
        for variable in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
            patch.setenv(variable, "1")
        NotebookClient(notebook, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                       resources={"metadata": {"path": str(workdir)}}).execute()
    return notebook


def stdout(notebook: nbformat.NotebookNode) -> str:
    return "".join(output["text"] for cell in notebook.cells for output in cell.get("outputs", [])
                   if output.get("output_type") == "stream" and output.get("name") == "stdout")


# --- Reading printed numbers -------------------------------------------------------------
# Labels are matched at the start of a line (after indentation), so that 'h error:' does
# not match 'next_h error:'.

NUMBER = r"([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|nan|inf)"


def _label(label: str) -> str:
    return r"^[ \t]*" + re.escape(label)


def numbers_after(text: str, label: str) -> list[float]:
    """Every number printed right after ``label`` (e.g. 'dx error:'), in order."""
    return [float(m) for m in re.findall(_label(label) + r"\s*" + NUMBER, text, re.MULTILINE)]


def arrays_after(text: str, label: str) -> list[np.ndarray]:
    """Every 1-D numpy array printed right after ``label`` (e.g. 'means:'), in order."""
    found = re.findall(_label(label) + r"\s*\[([^\]]*)\]", text, re.MULTILINE)
    return [np.array(body.split(), dtype=float) for body in found]


def section(text: str, start: str, end: str | None = None) -> str:
    """The output from the first line starting with ``start`` to the next one starting with ``end``."""
    begin = re.search(_label(start), text, re.MULTILINE)
    assert begin, f"nothing printed starting with {start!r}"
    if end is None:
        return text[begin.start():]
    stop = re.compile(_label(end), re.MULTILINE).search(text, begin.end())
    assert stop, f"nothing printed starting with {end!r} after {start!r}"
    return text[begin.start():stop.start()]


def named_errors(text: str, suffix: str) -> dict[str, float]:
    """{param: error} from lines like 'W1 relative error: 1.10e-04'."""
    pattern = r"^[ \t]*(\w+) " + re.escape(suffix) + r"\s*" + NUMBER
    return {name: float(value) for name, value in re.findall(pattern, text, re.MULTILINE)}


def assert_below(values: list[float] | dict[str, float], bound: float, what: str) -> None:
    assert values, f"{what}: nothing printed"
    items = values.items() if isinstance(values, dict) else enumerate(values)
    for key, value in items:
        assert value <= bound, f"{what} [{key}] = {value:.3e}, above the notebook's bound {bound:.0e}"
