"""The first code the student process runs, inside the sandbox, before any student code.

Not imported by the grader: the launchers pass this file's source as ``python -I -B -c``
(see ``grader.sandbox.base.BOOTSTRAP``), followed by the student side's arguments and, for
the container launcher, these two of its own:

``--seccomp FILE``
    Install the sandbox's seccomp program (``grader.sandbox.seccomp``) on top of whatever
    the engine set: filters stack, and the strictest answer wins.
``--container-init``
    Stay as the container's first process, run the student process as its child, and when
    that ends exit with its status (128+N for signal N, as bwrap and the engines report
    it), or with ``KILLED_FOR_MEMORY`` when the container's memory cgroup counts an OOM
    kill: engines do not all tell (podman on cgroup v1 does not). The student process
    cannot kill this one: the first process of a PID namespace gets no signal it has no
    handler for.

Then it finds the runtime (``--runtime DIR``) and hands over to ``student_side.serve``.
Standard library only.
"""

import sys

KILLED_FOR_MEMORY = 250
argv = sys.argv


def _take(option, with_value):
    """Remove ``option`` (and its value) from argv; the value, True, or None if absent."""
    if option not in argv:
        return None
    at = argv.index(option)
    value = argv[at + 1] if with_value else True
    del argv[at:at + (2 if with_value else 1)]
    return value


def _install_seccomp(path):
    import ctypes
    import os

    with open(path, "rb") as handle:
        program = handle.read()

    class Program(ctypes.Structure):
        _fields_ = [("len", ctypes.c_ushort), ("filter", ctypes.c_void_p)]

    code = ctypes.create_string_buffer(program, len(program))
    fprog = Program(len(program) // 8, ctypes.cast(code, ctypes.c_void_p))
    libc = ctypes.CDLL(None, use_errno=True)
    ulong = ctypes.c_ulong
    # PR_SET_NO_NEW_PRIVS (38), then PR_SET_SECCOMP (22) with SECCOMP_MODE_FILTER (2)
    if libc.prctl(38, ulong(1), ulong(0), ulong(0), ulong(0)) != 0 \
            or libc.prctl(22, ulong(2), ctypes.byref(fprog), ulong(0), ulong(0)) != 0:
        raise SystemExit("the sandbox could not install its seccomp filter: " + os.strerror(ctypes.get_errno()))


def _oom_kills():
    """OOM kills the container's memory cgroup counted (cgroup v2 or v1), 0 if unknown."""
    for path in ("/sys/fs/cgroup/memory.events", "/sys/fs/cgroup/memory/memory.oom_control"):
        try:
            with open(path) as handle:
                for line in handle:
                    key, _, value = line.partition(" ")
                    if key == "oom_kill":
                        return int(value)
        except (OSError, ValueError):
            continue
    return 0


def _stay_as_init():
    """Fork: the child goes on to be the student process; this one waits and reports."""
    import os

    child = os.fork()
    if child == 0:
        return
    os.close(0)   # the protocol is the child's: when it ends, the grader must see the end
    os.close(1)
    status = 1
    while True:
        try:
            pid, code = os.wait()
        except ChildProcessError:
            break
        if pid == child:
            status = os.waitstatus_to_exitcode(code)
            status = 128 - status if status < 0 else status
            break
    if _oom_kills() > 0:
        status = KILLED_FOR_MEMORY
    elif status == KILLED_FOR_MEMORY:
        status = KILLED_FOR_MEMORY - 1   # the number is ours: say 249 rather than lie
    os._exit(status)


def main():
    seccomp = _take("--seccomp", with_value=True)
    if seccomp:
        _install_seccomp(seccomp)
    if _take("--container-init", with_value=False):
        _stay_as_init()
    sys.path.insert(0, argv[argv.index("--runtime") + 1])
    from student_side.serve import main as serve

    raise SystemExit(serve())


if __name__ == "__main__":
    main()
