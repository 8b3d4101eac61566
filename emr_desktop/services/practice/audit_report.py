"""The audit report: finding rows, exporting them as CSV and verifying the chain."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from sqlalchemy import Select, select

from emr_desktop.domain.audit import AuditFilter, AuditRecord, ChainReport
from emr_desktop.domain.backup import BackupManifest
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.models.audit import AuditLog
from emr_desktop.persistence.audit_verify import HeadMark
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record


def _filtered(flt: AuditFilter) -> Select[Any]:
    stmt = select(AuditLog)
    if flt.since is not None:
        stmt = stmt.where(AuditLog.occurred_at >= flt.since)
    if flt.until is not None:
        stmt = stmt.where(AuditLog.occurred_at < flt.until)
    if flt.username:
        stmt = stmt.where(AuditLog.username == flt.username.lower())
    if flt.patient_id is not None:
        stmt = stmt.where(AuditLog.patient_id == flt.patient_id)
    if flt.action:
        stmt = stmt.where(AuditLog.action == flt.action)
    return stmt


def _dto(row: AuditLog) -> AuditRecord:
    return AuditRecord(
        id=row.id,
        occurred_at=row.occurred_at,
        username=row.username,
        workstation=row.workstation,
        action=row.action,
        entity=row.entity,
        entity_id=row.entity_id,
        patient_id=row.patient_id,
        details=row.details,
    )


EXPORT_COLUMNS = (
    "id",
    "occurred_at_utc",
    "username",
    "workstation",
    "action",
    "entity",
    "entity_id",
    "patient_id",
    "details",
)


class AuditService:
    """The audit report and chain verification (admin only)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def search(
        self, actor: Actor, flt: AuditFilter, *, limit: int = 1000, offset: int = 0
    ) -> list[AuditRecord]:
        """Audit rows matching ``flt``, newest first."""
        require(actor, Permission.AUDIT_VIEW)
        with self._db.unit_of_work(actor) as s:
            stmt = _filtered(flt).order_by(AuditLog.id.desc()).limit(limit).offset(offset)
            rows = [_dto(r) for r in s.scalars(stmt)]
            record(s, actor, "audit_view", details={"rows": len(rows)})
        return rows

    def export_csv(self, actor: Actor, flt: AuditFilter, out: Path) -> int:
        """Write matching rows, oldest first, to ``out`` as CSV; returns the row count."""
        require(actor, Permission.AUDIT_VIEW)
        count = 0
        with self._db.unit_of_work(actor) as s:
            stmt = _filtered(flt).order_by(AuditLog.id).execution_options(yield_per=2000)
            with open(out, "w", newline="", encoding="utf-8") as fh:
                writer = csv.writer(fh)
                writer.writerow(EXPORT_COLUMNS)
                for row in s.scalars(stmt):
                    writer.writerow(_csv_row(row))
                    count += 1
            record(s, actor, "audit_export", details={"rows": count, **_filter_details(flt)})
        return count

    def verify(self, actor: Actor, against: BackupManifest | None = None) -> ChainReport:
        """Walk the whole chain (and compare it with a backup's recorded head); the result
        is itself audited."""
        require(actor, Permission.AUDIT_VIEW)
        return verify_chain(self._db, actor, against)


def verify_chain(
    db: Database, actor: Actor | None, against: BackupManifest | None = None
) -> ChainReport:
    """Verify the chain, then record that it was verified (and the outcome)."""
    marks = []
    if against is not None:
        marks.append(
            HeadMark(
                f"the backup made {against.created_at}",
                against.audit_head_id,
                against.audit_head_hash,
            )
        )
    report = db.verify_audit(marks)
    if actor is not None:
        with db.unit_of_work(actor) as s:
            record(
                s,
                actor,
                "audit_verify",
                details={
                    "ok": report.ok,
                    "rows": report.rows_checked,
                    "first_bad_id": report.first_bad_id,
                },
            )
    return report


def _csv_row(row: AuditLog) -> Iterator[object]:
    yield row.id
    yield row.occurred_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    yield row.username
    yield row.workstation
    yield row.action
    yield row.entity or ""
    yield row.entity_id or ""
    yield "" if row.patient_id is None else row.patient_id
    yield row.details


def _filter_details(flt: AuditFilter) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name in ("since", "until", "username", "patient_id", "action"):
        value = getattr(flt, name)
        if value is not None:
            out[name] = value.isoformat() if isinstance(value, dt.datetime) else value
    return out
