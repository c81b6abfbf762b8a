"""What the sandbox user may read on the host, beyond what the sandbox shows it.

Inside the sandbox only the bound trees exist. These host permissions are the layer
under that, for a process that got out of its mount namespace as the sandbox user:

- the run's trees the sandbox reads (the staged submission, the runtime, the shared
  inputs) are readable by anyone and writable by no one but the grader; they sit in the
  run's work directory, which is 0700 and the grader's, so on the host no one else reaches
  them. The sandbox gets them through its own mounts (see grader.sandbox.child_setup).
- :func:`withhold_from_sandbox`: the grader's state (``var/``: secret.key, the database, the work
  directories, the data sets with their labels) and the assignment's master (solutions,
  rubric) get a POSIX ACL entry giving the sandbox user no access at all, whatever their
  mode says to other users. Their owners' and groups' access is untouched.
"""

from __future__ import annotations

import errno
import os
import struct
from collections.abc import Iterable
from pathlib import Path

from grader.sandbox.sandbox_user import SandboxUser

ACL_XATTR = "system.posix_acl_access"
ACL_VERSION = 2
# Tags of struct posix_acl_xattr_entry (include/uapi/linux/posix_acl.h)
USER_OBJ, USER, GROUP_OBJ, GROUP, MASK, OTHER = 0x01, 0x02, 0x04, 0x08, 0x10, 0x20
UNDEFINED_ID = 0xFFFFFFFF


def withhold_from_sandbox(paths: Iterable[Path]) -> list[Path]:
    """Deny the dedicated sandbox user any access to ``paths`` (those that exist). Only a
    root grader has such a user; otherwise the sandbox is the grader's own user and there
    is no one else to keep out. Returns the paths left unprotected (no ACL support)."""
    if os.geteuid() != 0:
        return []
    user = SandboxUser.for_this_grader()
    return [path for path in dict.fromkeys(Path(p) for p in paths)
            if path.exists() and not withhold(path, user.uid)]


def withhold(path: Path, uid: int) -> bool:
    """Give user ``uid`` no access to ``path`` (an ACL entry; idempotent). False where the
    file system has no ACLs (the caller says so); raises for other failures."""
    try:
        entries = _read_acl(path)
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.ENOTSUP):
            return False
        raise
    if (USER, 0, uid) in entries:
        return True
    entries = [entry for entry in entries if not (entry[0] == USER and entry[2] == uid)]
    entries.append((USER, 0, uid))
    # The mask bounds the group class (named users and groups, the owning group): keep it
    # as wide as what those entries grant, so nobody else loses access.
    group_class = 0
    for tag, perms, _ in entries:
        if tag in (USER, GROUP, GROUP_OBJ):
            group_class |= perms
    entries = [entry for entry in entries if entry[0] != MASK] + [(MASK, group_class, UNDEFINED_ID)]
    try:
        os.setxattr(path, ACL_XATTR, _encode(entries))
    except OSError as exc:
        if exc.errno in (errno.EOPNOTSUPP, errno.ENOTSUP):
            return False
        raise
    return True


def _read_acl(path: Path) -> list[tuple[int, int, int]]:
    """The access ACL of ``path`` as (tag, perms, id); its mode bits when it has none."""
    try:
        data = os.getxattr(path, ACL_XATTR)
    except OSError as exc:
        if exc.errno != errno.ENODATA:
            raise
        mode = os.stat(path).st_mode
        return [(USER_OBJ, (mode >> 6) & 7, UNDEFINED_ID), (GROUP_OBJ, (mode >> 3) & 7, UNDEFINED_ID),
                (OTHER, mode & 7, UNDEFINED_ID)]
    (version,) = struct.unpack_from("<I", data)
    if version != ACL_VERSION:
        raise OSError(errno.EINVAL, f"unknown ACL version {version} on {path}")
    return [struct.unpack_from("<HHI", data, offset) for offset in range(4, len(data), 8)]


def _encode(entries: list[tuple[int, int, int]]) -> bytes:
    """The xattr form: entries sorted by tag, then id, as the kernel requires."""
    ordered = sorted(entries, key=lambda entry: (entry[0], entry[2]))
    return struct.pack("<I", ACL_VERSION) + b"".join(struct.pack("<HHI", *entry) for entry in ordered)
