"""argon2id password hashes and the practice's password rules."""

from __future__ import annotations

import csv
import secrets
import string
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from zxcvbn import zxcvbn

from emr_desktop.errors import ValidationError
from emr_desktop.paths import resource_path

MIN_LENGTH = 10
MAX_LENGTH = 256
MIN_SCORE = 3  # zxcvbn's 0-4 scale: 3 is "safely unguessable" (about 10^8 guesses or more)
_LEET = str.maketrans({"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "@": "a", "$": "s"})


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords and words (resources/reference)."""
    with resource_path("reference", "common_passwords.csv").open(encoding="utf-8") as f:
        return frozenset(row["password"].strip().lower() for row in csv.DictReader(f))


def _core(text: str) -> str:
    """The letters-and-inner-part of a password: lower case, leading and trailing digits
    and symbols stripped (``Password1!`` -> ``password``)."""
    low = text.lower()
    start, end = 0, len(low)
    while start < end and not low[start].isalpha():
        start += 1
    while end > start and not low[end - 1].isalpha():
        end -= 1
    return low[start:end]


def is_common(password: str) -> bool:
    """Whether ``password`` is, or is built on, a listed common password or word."""
    words = common_passwords()
    low = password.lower()
    candidates = {low, _core(low), low.translate(_LEET), _core(low.translate(_LEET))}
    for word in candidates:
        if word in words:
            return True
        for size in range(1, len(word) // 2 + 1):  # a repetition: "passwordpassword"
            if len(word) % size == 0 and word[:size] * (len(word) // size) == word:
                if word[:size] in words or size <= 3:
                    return True
                break
    return False


def strength_problem(secret: str, hints: tuple[str, ...] = ()) -> str | None:
    """Why ``secret`` is easy to guess (the shipped list, then zxcvbn), or None."""
    if is_common(secret):
        return "is a common password or built on one; choose something harder to guess"
    result = zxcvbn(secret[:100], user_inputs=[h for h in hints if h])
    if result["score"] < MIN_SCORE:
        warning = (result.get("feedback") or {}).get("warning") or ""
        why = f" ({warning.rstrip('.').lower()})" if warning else ""
        return f"is too easy to guess{why}; add more words or characters"
    return None


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
    problem = strength_problem(password, (username,))
    if problem:
        raise ValidationError(field, problem)


def one_time_password() -> str:
    """A random password that passes the rules, for a user who must change it at login."""
    alphabet = string.ascii_letters + string.digits
    while True:
        candidate = "".join(secrets.choice(alphabet) for _ in range(14))
        if any(c.isdigit() for c in candidate) and any(c.isalpha() for c in candidate):
            return candidate
