"""Audit DTOs: rows for the audit report and the result of a chain check."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class ChainReport:
    """The result of verifying the audit chain."""

    ok: bool
    rows_checked: int
    head_id: int
    head_hash: str
    first_bad_id: int | None = None
    problem: str = ""


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One audit row as the audit report shows it."""

    id: int
    occurred_at: dt.datetime
    username: str
    workstation: str
    action: str
    entity: str | None
    entity_id: str | None
    patient_id: int | None
    details: str


@dataclass(frozen=True, slots=True)
class AuditFilter:
    """Which audit rows to show or export; every field narrows, None means any."""

    since: dt.datetime | None = None
    until: dt.datetime | None = None
    username: str | None = None
    patient_id: int | None = None
    action: str | None = None
