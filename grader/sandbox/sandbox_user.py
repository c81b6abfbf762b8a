"""Who student code runs as: an unprivileged host user, and the user database it sees.

A grader running as root starts every sandbox under a dedicated host account,
``gradelab-sandbox`` (a system user: no password, no login shell, no home). `make
system-deps` creates it; when it is missing at grading time and the grader is root, it is
created then, with ``useradd`` (and a grader that cannot create it refuses to grade, saying
what to run). So whatever a submission does, on the host it is that user: it cannot write
kernel settings, other users' files or anything root owns. Running as root inside a user
namespace is what made /proc/sys writable before: namespaced "root" mapped to host root.

A grader running as any other user cannot switch users; its sandboxes run as itself (in
their own user namespace, mapped to nothing else).

Inside the sandbox the account is called ``sandbox`` (same uid and gid as on the host), with
a private writable home: a normal home for Python, so ``getpass.getuser()``,
``pwd.getpwuid(os.getuid())``, ``~`` and the usual cache directories all work.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import threading
from dataclasses import dataclass

from grader.errors import SandboxUnavailable

HOST_ACCOUNT = "gradelab-sandbox"
NAME = "sandbox"
HOME = "/home/sandbox"
HOSTNAME = "sandbox"

#: What `make system-deps` runs as root; repeated here to say what to do when it is missing.
USERADD = ["useradd", "--system", "--user-group", "--no-create-home", "--home-dir", "/nonexistent",
           "--shell", "/usr/sbin/nologin", "--comment", "GradeLab sandbox (student code)", HOST_ACCOUNT]

_lock = threading.Lock()


@dataclass(frozen=True)
class SandboxUser:
    """The host uid/gid student code runs as, and what it is called inside."""

    uid: int
    gid: int
    dedicated: bool   # the gradelab-sandbox account (grader is root); else the grader's own user

    @classmethod
    def for_this_grader(cls) -> SandboxUser:
        """The dedicated account when the grader is root (created if missing), else the
        grader's own user. Raises SandboxUnavailable when root cannot create the account."""
        if os.geteuid() != 0:
            return cls(os.getuid(), os.getgid(), dedicated=False)
        with _lock:
            account = _lookup(HOST_ACCOUNT) or _create()
        return cls(account.pw_uid, account.pw_gid, dedicated=True)

    @property
    def switches_user(self) -> bool:
        """Whether starting a sandbox must drop from root to this user."""
        return self.dedicated and os.geteuid() == 0

    # --- what the sandbox sees --------------------------------------------------------
    def etc_files(self) -> dict[str, str]:
        """/etc files the sandbox gets (name -> content): its own user database and hosts."""
        users = ["root:x:0:0:root:/root:/usr/sbin/nologin",
                 f"{NAME}:x:{self.uid}:{self.gid}:GradeLab sandbox:{HOME}:/usr/sbin/nologin"]
        groups = ["root:x:0:", f"{NAME}:x:{self.gid}:"]
        if self.uid != 65534:
            users.append("nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin")
        if self.gid != 65534:
            groups.append("nogroup:x:65534:")
        return {
            "passwd": "\n".join(users) + "\n",
            "group": "\n".join(groups) + "\n",
            "hosts": f"127.0.0.1\tlocalhost {HOSTNAME}\n::1\tlocalhost ip6-localhost ip6-loopback\n",
            "nsswitch.conf": "passwd: files\ngroup: files\nshadow: files\nhosts: files\n",
        }

    def environment(self) -> dict[str, str]:
        """Who the process is and where its home and caches are (all under the private home)."""
        return {
            "USER": NAME,
            "LOGNAME": NAME,
            "HOME": HOME,
            "XDG_CACHE_HOME": f"{HOME}/.cache",
            "XDG_CONFIG_HOME": f"{HOME}/.config",
            "XDG_DATA_HOME": f"{HOME}/.local/share",
            "MPLCONFIGDIR": f"{HOME}/.config/matplotlib",
            "TORCH_HOME": f"{HOME}/.cache/torch",
        }

    def describe(self) -> str:
        if self.dedicated:
            return f"host user {HOST_ACCOUNT} (uid {self.uid}), not root"
        kind = "root" if self.uid == 0 else "not root"
        return f"the grader's own user (uid {self.uid}, {kind})"


def _lookup(name: str) -> pwd.struct_passwd | None:
    try:
        return pwd.getpwnam(name)
    except KeyError:
        return None


def _create() -> pwd.struct_passwd:
    command = " ".join(USERADD)
    if shutil.which("useradd") is None:
        raise SandboxUnavailable(
            f"the sandbox user {HOST_ACCOUNT} does not exist and this machine has no useradd: "
            f"create a system user {HOST_ACCOUNT} (no login, no home) and grade again")
    completed = subprocess.run(USERADD, capture_output=True, text=True, check=False)
    account = _lookup(HOST_ACCOUNT)   # another worker may have created it in between
    if account is None:
        raise SandboxUnavailable(
            f"the sandbox user {HOST_ACCOUNT} does not exist and could not be created "
            f"({completed.stderr.strip() or f'useradd exited with {completed.returncode}'}): "
            f"run `make system-deps` or `{command}` as root")
    return account

