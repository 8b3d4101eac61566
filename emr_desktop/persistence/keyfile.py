"""The key file beside the database: the database key wrapped under the practice passphrase.

The 32-byte database key is encrypted with AES-256-GCM under a key derived from the
passphrase with argon2id. The file also records a key check value (so a stale key
from the keyring is recognised without touching the database) and the database file's
salt (so a database file from another practice is told apart from a damaged one).
Nothing in it is secret without the passphrase, and nothing in it is patient data.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import secrets
import uuid
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from argon2.low_level import Type, hash_secret_raw
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from emr_desktop.errors import PracticeError, WrongPassphrase

KEY_BYTES = 32
FORMAT = "emr-desktop-key"
# argon2id with 64 MiB and 3 passes: about 0.1 s here, far under the 0.3 s unlock budget,
# and costly enough per guess for an attacker holding a stolen key file.
KDF_PARAMS = {"time_cost": 3, "memory_cost": 65536, "parallelism": 2}


def new_database_key() -> bytes:
    """A fresh random database key."""
    return secrets.token_bytes(KEY_BYTES)


def key_check_value(key: bytes) -> str:
    """A value that identifies ``key`` without revealing it."""
    return hmac.new(key, b"emr-desktop key check v1", hashlib.sha256).hexdigest()[:32]


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def _derive(passphrase: str, salt: bytes, params: dict[str, int]) -> bytes:
    return hash_secret_raw(
        passphrase.encode("utf-8"),
        salt,
        time_cost=params["time_cost"],
        memory_cost=params["memory_cost"],
        parallelism=params["parallelism"],
        hash_len=KEY_BYTES,
        type=Type.ID,
    )


def _checksum(doc: dict[str, Any]) -> str:
    """SHA-256 of a key file's fields (all but the checksum): a flipped byte anywhere is
    reported as a damaged file, not as a wrong passphrase."""
    body = json.dumps({k: v for k, v in doc.items() if k != "checksum"}, sort_keys=True)
    return hashlib.sha256(body.encode("utf-8")).hexdigest()


# What a key file's values may be: anything else is damage (and would make argon2 fail or
# ask for gigabytes of memory).
_LIMITS = {"time_cost": (1, 64), "memory_cost": (8, 4 * 1024 * 1024), "parallelism": (1, 64)}


def _check_shape(k: KeyFile) -> None:
    for name, (low, high) in _LIMITS.items():
        if not low <= k.kdf_params[name] <= high:
            raise ValueError(f"{name} out of range")
    if k.kdf_params["memory_cost"] < 8 * k.kdf_params["parallelism"]:
        raise ValueError("memory_cost too small")
    if len(k.kdf_salt) < 8 or len(k.nonce) != 12 or len(k.wrapped_key) != KEY_BYTES + 16:
        raise ValueError("salt, nonce or wrapped key of the wrong length")
    if not k.practice_id.isascii():
        raise ValueError("practice id")


@dataclass(frozen=True)
class KeyFile:
    """The parsed contents of a practice key file."""

    practice_id: str
    kdf_salt: bytes
    kdf_params: dict[str, int]
    nonce: bytes
    wrapped_key: bytes
    key_check: str
    db_salt: str | None

    @classmethod
    def create(cls, key: bytes, passphrase: str, practice_id: str | None = None) -> KeyFile:
        """Wrap ``key`` under ``passphrase`` for a (new) practice."""
        pid = practice_id or str(uuid.uuid4())
        salt = secrets.token_bytes(16)
        nonce = secrets.token_bytes(12)
        kek = _derive(passphrase, salt, KDF_PARAMS)
        wrapped = AESGCM(kek).encrypt(nonce, key, pid.encode("ascii"))
        return cls(pid, salt, dict(KDF_PARAMS), nonce, wrapped, key_check_value(key), None)

    def unwrap(self, passphrase: str) -> bytes:
        """The database key; raises WrongPassphrase when the passphrase does not fit."""
        kek = _derive(passphrase, self.kdf_salt, self.kdf_params)
        try:
            key = AESGCM(kek).decrypt(self.nonce, self.wrapped_key, self.practice_id.encode())
        except InvalidTag:
            raise WrongPassphrase(
                "The practice passphrase is not correct. Check the spelling and Caps Lock."
            ) from None
        return key

    def rewrap(self, key: bytes, new_passphrase: str) -> KeyFile:
        """The same key wrapped under a new passphrase (keeps practice id and db salt)."""
        fresh = KeyFile.create(key, new_passphrase, self.practice_id)
        return replace(fresh, db_salt=self.db_salt)

    def matches(self, key: bytes) -> bool:
        """Whether ``key`` is this practice's database key."""
        return hmac.compare_digest(key_check_value(key), self.key_check)

    def to_json(self) -> str:
        """Serialise for writing to disk."""
        doc: dict[str, Any] = {
            "format": FORMAT,
            "version": 1,
            "practice_id": self.practice_id,
            "kdf": {"name": "argon2id", "salt": _b64(self.kdf_salt), **self.kdf_params},
            "cipher": "AES-256-GCM",
            "nonce": _b64(self.nonce),
            "wrapped_key": _b64(self.wrapped_key),
            "key_check": self.key_check,
            "db_salt": self.db_salt,
        }
        doc["checksum"] = _checksum(doc)
        return json.dumps(doc, indent=2)

    @classmethod
    def from_json(cls, text: str) -> KeyFile:
        """Parse; raises PracticeError naming the problem if the file is not a key file."""
        try:
            doc = json.loads(text)
            if doc.get("format") != FORMAT or doc.get("version") != 1:
                raise ValueError("unknown format")
            if "checksum" in doc and doc["checksum"] != _checksum(doc):
                raise PracticeError(
                    "The practice key file is damaged: its checksum does not match its "
                    "contents. Restore practice.key from a backup; the database was not touched."
                )
            kdf = doc["kdf"]
            params = {k: int(kdf[k]) for k in ("time_cost", "memory_cost", "parallelism")}
            found = cls(
                practice_id=str(doc["practice_id"]),
                kdf_salt=_unb64(kdf["salt"]),
                kdf_params=params,
                nonce=_unb64(doc["nonce"]),
                wrapped_key=_unb64(doc["wrapped_key"]),
                key_check=str(doc["key_check"]),
                db_salt=doc.get("db_salt"),
            )
            _check_shape(found)
            return found
        except (ValueError, KeyError, TypeError, AttributeError, OverflowError) as exc:
            raise PracticeError(
                "The practice key file is damaged or not a key file; restore it from a backup."
            ) from exc

    @classmethod
    def read(cls, path: Path) -> KeyFile:
        """Read a key file from disk."""
        try:
            text = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise PracticeError(f"No practice key file at {path}.") from None
        except UnicodeDecodeError as exc:
            raise PracticeError("The practice key file is damaged; restore it.") from exc
        return cls.from_json(text)

    def write(self, path: Path) -> None:
        """Write atomically (temp file, fsync, rename) so a crash never leaves half a file."""
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            fh.write(self.to_json())
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
