"""Backups that restore: one still-encrypted file, verified before anything is replaced.

A backup file is a zip holding the encrypted database copy, the practice key file
(the key wrapped under the passphrase, so a backup restores on a new PC with the
passphrase) and a manifest (SHA-256, schema revision, audit chain head, time).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import json
import os
import zipfile
from dataclasses import asdict
from pathlib import Path

from emr_desktop import __version__
from emr_desktop.domain.backup import BackupManifest
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import BackupError
from emr_desktop.persistence.backup import check_file, copy_database
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.engine import connect_raw
from emr_desktop.persistence.keyfile import KeyFile
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record
from emr_desktop.services.practice.backup_verify import verify_backup_file
from emr_desktop.services.practice.folder import DB_NAME, KEY_NAME, PracticePaths
from emr_desktop.services.practice.server_backups import (
    SERVER_FORMAT,
    as_manifest,
    check_server,
    manifest_document,
    read_server_manifest,
    write_server_backup,
)

FORMAT = "emr-desktop-backup/1"
MANIFEST = "manifest.json"
_CHUNK = 1 << 20


def sha256_file(path: Path) -> str:
    """The SHA-256 of a file, read in chunks."""
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while chunk := fh.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _stamp() -> str:
    return dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")


def _describe(path: Path, key: bytes) -> tuple[str, int, str]:
    """Schema revision and audit head of a database file."""
    conn = connect_raw(path, key)
    try:
        rev = conn.execute("SELECT version_num FROM alembic_version").fetchone()
        head = conn.execute("SELECT last_id, last_hash FROM audit_head WHERE id = 1").fetchone()
    finally:
        conn.close()
    return (rev[0] if rev else ""), (head[0] if head else 0), (head[1] if head else "")


def read_manifest(backup: Path) -> BackupManifest:
    """The manifest of a backup file (an embedded practice's or a server's); BackupError if
    it is not one."""
    doc, names = manifest_document(backup)
    if doc.get("format") == SERVER_FORMAT:
        return read_server_manifest(backup)
    if doc.get("format") != FORMAT or not {DB_NAME, KEY_NAME} <= names:
        raise BackupError(f"{backup.name} is not an emr-desktop backup.")
    return as_manifest(backup, doc)


class BackupService:
    """Backing up the open practice and checking its database file."""

    def __init__(self, db: Database, paths: PracticePaths) -> None:
        self._db = db
        self._paths = paths

    def backup(self, actor: Actor, out: Path) -> BackupManifest:
        """Write a verified backup file to ``out`` while the practice stays in use."""
        require(actor, Permission.BACKUP_RUN)
        if self._db.on_server:
            return write_server_backup(self._db, actor, out)
        return write_backup(self._db, self._paths, out, actor)

    def check(self, actor: Actor) -> list[str]:
        """Integrity and cipher checks of the live database; an empty list means healthy."""
        require(actor, Permission.BACKUP_RUN)
        if self._db.on_server:
            return check_server(self._db, actor)
        if self._db.key is None or self._db.path is None:
            raise BackupError("The practice key is needed to check the database.")
        problems = check_file(self._db.path, self._db.key)
        report = self._db.verify_audit()
        if not report.ok:
            problems.append(f"audit chain: {report.problem}")
        with self._db.unit_of_work(actor) as s:
            record(s, actor, "check", details={"problems": len(problems)})
        return problems


def write_backup(
    db: Database, paths: PracticePaths, out: Path, actor: Actor | None, action: str = "backup"
) -> BackupManifest:
    """Write a backup of an embedded practice to ``out`` and verify it by opening the copy
    (the caller checked the permission; ``actor`` None is the app's scheduled backup)."""
    if db.key is None:
        raise BackupError("Only an embedded practice database can be backed up here.")
    out = out.expanduser().resolve()
    if out.exists():
        raise BackupError(f"{out.name} already exists; choose another file name.")
    if not out.parent.is_dir():
        raise BackupError(f"The folder {out.parent} does not exist.")
    tmp_db = out.with_name(f".{out.name}.db.tmp")
    tmp_zip = out.with_name(f".{out.name}.tmp")
    tmp_db.unlink(missing_ok=True)
    try:
        copy_database(db, tmp_db)
        revision, head_id, head_hash = _describe(tmp_db, db.key)
        manifest = BackupManifest(
            format=FORMAT,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            app_version=__version__,
            practice_id=KeyFile.read(paths.key).practice_id,
            schema_revision=revision,
            audit_head_id=head_id,
            audit_head_hash=head_hash,
            database_sha256=sha256_file(tmp_db),
            database_bytes=tmp_db.stat().st_size,
        )
        with zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_STORED) as zf:
            zf.writestr(MANIFEST, json.dumps(asdict(manifest), indent=2))
            zf.write(tmp_db, DB_NAME)
            zf.write(paths.key, KEY_NAME)
        with open(tmp_zip, "rb+") as fh:
            os.fsync(fh.fileno())
        with contextlib.suppress(OSError):
            tmp_zip.chmod(0o600)  # a backup holds the wrapped key: its owner's only
        verify_backup_file(tmp_zip, db.key, manifest)
        os.replace(tmp_zip, out)
    finally:
        tmp_db.unlink(missing_ok=True)
        tmp_zip.unlink(missing_ok=True)
    with db.unit_of_work(actor) as s:
        record(
            s,
            actor,
            action,
            details={
                "bytes": manifest.database_bytes,
                "sha256": manifest.database_sha256,
                "audit_head_id": head_id,
            },
        )
    return manifest
