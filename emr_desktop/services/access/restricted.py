"""Restricting a chart to named users, breaking the glass in an emergency, and the
manager's review of emergency accesses. The check itself runs on every chart read
(services.common.chart_access)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound, PermissionDenied, ValidationError
from emr_desktop.models.access import ChartRestriction, EmergencyAccess
from emr_desktop.models.patient import Patient
from emr_desktop.models.user import User
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.records import get_patient

EMERGENCY_MINUTES = 60
MIN_REASON = 10


@dataclass(frozen=True, slots=True)
class EmergencyAccessRow:
    """One emergency access as the manager reviews it."""

    id: int
    patient_id: int
    mrn: str
    patient_name: str
    username: str
    reason: str
    started_at: dt.datetime
    expires_at: dt.datetime
    acknowledged_by: str | None
    acknowledged_at: dt.datetime | None


def _may_restrict(actor: Actor) -> None:
    """A physician (who signs notes) or the manager may restrict a chart."""
    try:
        require(actor, Permission.NOTE_SIGN)
    except PermissionDenied:
        try:
            require(actor, Permission.USERS_MANAGE)
        except PermissionDenied:
            raise PermissionDenied(
                "Only a physician or the practice manager may restrict a chart."
            ) from None


def _users(s: Session, usernames: list[str]) -> list[User]:
    names = sorted({u.strip().lower() for u in usernames if u.strip()})
    found = {u.username: u for u in s.scalars(select(User).where(User.username.in_(names)))}
    missing = [n for n in names if n not in found]
    if missing:
        raise ValidationError("users", f"no such user: {', '.join(missing)}")
    return [found[n] for n in names]


class RestrictedChartService:
    """Restricted charts and emergency access."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def restrict(self, actor: Actor, patient_id: int, usernames: list[str]) -> list[str]:
        """Restrict the chart to ``usernames`` (the acting user is always kept on it);
        an empty list lifts the restriction. Returns the names now on it."""
        _may_restrict(actor)
        now = dt.datetime.now(dt.UTC)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            users = _users(s, [*usernames, actor.username] if usernames else [])
            s.execute(delete(ChartRestriction).where(ChartRestriction.patient_id == patient_id))
            s.add_all(
                ChartRestriction(
                    patient_id=patient_id, user_id=u.id, added_by=actor.user_id, added_at=now
                )
                for u in users
            )
            names = [u.username for u in users]
            record(
                s,
                actor,
                "chart_restrict" if names else "chart_unrestrict",
                entity="patient",
                entity_id=patient_id,
                patient_id=patient_id,
                details={"users": names},
            )
        return names

    def named_users(self, actor: Actor, patient_id: int) -> list[str]:
        """Who the chart is restricted to (empty: not restricted)."""
        require(actor, Permission.PATIENT_VIEW)
        with self._db.reading(actor) as s:
            stmt = (
                select(User.username)
                .join(ChartRestriction, ChartRestriction.user_id == User.id)
                .where(ChartRestriction.patient_id == patient_id)
                .order_by(User.username)
            )
            return list(s.scalars(stmt))

    def break_glass(
        self, actor: Actor, patient_id: int, reason: str, minutes: int = EMERGENCY_MINUTES
    ) -> dt.datetime:
        """Open a restricted chart in an emergency, for ``minutes``; the reason is kept for
        the manager's review. Returns when the access ends."""
        require(actor, Permission.CHART_VIEW)
        text = " ".join(reason.split())
        if len(text) < MIN_REASON:
            raise ValidationError("reason", f"say why in at least {MIN_REASON} characters")
        if len(text) > 500:
            raise ValidationError("reason", "must be at most 500 characters")
        if not 1 <= minutes <= 8 * 60:
            raise ValidationError("minutes", "must be from 1 to 480")
        now = dt.datetime.now(dt.UTC)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            grant = EmergencyAccess(
                patient_id=patient_id,
                user_id=actor.user_id,
                reason=text,
                started_at=now,
                expires_at=now + dt.timedelta(minutes=minutes),
            )
            s.add(grant)
            s.flush()
            record(
                s,
                actor,
                "emergency_access",
                entity="emergency_access",
                entity_id=grant.id,
                patient_id=patient_id,
                details={"minutes": minutes},
            )
            return grant.expires_at

    def emergency_accesses(
        self, actor: Actor, *, unacknowledged_only: bool = False
    ) -> list[EmergencyAccessRow]:
        """Every emergency access, newest first, with MRN and name (the manager reviews)."""
        require(actor, Permission.AUDIT_VIEW)
        with self._db.unit_of_work(actor) as s:
            stmt = select(EmergencyAccess).order_by(EmergencyAccess.id.desc())
            if unacknowledged_only:
                stmt = stmt.where(EmergencyAccess.acknowledged_at.is_(None))
            grants = list(s.scalars(stmt))
            pids = {g.patient_id for g in grants}
            uids = {g.user_id for g in grants} | {
                g.acknowledged_by for g in grants if g.acknowledged_by
            }
            patients = {p.id: p for p in s.scalars(select(Patient).where(Patient.id.in_(pids)))}
            who = select(User.id, User.username).where(User.id.in_(uids))
            names: dict[int, str] = {uid: name for uid, name in s.execute(who)}
            rows = [
                EmergencyAccessRow(
                    g.id,
                    g.patient_id,
                    patients[g.patient_id].mrn,
                    f"{patients[g.patient_id].family_name}, {patients[g.patient_id].given_name}",
                    names.get(g.user_id, "?"),
                    g.reason,
                    g.started_at,
                    g.expires_at,
                    names.get(g.acknowledged_by) if g.acknowledged_by else None,
                    g.acknowledged_at,
                )
                for g in grants
            ]
            record(s, actor, "emergency_access_review", details={"rows": len(rows)})
        return rows

    def acknowledge(self, actor: Actor, access_id: int) -> None:
        """The manager has reviewed an emergency access."""
        require(actor, Permission.AUDIT_VIEW)
        with self._db.unit_of_work(actor) as s:
            grant = s.get(EmergencyAccess, access_id)
            if grant is None:
                raise NotFound("There is no such emergency access.")
            if grant.acknowledged_at is None:
                grant.acknowledged_at = dt.datetime.now(dt.UTC)
                grant.acknowledged_by = actor.user_id
                record(
                    s,
                    actor,
                    "emergency_access_acknowledge",
                    entity="emergency_access",
                    entity_id=grant.id,
                    patient_id=grant.patient_id,
                )
