"""Backing up, checking and restoring a practice server.

A server backup is one file like an embedded practice's: a zip holding the manifest, the
practice key file (wrapped under the passphrase, so it restores on a new server) and the
sealed dump (compressed, AES-GCM under the practice key). It holds no readable patient
data. It restores only into an empty server database, after every check has passed.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import zipfile
from dataclasses import asdict
from pathlib import Path

from sqlalchemy import Connection, select, text

from emr_desktop import __version__
from emr_desktop.domain.backup import BackupManifest, RestoreResult
from emr_desktop.domain.security import Actor, Permission, Role, UserStatus
from emr_desktop.errors import AuthenticationError, BackupError, PermissionDenied, PracticeError
from emr_desktop.models.audit import PracticeKey
from emr_desktop.models.user import User
from emr_desktop.persistence import audit_verify, server_backup, server_setup
from emr_desktop.persistence.audit_chain import audit_key
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.keyfile import KeyFile
from emr_desktop.persistence.migrate import head_revision, upgrade_to
from emr_desktop.persistence.server import APP_ROLE, parse_server_url, server_engine
from emr_desktop.security import keystore
from emr_desktop.security.passwords import verify_password
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.folder import KEY_NAME

SERVER_FORMAT = "emr-desktop-server-backup/1"
MANIFEST = "manifest.json"
DUMP_NAME = "practice.emrdump"


def write_server_backup(db: Database, actor: Actor, out: Path) -> BackupManifest:
    """Dump the practice server into one encrypted backup file at ``out``.

    The file is built aside and moved into place only after its audit row is committed,
    so no backup exists that the audit log does not know of."""
    require(actor, Permission.BACKUP_RUN)
    out = _target(out)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        manifest, rows = _write_file(db, tmp)
        with db.unit_of_work(actor) as s:
            record(
                s,
                actor,
                "backup",
                details={
                    "bytes": manifest.database_bytes,
                    "rows": rows,
                    "audit_head_id": manifest.audit_head_id,
                },
            )
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return manifest


def pre_migration_backup(db: Database, folder: Path, key_file: str) -> Path:
    """A backup taken before the server's schema is migrated (by the owner, at setup);
    ``key_file`` is the practice's key file (an older schema may not hold it yet)."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    out = _target(folder / f"pre-migration-{stamp}.emrbackup")
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        _write_file(db, tmp, key_file)
        os.replace(tmp, out)
    finally:
        tmp.unlink(missing_ok=True)
    return out


def _target(out: Path) -> Path:
    out = out.expanduser().resolve()
    if out.exists():
        raise BackupError(f"{out.name} already exists; choose another file name.")
    if not out.parent.is_dir():
        raise BackupError(f"The folder {out.parent} does not exist.")
    return out


def _write_file(db: Database, tmp: Path, key_file: str | None = None) -> tuple[BackupManifest, int]:
    """The backup file's whole content, written and synced to ``tmp``."""
    if db.key is None:
        raise BackupError("The practice key is needed to make a backup.")
    if key_file is None:
        with db.reading() as s:
            key_file = s.scalar(select(PracticeKey.key_file).where(PracticeKey.id == 1))
    if not key_file:
        raise BackupError("The server holds no practice key; run emr-admin server setup.")
    tmp.unlink(missing_ok=True)
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as raw, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED) as zf:
        zf.writestr(KEY_NAME, key_file)
        with zf.open(DUMP_NAME, "w", force_zip64=True) as part:
            info = server_backup.dump(db.engine, db.key, part)
        manifest = BackupManifest(
            format=SERVER_FORMAT,
            created_at=dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            app_version=__version__,
            practice_id=KeyFile.from_json(key_file).practice_id,
            schema_revision=info.schema_revision,
            audit_head_id=info.audit_head_id,
            audit_head_hash=info.audit_head_hash,
            database_sha256=info.sha256,
            database_bytes=info.size,
        )
        zf.writestr(MANIFEST, json.dumps(asdict(manifest), indent=2))
    with open(tmp, "rb+") as fh:
        os.fsync(fh.fileno())
    return manifest, info.rows


def manifest_document(backup: Path) -> tuple[dict[str, object], set[str]]:
    """A backup file's manifest (as stored) and the names of its parts; BackupError when the
    file is missing or not a backup at all."""
    try:
        with zipfile.ZipFile(backup) as zf:
            doc = json.loads(zf.read(MANIFEST))
            names = set(zf.namelist())
    except FileNotFoundError:
        raise BackupError(f"There is no backup file at {backup}.") from None
    except (zipfile.BadZipFile, KeyError, ValueError):
        raise BackupError(
            f"{backup.name} is not an emr-desktop backup, or it is damaged."
        ) from None
    if not isinstance(doc, dict):
        raise BackupError(f"The manifest of {backup.name} is damaged.")
    return doc, names


def as_manifest(backup: Path, doc: dict[str, object]) -> BackupManifest:
    """The manifest DTO of a stored manifest; BackupError when it is damaged."""
    try:
        return BackupManifest(**doc)  # type: ignore[arg-type]
    except TypeError:
        raise BackupError(f"The manifest of {backup.name} is damaged.") from None


