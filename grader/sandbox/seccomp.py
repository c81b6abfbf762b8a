"""The seccomp filter of the sandbox: system calls a submission never needs are refused.

A classic BPF program (what ``bwrap --seccomp FD`` and ``prctl(PR_SET_SECCOMP)`` take),
generated here for x86_64 and aarch64. It refuses, with EPERM:

- new namespaces: ``unshare``, ``setns``, and ``clone`` with any CLONE_NEW* flag;
- mounting: ``mount``, ``umount2``, ``pivot_root``, ``chroot`` and the new mount API
  (``open_tree``, ``move_mount``, ``fsopen``, ``fsconfig``, ``fsmount``, ``fspick``,
  ``mount_setattr``);
- other processes' memory: ``ptrace``, ``process_vm_readv``/``writev``, ``pidfd_getfd``,
  ``process_madvise``;
- the kernel's own interfaces: keyrings (``keyctl``, ``add_key``, ``request_key``), ``bpf``,
  ``perf_event_open``, ``userfaultfd``, ``io_uring_*``, ``fanotify_init``, kexec, module
  loading, ``open_by_handle_at``, ``reboot``, swap, ``syslog``, ``acct``, quotas, clocks,
  host and domain names, ``vhangup``, x86 port I/O.

``clone3`` gets ENOSYS instead: its flags sit in memory a filter cannot read, and libc
falls back to ``clone`` (whose flags it can) when the kernel says it has no clone3.
System calls of any other ABI (i386 or x32 on x86_64, arm32 on aarch64) kill the process:
their numbers differ, so the list above would not hold for them, and no Python uses them.
Everything else is allowed; the other layers (an unprivileged user, namespaces, read-only
mounts, no network, cgroups) keep it harmless.

    program = syscall_filter()            # for this machine
    program = syscall_filter("aarch64")   # bytes: struct sock_filter[], native byte order
"""

from __future__ import annotations

import errno
import platform
import struct
from dataclasses import dataclass

# --- Linux constants (include/uapi/linux/{audit,seccomp,filter,sched}.h) ---------------
AUDIT_ARCH = {"x86_64": 0xC000003E, "aarch64": 0xC00000B7}
X32_SYSCALL_BIT = 0x40000000

SECCOMP_RET_KILL_PROCESS = 0x80000000
SECCOMP_RET_ERRNO = 0x00050000
SECCOMP_RET_ALLOW = 0x7FFF0000

BPF_LD_W_ABS = 0x20    # BPF_LD | BPF_W | BPF_ABS
BPF_JEQ_K = 0x15       # BPF_JMP | BPF_JEQ | BPF_K
BPF_JGE_K = 0x35       # BPF_JMP | BPF_JGE | BPF_K
BPF_JSET_K = 0x45      # BPF_JMP | BPF_JSET | BPF_K
BPF_RET_K = 0x06       # BPF_RET | BPF_K

# struct seccomp_data: int nr; __u32 arch; __u64 instruction_pointer; __u64 args[6].
OFFSET_NR, OFFSET_ARCH, OFFSET_ARG0_LOW = 0, 4, 16   # little-endian: args[0]'s low word

#: The CLONE_NEW* flags clone() takes (CLONE_NEWTIME shares its bit with the exit signal
#: there, and only unshare/clone3 take it: both are refused whole).
CLONE_NAMESPACE_FLAGS = (
    0x00020000    # CLONE_NEWNS
    | 0x02000000  # CLONE_NEWCGROUP
    | 0x04000000  # CLONE_NEWUTS
    | 0x08000000  # CLONE_NEWIPC
    | 0x10000000  # CLONE_NEWUSER
    | 0x20000000  # CLONE_NEWPID
    | 0x40000000  # CLONE_NEWNET
)

