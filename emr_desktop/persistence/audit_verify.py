"""Verifying the audit chain: every seal, every link, the head, and the heads recorded
outside the database (the anchor file beside it, backup manifests).

Reads the rows straight from the driver, a million of them in a few seconds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, select

from emr_desktop.domain.audit import ChainReport
from emr_desktop.models.audit import AuditHead
from emr_desktop.persistence.audit_chain import GENESIS_HASH, canonical, seal, stored_ts

_COLUMNS = (
    "id",
    "occurred_at",
    "user_id",
    "username",
    "workstation",
    "action",
    "entity",
    "entity_id",
    "patient_id",
    "details",
    "prev_hash",
    "hash",
)


def _cursor_rows(conn: Connection, sql: str, params: tuple[Any, ...] = ()) -> Iterator[Any]:
    """Rows straight from the driver cursor: no SQLAlchemy result processing (verify
    reads a million rows, and the time column stays text for ``stored_ts``)."""
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(sql, params)
        while batch := cursor.fetchmany(10_000):
            yield from batch
    finally:
        cursor.close()


def _python_matches(row: Any, key: bytes | None) -> bool:
    """Whether a row (all ``_COLUMNS``) still has the seal it was written with."""
    rid, occurred, uid, uname, ws, action, entity, eid, pid, details, prev, digest = row
    try:
        ts = stored_ts(occurred)
    except (TypeError, ValueError):
        return False  # a time no one could have written: the row was edited
    text = canonical(rid, ts, uid, uname, ws, action, entity, eid, pid, details, prev)
    return bool(digest == seal(key, text))


# On SQLite the canonical text is built by the database itself: json_array() writes the
# same compact JSON as _ENCODER (UTF-8 kept, the same escapes), and the stored time
# "YYYY-MM-DD HH:MM:SS.ffffff" becomes "YYYY-MM-DDTHH:MM:SS.ffffffZ". Python then only
# seals one string per row, about three times faster. A row whose SQL-built text does
# not seal right is checked again the Python way before it is called changed, so an
# escaping difference could only cost time, never raise a false alarm.
_SQLITE_CANONICAL = (
    "SELECT id, prev_hash, hash, json_array(id,"
    " CASE WHEN length(occurred_at) = 26 AND substr(occurred_at, 11, 1) = ' '"
    " THEN substr(occurred_at, 1, 10) || 'T' || substr(occurred_at, 12) || 'Z' END,"
    " user_id, username, workstation, action, entity, entity_id, patient_id, details,"
    " prev_hash) FROM audit_log ORDER BY id"
)
_ONE_ROW = f"SELECT {', '.join(_COLUMNS)} FROM audit_log WHERE id = ?"
_ALL_ROWS = f"SELECT {', '.join(_COLUMNS)} FROM audit_log ORDER BY id"


def _checked(
    conn: Connection, key: bytes | None, keyed_from: int | None
) -> Iterator[tuple[int, str, str, bool]]:
    """(id, prev_hash, seal, whether the seal matches the content) of every row, by id."""
    start = keyed_from if keyed_from is not None else 1 << 62
    if conn.dialect.name != "sqlite":
        for row in _cursor_rows(conn, _ALL_ROWS):
            k = key if row[0] >= start else None
            yield row[0], row[-2], row[-1], _python_matches(row, k)
        return
    for rid, prev, digest, text in _cursor_rows(conn, _SQLITE_CANONICAL):
        k = key if rid >= start else None
        ok = digest == seal(k, text)
        if not ok:
            ok = any(_python_matches(row, k) for row in _cursor_rows(conn, _ONE_ROW, (rid,)))
        yield rid, prev, digest, ok


@dataclass(frozen=True, slots=True)
class HeadMark:
    """A chain head recorded outside the database: an anchor file, a backup's manifest."""

    source: str  # in words: "the anchor file beside the database", "backup F"
    last_id: int
    last_hash: str
    keyed_from: int | None = None


def read_head(conn: Connection) -> tuple[int, str, int | None]:
    """(last id, last seal, first keyed row) of the chain head as stored."""
    head = conn.execute(
        select(AuditHead.last_id, AuditHead.last_hash, AuditHead.keyed_from).where(
            AuditHead.id == 1
        )
    ).first()
    return (head[0], head[1], head[2]) if head else (0, GENESIS_HASH, None)


def verify(conn: Connection, key: bytes | None, marks: Iterable[HeadMark] = ()) -> ChainReport:
    """Walk the whole chain; report the first row that was edited, removed or inserted,
    and any head recorded outside the database that the chain no longer contains."""
    head_id, head_hash, keyed_from = read_head(conn)
    if keyed_from is not None and key is None and head_id >= keyed_from:
        return ChainReport(
            False, 0, head_id, head_hash, None, "the practice key is needed to check the seals"
        )
    marks = list(marks)
    wanted = {m.last_id: m for m in marks}
    seen: dict[int, str] = {}
    prev_hash = GENESIS_HASH
    expected_id = 1
    count = 0
    for rid, prev, digest, matches in _checked(conn, key, keyed_from):
        count += 1
        if rid != expected_id:
            missing = "missing" if rid > expected_id else "out of order"
            return ChainReport(
                False,
                count,
                rid,
                digest,
                rid,
                f"row {expected_id} is {missing} before row {rid} (deleted or inserted row)",
            )
        if prev != prev_hash:
            return ChainReport(
                False,
                count,
                rid,
                digest,
                rid,
                f"row {rid} does not follow the row before it (a row was deleted or inserted)",
            )
        if not matches:
            return ChainReport(
                False, count, rid, digest, rid, f"row {rid} was changed after it was written"
            )
        if rid in wanted:
            seen[rid] = digest
        prev_hash = digest
        expected_id += 1
    last_id = expected_id - 1
    if (head_id, head_hash) != (last_id, prev_hash):
        bad = min(head_id, last_id) + 1
        return ChainReport(
            False,
            count,
            last_id,
            prev_hash,
            bad,
            f"the chain ends at row {last_id} but its head says row {head_id} "
            "(rows were removed from or added to the end)",
        )
    for m in marks:
        if m.keyed_from is not None and m.keyed_from != keyed_from:
            return ChainReport(
                False,
                count,
                last_id,
                prev_hash,
                m.keyed_from,
                f"the chain's keyed part was moved (it began at row {m.keyed_from} by "
                f"{m.source}); its seals were recomputed",
            )
        if m.last_id > last_id:
            return ChainReport(
                False,
                count,
                last_id,
                prev_hash,
                last_id + 1,
                f"rows {last_id + 1} to {m.last_id} were cut from the end: {m.source} "
                f"recorded the chain up to row {m.last_id}",
            )
        if m.last_id > 0 and seen.get(m.last_id) != m.last_hash:
            return ChainReport(
                False,
                count,
                last_id,
                prev_hash,
                m.last_id,
                f"row {m.last_id} or an earlier one was rewritten: it no longer matches {m.source}",
            )
    return ChainReport(True, count, last_id, prev_hash)
