"""A person who logs in: credentials, role and lockout state."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Enum, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.domain.security import Role, UserStatus
from emr_desktop.models.base import Base, UtcDateTime, utcnow


class User(Base):
    """An application user. Usernames are stored lower-case, so uniqueness ignores case."""

    __tablename__ = "app_user"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[Role] = mapped_column(
        Enum(Role, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e])
    )
    status: Mapped[UserStatus] = mapped_column(
        Enum(
            UserStatus, native_enum=False, length=20, values_callable=lambda e: [m.value for m in e]
        ),
        default=UserStatus.ACTIVE,
    )
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    last_login_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class UserSession(Base):
    """One login: from proving who one is to logout, disable or password reset.

    Only the token's SHA-256 is stored; the running app holds the token in its Actor.
    """

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    workstation: Mapped[str] = mapped_column(String(128))
    started_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    ended_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
