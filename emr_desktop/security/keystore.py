"""The OS keyring as the first place the database key is looked for.

Only a real, encrypted OS keyring is used. A machine without one (or with only a
plaintext file backend) gets None here, and the practice passphrase is asked instead:
the key is never stored in plain text.
"""

from __future__ import annotations

import contextlib
import os

import keyring
from keyring.backend import KeyringBackend
from keyring.errors import KeyringError

SERVICE = "emr-desktop database key"
SERVER_SERVICE = "emr-desktop server password"
DISABLE_ENV = "EMR_NO_KEYRING"


def _is_acceptable(backend: KeyringBackend) -> bool:
    name = f"{type(backend).__module__}.{type(backend).__name__}".lower()
    if "plaintext" in name or name.startswith(("keyring.backends.fail", "keyring.backends.null")):
        return False
    if name.startswith("keyrings.alt.file"):
        return False
    try:
        priority = float(backend.priority)
    except Exception:
        return False
    return priority > 0


def usable_backend() -> KeyringBackend | None:
    """The keyring backend to use, or None when no safe one is available."""
    if os.environ.get(DISABLE_ENV):
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:
        return None
    return backend if _is_acceptable(backend) else None


def load_secret(service: str, name: str) -> str | None:
    """A secret this user's keyring keeps under (service, name), if it has one."""
    backend = usable_backend()
    if backend is None:
        return None
    try:
        return backend.get_password(service, name) or None
    except (KeyringError, OSError):
        return None


def store_secret(service: str, name: str, value: str) -> bool:
    """Keep a secret in the keyring; False when there is no safe keyring."""
    backend = usable_backend()
    if backend is None:
        return False
    try:
        backend.set_password(service, name, value)
    except (KeyringError, OSError):
        return False
    return True


def load_key(practice_id: str) -> bytes | None:
    """The database key stored for this practice, if the keyring has one."""
    value = load_secret(SERVICE, practice_id)
    if not value:
        return None
    try:
        return bytes.fromhex(value)
    except ValueError:
        return None


def store_key(practice_id: str, key: bytes) -> bool:
    """Remember the key in the keyring; False when there is no safe keyring."""
    return store_secret(SERVICE, practice_id, key.hex())


def forget_key(practice_id: str) -> None:
    """Remove the stored key (for example on a PC that should always ask)."""
    backend = usable_backend()
    if backend is None:
        return
    with contextlib.suppress(KeyringError, OSError):
        backend.delete_password(SERVICE, practice_id)
