"""The second factor and login throttling: TOTP enrolments, recovery codes, and failed
logins counted per username and workstation."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base, UtcDateTime


class UserMfa(Base):
    """A user's TOTP secret (sealed under a key derived from the practice key).

    ``confirmed_at`` is None while an enrolment waits for its first code; ``last_step``
    is the RFC 6238 time step of the last accepted code, so a code works only once.
    """

    __tablename__ = "user_mfa"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    secret_sealed: Mapped[str] = mapped_column(String(255))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    confirmed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    last_step: Mapped[int] = mapped_column(Integer, default=0)


class MfaRecoveryCode(Base):
    """One single-use recovery code, stored only as a salted hash."""

    __tablename__ = "mfa_recovery_code"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(128))
    used_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)


class LoginThrottle(Base):
    """Failed logins for one typed username from one workstation: the backoff, then the
    lock, apply to that workstation only, so nobody can lock a user out from another PC."""

    __tablename__ = "login_throttle"
    __table_args__ = (UniqueConstraint("username", "workstation"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    workstation: Mapped[str] = mapped_column(String(128))
    failures: Mapped[int] = mapped_column(Integer, default=0)
    wait_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
