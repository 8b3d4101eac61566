"""Appending to and verifying the hash-chained audit log.

Each row's hash is SHA-256 over a canonical encoding of the row and the previous
row's hash. The chain head (last id and hash) lives in ``audit_head``; appending locks
it, so concurrent writers on any workstation line up instead of forking the chain.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, DateTime, func, insert, select, type_coerce
from sqlalchemy.orm import Session

from emr_desktop.domain.audit import ChainReport
from emr_desktop.models.audit import AuditHead, AuditLog

GENESIS_HASH = "0" * 64


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"))


def _ts(value: dt.datetime) -> str:
    return _naive_ts(value.astimezone(dt.UTC).replace(tzinfo=None))


def _naive_ts(value: dt.datetime) -> str:
    """A naive UTC time in the canonical form (isoformat is far quicker than strftime)."""
    return value.isoformat(timespec="microseconds") + "Z"


def _digest(fields: list[object]) -> str:
    return hashlib.sha256(_ENCODER.encode(fields).encode("utf-8")).hexdigest()


def row_hash(
    *,
    id: int,
    occurred_at: dt.datetime,
    user_id: int | None,
    username: str,
    workstation: str,
    action: str,
    entity: str | None,
    entity_id: str | None,
    patient_id: int | None,
    details: str,
    prev_hash: str,
) -> str:
    """SHA-256 (hex) of the canonical encoding of one audit row."""
    return _digest(
        [
            id,
            _ts(occurred_at),
            user_id,
            username,
            workstation,
            action,
            entity,
            entity_id,
            patient_id,
            details,
            prev_hash,
        ]
    )


@dataclass(frozen=True, slots=True)
class AuditEntry:
    """What a caller says about an event; the chain fills in id, time and hashes."""

    user_id: int | None
    username: str
    workstation: str
    action: str
    entity: str | None = None
    entity_id: str | None = None
    patient_id: int | None = None
    details: str = ""


def append(session: Session, entry: AuditEntry, *, now: dt.datetime | None = None) -> AuditLog:
    """Add ``entry`` as the next row of the chain, inside the caller's transaction."""
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS_HASH)
        session.add(head)
    occurred = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    # Normally last_id is the table's highest id. If rows were inserted behind the
    # application's back, step past them: the app keeps working (logins must not fail)
    # and verify still names the tampered row, since the chain no longer lines up.
    highest = session.scalar(select(func.max(AuditLog.id))) or 0
    new_id = max(head.last_id, highest) + 1
    fields = {
        "id": new_id,
        "occurred_at": occurred,
        "user_id": entry.user_id,
        "username": entry.username,
        "workstation": entry.workstation,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": entry.entity_id,
        "patient_id": entry.patient_id,
        "details": entry.details,
        "prev_hash": head.last_hash,
    }
    digest = row_hash(**fields)  # type: ignore[arg-type]
    row = AuditLog(**fields, hash=digest)
    session.add(row)
    head.last_id = new_id
    head.last_hash = digest
    session.flush()
    return row


def append_many(
    session: Session, entries: list[tuple[dt.datetime, AuditEntry]], *, chunk: int = 5000
) -> int:
    """Append many rows at once (generators and benchmarks); returns the new head id.

    Same chain, same hashes as ``append``; rows are written with bulk inserts.
    """
    head = session.execute(
        select(AuditHead).where(AuditHead.id == 1).with_for_update()
    ).scalar_one_or_none()
    if head is None:
        head = AuditHead(id=1, last_id=0, last_hash=GENESIS_HASH)
        session.add(head)
        session.flush()
    last_id, last_hash = head.last_id, head.last_hash
    batch: list[dict[str, object]] = []
    for occurred, entry in entries:
        last_id += 1
        fields = {
            "id": last_id,
            "occurred_at": occurred.astimezone(dt.UTC),
            "user_id": entry.user_id,
            "username": entry.username,
            "workstation": entry.workstation,
            "action": entry.action,
            "entity": entry.entity,
            "entity_id": entry.entity_id,
            "patient_id": entry.patient_id,
            "details": entry.details,
            "prev_hash": last_hash,
        }
        last_hash = row_hash(**fields)  # type: ignore[arg-type]
        batch.append({**fields, "hash": last_hash})
        if len(batch) >= chunk:
            session.execute(insert(AuditLog), batch)
            batch = []
    if batch:
        session.execute(insert(AuditLog), batch)
    head.last_id, head.last_hash = last_id, last_hash
    session.flush()
    return last_id


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


def _rows(conn: Connection) -> Iterator[Any]:
    table = AuditLog.__table__
    # Plain DateTime (naive UTC) skips the per-row TypeDecorator: this loop runs a million times.
    cols = [
        type_coerce(table.c[name], DateTime()).label(name)
        if name == "occurred_at"
        else table.c[name]
        for name in _COLUMNS
    ]
    stmt = select(*cols).order_by(table.c.id)
    result = conn.execution_options(stream_results=True, yield_per=10000).execute(stmt)
    for partition in result.partitions():
        yield from partition


def verify(conn: Connection) -> ChainReport:
    """Walk the whole chain; report the first row that was edited, removed or inserted."""
    prev_hash = GENESIS_HASH
    expected_id = 1
    count = 0
    for row in _rows(conn):
        rid, occurred, uid, uname, ws, action, entity, eid, pid, details, prev, digest = row
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
        if digest != _digest(
            [rid, _naive_ts(occurred), uid, uname, ws, action, entity, eid, pid, details, prev]
        ):
            return ChainReport(
                False, count, rid, digest, rid, f"row {rid} was changed after it was written"
            )
        prev_hash = digest
        expected_id += 1
    last_id = expected_id - 1
    head = conn.execute(
        select(AuditHead.last_id, AuditHead.last_hash).where(AuditHead.id == 1)
    ).first()
    head_id, head_hash = (head[0], head[1]) if head else (0, GENESIS_HASH)
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
    return ChainReport(True, count, last_id, prev_hash)
