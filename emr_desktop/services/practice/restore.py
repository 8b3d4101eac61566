"""Restoring an embedded practice's backup: checked against itself and against the live
practice, refused while other apps have the practice open, switched in by a journal.

Nothing live is touched until every check passed: the backup is unpacked beside the live
files, its manifest compared with what it holds (practice id, schema revision, audit chain
head, checksum, size), its integrity and audit chain verified, the administrator proved
against the backup's own users, and the restore audited inside the staged copy. Only then
is the journal written (the commit point) and the renames done; an interrupted switch is
finished by the next open of the practice.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from collections.abc import Callable
from pathlib import Path

from emr_desktop.domain.backup import BackupManifest, RestoreResult
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import BackupError, DatabaseDamaged, EmrError, PermissionDenied
from emr_desktop.persistence import leases, restore_journal
from emr_desktop.persistence.backup import check_file
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.engine import file_salt, probe, sqlcipher_engine
from emr_desktop.persistence.keyfile import KeyFile
from emr_desktop.persistence.migrate import head_revision
from emr_desktop.security import keystore
from emr_desktop.services.common.audit import record
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.backups import read_manifest, sha256_file
from emr_desktop.services.practice.folder import DB_NAME, KEY_NAME, PracticePaths
from emr_desktop.services.practice.server_backups import SERVER_FORMAT
from emr_desktop.services.practice.settings import load_settings
from emr_desktop.services.practice.store import open_with_key

_CHUNK = 1 << 20
_STAGED = restore_journal.STAGED


def restore_backup(
    data_dir: Path,
    backup: Path,
    *,
    username: str,
    password: str,
    passphrase: Callable[[], str] | None,
    replace_practice: str | None = None,
    own_lease: str | None = None,
) -> RestoreResult:
    """Verify ``backup`` completely, then make it the practice's live database.

    A backup of another practice is refused unless ``replace_practice`` is the name of the
    practice it replaces, typed back. Refused while another app holds the practice open
    (``own_lease`` is the calling app's own lease). The replaced files are kept in the
    practice's backups folder.
    """
    paths = PracticePaths(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    restore_journal.complete(data_dir)  # an earlier interrupted restore first
    manifest = read_manifest(backup)
    if manifest.format == SERVER_FORMAT:
        raise BackupError(
            f"{backup.name} is a practice server's backup: restore it into an empty server "
            "database with emr-admin server restore --url OWNER_ADDRESS FILE."
        )
    if manifest.schema_revision > head_revision():
        raise BackupError("This backup was made by a newer version of emr-desktop; update first.")
    (data_dir / _STAGED).mkdir()
    staged = data_dir / _STAGED / DB_NAME
    lease: tuple[Database, str] | None = None
    try:
        keyfile, key = _stage(backup, manifest, staged, passphrase)
        actor, backup_name = _verify_staged(staged, key, manifest, username, password)
        live = _open_live(paths, key, passphrase)
        lease = _check_live(paths, live, keyfile, backup_name, replace_practice, own_lease)
        stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ")
        replaced = _audit_in_staged(staged, keyfile, key, actor, manifest, stamp)
        staged_key = data_dir / _STAGED / KEY_NAME
        KeyFile(**{**keyfile.__dict__, "db_salt": file_salt(staged)}).write(staged_key)
        moves = _plan(paths, stamp)
        restore_journal.write(data_dir, moves)
    except zipfile.BadZipFile:
        _abandon(data_dir, lease)
        raise BackupError(
            "The backup file is damaged: part of it does not match its checksum. The live "
            "database was not touched; use another backup."
        ) from None
    except (OSError, ValueError) as err:
        _abandon(data_dir, lease)
        raise BackupError(
            f"The backup could not be restored ({type(err).__name__}); the live database was "
            "not touched."
        ) from None
    except BaseException:
        _abandon(data_dir, lease)
        raise
    if lease is not None:
        lease[0].dispose()
    restore_journal.complete(data_dir)
    keystore.store_key(keyfile.practice_id, key)
    return RestoreResult(manifest, str(data_dir / replaced) if replaced else None)


def _abandon(data_dir: Path, lease: tuple[Database, str] | None) -> None:
    """Clear the staged files and give the restore lease back (nothing live was touched)."""
    if lease is not None:
        live, token = lease
        try:
            with live.unit_of_work() as s:
                leases.release(s, token)
        except EmrError:
            pass
        live.dispose()
    restore_journal.complete(data_dir)


def _stage(
    backup: Path, manifest: BackupManifest, staged: Path, passphrase: Callable[[], str] | None
) -> tuple[KeyFile, bytes]:
    """Unpack the backup's database beside the live one and unlock its key."""
    with zipfile.ZipFile(backup) as zf:
        keyfile = KeyFile.from_json(zf.read(KEY_NAME).decode("utf-8"))
        with zf.open(DB_NAME) as src, open(staged, "wb") as dst:
            while chunk := src.read(_CHUNK):
                dst.write(chunk)
    if keyfile.practice_id != manifest.practice_id:
        raise BackupError(
            "The backup file is inconsistent: its manifest names another practice than its "
            "key file. Use another backup."
        )
    if staged.stat().st_size != manifest.database_bytes or sha256_file(staged) != (
        manifest.database_sha256
    ):
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
    return keyfile, key


def _verify_staged(
    staged: Path, key: bytes, manifest: BackupManifest, username: str, password: str
) -> tuple[Actor, str]:
    """Integrity, schema revision and audit head as the manifest says; the administrator
    proved against the backup's users. Returns the actor and the backup's practice name."""
    problems = check_file(staged, key)
    if problems:
        raise BackupError("The backup failed its integrity check: " + problems[0])
    db = Database(sqlcipher_engine(staged, key), staged, key)
    try:
        with db.read_connection() as conn:
            revision = conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()
        if revision != manifest.schema_revision:
            raise BackupError(
                "The backup's database is at another schema revision than its manifest says."
            )
        report = db.verify_audit()
        if not report.ok:
            raise BackupError(f"The backup's audit log does not verify: {report.problem}")
        if (report.head_id, report.head_hash) != (manifest.audit_head_id, manifest.audit_head_hash):
            raise BackupError("The backup's audit log does not match its manifest.")
        actor = AuthService(db).login(username, password)
        if not actor.can(Permission.BACKUP_RESTORE):
            raise PermissionDenied("Only a practice administrator may restore a backup.")
        with db.reading() as s:
            name = load_settings(s).practice_name
        return actor, name
    finally:
        db.dispose()


def _open_live(
    paths: PracticePaths, backup_key: bytes, passphrase: Callable[[], str] | None
) -> Database | None:
    """The live practice, when this computer can still open it (None: absent, damaged, or
    its key is not at hand; a damaged practice is what restore is for)."""
    if not (paths.exists() and paths.db.exists()):
        return None
    try:
        keyfile = KeyFile.read(paths.key)
        key = keystore.load_key(keyfile.practice_id)
        if key is None or not keyfile.matches(key):
            key = backup_key
        if not keyfile.matches(key):
            if passphrase is None:
                return None
            key = keyfile.unwrap(passphrase())
        return open_with_key(paths, keyfile, key, migrate=False)
    except (EmrError, OSError, ValueError):
        return None


def _live_practice_id(paths: PracticePaths) -> str | None:
    """The live practice's id from its key file (readable without the key)."""
    try:
        return KeyFile.read(paths.key).practice_id if paths.key.is_file() else None
    except (EmrError, OSError, ValueError):
        return None


def _check_live(
    paths: PracticePaths,
    live: Database | None,
    backup_keyfile: KeyFile,
    backup_name: str,
    replace_practice: str | None,
    own_lease: str | None,
) -> tuple[Database, str] | None:
    """Refuse another practice's backup unless its replacement was asked for by name, and
    any restore while other apps hold the practice open; returns the restore's lease."""
    try:
        live_name = backup_name
        others: list[leases.LeaseHolder] = []
        if live is not None:
            with live.reading() as s:
                live_name = load_settings(s).practice_name
                others = leases.holders(s, leases.OPEN, besides=own_lease)
                others += leases.holders(s, leases.RESTORE)
        live_id = _live_practice_id(paths)
        if live_id is not None and live_id != backup_keyfile.practice_id:
            typed = (replace_practice or "").strip().casefold()
            if typed != live_name.strip().casefold():
                raise BackupError(
                    f'This backup is of another practice ("{backup_name}"), not of '
                    f'"{live_name}". To replace "{live_name}" with it, restore again with '
                    f'--replace-practice "{live_name}".'
                )
        if others:
            where = ", ".join(sorted({h.workstation for h in others}))
            raise BackupError(
                f"The practice is open in {len(others)} other emr-desktop window(s) "
                f"({where}); close them first so no work is lost. A window that crashed "
                f"stops counting after {int(leases.DEFAULT_TTL.total_seconds() // 60)} "
                "minutes."
            )
        if live is None:
            return None
        with live.unit_of_work() as s:
            token = leases.take(s, leases.RESTORE)
    except BaseException:
        if live is not None:
            live.dispose()
        raise
    live.checkpoint()
    return live, token


def _audit_in_staged(
    staged: Path, keyfile: KeyFile, key: bytes, actor: Actor, manifest: BackupManifest, stamp: str
) -> str | None:
    """Write the restore's audit row into the staged copy, so it arrives with the switch
    (and so does the new anchor it starts, in the staged folder)."""
    db = Database(sqlcipher_engine(staged, key), staged, key, practice_id=keyfile.practice_id)
    replaced = f"backups/replaced-{stamp}.db" if (staged.parent.parent / DB_NAME).exists() else None
    try:
        with db.unit_of_work(actor) as s:
            record(
                s,
                actor,
                "restore",
                details={
                    "backup_created_at": manifest.created_at,
                    "audit_head_id": manifest.audit_head_id,
                    "replaced": Path(replaced).name if replaced else None,
                },
            )
        db.checkpoint()
    finally:
        db.dispose()
    for suffix in ("-wal", "-shm"):
        Path(str(staged) + suffix).unlink(missing_ok=True)
    return replaced


def _plan(paths: PracticePaths, stamp: str) -> list[tuple[str, str]]:
    """The renames of the switch: the live files that exist into backups/, then the staged
    database and key file into place."""
    aside = f"backups/replaced-{stamp}"
    moves = [
        (name, f"{aside}{ext}")
        for name, ext in (
            (DB_NAME, ".db"),
            (DB_NAME + "-wal", ".db-wal"),
            (DB_NAME + "-shm", ".db-shm"),
            (KEY_NAME, ".key"),
            (paths.anchor.name, ".anchor"),
        )
        if (paths.root / name).exists()
    ]
    staged = [
        (f"{_STAGED}/{name}", name)
        for name in (DB_NAME, KEY_NAME, paths.anchor.name)
        if (paths.root / _STAGED / name).exists()
    ]
    return [*moves, *staged]
