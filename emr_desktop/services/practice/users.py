"""User accounts: add, list, disable, enable, rename or change role, reset password,
clear a lockout (admin only)."""

from __future__ import annotations

import datetime as dt
import re

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.security import Actor, Permission, Role, UserStatus
from emr_desktop.domain.users import NewUserResult, UserInfo
from emr_desktop.errors import DuplicateError, NotFound, ValidationError
from emr_desktop.models.appointment import Appointment
from emr_desktop.models.mfa import UserMfa
from emr_desktop.models.user import User
from emr_desktop.persistence import sessions
from emr_desktop.persistence.database import Database
from emr_desktop.security.passwords import check_password_rules, hash_password, one_time_password
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.practice import throttle

# Appointments that still hold a visit: a disabled provider's must be rebooked.
KEPT = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.IN_ROOM)

_USERNAME = re.compile(r"^[a-z][a-z0-9._-]{2,31}$")


def normalize_username(username: str) -> str:
    """Lower-case and check the form of a username; raise ValidationError if it is unfit."""
    name = username.strip().lower()
    if not _USERNAME.fullmatch(name):
        raise ValidationError(
            "username",
            "must be 3 to 32 characters: a letter first, then letters, digits, '.', '_' or '-'",
        )
    return name


def parse_role(text: str) -> Role:
    """The Role named by ``text``; ValidationError listing the choices otherwise."""
    try:
        return Role(text.strip().lower())
    except ValueError:
        choices = ", ".join(r.value for r in Role)
        raise ValidationError("role", f"must be one of {choices}") from None


def user_info(
    user: User,
    now: dt.datetime | None = None,
    *,
    throttled: bool = False,
    mfa_enrolled: bool = False,
) -> UserInfo:
    """The DTO for ``user`` (``throttled``: locked on some workstation after failures)."""
    now = now or dt.datetime.now(dt.UTC)
    return UserInfo(
        id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        status=user.status,
        locked_out=throttled or (user.locked_until is not None and user.locked_until > now),
        must_change_password=user.must_change_password,
        last_login_at=user.last_login_at,
        mfa_enrolled=mfa_enrolled,
    )


def create_user(
    session: Session,
    actor: Actor | None,
    *,
    username: str,
    full_name: str,
    role: Role,
    password: str | None,
) -> tuple[User, str | None]:
    """Insert a user (no permission check: callers check). Returns the one-time password."""
    name = normalize_username(username)
    full = full_name.strip()
    if not full:
        raise ValidationError("full_name", "must not be empty")
    if len(full) > 200:
        raise ValidationError("full_name", "must be at most 200 characters")
    if password is not None:
        check_password_rules(password, name)
    if session.scalar(select(User.id).where(User.username == name)) is not None:
        raise DuplicateError(f"A user named {name} already exists.")
    otp = None if password is not None else one_time_password()
    user = User(
        username=name,
        full_name=full,
        role=role,
        status=UserStatus.ACTIVE,
        password_hash=hash_password(password if password is not None else otp or ""),
        must_change_password=password is None,
        failed_logins=0,
    )
    session.add(user)
    session.flush()
    record(
        session,
        actor,
        "user_create",
        entity="user",
        entity_id=user.id,
        details={"username": name, "role": role.value},
        username=name,
    )
    return user, otp


