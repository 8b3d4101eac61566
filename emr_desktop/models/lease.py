"""Leases: which running apps hold the practice open, and which one runs the backups.

A lease is renewed by the app that holds it; one that is not renewed (a crashed app, a
PC switched off) expires on its own, so nothing stays locked forever.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, UtcDateTime


class PracticeLease(Base):
    """One running app's hold on the practice ("open"), a restore's ("restore") or the
    scheduled backup's ("backup"). Only the token's SHA-256 is stored."""

    __tablename__ = "practice_lease"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    purpose: Mapped[str] = mapped_column(String(16), index=True)
    workstation: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)


class BackupRun(Base):
    """One scheduled (or manual) backup: where it went, how big, and whether the copy
    opened and verified. The history the Admin page shows and retention prunes."""

    __tablename__ = "backup_run"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, index=True)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    file_name: Mapped[str] = mapped_column(String(255))
    workstation: Mapped[str] = mapped_column(String(128))
    bytes: Mapped[int] = mapped_column(BigInteger, default=0)
    verified: Mapped[bool] = mapped_column(Boolean, default=False)
    problem: Mapped[str | None] = mapped_column(String(500), default=None)
    pruned: Mapped[bool] = mapped_column(Boolean, default=False)
