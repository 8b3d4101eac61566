"""Failed logins counted per typed username and workstation: a growing wait, then a lock,
on that workstation only. Nobody can lock the physician out from another PC, and an
unknown username is throttled exactly like a real one (so the answer reveals nothing)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from emr_desktop.models.mfa import LoginThrottle

BACKOFF_AFTER = 2  # failures before each further attempt must wait
MAX_WAIT_SECONDS = 30


def _row(s: Session, username: str, workstation: str) -> LoginThrottle | None:
    return s.scalar(
        select(LoginThrottle).where(
            LoginThrottle.username == username[:64],
            LoginThrottle.workstation == workstation[:128],
        )
    )


def blocked(s: Session, username: str, workstation: str, now: dt.datetime) -> str | None:
    """Why attempts for ``username`` from ``workstation`` are refused now ("locked out",
    "backoff"), or None."""
    row = _row(s, username, workstation)
    if row is None:
        return None
    if row.locked_until is not None and row.locked_until > now:
        return "locked out"
    if row.wait_until is not None and row.wait_until > now:
        return "backoff"
    return None


def failed(
    s: Session,
    username: str,
    workstation: str,
    now: dt.datetime,
    *,
    threshold: int,
    lock_minutes: int,
) -> tuple[int, bool]:
    """Count a failure; returns the failures so far and whether this one locked."""
    row = _row(s, username, workstation)
    if row is None:
        row = LoginThrottle(username=username[:64], workstation=workstation[:128], failures=0)
        s.add(row)
    if row.locked_until is not None and row.locked_until <= now:
        row.failures = 0  # a lock that ran out starts the count afresh
        row.locked_until = None
    row.failures += 1
    if row.failures >= threshold:
        row.locked_until = now + dt.timedelta(minutes=lock_minutes)
        row.wait_until = None
        return row.failures, True
    if row.failures >= BACKOFF_AFTER:
        wait = min(2 ** (row.failures - BACKOFF_AFTER), MAX_WAIT_SECONDS)
        row.wait_until = now + dt.timedelta(seconds=wait)
    return row.failures, False


def succeeded(s: Session, username: str, workstation: str) -> None:
    """A good login clears the count for that workstation."""
    s.execute(
        delete(LoginThrottle).where(
            LoginThrottle.username == username[:64],
            LoginThrottle.workstation == workstation[:128],
        )
    )


def clear(s: Session, username: str) -> int:
    """The manager clears every workstation's lock on ``username``; how many were locked."""
    result = s.execute(delete(LoginThrottle).where(LoginThrottle.username == username[:64]))
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def locked_usernames(s: Session, now: dt.datetime) -> frozenset[str]:
    """Usernames locked on at least one workstation now (for the users list)."""
    return frozenset(
        s.scalars(select(LoginThrottle.username).where(LoginThrottle.locked_until > now))
    )