class UserService:
    """Managing the practice's user accounts."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def add(
        self, actor: Actor, *, username: str, full_name: str, role: Role, password: str | None
    ) -> NewUserResult:
        """Add a user; without a password a one-time password is made and returned."""
        require(actor, Permission.USERS_MANAGE)
        with self._db.unit_of_work(actor) as s:
            user, otp = create_user(
                s, actor, username=username, full_name=full_name, role=role, password=password
            )
            return NewUserResult(user_info(user), otp)

    def list(self, actor: Actor) -> list[UserInfo]:
        """Every user, by username."""
        require(actor, Permission.USERS_MANAGE)
        with self._db.unit_of_work(actor) as s:
            now = dt.datetime.now(dt.UTC)
            locked = throttle.locked_usernames(s, now)
            mfa = set(s.scalars(select(UserMfa.user_id).where(UserMfa.confirmed_at.is_not(None))))
            return [
                user_info(u, now, throttled=u.username in locked, mfa_enrolled=u.id in mfa)
                for u in s.scalars(select(User).order_by(User.username))
            ]

    def _get(self, s: Session, username: str) -> User:
        user = s.scalar(select(User).where(User.username == username.strip().lower()))
        if user is None:
            raise NotFound(f"There is no user named {username.strip().lower()}.")
        return user

    def set_status(self, actor: Actor, username: str, status: UserStatus) -> UserInfo:
        """Disable or re-enable an account. An admin cannot disable their own account."""
        require(actor, Permission.USERS_MANAGE)
        with self._db.unit_of_work(actor) as s:
            user = self._get(s, username)
            if user.id == actor.user_id and status is UserStatus.DISABLED:
                raise ValidationError("username", "you cannot disable your own account")
            if user.status is not status:
                user.status = status
                if status is UserStatus.DISABLED:
                    sessions.end_all(s, user.id)  # their open apps are signed out
                action = "user_disable" if status is UserStatus.DISABLED else "user_enable"
                record(
                    s,
                    actor,
                    action,
                    entity="user",
                    entity_id=user.id,
                    details={"username": user.username},
                )
            return user_info(user)

    def reset_password(self, actor: Actor, username: str, password: str | None) -> str | None:
        """Set a new password (or a one-time one, returned); clears any lockout."""
        require(actor, Permission.USERS_MANAGE)
        with self._db.unit_of_work(actor) as s:
            user = self._get(s, username)
            if password is not None:
                check_password_rules(password, user.username)
            otp = None if password is not None else one_time_password()
            user.password_hash = hash_password(password if password is not None else otp or "")
            user.must_change_password = password is None
            user.failed_logins = 0
            user.locked_until = None
            throttle.clear(s, user.username)
            sessions.end_all(s, user.id)  # a reset password ends the user's sessions
            record(
                s,
                actor,
                "user_password_reset",
                entity="user",
                entity_id=user.id,
                details={"username": user.username, "one_time": password is None},
            )
            return otp

    def unlock(self, actor: Actor, username: str) -> UserInfo:
        """Clear a lockout after failed logins."""
        require(actor, Permission.USERS_MANAGE)
        with self._db.unit_of_work(actor) as s:
            user = self._get(s, username)
            user.failed_logins = 0
            user.locked_until = None
            throttle.clear(s, user.username)  # every workstation's lock on this name
            record(
                s,
                actor,
                "user_unlock",
                entity="user",
                entity_id=user.id,
                details={"username": user.username},
            )
            return user_info(user)

    def update(self, actor: Actor, username: str, *, full_name: str, role: Role) -> UserInfo:
        """Change a user's full name and role (the manager's fix for a typo or a new job).

        A role change ends the user's sessions (their next action asks them to log in
        again with the new role); the last active admin keeps the admin role.
        """
        require(actor, Permission.USERS_MANAGE)
        full = full_name.strip()
        bad = []
        if not full:
            bad.append("full name: must not be empty")
        elif len(full) > 200:
            bad.append("full name: must be at most 200 characters")
        try:
            new_role = v.choice("role", Role, role)
        except ValidationError as err:
            bad.append(err.message)
        if bad:
            raise ValidationError("user", "; ".join(bad))
        with self._db.unit_of_work(actor) as s:
            user = self._get(s, username)
            old_role, renamed = user.role, user.full_name != full
            if old_role is Role.ADMIN and new_role is not Role.ADMIN:
                admins = s.scalar(
                    select(func.count())
                    .select_from(User)
                    .where(User.role == Role.ADMIN, User.status == UserStatus.ACTIVE)
                )
                if (admins or 0) <= 1 or user.id == actor.user_id:
                    raise ValidationError(
                        "role", "the practice needs an admin: you cannot take this role away"
                    )
            if old_role is new_role and not renamed:
                return user_info(user)
            user.full_name, user.role = full, new_role
            if old_role is not new_role:
                sessions.end_all(s, user.id)
            record(
                s,
                actor,
                "user_update",
                entity="user",
                entity_id=user.id,
                details={
                    "username": user.username,
                    "old_role": old_role.value,
                    "role": new_role.value,
                    "renamed": renamed,
                },
            )
            return user_info(user)

    def upcoming_appointments(self, actor: Actor, username: str) -> int:
        """How many booked or checked-in appointments a provider has from today on (what
        disabling them would leave to rebook)."""
        require(actor, Permission.USERS_MANAGE)
        today = dt.datetime.combine(dt.date.today(), dt.time())
        with self._db.reading(actor) as s:
            user = self._get(s, username)
            return (
                s.scalar(
                    select(func.count())
                    .select_from(Appointment)
                    .where(
                        Appointment.provider_id == user.id,
                        Appointment.start_at >= today,
                        Appointment.status.in_(KEPT),
                    )
                )
                or 0
            )
