"""Small secrets the database holds but must not give away (TOTP secrets): sealed with
AES-GCM under a key derived from the practice key, which the database does not hold."""

from __future__ import annotations

import base64
import hmac
import secrets

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy.orm import Session

from emr_desktop.errors import PracticeError
from emr_desktop.persistence.audit_chain import KEY_INFO

_PREFIX = "v1:"


def _key(session: Session, purpose: str) -> bytes:
    base: bytes | None = session.info.get(KEY_INFO)
    if base is None:
        raise PracticeError("This connection does not hold the practice key.")
    return hmac.digest(base, f"emr-desktop sealed {purpose}".encode(), "sha256")


def seal(session: Session, purpose: str, plaintext: str) -> str:
    """``plaintext`` encrypted and authenticated for ``purpose`` (text for one column)."""
    nonce = secrets.token_bytes(12)
    box = AESGCM(_key(session, purpose)).encrypt(nonce, plaintext.encode(), purpose.encode())
    return _PREFIX + base64.b64encode(nonce + box).decode("ascii")


def unseal(session: Session, purpose: str, sealed: str) -> str:
    """The plaintext of ``seal``; PracticeError if it was altered or sealed elsewhere."""
    key = _key(session, purpose)
    try:
        raw = base64.b64decode(sealed.removeprefix(_PREFIX))
        text = AESGCM(key).decrypt(raw[:12], raw[12:], purpose.encode())
    except (ValueError, InvalidTag):
        raise PracticeError("A sealed secret cannot be opened with this practice's key.") from None
    return text.decode()
