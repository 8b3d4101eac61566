"""Backup DTOs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class BackupManifest:
    """What a backup file says about itself (stored beside the database inside it)."""

    format: str
    created_at: str
    app_version: str
    practice_id: str
    schema_revision: str
    audit_head_id: int
    audit_head_hash: str
    database_sha256: str
    database_bytes: int


@dataclass(frozen=True, slots=True)
class RestoreResult:
    """What a restore did."""

    manifest: BackupManifest
    replaced_file: str | None


@dataclass(frozen=True, slots=True)
class BackupSchedule:
    """Where and when the running app makes the practice's daily verified backup."""

    destination: str
    daily_at: str  # HH:MM, local time of the workstation


@dataclass(frozen=True, slots=True)
class BackupRunRow:
    """One backup in the history."""

    started_at: dt.datetime
    file_name: str
    workstation: str
    bytes: int
    verified: bool
    problem: str | None
    pruned: bool


@dataclass(frozen=True, slots=True)
class BackupStatus:
    """The schedule, the history (newest first) and the manager's warning, if any."""

    schedule: BackupSchedule | None
    last_verified_at: dt.datetime | None
    warning: str | None
    history: tuple[BackupRunRow, ...]
