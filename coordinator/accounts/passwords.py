"""argon2id password hashing with rehash on sign-in, and the password rules."""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask_babel import gettext as _

_hasher = PasswordHasher()  # argon2id with argon2-cffi's (OWASP-compliant) defaults

MIN_LENGTH = 8
MAX_LENGTH = 128

# The most common passwords of public breach lists that meet the length rule.
COMMON_PASSWORDS = frozenset(
    """
    12345678 123456789 1234567890 password password1 password123 qwertyuiop qwerty123
    iloveyou 11111111 00000000 abc12345 abcd1234 1q2w3e4r 1qaz2wsx sunshine football
    baseball welcome1 welcome123 princess1 dragon123 letmein1 trustno1 passw0rd p@ssw0rd
    p@ssword admin123 administrator superman batman123 starwars monkey123 whatever
    computer internet michael1 jennifer charlie1 azertyuiop azerty123 motdepasse
    contrasena contraseña 987654321 88888888 12341234 qwer1234 asdfghjkl zxcvbnm1
    changeme changeme1 medcities coordinator
    """.split()
)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    if not password_hash:
        # Same work as a real check, so unknown accounts cost the same time.
        _spend_equal_time(password)
        return False
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)


def password_problem(password: str) -> str | None:
    """Why a new password is refused, or None if it is acceptable."""
    if len(password) < MIN_LENGTH:
        return _("Use at least %(count)s characters.", count=MIN_LENGTH)
    if len(password) > MAX_LENGTH:
        return _("Use at most %(count)s characters.", count=MAX_LENGTH)
    if password.lower() in COMMON_PASSWORDS:
        return _("This password is too common; choose another.")
    return None


_DUMMY_HASH = _hasher.hash("coordinator-dummy-password")


def _spend_equal_time(password: str) -> None:
    try:
        _hasher.verify(_DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        pass
