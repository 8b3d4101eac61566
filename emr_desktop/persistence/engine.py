"""Engines: an embedded SQLCipher file (the default) or a PostgreSQL server.

SQLCipher is opened with the raw-key form of PRAGMA key, so there is no key
derivation on each new connection. Every connection gets WAL, foreign keys, a 64 MB
page cache, in-memory temp storage (no temp files on disk) and a busy timeout.
Transactions start with BEGIN IMMEDIATE: nearly every unit of work writes an audit row,
and taking the write lock up front means two writers wait for each other instead of
failing half-way, and the audit chain can never fork.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.pool import ConnectionPoolEntry

from emr_desktop.errors import DatabaseDamaged, ForeignDatabase, PracticeError

SQLITE_PLAIN_HEADER = b"SQLite format 3\x00"
PAGE_SIZE = 4096
CACHE_KIB = 65536  # 64 MiB
BUSY_TIMEOUT_MS = 15000


def raw_key_pragma(key: bytes) -> str:
    """The PRAGMA that opens a SQLCipher database with a raw 32-byte key."""
    return f"PRAGMA key = \"x'{key.hex()}'\""


def connect_raw(
    path: Path, key: bytes, *, create: bool = False, read_only: bool = False
) -> sqlcipher3.Connection:
    """A bare DB-API connection with the key applied (for backup, checks and tools)."""
    mode = "ro" if read_only else "rwc" if create else "rw"
    wal = Path(str(path) + "-wal")
    if read_only and not (wal.exists() and wal.stat().st_size):
        mode += "&immutable=1"  # nothing to read in a WAL: not even a -shm file is made
    conn = sqlcipher3.connect(
        f"file:{path.as_posix()}?mode={mode}", uri=True, check_same_thread=False
    )
    # SQLCipher logs decryption failures to stderr; we report them in our own words.
    conn.execute("PRAGMA cipher_log_level = NONE")
    conn.execute(raw_key_pragma(key))
    return conn


def file_salt(path: Path) -> str | None:
    """The SQLCipher salt (the file's first 16 bytes) as hex, or None for an empty file."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    return head.hex() if len(head) == 16 else None


def classify_open_failure(path: Path, expected_salt: str | None) -> Exception:
    """Tell a foreign database file apart from a damaged one, after the key did not open it."""
    with open(path, "rb") as fh:
        head = fh.read(16)
    if head == SQLITE_PLAIN_HEADER:
        return ForeignDatabase(
            "The database file is not encrypted, so it is not this practice's database."
        )
    if expected_salt is not None and head.hex() != expected_salt:
        return ForeignDatabase(
            "The database file belongs to another practice (or is not a practice database). "
            "Check the data folder, or restore this practice's backup."
        )
    return DatabaseDamaged(
        "The practice database is damaged and cannot be read. Nothing was changed; "
        "restore the latest backup (emr-admin restore)."
    )


def probe(path: Path, key: bytes, expected_salt: str | None) -> None:
    """Open read-only and read the schema once; raise the right error if that fails.

    Changes no file: a key that does not fit fails on page 1, before any journal or
    WAL file is created.
    """
    if not path.is_file():
        raise PracticeError(f"No practice database at {path}.")
    size = path.stat().st_size
    if size == 0 or size % PAGE_SIZE:
        raise (
            classify_open_failure(path, expected_salt)
            if size
            else DatabaseDamaged("The practice database file is empty; restore the latest backup.")
        )
    try:
        conn = sqlcipher3.connect(f"file:{path.as_posix()}?mode=ro", uri=True)
    except sqlcipher3.Error as exc:
        raise PracticeError(f"The practice database cannot be opened: {exc}") from None
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(raw_key_pragma(key))
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError:
        raise classify_open_failure(path, expected_salt) from None
    finally:
        conn.close()


def sqlcipher_engine(path: Path, key: bytes | None, *, create: bool = False, **kw: Any) -> Engine:
    """An engine over the SQLCipher file at ``path``, keyed with ``key``.

    ``key=None`` opens an unencrypted SQLite file with the same settings; only the
    benchmarks use that, to measure what the encryption costs.
    """
    mode = "rwc" if create else "rw"
    engine = create_engine(
        f"sqlite+pysqlite:///file:{path.as_posix()}?mode={mode}&uri=true",
        module=sqlcipher3,
        hide_parameters=True,  # error messages must never carry patient data
        **kw,
    )

    @event.listens_for(engine, "do_connect")
    def _on_do_connect(
        dialect: Any, conn_rec: ConnectionPoolEntry, cargs: Any, cparams: dict[str, Any]
    ) -> DBAPIConnection:
        conn = dialect.loaded_dbapi.connect(*cargs, **cparams)
        conn.execute("PRAGMA cipher_log_level = NONE")
        if key is not None:
            conn.execute(raw_key_pragma(key))
        return conn  # type: ignore[no-any-return]

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, conn_rec: ConnectionPoolEntry) -> None:
        # Transactions are begun explicitly below, not by the driver.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        try:
            cur.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            cur.execute("PRAGMA journal_mode = WAL")
            cur.execute("PRAGMA synchronous = FULL")
            cur.execute("PRAGMA foreign_keys = ON")
            # REPLACE then fires delete triggers (the audit log refuses them).
            cur.execute("PRAGMA recursive_triggers = ON")
            cur.execute(f"PRAGMA cache_size = -{CACHE_KIB}")
            cur.execute("PRAGMA temp_store = MEMORY")
        finally:
            cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # Reads that write nothing start deferred (Database.reading), taking no write lock.
        read_only = conn.get_execution_options().get("emr_read_only", False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    return engine


def url_engine(url: str, **kw: Any) -> Engine:
    """An engine for a server database URL (``postgresql+psycopg://...``)."""
    if not url.startswith("postgresql"):
        raise PracticeError("Only PostgreSQL server URLs are supported (postgresql+psycopg://).")
    return create_engine(url, pool_pre_ping=True, hide_parameters=True, **kw)


def is_sqlite(engine: Engine) -> bool:
    """Whether ``engine`` is the embedded SQLCipher/SQLite kind."""
    return engine.dialect.name == "sqlite"


__all__ = [
    "classify_open_failure",
    "connect_raw",
    "file_salt",
    "is_sqlite",
    "probe",
    "raw_key_pragma",
    "sqlcipher_engine",
    "url_engine",
]
