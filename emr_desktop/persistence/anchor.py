"""The audit anchor: the chain head recorded beside the database, outside it.

Each workstation keeps ``audit.anchor`` in its data folder and moves it forward after
every transaction that appended audit rows, but only while the chain still holds the row
the anchor names with the same seal: an anchor never follows a chain that was cut back
or rewritten, so ``audit verify`` can name what went missing. The file is authenticated
(HMAC-SHA-256 under a key derived from the practice key), so it cannot be edited to
match a tampered chain without the practice key. Backup manifests carry the same head.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import os
import secrets
import threading
from dataclasses import dataclass
from pathlib import Path

from emr_desktop.persistence.audit_verify import HeadMark

ANCHOR_NAME = "audit.anchor"
_FORMAT = "emr-desktop-audit-anchor"


def anchor_key(practice_key: bytes) -> bytes:
    """The key that authenticates anchor files and backup manifests."""
    return hmac.digest(practice_key, b"emr-desktop audit anchor v1", "sha256")


def mac(key: bytes, doc: dict[str, object]) -> str:
    """The authentication code of a JSON document (keys sorted, without its "mac")."""
    body = json.dumps({k: v for k, v in doc.items() if k != "mac"}, sort_keys=True)
    return hmac.digest(key, body.encode("utf-8"), "sha256").hex()


@dataclass(frozen=True, slots=True)
class Anchor:
    """A chain head as one workstation last wrote it."""

    practice_id: str
    last_id: int
    last_hash: str
    keyed_from: int | None

    def mark(self, source: str = "the anchor file beside the database") -> HeadMark:
        """The head as verify compares it."""
        return HeadMark(source, self.last_id, self.last_hash, self.keyed_from)


class AnchorFile:
    """Reading and advancing one data folder's anchor (cached between writes)."""

    def __init__(self, folder: Path, practice_id: str, practice_key: bytes) -> None:
        self.path = folder / ANCHOR_NAME
        self._practice_id = practice_id
        self._key = anchor_key(practice_key)
        self._cached: tuple[float, Anchor | None] | None = None
        # Two threads of one app commit, then write, in either order: one at a time, and
        # never backwards.
        self._writing = threading.Lock()

    def read(self) -> Anchor | None:
        """The anchor, None when there is none yet; raises ValueError when it was edited."""
        try:
            stamp = self.path.stat().st_mtime_ns
        except FileNotFoundError:
            return None
        if self._cached is not None and self._cached[0] == stamp:
            return self._cached[1]
        doc = json.loads(self.path.read_text(encoding="utf-8"))
        if doc.get("format") != _FORMAT or not hmac.compare_digest(
            str(doc.get("mac", "")), mac(self._key, doc)
        ):
            raise ValueError("the anchor file was changed or is not this practice's")
        found = Anchor(
            str(doc["practice_id"]),
            int(doc["last_id"]),
            str(doc["last_hash"]),
            None if doc.get("keyed_from") is None else int(doc["keyed_from"]),
        )
        if found.practice_id != self._practice_id:
            raise ValueError("the anchor file belongs to another practice")
        self._cached = (stamp, found)
        return found

    def current(self) -> Anchor | None:
        """The anchor, or None when there is none or it cannot be trusted."""
        try:
            return self.read()
        except (ValueError, KeyError, TypeError, OSError):
            return None

    def write(self, last_id: int, last_hash: str, keyed_from: int | None) -> None:
        """Record a new head (atomically; the file is readable by this user only)."""
        doc: dict[str, object] = {
            "format": _FORMAT,
            "version": 1,
            "practice_id": self._practice_id,
            "last_id": last_id,
            "last_hash": last_hash,
            "keyed_from": keyed_from,
        }
        doc["mac"] = mac(self._key, doc)
        with self._writing:
            now = self.current()
            if now is not None and now.last_id > last_id:
                return  # a later head was written meanwhile
            # A name of its own: another window of this practice may be writing too.
            tmp = self.path.with_name(f"{self.path.name}.{os.getpid()}.{secrets.token_hex(4)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            try:
                with os.fdopen(fd, "w", encoding="utf-8") as fh:
                    fh.write(json.dumps(doc, indent=2))
                os.replace(tmp, self.path)
            except BaseException:
                with contextlib.suppress(FileNotFoundError):
                    tmp.unlink()
                raise
            self._cached = None
