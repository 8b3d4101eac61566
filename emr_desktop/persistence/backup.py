"""Consistent, still-encrypted copies of a live database, and file-level checks.

Copies use SQLite's online backup API: it reads one snapshot while other connections
keep writing (WAL), and writes pages re-encrypted under the same key.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import sqlcipher3

from emr_desktop.errors import BackupError
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.engine import connect_raw, is_sqlite


def copy_database(db: Database, dest: Path) -> None:
    """Write a consistent encrypted copy of ``db`` to ``dest`` (which must not exist)."""
    if not is_sqlite(db.engine) or db.key is None:
        raise BackupError(
            "This practice uses a database server; back it up with the server's own tools "
            "(pg_dump)."
        )
    if dest.exists():
        raise BackupError(f"{dest.name} already exists; choose another file name.")
    if db.path is not None:
        _copy_pages(db.path, db.key, dest)
        return
    source = db.engine.raw_connection()
    target = connect_raw(dest, db.key, create=True)
    try:
        source.driver_connection.backup(target)  # type: ignore[union-attr]
        target.execute("PRAGMA journal_mode = DELETE")
    except sqlcipher3.Error as exc:
        target.close()
        dest.unlink(missing_ok=True)
        raise BackupError(f"The backup copy could not be written: {exc}") from None
    finally:
        source.close()
    target.close()


def _copy_pages(path: Path, key: bytes, dest: Path) -> None:
    """The fast copy: the file's pages as they are (no decrypting and re-encrypting), then
    its WAL, both under one read transaction, then the copy's WAL folded into it.

    The read transaction pins the WAL: no checkpoint can go past it and the WAL cannot be
    restarted while it is held, so every page the main file gains meanwhile is also in the
    WAL copied after it; replaying that WAL in the copy gives its last whole commit.
    """
    wal = Path(str(path) + "-wal")
    dest_wal = Path(str(dest) + "-wal")
    reader = connect_raw(path, key)
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM sqlite_master").fetchone()
        shutil.copyfile(path, dest)
        if wal.exists():
            shutil.copyfile(wal, dest_wal)
        reader.execute("COMMIT")
    except (sqlcipher3.Error, OSError) as exc:
        dest.unlink(missing_ok=True)
        dest_wal.unlink(missing_ok=True)
        raise BackupError(f"The backup copy could not be written: {exc}") from None
    finally:
        reader.close()
    target = connect_raw(dest, key)
    try:
        target.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        target.execute("PRAGMA journal_mode = DELETE")
    except sqlcipher3.Error as exc:
        raise BackupError(f"The backup copy could not be completed: {exc}") from None
    finally:
        target.close()
    dest_wal.unlink(missing_ok=True)
    Path(str(dest) + "-shm").unlink(missing_ok=True)


def check_file(path: Path, key: bytes, *, read_only: bool = False) -> list[str]:
    """Run SQLite's full integrity check and SQLCipher's page check; return the problems
    found. ``read_only`` opens the file so that nothing can be written into it."""
    conn = connect_raw(path, key, read_only=read_only)
    try:
        problems: list[str] = []
        try:
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        except sqlcipher3.DatabaseError as exc:
            return [f"integrity check could not run: {exc}"]
        if integrity != ["ok"]:
            problems.extend(f"integrity: {line}" for line in integrity)
        try:
            cipher = [str(r[0]) for r in conn.execute("PRAGMA cipher_integrity_check")]
        except sqlcipher3.DatabaseError as exc:
            return [*problems, f"cipher check could not run: {exc}"]
        problems.extend(f"cipher: {line}" for line in cipher)
        return problems
    finally:
        conn.close()
