"""The second factor (TOTP) of a login: enrolment with a QR code, recovery codes, the
practice's requirement by role, and the check the auth service makes at every login."""

from __future__ import annotations

import datetime as dt
import time

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.access import MfaEnrolment, MfaPolicy, MfaStatus
from emr_desktop.domain.security import Actor, Permission, Role
from emr_desktop.errors import MfaCodeRequired, MfaEnrollmentRequired, NotFound, ValidationError
from emr_desktop.models.mfa import MfaRecoveryCode, UserMfa
from emr_desktop.models.practice import Practice
from emr_desktop.models.user import User
from emr_desktop.persistence import sealed
from emr_desktop.persistence.database import Database
from emr_desktop.security import totp
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record
from emr_desktop.services.practice.mfa_policy import load_policy, save_policy

_PURPOSE = "totp"
CODE_PROMPT = "Enter the 6-digit code from your authenticator app, or a recovery code."
ENROL_PROMPT = (
    "This practice requires a second step at login for your account: scan the QR code "
    "with an authenticator app, then enter its 6-digit code."
)


def _enrolment(s: Session, user: User, row: UserMfa, codes: tuple[str, ...] = ()) -> MfaEnrolment:
    practice = s.get(Practice, 1)
    uri = totp.provisioning_uri(
        sealed.unseal(s, _PURPOSE, row.secret_sealed),
        user.username,
        practice.name if practice else "",
    )
    return MfaEnrolment(user.username, uri, totp.qr_png(uri), codes)


def _new_row(s: Session, user: User, now: dt.datetime) -> UserMfa:
    """A fresh (unconfirmed) secret for ``user``, replacing any earlier one."""
    s.execute(delete(UserMfa).where(UserMfa.user_id == user.id))
    s.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
    row = UserMfa(
        user_id=user.id,
        secret_sealed=sealed.seal(s, _PURPOSE, totp.new_secret()),
        created_at=now,
        last_step=0,
    )
    s.add(row)
    s.flush()
    return row


def _new_recovery_codes(s: Session, user_id: int) -> tuple[str, ...]:
    s.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user_id))
    codes = totp.new_recovery_codes()
    s.add_all(MfaRecoveryCode(user_id=user_id, code_hash=totp.hash_recovery_code(c)) for c in codes)
    return tuple(codes)


def _code_is_good(s: Session, row: UserMfa, code: str, now: dt.datetime) -> str | None:
    """How ``code`` proved the second factor ("totp", "recovery code") or None; a used
    TOTP step or recovery code is spent."""
    if totp.looks_like_recovery_code(code) and row.confirmed_at is not None:
        for stored in s.scalars(
            select(MfaRecoveryCode).where(
                MfaRecoveryCode.user_id == row.user_id, MfaRecoveryCode.used_at.is_(None)
            )
        ):
            if totp.recovery_code_matches(stored.code_hash, code):
                stored.used_at = now
                return "recovery code"
        return None
    secret = sealed.unseal(s, _PURPOSE, row.secret_sealed)
    step = totp.accepted_step(secret, code, row.last_step, time.time())
    if step is None:
        return None
    row.last_step = step
    return "totp"


def second_factor(s: Session, user: User, code: str | None, now: dt.datetime) -> str | None:
    """Check the second factor of a login whose password was right.

    Returns None when it passes (or none is needed), "wrong code" when a code was given
    and is wrong; raises MfaCodeRequired / MfaEnrollmentRequired when the user must be
    asked for a code (the caller commits first, so a new enrolment is kept)."""
    row = s.get(UserMfa, user.id)
    if row is not None and row.confirmed_at is not None:
        if not code:
            raise MfaCodeRequired(CODE_PROMPT)
        how = _code_is_good(s, row, code, now)
        if how is None:
            return "wrong code"
        if how == "recovery code":
            record(
                s,
                None,
                "mfa_recovery_code_used",
                entity="user",
                entity_id=user.id,
                username=user.username,
            )
        return None
    if user.role not in load_policy(s).roles:
        return None
    if row is None:
        row = _new_row(s, user, now)
    if not code:
        enrolment = _enrolment(s, user, row)
        raise MfaEnrollmentRequired(ENROL_PROMPT, enrolment.uri, enrolment.qr_png)
    if _code_is_good(s, row, code, now) is None:
        return "wrong code"
    row.confirmed_at = now
    record(
        s,
        None,
        "mfa_enrolled",
        entity="user",
        entity_id=user.id,
        username=user.username,
        details={"at": "login"},
    )
    return None


