"""Verifying a backup file by opening the copy: the zip reads back, the database inside
has the manifest's checksum (so it is byte for byte the copy that was made, as it was
made), opens with the practice key and ends its audit chain where the manifest says. The
full page-by-page check runs when a backup is restored."""

from __future__ import annotations

import hashlib
import tempfile
import zipfile
from pathlib import Path

from emr_desktop.domain.backup import BackupManifest
from emr_desktop.errors import BackupError, DatabaseDamaged, ForeignDatabase
from emr_desktop.persistence.engine import connect_raw, file_salt, probe
from emr_desktop.services.practice.folder import DB_NAME

_CHUNK = 1 << 20


def verify_backup_file(backup: Path, key: bytes, manifest: BackupManifest) -> None:
    """Raise BackupError naming what is wrong unless ``backup`` restores as it claims."""
    with tempfile.TemporaryDirectory(dir=backup.parent, prefix=".verify-") as tmp:
        copy = Path(tmp) / DB_NAME
        digest = hashlib.sha256()
        try:
            with zipfile.ZipFile(backup) as zf, zf.open(DB_NAME) as src, open(copy, "wb") as dst:
                while chunk := src.read(_CHUNK):
                    digest.update(chunk)
                    dst.write(chunk)
        except (zipfile.BadZipFile, KeyError, OSError):
            raise BackupError("The backup could not be read back after writing it.") from None
        if digest.hexdigest() != manifest.database_sha256:
            raise BackupError("The backup read back with another checksum than it was written.")
        try:
            probe(copy, key, file_salt(copy))
        except (DatabaseDamaged, ForeignDatabase):
            raise BackupError(
                "The backup's database does not open with the practice key."
            ) from None
        conn = connect_raw(copy, key, read_only=True)
        try:
            head = conn.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
        finally:
            conn.close()
        if tuple(head or (0, "")) != (manifest.audit_head_id, manifest.audit_head_hash):
            raise BackupError("The backup's audit log does not end where its manifest says.")
