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

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session

from emr_desktop.domain.audit import ChainReport
from emr_desktop.models.audit import AuditHead, AuditLog

GENESIS_HASH = "0" * 64


def _ts(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


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
    canonical = json.dumps(
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
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


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
    new_id = head.last_id + 1
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


def _rows(conn: Connection) -> Iterator[AuditLog]:
    stmt = select(AuditLog.__table__).order_by(AuditLog.id)
    result = conn.execution_options(stream_results=True, yield_per=5000).execute(stmt)
    yield from result  # type: ignore[misc]


def verify(conn: Connection) -> ChainReport:
    """Walk the whole chain; report the first row that was edited, removed or inserted."""
    prev_hash = GENESIS_HASH
    expected_id = 1
    count = 0
    for row in _rows(conn):
        count += 1
        if row.id != expected_id:
            missing = "missing" if row.id > expected_id else "out of order"
            return ChainReport(
                False,
                count,
                row.id,
                row.hash,
                row.id,
                f"row {expected_id} is {missing} before row {row.id} (deleted or inserted row)",
            )
        if row.prev_hash != prev_hash:
            return ChainReport(
                False,
                count,
                row.id,
                row.hash,
                row.id,
                f"row {row.id} does not follow the row before it (a row was deleted or inserted)",
            )
        digest = row_hash(
            id=row.id,
            occurred_at=row.occurred_at,
            user_id=row.user_id,
            username=row.username,
            workstation=row.workstation,
            action=row.action,
            entity=row.entity,
            entity_id=row.entity_id,
            patient_id=row.patient_id,
            details=row.details,
            prev_hash=row.prev_hash,
        )
        if digest != row.hash:
            return ChainReport(
                False,
                count,
                row.id,
                row.hash,
                row.id,
                f"row {row.id} was changed after it was written",
            )
        prev_hash = row.hash
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
