"""Backup DTOs."""

from __future__ import annotations

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
