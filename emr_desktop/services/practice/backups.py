"""Backups that restore: one still-encrypted file, verified before anything is replaced.

A backup file is a zip holding the encrypted database copy, the practice key file
(the key wrapped under the passphrase, so a backup restores on a new PC with the
passphrase) and a manifest (SHA-256, schema revision, audit chain head, time).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import zipfile
from collections.abc import Callable
from dataclasses import asdict
from pathlib import Path

from emr_desktop import __version__
from emr_desktop.domain.backup import BackupManifest, RestoreResult
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import BackupError, DatabaseDamaged, EmrError, PermissionDenied
from emr_desktop.persistence.backup import check_file, copy_database
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.engine import connect_raw, file_salt, probe, sqlcipher_engine
from emr_desktop.persistence.keyfile import KeyFile
from emr_desktop.persistence.migrate import head_revision
from emr_desktop.security import keystore
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.folder import DB_NAME, KEY_NAME, PracticePaths
from emr_desktop.services.practice.server_backups import (
    SERVER_FORMAT,
    as_manifest,
    check_server,
    manifest_document,
    read_server_manifest,
    write_server_backup,
)
from emr_desktop.services.practice.store import open_with_key

FORMAT = "emr-desktop-backup/1"
MANIFEST = "manifest.json"
_CHUNK = 1 << 20


def _sha256(path: Path) -> str:
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
        if self._db.key is None:
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
            copy_database(self._db, tmp_db)
            revision, head_id, head_hash = _describe(tmp_db, self._db.key)
            manifest = BackupManifest(
                format=FORMAT,
                created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
                app_version=__version__,
                practice_id=KeyFile.read(self._paths.key).practice_id,
                schema_revision=revision,
                audit_head_id=head_id,
                audit_head_hash=head_hash,
                database_sha256=_sha256(tmp_db),
                database_bytes=tmp_db.stat().st_size,
            )
            with zipfile.ZipFile(tmp_zip, "w", compression=zipfile.ZIP_STORED) as zf:
                zf.writestr(MANIFEST, json.dumps(asdict(manifest), indent=2))
                zf.write(tmp_db, DB_NAME)
                zf.write(self._paths.key, KEY_NAME)
            with open(tmp_zip, "rb+") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp_zip, out)
        finally:
            tmp_db.unlink(missing_ok=True)
            tmp_zip.unlink(missing_ok=True)
        with self._db.unit_of_work(actor) as s:
            record(
                s,
                actor,
                "backup",
                details={
                    "bytes": manifest.database_bytes,
                    "sha256": manifest.database_sha256,
                    "audit_head_id": head_id,
                },
            )
        return manifest

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


def restore_backup(
    data_dir: Path,
    backup: Path,
    *,
    username: str,
    password: str,
    passphrase: Callable[[], str] | None,
) -> RestoreResult:
    """Verify ``backup`` completely, then make it the practice's live database.

    The admin proves who they are against the backup's own users (the live database
    may be the thing that is broken). The replaced database and key file are kept in
    the practice's backups folder. Nothing live is touched until every check passed.
    """
    paths = PracticePaths(data_dir)
    manifest = read_manifest(backup)
    if manifest.format == SERVER_FORMAT:
        raise BackupError(
            f"{backup.name} is a practice server's backup: restore it into an empty server "
            "database with emr-admin server restore --url OWNER_ADDRESS FILE."
        )
    if manifest.schema_revision > head_revision():
        raise BackupError("This backup was made by a newer version of emr-desktop; update first.")
    data_dir.mkdir(parents=True, exist_ok=True)
    staged = data_dir / f"{DB_NAME}.restore-partial"
    moved_aside = False
    staged.unlink(missing_ok=True)
    try:
        with zipfile.ZipFile(backup) as zf:
            keyfile = KeyFile.from_json(zf.read(KEY_NAME).decode("utf-8"))
            with zf.open(DB_NAME) as src, open(staged, "wb") as dst:
                while chunk := src.read(_CHUNK):
                    dst.write(chunk)
        if _sha256(staged) != manifest.database_sha256:
            raise BackupError("The backup file is damaged: its checksum does not match.")
        key = keystore.load_key(keyfile.practice_id)
        if key is None or not keyfile.matches(key):
            if passphrase is None:
                raise BackupError("The practice passphrase is needed to read this backup.")
            key = keyfile.unwrap(passphrase())
        try:
            probe(staged, key, file_salt(staged))
        except DatabaseDamaged:
            raise BackupError(
                "The backup file is damaged and cannot be restored; the live database was "
                "not touched. Use another backup."
            ) from None
        problems = check_file(staged, key)
        if problems:
            raise BackupError("The backup failed its integrity check: " + problems[0])
        staged_db = Database(sqlcipher_engine(staged, key), staged, key)
        try:
            report = staged_db.verify_audit()
            if not report.ok:
                raise BackupError(f"The backup's audit log does not verify: {report.problem}")
            if (report.head_id, report.head_hash) != (
                manifest.audit_head_id,
                manifest.audit_head_hash,
            ):
                raise BackupError("The backup's audit log does not match its manifest.")
            actor = AuthService(staged_db).login(username, password)
            if not actor.can(Permission.BACKUP_RESTORE):
                raise PermissionDenied("Only a practice administrator may restore a backup.")
            staged_db.checkpoint()
        finally:
            staged_db.dispose()
        replaced = _move_live_aside(paths, key)
        moved_aside = replaced is not None
        for suffix in ("-wal", "-shm"):
            Path(str(staged) + suffix).unlink(missing_ok=True)
        os.replace(staged, paths.db)
        keyfile = KeyFile(**{**keyfile.__dict__, "db_salt": file_salt(paths.db)})
        keyfile.write(paths.key)
        keystore.store_key(keyfile.practice_id, key)
    except EmrError:
        staged.unlink(missing_ok=True)
        raise
    except (zipfile.BadZipFile, OSError, ValueError) as err:
        staged.unlink(missing_ok=True)
        where = (
            "the previous database was kept in the backups folder"
            if moved_aside
            else "the live database was not touched"
        )
        raise BackupError(
            f"The backup could not be restored ({type(err).__name__}); {where}."
        ) from None
    except BaseException:
        staged.unlink(missing_ok=True)
        raise
    finally:
        for suffix in ("-wal", "-shm"):
            Path(str(staged) + suffix).unlink(missing_ok=True)
    live = open_with_key(paths, keyfile, key)
    try:
        with live.unit_of_work() as s:
            record(
                s,
                actor,
                "restore",
                details={
                    "backup_created_at": manifest.created_at,
                    "audit_head_id": manifest.audit_head_id,
                    "replaced": replaced.name if replaced else None,
                },
            )
    finally:
        live.dispose()
    return RestoreResult(manifest, str(replaced) if replaced else None)


def _move_live_aside(paths: PracticePaths, key: bytes) -> Path | None:
    """Move the current database (and key file) into backups/ so nothing is lost."""
    if not paths.db.exists():
        return None
    paths.backups.mkdir(parents=True, exist_ok=True)
    stamp = _stamp()
    target = paths.backups / f"replaced-{stamp}.db"
    try:
        live: Database | None = open_with_key(paths, KeyFile.read(paths.key), key, migrate=False)
    except EmrError:
        live = None  # another key, damaged or foreign: its WAL moves with it as it is
    if live is not None:
        live.checkpoint()
        live.dispose()
    os.replace(paths.db, target)
    for suffix in ("-wal", "-shm"):
        side = Path(str(paths.db) + suffix)
        if side.exists():
            os.replace(side, Path(str(target) + suffix))
    if paths.key.exists():
        os.replace(paths.key, paths.backups / f"replaced-{stamp}.key")
    # The anchor recorded the replaced chain; it goes with it, and a new one starts with
    # the restored chain (its first row after the backup is the audited restore).
    if paths.anchor.exists():
        os.replace(paths.anchor, paths.backups / f"replaced-{stamp}.anchor")
    return target
