"""The second factor: TOTP (RFC 6238, via pyotp), its enrolment QR code (segno), and
single-use recovery codes stored as salted hashes."""

from __future__ import annotations

import hashlib
import hmac
import io
import secrets

import pyotp
import segno

ISSUER = "emr-desktop"
PERIOD = 30
DIGITS = 6
RECOVERY_CODES = 10
_RECOVERY_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I


def new_secret() -> str:
    """A fresh base32 TOTP secret (160 bits, as RFC 4226 recommends)."""
    return pyotp.random_base32(length=32)


def provisioning_uri(secret: str, username: str, practice: str) -> str:
    """The otpauth:// URI an authenticator app enrols from (shown once, or as a QR code)."""
    issuer = f"{ISSUER} {practice}".strip()[:60]
    return pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD).provisioning_uri(
        name=username, issuer_name=issuer
    )


def qr_png(uri: str, scale: int = 6) -> bytes:
    """The QR code of ``uri`` as PNG bytes (for the enrolment dialog)."""
    buffer = io.BytesIO()
    segno.make(uri, error="m").save(buffer, kind="png", scale=scale, border=2)
    return buffer.getvalue()


def normalize_code(code: str) -> str:
    """A typed code without spaces or dashes, upper-case (recovery codes) or digits."""
    return "".join(ch for ch in code.strip().upper() if ch.isalnum())


def accepted_step(secret: str, code: str, last_step: int, now: float) -> int | None:
    """The time step ``code`` is valid for (this one or the one either side, for clock
    drift), or None; a step at or before ``last_step`` is refused, so a code works once."""
    digits = normalize_code(code)
    if len(digits) != DIGITS or not digits.isdigit():
        return None
    totp = pyotp.TOTP(secret, digits=DIGITS, interval=PERIOD)
    step = int(now) // PERIOD
    for candidate in (step, step - 1, step + 1):
        if candidate > last_step and hmac.compare_digest(totp.at(candidate * PERIOD), digits):
            return candidate
    return None


def new_recovery_codes(count: int = RECOVERY_CODES) -> list[str]:
    """Fresh recovery codes, like ``K7QM-4XPD-R2NA`` (60 bits each), shown once."""
    codes = []
    for _ in range(count):
        raw = "".join(secrets.choice(_RECOVERY_ALPHABET) for _ in range(12))
        codes.append(f"{raw[:4]}-{raw[4:8]}-{raw[8:]}")
    return codes


def hash_recovery_code(code: str, salt: str | None = None) -> str:
    """``salt$sha256`` of a normalised recovery code (the code has 60 random bits)."""
    salt = salt or secrets.token_hex(8)
    digest = hashlib.sha256(f"{salt}:{normalize_code(code)}".encode()).hexdigest()
    return f"{salt}${digest}"


def recovery_code_matches(stored: str, code: str) -> bool:
    """Whether ``code`` is the recovery code ``stored`` was made from."""
    salt, _, _ = stored.partition("$")
    return hmac.compare_digest(stored, hash_recovery_code(code, salt))


def looks_like_recovery_code(code: str) -> bool:
    """Whether a typed code has the shape of a recovery code rather than a TOTP code."""
    text = normalize_code(code)
    return len(text) == 12 and all(ch in _RECOVERY_ALPHABET for ch in text)
