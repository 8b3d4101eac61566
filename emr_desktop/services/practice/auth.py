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
from emr_desktop.services.practice import throttle
from emr_desktop.services.practice.mfa import second_factor
from emr_desktop.services.practice.settings import load_settings

# One answer for an unknown user, a wrong password or code, a disabled account and a
# locked or throttled workstation, so the answer says nothing about the account.
REFUSED = (
    "The username, password or code is not correct, or logins with this name are paused "
    "on this computer after repeated failures. Wait a moment and try again; the practice "
    "manager can help."
)


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

    def _check(
        self,
        s: Session,
        username: str,
        password: str,
        code: str | None,
        now: dt.datetime,
        *,
        second: bool = True,
    ) -> User:
        """The user if password (and second factor) are right; records the refusal (and
        counts it for this workstation) and raises AuthenticationError if not.

        The password is verified exactly once on every path, so every refusal costs the
        same time."""
        name = username.strip().lower()[:64]
        user = s.scalar(select(User).where(User.username == name))
        good = verify_password(user.password_hash if user else _dummy_hash(), password)
        reason = None
        if user is None:
            reason = "unknown user"
        else:
            reason = throttle.blocked(s, name, self._workstation, now)
            if reason is None and user.locked_until is not None and user.locked_until > now:
                reason = "locked out"
            if reason is None and not good:
                reason = "wrong password"
            if reason is None and user.status is UserStatus.DISABLED:
                reason = "disabled"
            if reason is None and second and not user.must_change_password:
                reason = second_factor(s, user, code, now)
        if reason is None:
            assert user is not None
            throttle.succeeded(s, name, self._workstation)
            if needs_rehash(user.password_hash):
                user.password_hash = hash_password(password)
            return user
        self._refuse(s, name, user, reason, now)
        raise AuthenticationError(REFUSED)

    def _refuse(
        self, s: Session, name: str, user: User | None, reason: str, now: dt.datetime
    ) -> None:
        """Audit a refused login; count it unless the workstation was already held off."""
        details: dict[str, object] = {"reason": reason, "workstation": self._workstation}
        locked = False
        if reason not in {"locked out", "backoff"}:
            policy = load_settings(s)
            details["failures"], locked = throttle.failed(
                s,
                name,
                self._workstation,
                now,
                threshold=policy.lockout_threshold,
                lock_minutes=policy.lockout_minutes,
            )
            if locked:
                details["locked_minutes"] = policy.lockout_minutes
        target = {"entity": "user", "entity_id": user.id} if user else {}
        record(s, None, "login_failed", details=details, username=name, **target)  # type: ignore[arg-type]
        if locked:
            record(
                s,
                None,
                "user_lockout",
                details={"minutes": details["locked_minutes"], "workstation": self._workstation},
                username=name,
                **target,  # type: ignore[arg-type]
            )

    def _attempt(
        self,
        username: str,
        password: str,
        action: str,
        *,
        code: str | None = None,
        session: str | None = None,
    ) -> Actor:
        now = dt.datetime.now(dt.UTC)
        # A failed attempt must still commit its audit row and failure count (and a new
        # enrolment its secret), so the error is raised only after the unit of work commits.
        failure: AuthenticationError | None = None
        actor: Actor | None = None
        with self._db.unit_of_work() as s:
            try:
                # Unlocking a workstation continues a session that already passed the
                # second factor: the password alone unlocks it.
                user = self._check(s, username, password, code, now, second=session is None)
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

    def login(self, username: str, password: str, code: str | None = None) -> Actor:
        """Log in with password and, when the account has one, the second factor's code.

        Raises AuthenticationError (one message for every refusal), MfaCodeRequired or
        MfaEnrollmentRequired (ask for a code and call again), PasswordChangeRequired."""
        return self._attempt(username, password, "login", code=code)

    def unlock(self, actor: Actor, password: str, code: str | None = None) -> Actor:
        """Unlock a locked workstation as the same user (the same session goes on)."""
        with self._db.reading(actor):  # SessionEnded if it was ended meanwhile
            pass
        return self._attempt(actor.username, password, "unlock", code=code, session=actor.session)

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

    def change_password(
        self, username: str, old_password: str, new_password: str, code: str | None = None
    ) -> Actor:
        """Change one's own password (also how a one-time password is replaced); logs in.
        The second factor is asked here when the account has one."""
        if new_password == old_password:
            raise ValidationError("new password", "must differ from the current one")
        check_password_rules(new_password, username.strip().lower(), field="new password")
        now = dt.datetime.now(dt.UTC)
        failure: AuthenticationError | None = None
        actor: Actor | None = None
        with self._db.unit_of_work() as s:
            try:
                user = self._check(s, username, old_password, code, now)
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
