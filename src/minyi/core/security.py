"""Secret-token hashing shared by login sessions and tracking links."""

from __future__ import annotations

import hashlib


def hash_token(token: str) -> str:
    """SHA-256 of a secret token; only hashes are stored."""
    return hashlib.sha256(token.encode("utf-8")).hexdigest()
