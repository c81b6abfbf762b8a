"""Bearer tokens: random, shown once, stored only as their SHA-256.

A token carries 256 random bits, so a plain (unsalted) hash is enough: nobody can guess
one from its digest, and lookup stays a single indexed equality.
"""

from __future__ import annotations

import hashlib
import secrets

TOKEN_PREFIX = "glt_"


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
