"""argon2id password hashes and the practice's password rules."""

from __future__ import annotations

import secrets
import string

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from emr_desktop.errors import ValidationError

MIN_LENGTH = 10
MAX_LENGTH = 256
_COMMON = frozenset(
    {
        "password",
        "password1",
        "password12",
        "password123",
        "passw0rd",
        "123456789",
        "1234567890",
        "qwertyuiop",
        "qwerty123",
        "letmein123",
        "welcome123",
        "iloveyou1",
        "admin12345",
        "changeme123",
        "abc1234567",
        "doctor1234",
        "medical123",
        "clinic1234",
        "summer2026",
        "winter2026",
        "spring2026",
        "autumn2026",
    }
)

_hasher = PasswordHasher()  # argon2id with argon2-cffi's current RFC 9106 profile


def hash_password(password: str) -> str:
    """An argon2id hash of ``password``."""
    return _hasher.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``stored_hash`` (constant-time, never raises)."""
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    """Whether the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(stored_hash)


def check_password_rules(password: str, username: str = "", field: str = "password") -> None:
    """Raise ValidationError naming ``field`` if the password breaks a rule."""
    if len(password) < MIN_LENGTH:
        raise ValidationError(field, f"must be at least {MIN_LENGTH} characters long")
    if len(password) > MAX_LENGTH:
        raise ValidationError(field, f"must be at most {MAX_LENGTH} characters long")
    if password.strip() != password:
        raise ValidationError(field, "must not start or end with a space")
    if password.isalpha() or password.isdigit():
        raise ValidationError(field, "must mix letters with digits or symbols")
    if len(set(password)) < 4:
        raise ValidationError(field, "repeats too few different characters")
    if username and username.lower() in password.lower():
        raise ValidationError(field, "must not contain the username")
    if password.lower() in _COMMON:
        raise ValidationError(field, "is too common; choose something harder to guess")


def one_time_password() -> str:
    """A random password that passes the rules, for a user who must change it at login."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate
