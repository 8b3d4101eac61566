"""The append-only, hash-chained audit log and its chain head."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, UtcDateTime


class AuditLog(Base):
    """One audited event. The database refuses UPDATE and DELETE on this table.

    ``hash`` seals the canonical encoding of the row (see persistence.audit_chain)
    including ``prev_hash``: HMAC-SHA-256 under a key derived from the practice key from
    ``AuditHead.keyed_from`` on, SHA-256 before. Any edit, deletion or insertion made behind
    the application's back breaks the chain. ``details`` never holds
    clinical values: ids, field names and counts only.
    """

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(128))
    action: Mapped[str] = mapped_column(String(64))
    entity: Mapped[str | None] = mapped_column(String(64))
    entity_id: Mapped[str | None] = mapped_column(String(64))
    patient_id: Mapped[int | None] = mapped_column(Integer)
    details: Mapped[str] = mapped_column(Text, default="")
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))

    __table_args__ = (
        Index("ix_audit_log_occurred_at", "occurred_at"),
        Index("ix_audit_log_patient_id_occurred_at", "patient_id", "occurred_at"),
        Index("ix_audit_log_user_id_occurred_at", "user_id", "occurred_at"),
    )


class AuditHead(Base):
    """A single row naming the last audit row and its hash.

    Writers lock this row (SELECT ... FOR UPDATE on PostgreSQL, the write lock on
    SQLite) so the chain never forks, and verify compares it with the chain's end, so
    a truncated tail is detected too.
    """

    __tablename__ = "audit_head"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_id: Mapped[int] = mapped_column(Integer, default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    # The first row sealed with the keyed HMAC (set once; a trigger refuses any change).
    keyed_from: Mapped[int | None] = mapped_column(Integer)


class PracticeKey(Base):
    """The wrapped practice key of a server practice (the key file's JSON; unwrapping it
    needs the practice passphrase). An embedded practice keeps it in practice.key."""

    __tablename__ = "practice_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_file: Mapped[str] = mapped_column(Text)
