"""Referrals to outside specialists: write, edit, and follow them from draft to completed."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import ReferralRow
from emr_desktop.domain.clinical import ReferralStatus, Urgency
from emr_desktop.domain.sections import ReferralInput
from emr_desktop.domain.security import Actor, Permission, Role, UserStatus
from emr_desktop.errors import ConflictError, LockedRecordError, NotFound, ValidationError
from emr_desktop.models import Referral, User
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.chart_access import chart_read
from emr_desktop.services.common.records import get_patient, user_names
from emr_desktop.services.common.rows import referral_row

S = ReferralStatus
# Where a referral may go next. "sent" may go back to draft (a click on the wrong button);
# completed and cancelled referrals are closed.
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.DRAFT: frozenset({S.SENT, S.CANCELLED}),
    S.SENT: frozenset({S.DRAFT, S.SCHEDULED, S.COMPLETED, S.CANCELLED}),
    S.SCHEDULED: frozenset({S.COMPLETED, S.CANCELLED}),
    S.COMPLETED: frozenset(),
    S.CANCELLED: frozenset(),
}
_CLOSED = frozenset({S.COMPLETED, S.CANCELLED})


def clean_referral(data: ReferralInput) -> dict[str, Any]:
    """Validated referral columns (without the referring provider, checked in the database)."""
    t = v.text
    phone = t("phone", data.to_phone, max_len=40)
    fax = t("fax", data.to_fax, max_len=40)
    v.phone_digits("phone", phone)
    v.phone_digits("fax", fax)
    return {
        "to_name": t("specialist", data.to_name, max_len=200, required=True),
        "to_specialty": t("specialty", data.to_specialty, max_len=100, required=True),
        "to_organization": t("organization", data.to_organization, max_len=200),
        "to_phone": phone,
        "to_fax": fax,
        "reason": t("reason", data.reason, max_len=500, required=True),
        "clinical_question": t("clinical question", data.clinical_question, max_len=4000),
        "urgency": v.choice("urgency", Urgency, data.urgency),
    }


def referring_provider_id(s: Session, actor: Actor, wanted: int | None) -> int | None:
    """The referring physician: the one chosen, else the acting user if a physician."""
    if wanted is None:
        return actor.user_id if actor.role == Role.PHYSICIAN else None
    user = s.get(User, wanted)
    if user is None or user.role != Role.PHYSICIAN or user.status != UserStatus.ACTIVE:
        raise ValidationError("referring provider", "must be an active physician")
    return user.id


def add_referral(
    s: Session,
    actor: Actor,
    patient_id: int,
    data: ReferralInput,
    *,
    columns: dict[str, Any] | None = None,
    sent_date: dt.date | None = None,
) -> Referral:
    """Write a referral and its audit row in ``s``: a draft, or sent on ``sent_date``."""
    r = Referral(
        patient_id=patient_id,
        status=S.DRAFT if sent_date is None else S.SENT,
        sent_date=sent_date,
        referring_provider_id=referring_provider_id(s, actor, data.referring_provider_id),
        created_by_id=actor.user_id,
        **(columns if columns is not None else clean_referral(data)),
    )
    s.add(r)
    s.flush()
    details = {"status": "sent"} if sent_date is not None else None
    record(
        s,
        actor,
        "referral_create",
        entity="referral",
        entity_id=r.id,
        patient_id=patient_id,
        details=details,
    )
    return r


class ReferralService:
    """Referrals. Nurses and physicians write and track them; clinicians read them."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _load(self, s: Session, referral_id: int, expected_version: int) -> Referral:
        r = s.get(Referral, referral_id)
        if r is None:
            raise NotFound("That referral does not exist.")
        get_patient(s, r.patient_id, writable=True)
        if r.version != expected_version:
            raise ConflictError(
                "Someone else saved this referral while you were editing. "
                "Nothing was overwritten; reopen it to see their changes."
            )
        return r

    def _row(self, s: Session, r: Referral) -> ReferralRow:
        s.flush()  # the new version and defaults
        return referral_row(r, user_names(s, {r.referring_provider_id}))

    def create(self, actor: Actor, patient_id: int, data: ReferralInput) -> ReferralRow:
        """Write a referral (a draft until marked sent)."""
        require(actor, Permission.REFERRAL_MANAGE)
        columns = clean_referral(data)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            r = add_referral(s, actor, patient.id, data, columns=columns)
            return self._row(s, r)

    def update(
        self, actor: Actor, referral_id: int, data: ReferralInput, *, expected_version: int
    ) -> ReferralRow:
        """Save an edited referral; completed and cancelled ones are closed to edits."""
        require(actor, Permission.REFERRAL_MANAGE)
        columns = clean_referral(data)
        with self._db.unit_of_work(actor) as s:
            r = self._load(s, referral_id, expected_version)
            if r.status in _CLOSED:
                raise LockedRecordError(f"This referral is {r.status.value} and cannot be edited.")
            columns["referring_provider_id"] = (
                r.referring_provider_id
                if data.referring_provider_id is None
                else referring_provider_id(s, actor, data.referring_provider_id)
            )
            changed = sorted(k for k, value in columns.items() if getattr(r, k) != value)
            for k, value in columns.items():
                setattr(r, k, value)
            record(
                s,
                actor,
                "referral_update",
                entity="referral",
                entity_id=r.id,
                patient_id=r.patient_id,
                details={"fields": changed},
            )
            return self._row(s, r)

    def set_status(
        self,
        actor: Actor,
        referral_id: int,
        status: ReferralStatus,
        *,
        sent_date: dt.date | None = None,
        expected_version: int,
    ) -> ReferralRow:
        """Move a referral along (sent, scheduled, completed, cancelled).

        Marking it sent records the sent date (today unless given).
        """
        require(actor, Permission.REFERRAL_MANAGE)
        new = v.choice("status", ReferralStatus, status)
        if sent_date is not None and new != S.SENT:
            raise ValidationError("sent date", "applies only when marking the referral sent")
        v.not_future("sent date", sent_date)
        with self._db.unit_of_work(actor) as s:
            r = self._load(s, referral_id, expected_version)
            old = r.status
            if new not in TRANSITIONS[old]:
                raise ValidationError(
                    "status", f"a {old.value} referral cannot be marked {new.value}"
                )
            if new == S.SENT:
                r.sent_date = sent_date or dt.date.today()
            elif new == S.DRAFT:
                r.sent_date = None
            r.status = new
            record(
                s,
                actor,
                "referral_status",
                entity="referral",
                entity_id=r.id,
                patient_id=r.patient_id,
                details={"from": old.value, "to": new.value},
            )
            return self._row(s, r)

    def list(self, actor: Actor, patient_id: int) -> list[ReferralRow]:
        """The patient's referrals, newest first."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            rows = list(
                s.scalars(
                    select(Referral)
                    .where(Referral.patient_id == patient_id)
                    .order_by(Referral.created_at.desc(), Referral.id.desc())
                )
            )
            names = user_names(s, {r.referring_provider_id for r in rows})
            return chart_read(
                s, actor, patient_id, "referrals", [referral_row(r, names) for r in rows]
            )
