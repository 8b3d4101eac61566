"""Backups of a practice server: a consistent dump, compressed and encrypted with the
practice key, and its restore into an empty server database.

The dump is made in one REPEATABLE READ snapshot with COPY (text format), table by table
in foreign-key order; it needs no pg_dump on the workstation and only the read access the
workstations' role has. The stream is zlib-compressed, then sealed in 1 MiB chunks with
AES-256-GCM under a key derived from the practice key: each chunk's nonce and associated
data carry its number and whether it is the last, so a cut, reordered or edited file is
refused. Without the practice key the file reveals nothing but its size.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import struct
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine

from emr_desktop.errors import BackupError
from emr_desktop.models import Base

MAGIC = b"EMRDUMP1"
_CHUNK = 1 << 20
_HEADER = b"EMR server dump 1\n"
_END = b"\\.\n"


def dump_key(practice_key: bytes) -> bytes:
    """The key that seals server dumps."""
    return hmac.digest(practice_key, b"emr-desktop server backup v1", "sha256")


def _tables(conn: Connection) -> list[tuple[str, list[str], list[str]]]:
    """Every table the database holds, parents before children, with the columns it has
    (an older schema revision may have fewer) and its primary key."""
    found: dict[str, list[str]] = {}
    for table, column in conn.exec_driver_sql(
        "SELECT table_name, column_name FROM information_schema.columns"
        " WHERE table_schema = 'public' ORDER BY table_name, ordinal_position"
    ):
        found.setdefault(table, []).append(column)
    return [
        (t.name, found[t.name], [c.name for c in t.primary_key.columns])
        for t in Base.metadata.sorted_tables
        if t.name in found
    ]


@dataclass(frozen=True)
class DumpInfo:
    """What a dump holds."""

    schema_revision: str
    audit_head_id: int
    audit_head_hash: str
    rows: int
    sha256: str  # of the sealed file
    size: int


class _Sealer:
    """Writes the sealed chunk stream: MAGIC, a random nonce prefix, then chunks."""

    def __init__(self, out: IO[bytes], key: bytes) -> None:
        self._out, self._aead, self._n = out, AESGCM(key), 0
        self._prefix = secrets.token_bytes(4)
        self._buf = bytearray()
        self._zip = zlib.compressobj(6)
        self.digest = hashlib.sha256()
        self.size = 0
        self._emit(MAGIC + self._prefix)

    def _emit(self, data: bytes) -> None:
        self._out.write(data)
        self.digest.update(data)
        self.size += len(data)

    def _seal(self, data: bytes, last: bool) -> None:
        nonce = self._prefix + struct.pack(">Q", self._n)
        aad = struct.pack(">Q?", self._n, last)
        sealed = self._aead.encrypt(nonce, data, aad)
        self._emit(struct.pack(">I?", len(sealed), last) + sealed)
        self._n += 1

    def write(self, data: bytes) -> None:
        self._buf += self._zip.compress(data)
        while len(self._buf) >= _CHUNK:
            self._seal(bytes(self._buf[:_CHUNK]), False)
            del self._buf[:_CHUNK]

    def close(self) -> None:
        self._buf += self._zip.flush()
        self._seal(bytes(self._buf), True)


def _opened(src: IO[bytes], key: bytes) -> Iterator[bytes]:
    """The plaintext of a sealed stream, piece by piece; BackupError if anything is off."""
    head = src.read(len(MAGIC) + 4)
    if head[: len(MAGIC)] != MAGIC:
        raise BackupError("The backup's database part is not a server dump.")
    prefix, aead, n = head[len(MAGIC) :], AESGCM(key), 0
    unzip = zlib.decompressobj()
    while True:
        frame = src.read(5)
        if len(frame) < 5:
            raise BackupError("The backup file is cut short.")
        size, last = struct.unpack(">I?", frame)
        sealed = src.read(size)
        try:
            data = aead.decrypt(prefix + struct.pack(">Q", n), sealed, struct.pack(">Q?", n, last))
        except InvalidTag:
            raise BackupError(
                "The backup cannot be read with this practice's key: it is damaged or another "
                "practice's."
            ) from None
        yield unzip.decompress(data)
        n += 1
        if last:
            tail = unzip.flush()
            if tail:
                yield tail
            if src.read(1):
                raise BackupError("The backup file has data after its end.")
            return


def dump(engine: Engine, practice_key: bytes, out: IO[bytes]) -> DumpInfo:
    """Write the whole practice as one sealed dump (one consistent snapshot)."""
    sealer = _Sealer(out, dump_key(practice_key))
    rows = 0
    reader = engine.execution_options(isolation_level="REPEATABLE READ", emr_read_only=True)
    with reader.connect() as conn:
        revision = str(conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar())
        head = conn.exec_driver_sql("SELECT last_id, last_hash FROM audit_head").first()
        sealer.write(_HEADER + f"REVISION {revision}\n".encode())
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        for table, columns, key in _tables(conn):
            cols = ", ".join(f'"{c}"' for c in columns)
            order = ", ".join(f'"{c}"' for c in key)
            sealer.write(f"TABLE {table} {','.join(columns)}\n".encode())
            # In key order: the audit log then loads strictly in order, as its trigger wants.
            sql = f'COPY (SELECT {cols} FROM "{table}" ORDER BY {order}) TO STDOUT'
            with cursor.copy(sql) as copy:
                for block in copy:
                    rows += bytes(block).count(b"\n")
                    sealer.write(bytes(block))
            sealer.write(_END)
        cursor.close()
        conn.rollback()
    sealer.write(b"END\n")
    sealer.close()
    return DumpInfo(
        revision,
        int(head[0]) if head else 0,
        str(head[1]) if head else "",
        rows,
        sealer.digest.hexdigest(),
        sealer.size,
    )


def _lines(pieces: Iterator[bytes]) -> Iterator[bytes]:
    """Whole lines (with their newline) out of a stream of pieces."""
    rest = b""
    for piece in pieces:
        rest += piece
        *whole, rest = rest.split(b"\n")
        for line in whole:
            yield line + b"\n"
    if rest:
        yield rest


def dump_revision(src: IO[bytes], practice_key: bytes) -> str:
    """The schema revision a dump was made at (reads only its first chunk)."""
    lines = _lines(_opened(src, dump_key(practice_key)))
    if next(lines, b"") != _HEADER:
        raise BackupError("The backup's database part is not a server dump.")
    return next(lines, b"").decode().removeprefix("REVISION ").strip()


_FOREIGN_KEYS = (
    "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint"
    " WHERE contype = 'f' AND connamespace = 'public'::regnamespace"
)


def load(conn: Connection, practice_key: bytes, src: IO[bytes]) -> int:
    """Copy a dump's rows into an empty schema at the dump's revision, on ``conn`` (the
    owner's, in the caller's transaction); returns the rows loaded.

    Foreign keys are dropped for the load and added back after it (which checks every
    row), since a table may refer to itself in any order (a merged patient's target)."""
    lines = _lines(_opened(src, dump_key(practice_key)))
    if next(lines, b"") != _HEADER:
        raise BackupError("The backup's database part is not a server dump.")
    next(lines)  # REVISION
    keys = conn.exec_driver_sql(_FOREIGN_KEYS).all()
    for table, name, _ in keys:
        conn.exec_driver_sql(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    rows = 0
    for line in lines:
        if line == b"END\n":
            cursor.close()
            for table, name, definition in keys:
                conn.exec_driver_sql(f'ALTER TABLE {table} ADD CONSTRAINT "{name}" {definition}')
            return rows
        word, table, cols = line.decode().split(" ", 2)
        columns = cols.strip().split(",")
        if word != "TABLE" or not all(c.replace("_", "").isalnum() for c in [table, *columns]):
            raise BackupError("The backup's database part is damaged.")
        quoted = ", ".join(f'"{c}"' for c in columns)
        # Rows a migration seeded (the practice row, counters) give way to the backup's.
        if conn.exec_driver_sql(f'SELECT EXISTS (SELECT 1 FROM "{table}")').scalar():
            conn.exec_driver_sql(f'DELETE FROM "{table}"')
        with cursor.copy(f'COPY "{table}" ({quoted}) FROM STDIN') as copy:
            for row in lines:
                if row == _END:
                    break
                copy.write(row)
                rows += 1
    raise BackupError("The backup file is cut short.")
