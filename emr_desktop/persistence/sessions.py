"""Login sessions: the unforgeable token an Actor carries, and the check every unit of work
makes before it does anything.

A session starts when a user proves who they are and ends at logout, when the account is
disabled, or when its password is reset. Only a hash of the token is stored, so the
database does not hold a usable session either. An Actor built by hand has no session
the database knows, so it can do nothing; a disabled user's open app is refused at its
next action, before anything is read or written.
"""

from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import update
from sqlalchemy.orm import Session

from emr_desktop.domain.security import Actor, UserStatus
from emr_desktop.models.base import utcnow
from emr_desktop.models.user import UserSession


def token_hash(token: str) -> str:
    """How a session token is stored (SHA-256: the token itself is 256 random bits)."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def start(session: Session, user_id: int, workstation: str) -> str:
    """Begin a session for a user who just proved who they are; returns its token."""
    token = secrets.token_urlsafe(32)
    session.add(
        UserSession(
            user_id=user_id,
            token_hash=token_hash(token),
            workstation=workstation[:128],
            started_at=utcnow(),
        )
    )
    return token


def end(session: Session, token: str) -> None:
    """End one session (logout)."""
    session.execute(
        update(UserSession)
        .where(UserSession.token_hash == token_hash(token), UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )


def end_all(session: Session, user_id: int) -> int:
    """End every open session of a user (disabled account, password reset); how many."""
    result = session.execute(
        update(UserSession)
        .where(UserSession.user_id == user_id, UserSession.ended_at.is_(None))
        .values(ended_at=utcnow())
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


_CHECK = (
    "SELECT u.status, u.role, s.ended_at FROM user_session s JOIN app_user u"
    " ON u.id = s.user_id WHERE s.token_hash = {p} AND u.id = {p}"
)


def refusal(session: Session, actor: Actor) -> str | None:
    """Why ``actor`` may not act now (None: the session is good). One indexed query, on the
    driver's own cursor like the transaction's BEGIN: part of the unit of work's machinery,
    not of the action (the action's own queries stay countable)."""
    if not actor.session:
        return "not signed in"
    conn = session.connection()
    marker = "?" if conn.dialect.paramstyle == "qmark" else "%s"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(_CHECK.format(p=marker), (token_hash(actor.session), actor.user_id))
        row = cursor.fetchone()
    finally:
        cursor.close()
    if row is None:
        return "not signed in"
    status, role, ended_at = row
    if status != UserStatus.ACTIVE.value:
        return "account disabled"
    if role != actor.role.value:
        return "role changed"
    if ended_at is not None:
        return "signed out"
    # A lockout (failed logins elsewhere) stops new logins only: it never ends the
    # session of the person already at work.
    return None
