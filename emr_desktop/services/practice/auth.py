"""Logging in and out, locking the workstation and unlocking it, changing one's password."""

from __future__ import annotations

import datetime as dt
from functools import cache

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.security import Actor, UserStatus
from emr_desktop.errors import AuthenticationError, PasswordChangeRequired, ValidationError
from emr_desktop.models.user import User
from emr_desktop.persistence import sessions
from emr_desktop.persistence.database import Database
from emr_desktop.security.passwords import (
    check_password_rules,
    hash_password,
    needs_rehash,
    verify_password,
)
from emr_desktop.security.permissions import permissions_for
from emr_desktop.services.common.audit import record, this_workstation
from emr_desktop.services.practice.settings import load_settings

_BAD_LOGIN = "The username or password is not correct."


@cache
def _dummy_hash() -> str:
    """Verified against when the username does not exist, so both paths cost the same time.
    Made on first use: hashing costs ~0.2 s, which start-up should not pay."""
    return hash_password("not-a-real-password-0")


def actor_for(user: User, workstation: str, session: str) -> Actor:
    """The Actor for a user who just proved who they are, in login session ``session``."""
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        workstation=workstation,
        permissions=permissions_for(user.role),
        session=session,
    )


class AuthService:
    """Authentication and the workstation lock, every step audited."""

    def __init__(self, db: Database, workstation: str | None = None) -> None:
        self._db = db
        self._workstation = workstation or this_workstation()

    def _check(self, s: Session, username: str, password: str, now: dt.datetime) -> User:
        """The user if the password is right; records the failure (and any lockout) if not."""
        name = username.strip().lower()
        user = s.scalar(select(User).where(User.username == name))
        if user is None:
            verify_password(_dummy_hash(), password)
            record(s, None, "login_failed", details={"reason": "unknown user"}, username=name[:64])
            raise AuthenticationError(_BAD_LOGIN)
        if user.status is UserStatus.DISABLED:
            record(
                s,
                None,
                "login_failed",
                entity="user",
                entity_id=user.id,
                details={"reason": "disabled"},
                username=user.username,
            )
            raise AuthenticationError("This account is disabled. Ask the practice manager.")
        if user.locked_until is not None and user.locked_until > now:
            minutes = max(1, round((user.locked_until - now).total_seconds() / 60))
            record(
                s,
                None,
                "login_failed",
                entity="user",
                entity_id=user.id,
                details={"reason": "locked out"},
                username=user.username,
            )
            raise AuthenticationError(
                f"Too many failed logins: this account is locked for {minutes} more minute(s). "
                "The practice manager can unlock it sooner."
            )
        if not verify_password(user.password_hash, password):
            policy = load_settings(s)
            user.failed_logins += 1
            details: dict[str, object] = {
                "reason": "wrong password",
                "failures": user.failed_logins,
            }
            if user.failed_logins >= policy.lockout_threshold:
                user.locked_until = now + dt.timedelta(minutes=policy.lockout_minutes)
                user.failed_logins = 0
                details["locked_minutes"] = policy.lockout_minutes
                record(
                    s,
                    None,
                    "login_failed",
                    entity="user",
                    entity_id=user.id,
                    details=details,
                    username=user.username,
                )
                record(
                    s,
                    None,
                    "user_lockout",
                    entity="user",
                    entity_id=user.id,
                    details={"minutes": policy.lockout_minutes},
                    username=user.username,
                )
                raise AuthenticationError(
                    f"Too many failed logins: this account is locked for "
                    f"{policy.lockout_minutes} minutes."
                )
            record(
                s,
                None,
                "login_failed",
                entity="user",
                entity_id=user.id,
                details=details,
                username=user.username,
            )
            raise AuthenticationError(_BAD_LOGIN)
        user.failed_logins = 0
        user.locked_until = None
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        return user

    def _attempt(
        self, username: str, password: str, action: str, *, session: str | None = None
    ) -> Actor:
        now = dt.datetime.now(dt.UTC)
        # A failed attempt must still commit its audit row and failure count, so the
        # error is raised only after the unit of work has committed.
        failure: AuthenticationError | None = None
        actor: Actor | None = None
        with self._db.unit_of_work() as s:
            try:
                user = self._check(s, username, password, now)
            except AuthenticationError as err:
                failure = err
            else:
                # Unlocking continues the session that was locked; a login starts one.
                token = session or sessions.start(s, user.id, self._workstation)
                actor = actor_for(user, self._workstation, token)
                if user.must_change_password and action == "login":
                    record(s, actor, "login_password_change_required")
                    failure = PasswordChangeRequired(
                        "This is a one-time password: choose a new password to continue."
                    )
                else:
                    user.last_login_at = now
                    record(s, actor, action)
        if failure is not None:
            raise failure
        assert actor is not None
        return actor

    def login(self, username: str, password: str) -> Actor:
        """Log in; raises AuthenticationError (or PasswordChangeRequired) on failure."""
        return self._attempt(username, password, "login")

    def unlock(self, actor: Actor, password: str) -> Actor:
        """Unlock a locked workstation as the same user (the same session goes on)."""
        with self._db.reading(actor):  # SessionEnded if it was ended meanwhile
            pass
        return self._attempt(actor.username, password, "unlock", session=actor.session)

    def lock(self, actor: Actor, *, idle: bool = False) -> None:
        """Record that the workstation was locked (by the user or after idle time); locking
        never fails, even for a session that has ended meanwhile."""
        with self._db.unit_of_work() as s:
            record(s, actor, "lock", details={"idle": idle})

    def logout(self, actor: Actor) -> None:
        """End the session and record the logout (also for a session already ended)."""
        with self._db.unit_of_work() as s:
            sessions.end(s, actor.session)
            record(s, actor, "logout")

    def change_password(self, username: str, old_password: str, new_password: str) -> Actor:
        """Change one's own password (also how a one-time password is replaced); logs in."""
        if new_password == old_password:
            raise ValidationError("new password", "must differ from the current one")
        check_password_rules(new_password, username.strip().lower(), field="new password")
        now = dt.datetime.now(dt.UTC)
        failure: AuthenticationError | None = None
        actor: Actor | None = None
        with self._db.unit_of_work() as s:
            try:
                user = self._check(s, username, old_password, now)
            except AuthenticationError as err:
                failure = err
            else:
                user.password_hash = hash_password(new_password)
                user.must_change_password = False
                user.last_login_at = now
                sessions.end_all(s, user.id)  # a new password ends the old sessions
                actor = actor_for(
                    user, self._workstation, sessions.start(s, user.id, self._workstation)
                )
                record(s, actor, "password_change", entity="user", entity_id=user.id)
                record(s, actor, "login")
        if failure is not None:
            raise failure
        assert actor is not None
        return actor
