"""Seeds derived from the deployment's secret key.

- The per-submission seed of the hidden inputs: ``HMAC-SHA256(secret key, assignment id +
  submission digest)``: unpredictable without the key (so copying a notebook's printed
  numbers earns nothing), yet the same for the same code (so a regrade sees the same
  hidden cases).
- The seed of the synthetic data sets the smoke profile grades with: ``HMAC-SHA256(secret
  key, "synthetic data sets")``, so `gradelab data synth` on a student's machine (seed 0)
  does not reproduce the grader's images.

The key comes from the settings or from ``<var_dir>/secret.key``, created with mode 0600
on first use.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from gradelab.settings import Settings


def secret_key(settings: Settings) -> bytes:
    if settings.secret_key:
        return settings.secret_key.encode()
    path = Path(settings.var_dir) / "secret.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write the whole key under a private name, then link it into place: a worker racing
        # this one finds either no file or a complete key, never an empty one.
        draft = path.with_name(f".secret.key.{os.getpid()}.{secrets.token_hex(4)}")
        with os.fdopen(os.open(draft, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w") as handle:
            handle.write(secrets.token_hex(32))
        try:
            os.link(draft, path)
        except FileExistsError:
            pass  # another worker created it first: use theirs
        finally:
            draft.unlink()
    return path.read_text().strip().encode()


def hidden_seed(key: bytes, assignment_id: str, submission_digest: str) -> int:
    digest = hmac.new(key, f"{assignment_id}:{submission_digest}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def synthetic_data_seed(key: bytes) -> int:
    """The seed of this deployment's secret synthetic data sets (never 0, the public seed)."""
    digest = hmac.new(key, b"synthetic data sets", hashlib.sha256).digest()
    return (int.from_bytes(digest[:8], "big") >> 1) or 1
