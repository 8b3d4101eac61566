"""User DTOs."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from emr_desktop.domain.security import Role, UserStatus


@dataclass(frozen=True, slots=True)
class UserInfo:
    """A user as the admin screens and `emr-admin users list` show it."""

    id: int
    username: str
    full_name: str
    role: Role
    status: UserStatus
    locked_out: bool
    must_change_password: bool
    last_login_at: dt.datetime | None
    mfa_enrolled: bool = False  # has an active second factor (TOTP)


@dataclass(frozen=True, slots=True)
class NewUserResult:
    """A created user, and the one-time password when none was given."""

    user: UserInfo
    one_time_password: str | None