def read_server_manifest(backup: Path) -> BackupManifest:
    """The manifest of a server backup; BackupError if the file is not one."""
    doc, names = manifest_document(backup)
    if doc.get("format") != SERVER_FORMAT or not {DUMP_NAME, KEY_NAME} <= names:
        raise BackupError(
            f"{backup.name} is not a practice server backup (an embedded practice's backup "
            "restores with emr-admin restore)."
        )
    return as_manifest(backup, doc)


def check_server(db: Database, actor: Actor) -> list[str]:
    """The server's own index checks where amcheck is installed, and the audit chain."""
    require(actor, Permission.BACKUP_RUN)
    problems: list[str] = []
    with db.read_connection() as conn:
        has_amcheck = conn.scalar(text("SELECT 1 FROM pg_extension WHERE extname = 'amcheck'"))
        if has_amcheck:
            indexes = conn.execute(
                text(
                    "SELECT c.oid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid ="
                    " i.indexrelid JOIN pg_am a ON a.oid = c.relam JOIN pg_namespace n ON"
                    " n.oid = c.relnamespace WHERE a.amname = 'btree' AND n.nspname = 'public'"
                )
            ).scalars()
            for name in list(indexes):
                try:
                    conn.execute(text("SELECT bt_index_check(CAST(:i AS regclass))"), {"i": name})
                except Exception as err:  # amcheck reports corruption as an error
                    problems.append(f"index {name}: {type(err).__name__}")
                    conn.rollback()
    report = db.verify_audit()
    if not report.ok:
        problems.append(f"audit chain: {report.problem}")
    with db.unit_of_work(actor) as s:
        record(
            s,
            actor,
            "check",
            details={"problems": len(problems), "amcheck": bool(has_amcheck)},
        )
    return problems


def restore_server_backup(
    owner_url: str,
    owner_password: str,
    app_password: str | None,
    backup: Path,
    *,
    username: str,
    password: str,
    passphrase: str,
    app_role: str = APP_ROLE,
) -> RestoreResult:
    """Put a server backup into an empty server database, after verifying it completely.

    Runs as the owner role. Everything (schema, rows, the chain check, the administrator's
    login against the backup's own users) happens in one transaction: a backup that fails
    any check leaves the database as empty as it was."""
    manifest = read_server_manifest(backup)
    if manifest.schema_revision > head_revision():
        raise BackupError("This backup was made by a newer version of emr-desktop; update first.")
    url = parse_server_url(owner_url)
    with zipfile.ZipFile(backup) as zf:
        keyfile = KeyFile.from_json(zf.read(KEY_NAME).decode("utf-8"))
        if keyfile.practice_id != manifest.practice_id:
            raise BackupError("The backup's key file and manifest are of different practices.")
        key = keyfile.unwrap(passphrase)
    engine = server_engine(url, owner_password)
    db = Database(engine, None, key, practice_id=keyfile.practice_id)
    try:
        with zipfile.ZipFile(backup) as zf, engine.begin() as conn:
            server_setup.take_migration_lock(conn)
            if conn.scalar(text("SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")):
                raise PracticeError(
                    "That server database is not empty: restore into a new, empty database."
                )
            with zf.open(DUMP_NAME) as part:
                if server_backup.dump_revision(part, key) != manifest.schema_revision:
                    raise BackupError("The backup's dump does not match its manifest.")
            upgrade_to(conn, manifest.schema_revision)
            with zf.open(DUMP_NAME) as part:
                server_backup.load(conn, key, part)
            server_setup.sync_id_counters(conn)
            # Checked before anything is committed: a failed check leaves the database empty.
            report = audit_verify.verify(conn, audit_key(key))
            if not report.ok or (report.head_id, report.head_hash) != (
                manifest.audit_head_id,
                manifest.audit_head_hash,
            ):
                raise BackupError(f"The backup's audit log does not verify: {report.problem}")
            _may_restore(conn, username, password)
            upgrade_to(conn, "head")
            server_setup.grant_workstations(conn, app_role, app_password)
        actor = AuthService(db).login(username, password)
        with db.unit_of_work() as s:
            record(
                s,
                actor,
                "restore",
                details={"backup_created_at": manifest.created_at, "engine": "postgresql"},
            )
    finally:
        engine.dispose()
    keystore.store_key(keyfile.practice_id, key)
    return RestoreResult(manifest, None)


def _may_restore(conn: Connection, username: str, password: str) -> None:
    """The administrator proves who they are against the backup's own users."""
    user = conn.execute(
        select(User.password_hash, User.role, User.status).where(
            User.username == username.strip().lower()
        )
    ).first()
    if user is None or not verify_password(user.password_hash, password):
        raise AuthenticationError("The username or password is not correct.")
    if user.role is not Role.ADMIN or user.status is not UserStatus.ACTIVE:
        raise PermissionDenied("Only an active administrator of the practice may restore it.")