#: System call numbers (arch/x86/entry/syscalls/syscall_64.tbl and include/uapi/asm-generic/
#: unistd.h, which aarch64 uses). tests/sandbox/test_seccomp.py checks them against the
#: machine's headers where those are installed.
SYSCALLS: dict[str, dict[str, int]] = {
    "x86_64": {
        "clone": 56, "clone3": 435,
        "unshare": 272, "setns": 308,
        "mount": 165, "umount2": 166, "pivot_root": 155, "chroot": 161,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "mount_setattr": 442,
        "ptrace": 101, "process_vm_readv": 310, "process_vm_writev": 311, "pidfd_getfd": 438,
        "process_madvise": 440,
        "keyctl": 250, "add_key": 248, "request_key": 249,
        "bpf": 321, "perf_event_open": 298, "userfaultfd": 323,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "fanotify_init": 300,
        "kexec_load": 246, "kexec_file_load": 320,
        "init_module": 175, "finit_module": 313, "delete_module": 176,
        "open_by_handle_at": 304, "reboot": 169, "swapon": 167, "swapoff": 168,
        "syslog": 103, "acct": 163, "quotactl": 179, "quotactl_fd": 443, "lookup_dcookie": 212,
        "settimeofday": 164, "clock_settime": 227, "clock_adjtime": 305,
        "sethostname": 170, "setdomainname": 171, "vhangup": 153,
        "iopl": 172, "ioperm": 173, "uselib": 134, "_sysctl": 156, "nfsservctl": 180,
    },
    "aarch64": {
        "clone": 220, "clone3": 435,
        "unshare": 97, "setns": 268,
        "mount": 40, "umount2": 39, "pivot_root": 41, "chroot": 51,
        "open_tree": 428, "move_mount": 429, "fsopen": 430, "fsconfig": 431, "fsmount": 432,
        "fspick": 433, "mount_setattr": 442,
        "ptrace": 117, "process_vm_readv": 270, "process_vm_writev": 271, "pidfd_getfd": 438,
        "process_madvise": 440,
        "keyctl": 219, "add_key": 217, "request_key": 218,
        "bpf": 280, "perf_event_open": 241, "userfaultfd": 282,
        "io_uring_setup": 425, "io_uring_enter": 426, "io_uring_register": 427, "fanotify_init": 262,
        "kexec_load": 104, "kexec_file_load": 294,
        "init_module": 105, "finit_module": 273, "delete_module": 106,
        "open_by_handle_at": 265, "reboot": 142, "swapon": 224, "swapoff": 225,
        "syslog": 116, "acct": 89, "quotactl": 60, "quotactl_fd": 443, "lookup_dcookie": 18,
        "settimeofday": 170, "clock_settime": 112, "clock_adjtime": 266,
        "sethostname": 161, "setdomainname": 162, "vhangup": 58, "nfsservctl": 42,
    },
}

#: Refused whole with EPERM (every name of the tables but clone and clone3).
REFUSED = tuple(sorted({name for table in SYSCALLS.values() for name in table} - {"clone", "clone3"}))


class UnsupportedArchitecture(RuntimeError):
    """No filter is defined for this machine's architecture."""


@dataclass(frozen=True)
class Instruction:
    """One ``struct sock_filter``; jumps name labels until :func:`_assemble` resolves them."""

    code: int
    k: int = 0
    jt: int | str = 0
    jf: int | str = 0


def machine_architecture() -> str:
    machine = platform.machine().lower()
    return {"amd64": "x86_64", "arm64": "aarch64"}.get(machine, machine)


def syscall_filter(arch: str | None = None) -> bytes:
    """The filter program for ``arch`` (default: this machine) as sock_filter bytes."""
    arch = arch or machine_architecture()
    if arch not in SYSCALLS:
        raise UnsupportedArchitecture(
            f"no seccomp filter is defined for {arch}: the sandbox supports {', '.join(SYSCALLS)}")
    table = SYSCALLS[arch]
    program = [
        Instruction(BPF_LD_W_ABS, OFFSET_ARCH),
        Instruction(BPF_JEQ_K, AUDIT_ARCH[arch], jt=0, jf="kill"),
        Instruction(BPF_LD_W_ABS, OFFSET_NR),
    ]
    if arch == "x86_64":
        program.append(Instruction(BPF_JGE_K, X32_SYSCALL_BIT, jt="kill", jf=0))
    program += [
        Instruction(BPF_JEQ_K, table["clone3"], jt="enosys", jf=0),
        Instruction(BPF_JEQ_K, table["clone"], jt="clone", jf=0),
    ]
    for number in sorted({table[name] for name in REFUSED if name in table}):
        program.append(Instruction(BPF_JEQ_K, number, jt="eperm", jf=0))
    labels = {}
    program.append(Instruction(BPF_RET_K, SECCOMP_RET_ALLOW))
    labels["clone"] = len(program)
    program += [
        Instruction(BPF_LD_W_ABS, OFFSET_ARG0_LOW),
        Instruction(BPF_JSET_K, CLONE_NAMESPACE_FLAGS, jt="eperm", jf=0),
        Instruction(BPF_RET_K, SECCOMP_RET_ALLOW),
    ]
    labels["eperm"] = len(program)
    program.append(Instruction(BPF_RET_K, SECCOMP_RET_ERRNO | errno.EPERM))
    labels["enosys"] = len(program)
    program.append(Instruction(BPF_RET_K, SECCOMP_RET_ERRNO | errno.ENOSYS))
    labels["kill"] = len(program)
    program.append(Instruction(BPF_RET_K, SECCOMP_RET_KILL_PROCESS))
    return _assemble(program, labels)


def _assemble(program: list[Instruction], labels: dict[str, int]) -> bytes:
    """Resolve label jumps into the relative offsets BPF takes (0-255 instructions ahead)."""
    out = bytearray()
    for index, instruction in enumerate(program):
        offsets = []
        for target in (instruction.jt, instruction.jf):
            offset = labels[target] - index - 1 if isinstance(target, str) else target
            if not 0 <= offset <= 255:
                raise ValueError(f"jump of {offset} instructions at {index}: BPF jumps reach 255")
            offsets.append(offset)
        out += struct.pack("=HBBI", instruction.code, offsets[0], offsets[1], instruction.k)
    return bytes(out)
