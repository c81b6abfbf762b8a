"""The seccomp program, run through a small classic-BPF interpreter for both architectures
(the real filter is exercised by the attacks in test_kernel_interfaces.py), and its
system call numbers checked against the machine's kernel headers."""

from __future__ import annotations

import errno
import re
import struct
from pathlib import Path

import pytest

from grader.sandbox import seccomp
from grader.sandbox.seccomp import (
    AUDIT_ARCH,
    REFUSED,
    SECCOMP_RET_ALLOW,
    SECCOMP_RET_ERRNO,
    SECCOMP_RET_KILL_PROCESS,
    SYSCALLS,
    syscall_filter,
)

EPERM = SECCOMP_RET_ERRNO | errno.EPERM
ENOSYS = SECCOMP_RET_ERRNO | errno.ENOSYS
AUDIT_ARCH_I386, AUDIT_ARCH_ARM = 0x40000003, 0x40000028
CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET = 0x10000000, 0x20000, 0x40000000
FORK_FLAGS = 0x01200011           # CLONE_CHILD_SETTID | CLONE_CHILD_CLEARTID | SIGCHLD (glibc's fork)
THREAD_FLAGS = 0x003D0F00         # CLONE_VM | CLONE_FS | CLONE_FILES | CLONE_SIGHAND | CLONE_THREAD | ...


def run_filter(program: bytes, arch: int, nr: int, args: tuple[int, ...] = ()) -> int:
    """What the kernel would do: interpret the classic BPF program on one seccomp_data."""
    args = (list(args) + [0] * 6)[:6]
    data = struct.pack("<iIQ6Q", nr, arch, 0, *args)
    instructions = [struct.unpack_from("=HBBI", program, offset) for offset in range(0, len(program), 8)]
    accumulator, pc = 0, 0
    while True:
        code, jt, jf, k = instructions[pc]
        if code == 0x20:                     # ld [k]
            (accumulator,) = struct.unpack_from("<I", data, k)
            pc += 1
        elif code == 0x06:                   # ret k
            return k
        elif code in (0x15, 0x35, 0x45):     # jeq, jge, jset
            taken = {0x15: accumulator == k, 0x35: accumulator >= k, 0x45: bool(accumulator & k)}[code]
            pc += 1 + (jt if taken else jf)
        else:
            raise AssertionError(f"unexpected BPF instruction {code:#x}")


@pytest.fixture(params=sorted(SYSCALLS))
def arch(request):
    return request.param


def test_what_a_submission_never_needs_is_refused_with_eperm(arch):
    program = syscall_filter(arch)
    for name in REFUSED:
        if name in SYSCALLS[arch]:
            assert run_filter(program, AUDIT_ARCH[arch], SYSCALLS[arch][name]) == EPERM, name


def test_clone_is_refused_only_with_namespace_flags(arch):
    program, native, clone = syscall_filter(arch), AUDIT_ARCH[arch], SYSCALLS[arch]["clone"]
    assert run_filter(program, native, clone, (FORK_FLAGS,)) == SECCOMP_RET_ALLOW
    assert run_filter(program, native, clone, (THREAD_FLAGS,)) == SECCOMP_RET_ALLOW
    for flag in (CLONE_NEWUSER, CLONE_NEWNS, CLONE_NEWNET):
        assert run_filter(program, native, clone, (FORK_FLAGS | flag,)) == EPERM


def test_clone3_says_enosys_so_libc_falls_back_to_clone(arch):
    assert run_filter(syscall_filter(arch), AUDIT_ARCH[arch], SYSCALLS[arch]["clone3"]) == ENOSYS


def test_everything_else_is_allowed(arch):
    program = syscall_filter(arch)
    refused = {SYSCALLS[arch][name] for name in REFUSED if name in SYSCALLS[arch]} | {SYSCALLS[arch]["clone3"]}
    for nr in range(0, 460):
        if nr not in refused and nr != SYSCALLS[arch]["clone"]:
            assert run_filter(program, AUDIT_ARCH[arch], nr) == SECCOMP_RET_ALLOW, nr


def test_other_abis_are_killed_since_their_numbers_differ():
    assert run_filter(syscall_filter("x86_64"), AUDIT_ARCH_I386, 1) == SECCOMP_RET_KILL_PROCESS
    assert run_filter(syscall_filter("x86_64"), AUDIT_ARCH["x86_64"], 0x40000000 + 272) == SECCOMP_RET_KILL_PROCESS
    assert run_filter(syscall_filter("aarch64"), AUDIT_ARCH_ARM, 1) == SECCOMP_RET_KILL_PROCESS
    assert run_filter(syscall_filter("aarch64"), AUDIT_ARCH["x86_64"], 0) == SECCOMP_RET_KILL_PROCESS


def test_an_unknown_architecture_is_refused_with_a_clear_error():
    with pytest.raises(seccomp.UnsupportedArchitecture, match="supports x86_64, aarch64"):
        syscall_filter("riscv64")


HEADERS = {"x86_64": Path("/usr/include/x86_64-linux-gnu/asm/unistd_64.h"),
           "aarch64": Path("/usr/include/asm-generic/unistd.h")}


@pytest.mark.parametrize("name", sorted(HEADERS))
def test_the_numbers_are_the_kernel_s(name):
    header = HEADERS[name]
    if not header.exists():
        pytest.skip(f"{header} is not installed (linux-libc-dev)")
    defined = {match[0]: int(match[1]) for match in
               re.findall(r"#define __NR(?:3264)?_(\w+)\s+(\d+)", header.read_text())}
    for syscall, number in SYSCALLS[name].items():
        assert defined.get(syscall) == number, (name, syscall, number, defined.get(syscall))
