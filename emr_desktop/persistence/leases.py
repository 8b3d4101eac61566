"""Leases in the practice database: each running app holds one while it has the practice
open, a restore holds one while it switches files, the scheduled backup holds one so only
one workstation makes it.

A lease lasts ``ttl`` and is renewed by its holder's timer; a crashed app stops renewing,
so its lease expires and stops counting. Only a hash of the token is stored.
"""

from __future__ import annotations

import datetime as dt
import secrets
import socket
from dataclasses import dataclass

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from emr_desktop.models.base import utcnow
from emr_desktop.models.lease import PracticeLease
from emr_desktop.persistence.sessions import token_hash

OPEN = "open"
RESTORE = "restore"
BACKUP = "backup"
DEFAULT_TTL = dt.timedelta(minutes=3)


@dataclass(frozen=True, slots=True)
class LeaseHolder:
    """Someone else's live lease, as a refusal names it (no token)."""

    purpose: str
    workstation: str
    expires_at: dt.datetime


def workstation_name() -> str:
    """This computer's name as leases and sessions record it."""
    return socket.gethostname()[:128] or "this computer"


def holders(session: Session, purpose: str, *, besides: str | None = None) -> list[LeaseHolder]:
    """The unexpired leases for ``purpose`` other than the one whose token is ``besides``."""
    query = select(PracticeLease).where(
        PracticeLease.purpose == purpose, PracticeLease.expires_at > utcnow()
    )
    if besides:
        query = query.where(PracticeLease.token_hash != token_hash(besides))
    return [
        LeaseHolder(row.purpose, row.workstation, row.expires_at)
        for row in session.scalars(query.order_by(PracticeLease.id))
    ]


def take(
    session: Session, purpose: str, ttl: dt.timedelta = DEFAULT_TTL, workstation: str = ""
) -> str:
    """A new lease for ``purpose``; returns its token (expired leases are cleared first)."""
    now = utcnow()
    session.execute(delete(PracticeLease).where(PracticeLease.expires_at <= now))
    token = secrets.token_urlsafe(32)
    session.add(
        PracticeLease(
            token_hash=token_hash(token),
            purpose=purpose,
            workstation=(workstation or workstation_name())[:128],
            acquired_at=now,
            expires_at=now + ttl,
        )
    )
    session.flush()
    return token


def take_sole(
    session: Session, purpose: str, ttl: dt.timedelta = DEFAULT_TTL, workstation: str = ""
) -> str | None:
    """A lease for ``purpose`` only when nobody else holds an unexpired one (the caller's
    unit of work holds the write lock, so two workstations cannot both get it)."""
    if holders(session, purpose):
        return None
    return take(session, purpose, ttl, workstation)


def renew(session: Session, token: str, ttl: dt.timedelta = DEFAULT_TTL) -> bool:
    """Push a lease's expiry forward; False when it is gone (expired and cleared)."""
    result = session.execute(
        update(PracticeLease)
        .where(PracticeLease.token_hash == token_hash(token))
        .values(expires_at=utcnow() + ttl)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]


def release(session: Session, token: str) -> None:
    """Give a lease back (the app closes the practice, the backup finished)."""
    session.execute(delete(PracticeLease).where(PracticeLease.token_hash == token_hash(token)))