class MfaService:
    """Enrolling in, removing and requiring the second factor."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def status(self, actor: Actor) -> MfaStatus:
        """The acting user's own second-factor state."""
        with self._db.reading(actor) as s:
            row = s.get(UserMfa, actor.user_id)
            left = s.scalar(
                select(func.count(MfaRecoveryCode.id)).where(
                    MfaRecoveryCode.user_id == actor.user_id, MfaRecoveryCode.used_at.is_(None)
                )
            )
            return MfaStatus(
                actor.username,
                enrolled=row is not None and row.confirmed_at is not None,
                required=actor.role in load_policy(s).roles,
                recovery_codes_left=int(left or 0),
            )

    def enrolled_user_ids(self, actor: Actor) -> frozenset[int]:
        """The users with an active second factor (for the users list)."""
        require(actor, Permission.USERS_MANAGE)
        with self._db.reading(actor) as s:
            return frozenset(
                s.scalars(select(UserMfa.user_id).where(UserMfa.confirmed_at.is_not(None)))
            )

    def begin(self, actor: Actor) -> MfaEnrolment:
        """Start one's own enrolment (replacing a pending one): the QR code to scan. It is
        active only after ``confirm`` with a code from the app."""
        with self._db.unit_of_work(actor) as s:
            user = s.get_one(User, actor.user_id)
            row = s.get(UserMfa, user.id)
            if row is not None and row.confirmed_at is not None:
                raise ValidationError(
                    "two-step login", "is already set up: remove it first to use a new device"
                )
            enrolment = _enrolment(s, user, _new_row(s, user, dt.datetime.now(dt.UTC)))
            record(s, actor, "mfa_enrolment_started", entity="user", entity_id=user.id)
        return enrolment

    def confirm(self, actor: Actor, code: str) -> tuple[str, ...]:
        """Activate one's pending enrolment with its first code; returns the recovery codes
        (shown once)."""
        now = dt.datetime.now(dt.UTC)
        with self._db.unit_of_work(actor) as s:
            row = s.get(UserMfa, actor.user_id)
            if row is None or row.confirmed_at is not None:
                raise ValidationError("code", "no enrolment is waiting for a code")
            if _code_is_good(s, row, code, now) is None:
                raise ValidationError("code", "is not the code the app shows now; try again")
            row.confirmed_at = now
            codes = _new_recovery_codes(s, actor.user_id)
            record(s, actor, "mfa_enrolled", entity="user", entity_id=actor.user_id)
        return codes

    def new_recovery_codes(self, actor: Actor) -> tuple[str, ...]:
        """Replace one's recovery codes (the old ones stop working); shown once."""
        with self._db.unit_of_work(actor) as s:
            row = s.get(UserMfa, actor.user_id)
            if row is None or row.confirmed_at is None:
                raise ValidationError("two-step login", "is not set up for your account")
            codes = _new_recovery_codes(s, actor.user_id)
            record(s, actor, "mfa_recovery_codes_renewed", entity="user", entity_id=actor.user_id)
        return codes

    def enroll(self, actor: Actor, username: str) -> MfaEnrolment:
        """Enrol a user (manager): active at once; the URI and recovery codes are shown
        once, for the user to scan and keep."""
        require(actor, Permission.USERS_MANAGE)
        with self._db.unit_of_work(actor) as s:
            user = _user(s, username)
            now = dt.datetime.now(dt.UTC)
            row = _new_row(s, user, now)
            row.confirmed_at = now
            codes = _new_recovery_codes(s, user.id)
            record(
                s,
                actor,
                "mfa_enrolled",
                entity="user",
                entity_id=user.id,
                details={"by": "manager"},
            )
            return _enrolment(s, user, row, codes)

    def remove(self, actor: Actor, username: str) -> None:
        """Remove a user's second factor (a lost phone); the manager, or the user."""
        if username.strip().lower() != actor.username:
            require(actor, Permission.USERS_MANAGE)
        with self._db.unit_of_work(actor) as s:
            user = _user(s, username)
            s.execute(delete(MfaRecoveryCode).where(MfaRecoveryCode.user_id == user.id))
            s.execute(delete(UserMfa).where(UserMfa.user_id == user.id))
            record(s, actor, "mfa_removed", entity="user", entity_id=user.id)

    def policy(self, actor: Actor) -> MfaPolicy:
        """The roles that must use a second factor."""
        with self._db.reading(actor) as s:
            return load_policy(s)

    def require_for(self, actor: Actor, roles: frozenset[Role]) -> MfaPolicy:
        """Require the second factor for ``roles`` (all of them: everyone), manager only."""
        require(actor, Permission.SETTINGS_MANAGE)
        with self._db.unit_of_work(actor) as s:
            if save_policy(s, frozenset(roles)):
                record(
                    s,
                    actor,
                    "mfa_policy_change",
                    entity="setting",
                    details={"roles": sorted(r.value for r in roles)},
                )
        return MfaPolicy(frozenset(roles))


def _user(s: Session, username: str) -> User:
    user = s.scalar(select(User).where(User.username == username.strip().lower()))
    if user is None:
        raise NotFound(f"There is no user named {username.strip().lower()}.")
    return user
