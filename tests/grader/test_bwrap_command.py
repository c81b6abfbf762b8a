"""The bubblewrap command line: bwrap mounts in argument order, so order is behaviour."""

from pathlib import Path

import pytest

from grader.sandbox import bwrap
from grader.sandbox.base import SandboxSpec


def mounts(argv: list[str]) -> list[tuple[str, str]]:
    """(option, destination) for every mount option, in the order bwrap applies them."""
    found = []
    for i, arg in enumerate(argv):
        if arg in ("--ro-bind", "--bind", "--dev-bind", "--symlink"):
            found.append((arg, argv[i + 2]))
        elif arg in ("--tmpfs", "--proc", "--dev"):
            found.append((arg, argv[i + 1]))
    return found


@pytest.fixture
def spec(tmp_path) -> SandboxSpec:
    return SandboxSpec(runtime_dir=tmp_path / "runtime", submission_dir=tmp_path / "sub", package="cs231n")


def test_a_python_living_under_tmp_is_bound_on_top_of_the_private_tmp(spec, monkeypatch):
    # A clean clone under /tmp has its venv there; a tmpfs mounted after its bind hid the
    # interpreter and no sandbox could start.
    monkeypatch.setattr(bwrap, "python_roots", lambda python: [Path("/tmp/clone/.venv")])
    order = mounts(bwrap.BwrapLauncher().command(spec))
    assert order.index(("--ro-bind", "/tmp/clone/.venv")) > order.index(("--tmpfs", "/tmp"))
    assert order[-2:] == [("--ro-bind", "/runtime"), ("--ro-bind", "/submission")]


def test_gpu_nodes_are_bound_on_top_of_the_fresh_dev(spec, monkeypatch):
    monkeypatch.setattr(bwrap.glob, "glob", lambda pattern: ["/dev/nvidia0", "/dev/nvidiactl"])
    cuda = SandboxSpec(**{**spec.__dict__, "device": "cuda"})
    order = mounts(bwrap.BwrapLauncher().command(cuda))
    assert order.index(("--dev-bind", "/dev/nvidia0")) > order.index(("--dev", "/dev"))
    assert ("--dev-bind", "/dev/nvidia0") not in mounts(bwrap.BwrapLauncher().command(spec))


def test_the_running_python_is_among_the_binds(spec):
    bound = {dest for option, dest in mounts(bwrap.BwrapLauncher().command(spec)) if option == "--ro-bind"}
    assert any(Path(spec.python).resolve().is_relative_to(root) for root in map(Path, bound))
