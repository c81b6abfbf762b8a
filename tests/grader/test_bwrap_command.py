"""The bubblewrap command line: bwrap mounts in argument order, so order is behaviour."""

import os
from pathlib import Path

import pytest

from grader.sandbox import bwrap
from grader.sandbox.base import SandboxSpec
from grader.sandbox.sandbox_files import stage_dir


def mounts(argv: list[str]) -> list[tuple[str, str]]:
    """(option, destination) for every mount option, in the order bwrap applies them."""
    found = []
    for i, arg in enumerate(argv):
        if arg in ("--ro-bind", "--bind", "--dev-bind", "--symlink"):
            found.append((arg, argv[i + 2]))
        elif arg in ("--tmpfs", "--proc", "--dev", "--remount-ro"):
            found.append((arg, argv[i + 1]))
    return found


def sources(argv: list[str]) -> dict[str, str]:
    """destination -> source of every bind."""
    return {argv[i + 2]: argv[i + 1] for i, arg in enumerate(argv) if arg in ("--ro-bind", "--dev-bind")}


@pytest.fixture
def spec(tmp_path) -> SandboxSpec:
    return SandboxSpec(runtime_dir=tmp_path / "runtime", submission_dir=tmp_path / "sub", package="cs231n",
                       inputs_dir=tmp_path / "inputs")


def test_a_python_living_under_tmp_is_bound_on_top_of_the_private_tmp(spec, monkeypatch):
    # A clean clone under /tmp has its venv there; a tmpfs mounted after its bind hid the
    # interpreter and no sandbox could start.
    monkeypatch.setattr(bwrap, "python_roots", lambda python: [Path("/tmp/clone/.venv")])
    order = mounts(bwrap.BwrapLauncher().command(spec))
    assert order.index(("--ro-bind", "/tmp/clone/.venv")) > order.index(("--tmpfs", "/tmp"))
    assert order[-5:] == [("--ro-bind", "/runtime"), ("--ro-bind", "/submission"), ("--ro-bind", "/inputs"),
                          ("--remount-ro", "/dev"), ("--remount-ro", "/")]


def test_gpu_nodes_are_bound_on_top_of_the_fresh_dev(spec, monkeypatch):
    monkeypatch.setattr(bwrap.glob, "glob", lambda pattern: ["/dev/nvidia0", "/dev/nvidiactl"])
    cuda = SandboxSpec(**{**spec.__dict__, "device": "cuda"})
    order = mounts(bwrap.BwrapLauncher().command(cuda))
    assert order.index(("--dev-bind", "/dev/nvidia0")) > order.index(("--dev", "/dev"))
    assert ("--dev-bind", "/dev/nvidia0") not in mounts(bwrap.BwrapLauncher().command(spec))


def test_the_running_python_is_among_the_binds(spec):
    bound = {dest for option, dest in mounts(bwrap.BwrapLauncher().command(spec)) if option == "--ro-bind"}
    assert any(Path(spec.python).resolve().is_relative_to(root) for root in map(Path, bound))


def test_the_host_global_parts_of_proc_are_read_only_or_hidden_and_sys_is_absent(spec):
    argv = bwrap.BwrapLauncher().command(spec)
    order = mounts(argv)
    assert order.index(("--ro-bind", "/proc/sys")) > order.index(("--proc", "/proc"))
    assert sources(argv)["/proc/sys"] == "/proc/sys"
    for name in ("kallsyms", "keys", "timer_list", "kcore"):
        if Path(f"/proc/{name}").exists():
            assert sources(argv)[f"/proc/{name}"] == "/dev/null", name
    assert not any(dest == "/sys" or dest.startswith("/sys/") for _, dest in order)


def test_a_normal_home_and_user_database(spec):
    launcher = bwrap.BwrapLauncher()
    argv = launcher.command(spec)
    order = mounts(argv)
    assert {("--tmpfs", "/home/sandbox"), ("--tmpfs", "/tmp"), ("--tmpfs", "/dev/shm")} <= set(order)
    assert order.index(("--tmpfs", "/dev/shm")) > order.index(("--dev", "/dev"))
    files = launcher.files
    for name in ("passwd", "group", "nsswitch.conf", "hosts"):
        assert sources(argv)[f"/etc/{name}"] == str(files.etc(name))
    passwd = files.etc("passwd").read_text()
    user = launcher.user
    assert f"sandbox:x:{user.uid}:{user.gid}:GradeLab sandbox:/home/sandbox:" in passwd
    assert argv[argv.index("--uid") + 1] == str(user.uid) and argv[argv.index("--gid") + 1] == str(user.gid)
    env = launcher.environment(spec)
    assert (env["USER"], env["LOGNAME"], env["HOME"]) == ("sandbox", "sandbox", "/home/sandbox")
    assert all(env[name].startswith("/home/sandbox/") for name in ("XDG_CACHE_HOME", "TORCH_HOME", "MPLCONFIGDIR"))


def test_the_seccomp_program_comes_on_the_descriptor_start_opens(spec):
    argv = bwrap.BwrapLauncher().command(spec, seccomp_fd=7)
    assert argv[argv.index("--seccomp") + 1] == "7"
    assert argv.index("--seccomp") < argv.index("--")
    assert "--disable-userns" in argv and argv[argv.index("--cap-drop") + 1] == "ALL"


@pytest.mark.skipif(os.geteuid() != 0, reason="only a root grader switches users")
def test_as_root_the_sandbox_is_the_dedicated_user_and_its_sources_are_staged(spec):
    import pwd

    launcher = bwrap.BwrapLauncher()
    assert launcher.user.uid == pwd.getpwnam("gradelab-sandbox").pw_uid != 0
    argv = launcher.command(spec)
    stage = stage_dir()
    staged = launcher.staged_sources(spec)
    assert sources(argv)["/submission"] == str(stage / str(staged.index(spec.submission_dir)))
    assert sources(argv)["/inputs"] == str(stage / str(staged.index(spec.inputs_dir)))
    setup = launcher.child_setup(spec, None)
    assert setup.user == launcher.user and setup.sources == staged and setup.stage == stage
