"""Creating a practice and opening (unlocking) it.

A practice is a data directory holding ``practice.db`` (SQLCipher) and
``practice.key`` (the database key wrapped under the practice passphrase). The key
file is written last, by an atomic rename: a directory with a key file is a
practice, one without is not, so an interrupted setup never looks like a practice.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import PracticeError
from emr_desktop.persistence import restore_journal
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.engine import file_salt, probe, sqlcipher_engine
from emr_desktop.persistence.keyfile import KeyFile, new_database_key
from emr_desktop.persistence.migrate import upgrade
from emr_desktop.persistence.server import ServerProfile
from emr_desktop.security import keystore
from emr_desktop.security.files import tighten
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record
from emr_desktop.services.practice.folder import (
    DB_NAME,
    KEY_NAME,
    PARTIAL,
    PracticePaths,
    check_first_admin,
    check_passphrase_rules,
    require_empty_folder,
    write_first_rows,
)
from emr_desktop.services.practice.server_practice import open_server_practice

__all__ = [
    "Database",
    "change_passphrase",
    "create_practice",
    "open_practice",
    "open_with_key",
    "practice_id",
    "unlock_key",
]

PassphraseProvider = Callable[[], str]


def create_practice(
    data_dir: Path,
    *,
    practice_name: str,
    admin_username: str,
    admin_full_name: str,
    admin_password: str | None,
    passphrase: str,
    remember_key: bool = True,
) -> tuple[Database, str | None]:
    """Make a new practice in an empty or absent directory.

    Returns the open database and, when no admin password was given, the admin's
    one-time password.
    """
    paths = PracticePaths(data_dir)
    require_empty_folder(paths)
    check_passphrase_rules(passphrase)
    check_first_admin(practice_name, admin_username, admin_full_name, admin_password)

    data_dir.mkdir(parents=True, exist_ok=True)
    partial_db = data_dir / (DB_NAME + PARTIAL)
    partial_key = data_dir / (KEY_NAME + PARTIAL)
    for leftover in data_dir.glob(DB_NAME + PARTIAL + "*"):
        leftover.unlink()
    partial_key.unlink(missing_ok=True)

    key = new_database_key()
    db = Database(sqlcipher_engine(partial_db, key, create=True), partial_db, key)
    try:
        upgrade(db, None)
        otp = write_first_rows(db, practice_name, admin_username, admin_full_name, admin_password)
        db.checkpoint()
    finally:
        db.dispose()
    keyfile = KeyFile.create(key, passphrase)
    keyfile = KeyFile(**{**keyfile.__dict__, "db_salt": file_salt(partial_db)})
    keyfile.write(partial_key)
    for suffix in ("-wal", "-shm"):
        Path(str(partial_db) + suffix).unlink(missing_ok=True)
    os.replace(partial_db, paths.db)
    os.replace(partial_key, paths.key)  # the commit point: now it is a practice
    tighten(data_dir)
    if remember_key:
        keystore.store_key(keyfile.practice_id, key)
    return open_with_key(paths, keyfile, key), otp


def unlock_key(
    paths: PracticePaths, passphrase: PassphraseProvider | None
) -> tuple[KeyFile, bytes]:
    """The database key: from the keyring when it holds the right one, else the passphrase."""
    if not paths.exists():
        if paths.db.exists():
            raise PracticeError(
                f"The key file {paths.key.name} is missing from {paths.root}; restore it "
                "from a backup."
            )
        raise PracticeError(f"There is no practice in {paths.root}.")
    keyfile = KeyFile.read(paths.key)
    key = keystore.load_key(keyfile.practice_id)
    if key is not None and keyfile.matches(key):
        return keyfile, key
    if passphrase is None:
        raise PracticeError("The practice passphrase is needed to open the database.")
    return keyfile, keyfile.unwrap(passphrase())


def open_practice(
    data_dir: Path,
    passphrase: PassphraseProvider | None,
    *,
    migrate: bool = True,
    server_password: PassphraseProvider | None = None,
) -> Database:
    """Unlock and open the practice in ``data_dir`` (its own database, or the practice
    server it joined), migrating an embedded database's schema if needed.

    Raises WrongPassphrase, ForeignDatabase, DatabaseDamaged or PracticeError, each
    before any file is changed.
    """
    if ServerProfile.exists(data_dir):
        return open_server_practice(data_dir, server_password, passphrase)
    paths = PracticePaths(data_dir)
    if data_dir.is_dir():
        restore_journal.complete(data_dir)  # finish a restore a crash interrupted
        tighten(data_dir)  # a folder made by an older version under umask 022
    keyfile, key = unlock_key(paths, passphrase)
    return open_with_key(paths, keyfile, key, migrate=migrate)


def open_with_key(
    paths: PracticePaths, keyfile: KeyFile, key: bytes, *, migrate: bool = True
) -> Database:
    """Open the practice database with a key already unlocked."""
    probe(paths.db, key, keyfile.db_salt)
    keystore.store_key(keyfile.practice_id, key)
    db = Database(sqlcipher_engine(paths.db, key), paths.db, key, practice_id=keyfile.practice_id)
    if migrate:
        upgrade(db, paths.backups)
    return db


def practice_id(data_dir: Path) -> str:
    """The practice's id (from its key file; not secret, not patient data)."""
    return KeyFile.read(PracticePaths(data_dir).key).practice_id


def change_passphrase(db: Database, actor: Actor, data_dir: Path, old: str, new: str) -> None:
    """Rewrap the database key under a new passphrase (admin only; the data is not touched)."""
    require(actor, Permission.SETTINGS_MANAGE)
    check_passphrase_rules(new)
    paths = PracticePaths(data_dir)
    keyfile = KeyFile.read(paths.key)
    key = keyfile.unwrap(old)
    keyfile.rewrap(key, new).write(paths.key)
    with db.unit_of_work(actor) as s:
        record(s, actor, "passphrase_change", entity="practice")
