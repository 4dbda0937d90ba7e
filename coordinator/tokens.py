"""Every random token coordinator hands out: made, hashed and compared in one place.

Tokens are secrets.token_urlsafe(32) (256 bits). Only their SHA-256, as 64 lowercase hex
digits, is stored, so a leaked table opens nothing. Text is encoded as UTF-8 with
surrogatepass, so whatever a URL carries hashes without an error (and is simply unknown).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

TOKEN_BYTES = 32


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogatepass")


def new_token() -> str:
    """A fresh random token for a URL."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(token: str) -> str:
    """The form a token is stored and looked up in: SHA-256, hex."""
    return hashlib.sha256(_bytes(token)).hexdigest()


def new_token_and_hash() -> tuple[str, str]:
    """A fresh token and the hash to store instead of it."""
    token = new_token()
    return token, hash_token(token)


def same_token(given: str, expected: str) -> bool:
    """Compare two secrets in constant time (no timing hint of how much matched)."""
    return hmac.compare_digest(_bytes(given), _bytes(expected))


def token_matches_hash(token: str, stored_hash: str) -> bool:
    """Whether a presented token is the one whose hash was stored, in constant time."""
    return same_token(hash_token(token), stored_hash)
