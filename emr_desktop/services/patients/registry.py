"""Registering, finding, editing, deactivating and merging patients (the front desk's work)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from sqlalchemy import func, or_, select, update
from sqlalchemy.orm import Session

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import (
    DuplicateCandidate,
    PatientDetails,
    PatientInput,
    PatientSummary,
)
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ConflictError, DuplicateError, ValidationError
from emr_desktop.models import (
    Allergy,
    Appointment,
    BillingEntry,
    Document,
    Encounter,
    Immunization,
    LabResult,
    Medication,
    Patient,
    Prescription,
    Problem,
    Referral,
    VitalSigns,
)
from emr_desktop.models.audit import AuditLog
from emr_desktop.models.practice import Counter, Practice
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.chart_access import search_read
from emr_desktop.services.common.collect import Problems
from emr_desktop.services.common.records import get_patient, patient_by_mrn, summary
from emr_desktop.services.common.validation import luhn_digit
from emr_desktop.services.patients.postal import postal_code
from emr_desktop.services.patients.search import fold, reindex, search_ids

MRN_START = 1_000_000
RECENT_ACTIONS = ("chart_open", "patient_view", "patient_register", "patient_update")
# Every table that belongs to one patient: a merge moves all of their rows.
PATIENT_TABLES = (
    Problem,
    Allergy,
    Medication,
    Encounter,
    VitalSigns,
    LabResult,
    Immunization,
    Document,
    Referral,
    Appointment,
    Prescription,
    BillingEntry,  # the ledger follows the patient (only patient_id may change)
)


def next_mrn(session: Session) -> str:
    """A new medical record number: a sequence number plus a Luhn check digit."""
    counter = session.get(Counter, "mrn", with_for_update=True)
    if counter is None:
        counter = Counter(name="mrn", value=MRN_START)
        session.add(counter)
    counter.value += 1
    base = str(counter.value)
    return base + luhn_digit(base)


def clean_input(data: PatientInput, country: str = "US") -> tuple[PatientInput, str, str]:
    """Validated, trimmed demographics plus the digits of both phone numbers; one
    ValidationError naming every bad field (ValidationErrors when there are several)."""
    found = Problems()

    def t(field: str, value: str, *, max_len: int, required: bool = False) -> str:
        return found.check(lambda: v.text(field, value, max_len=max_len, required=required), "")

    cleaned = dataclasses.replace(
        data,
        given_name=t("given name", data.given_name, max_len=100, required=True),
        family_name=t("family name", data.family_name, max_len=100, required=True),
        middle_name=t("middle name", data.middle_name, max_len=100),
        preferred_name=t("preferred name", data.preferred_name, max_len=100),
        gender_identity=t("gender identity", data.gender_identity, max_len=60),
        phone_mobile=t("mobile phone", data.phone_mobile, max_len=40),
        phone_home=t("home phone", data.phone_home, max_len=40),
        email=found.check(lambda: v.email("e-mail", data.email), ""),
        address_line1=t("address", data.address_line1, max_len=200),
        address_line2=t("address line 2", data.address_line2, max_len=200),
        city=t("city", data.city, max_len=100),
        state=t("state", data.state, max_len=50),
        postal_code=found.check(lambda: postal_code(country, data.postal_code or ""), ""),
        # a blank language stays blank: nobody said the patient speaks English
        preferred_language=t("preferred language", data.preferred_language, max_len=60),
        emergency_contact_name=t("emergency contact", data.emergency_contact_name, max_len=200),
        emergency_contact_phone=t(
            "emergency contact phone", data.emergency_contact_phone, max_len=40
        ),
        emergency_contact_relation=t(
            "emergency contact relation", data.emergency_contact_relation, max_len=60
        ),
        insurance_payer=t("insurance payer", data.insurance_payer, max_len=200),
        insurance_member_id=t("insurance member id", data.insurance_member_id, max_len=60),
        alerts=t("alerts", data.alerts, max_len=500),
    )
    found.check(lambda: v.birth_date("date of birth", cleaned.birth_date), None)
    found.check(lambda: v.choice("sex at birth", Sex, cleaned.sex_at_birth), None)
    found.check(
        lambda: v.phone_digits("emergency contact phone", cleaned.emergency_contact_phone), ""
    )
    mobile = found.check(lambda: v.phone_digits("mobile phone", cleaned.phone_mobile), "")
    home = found.check(lambda: v.phone_digits("home phone", cleaned.phone_home), "")
    found.raise_any()
    return cleaned, mobile, home


def practice_country(session: Session) -> str:
    """The practice's country code (postal codes are checked as it writes them)."""
    practice = session.get(Practice, 1)
    return practice.country if practice is not None and practice.country else "US"


def _apply(p: Patient, data: PatientInput, mobile: str, home: str) -> None:
    for f in dataclasses.fields(PatientInput):
        setattr(p, f.name, getattr(data, f.name))
    p.mobile_digits = mobile
    p.home_digits = home


def details(session: Session, p: Patient) -> PatientDetails:
    """The full demographics DTO of ``p``."""
    data = PatientInput(**{f.name: getattr(p, f.name) for f in dataclasses.fields(PatientInput)})
    target = session.get(Patient, p.merged_into_id) if p.merged_into_id else None
    merged_into = target.mrn if target else None
    return PatientDetails(p.id, p.mrn, data, p.no_known_allergies, p.active, merged_into, p.version)


def find_duplicates(
    session: Session, data: PatientInput, mobile: str, home: str, *, exclude_id: int | None = None
) -> list[DuplicateCandidate]:
    """Patients who may be the same person: same birth date with a similar name, or same phone."""
    phones = [d for d in (mobile, home) if d]
    births = birth_variants(data.birth_date)
    cond = [Patient.birth_date.in_(births)]
    if phones:
        cond += [Patient.mobile_digits.in_(phones), Patient.home_digits.in_(phones)]
    rows = session.scalars(
        select(Patient).where(or_(*cond), Patient.merged_into_id.is_(None)).limit(200)
    )
    family, given = fold(data.family_name), fold(data.given_name)
    out = []
    for p in rows:
        if p.id == exclude_id:
            continue
        reasons = []
        pf, pg = fold(p.family_name), fold(p.given_name)
        alike = pf[:3] == family[:3] or pg[:3] == given[:3] or (pf, pg) == (given, family)
        if p.birth_date == data.birth_date:
            if pf == family and pg == given:
                reasons.append("same name and date of birth")
            elif alike:
                reasons.append("similar name, same date of birth")
        elif p.birth_date in births and alike:
            reasons.append("similar name, date of birth with day and month swapped")
        if (pf, pg) == (given, family) and pf != pg:
            reasons.append("family and given names swapped")
        if phones and {p.mobile_digits, p.home_digits} & set(phones):
            reasons.append("same phone number")
        if reasons:
            out.append(DuplicateCandidate(summary(p), tuple(reasons)))
    return out


def birth_variants(day: dt.date) -> list[dt.date]:
    """The date, and the date with day and month swapped when that is another real date
    (08/07/1952 typed for 07/08/1952)."""
    out = [day]
    if day.day <= 12 and day.day != day.month:
        out.append(day.replace(month=day.day, day=day.month))
    return out


class PatientService:
    """The front desk's patient work. Receptionists may do all of it; merge needs more."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def register(
        self, actor: Actor, data: PatientInput, *, confirm_not_duplicate: bool = False
    ) -> PatientDetails:
        """Register a new patient.

        Raises DuplicateError (with the candidates) when the patient may already exist;
        call again with ``confirm_not_duplicate=True`` once the user has checked them.
        """
        require(actor, Permission.PATIENT_REGISTER)
        with self._db.unit_of_work(actor) as s:
            cleaned, mobile, home = clean_input(data, practice_country(s))
            candidates = find_duplicates(s, cleaned, mobile, home)
            if candidates and not confirm_not_duplicate:
                raise DuplicateError(
                    "This patient may already be registered. Check the records listed.",
                    tuple(candidates),
                )
            p = Patient(mrn=next_mrn(s), active=True, no_known_allergies=False)
            _apply(p, cleaned, mobile, home)
            s.add(p)
            s.flush()
            reindex(s, p)
            record(
                s,
                actor,
                "patient_register",
                entity="patient",
                entity_id=p.id,
                patient_id=p.id,
                details={"duplicates_overridden": [c.patient.id for c in candidates]},
            )
            return details(s, p)

    def get(self, actor: Actor, patient_id: int) -> PatientDetails:
        """Full demographics (no clinical content)."""
        require(actor, Permission.PATIENT_VIEW)
        with self._db.unit_of_work(actor) as s:
            p = get_patient(s, patient_id)
            record(s, actor, "patient_view", entity="patient", entity_id=p.id, patient_id=p.id)
            return details(s, p)

    def by_mrn(self, actor: Actor, mrn: str) -> PatientSummary:
        """The patient with this MRN."""
        require(actor, Permission.PATIENT_VIEW)
        with self._db.unit_of_work(actor) as s:
            return summary(patient_by_mrn(s, mrn))

    def search(
        self, actor: Actor, text: str, *, limit: int = 50, include_inactive: bool = False
    ) -> list[PatientSummary]:
        """Patients matching name prefixes (any order), birth date, phone or MRN, best first.

        An empty text lists patients alphabetically. ``limit`` 0 means no limit.
        """
        require(actor, Permission.PATIENT_VIEW)
        text = v.text("search", text, max_len=200)  # the one text policy, as for names
        with self._db.unit_of_work(actor) as s:
            ids = search_ids(s, text, limit=limit, include_inactive=include_inactive)
            if not ids:
                return []
            by_id = {p.id: p for p in s.scalars(select(Patient).where(Patient.id.in_(ids)))}
            return search_read(s, actor, ids, [summary(by_id[i]) for i in ids])

    def recent(self, actor: Actor, *, limit: int = 15, days: int = 90) -> list[PatientSummary]:
        """Patients this user opened lately, most recent first (from their own audit rows)."""
        require(actor, Permission.PATIENT_VIEW)
        since = dt.datetime.now(dt.UTC) - dt.timedelta(days=days)
        last = func.max(AuditLog.id).label("last")
        stmt = (
            select(AuditLog.patient_id, last)
            .where(
                AuditLog.user_id == actor.user_id,
                AuditLog.occurred_at >= since,
                AuditLog.action.in_(RECENT_ACTIONS),
                AuditLog.patient_id.is_not(None),
            )
            .group_by(AuditLog.patient_id)
            .order_by(last.desc())
            .limit(limit)
        )
        with self._db.unit_of_work(actor) as s:
            ids = [row.patient_id for row in s.execute(stmt)]
            by_id = {
                p.id: p
                for p in s.scalars(
                    select(Patient).where(Patient.id.in_(ids), Patient.merged_into_id.is_(None))
                )
            }
            return [summary(by_id[i]) for i in ids if i in by_id]

    def check_duplicates(self, actor: Actor, data: PatientInput) -> list[DuplicateCandidate]:
        """Who this might already be, without registering anything (for the form's warning)."""
        require(actor, Permission.PATIENT_REGISTER)
        with self._db.unit_of_work(actor) as s:
            cleaned, mobile, home = clean_input(data, practice_country(s))
            return find_duplicates(s, cleaned, mobile, home)

    def update(
        self, actor: Actor, patient_id: int, data: PatientInput, *, expected_version: int
    ) -> PatientDetails:
        """Save edited demographics; ConflictError if someone saved since ``expected_version``."""
        require(actor, Permission.PATIENT_REGISTER)
        with self._db.unit_of_work(actor) as s:
            cleaned, mobile, home = clean_input(data, practice_country(s))
            p = get_patient(s, patient_id, writable=True)
            if p.version != expected_version:
                raise ConflictError(
                    "Someone else saved this patient's details while you were editing. "
                    "Nothing was overwritten; reopen the record to see their changes."
                )
            changed = [
                f.name
                for f in dataclasses.fields(PatientInput)
                if getattr(p, f.name) != getattr(cleaned, f.name)
            ]
            _apply(p, cleaned, mobile, home)
            p.updated_at = dt.datetime.now(dt.UTC)
            reindex(s, p)
            record(
                s,
                actor,
                "patient_update",
                entity="patient",
                entity_id=p.id,
                patient_id=p.id,
                details={"fields": changed},
            )
            s.flush()
            return details(s, p)

    def set_active(
        self,
        actor: Actor,
        patient_id: int,
        active: bool,
        reason: str = "",
        *,
        deceased_on: dt.date | None = None,
    ) -> None:
        """Deactivate (moved away, deceased on ``deceased_on``, ...) or reactivate a patient;
        nothing is deleted. Reactivating clears a recorded date of death."""
        require(actor, Permission.PATIENT_REGISTER)
        why = v.text("reason", reason, max_len=300, required=not active)
        if deceased_on is not None:
            if active:
                raise ValidationError("date of death", "a deceased patient is not active")
            v.not_future("date of death", deceased_on)
        with self._db.unit_of_work(actor) as s:
            p = get_patient(s, patient_id, writable=True)
            if deceased_on is not None and deceased_on < p.birth_date:
                raise ValidationError("date of death", "is before the date of birth")
            p.active = active
            p.deceased_on = None if active else (deceased_on or p.deceased_on)
            record(
                s,
                actor,
                "patient_activate" if active else "patient_deactivate",
                entity="patient",
                entity_id=p.id,
                patient_id=p.id,
                details={"reason_given": bool(why), "deceased": p.deceased_on is not None},
            )

    def merge(self, actor: Actor, keep_id: int, merge_id: int) -> PatientDetails:
        """Merge ``merge_id`` into ``keep_id``: every row moves, empty fields are filled in.

        The merged record stays (inactive, pointing at the kept one) so old MRNs and
        audit rows still lead somewhere.
        """
        require(actor, Permission.PATIENT_MERGE)
        if keep_id == merge_id:
            raise ValidationError("patient", "cannot be merged into itself")
        with self._db.unit_of_work(actor) as s:
            keep = get_patient(s, keep_id, writable=True)
            gone = get_patient(s, merge_id, writable=True)
            moved = {}
            for model in PATIENT_TABLES:
                result = s.execute(
                    update(model).where(model.patient_id == gone.id).values(patient_id=keep.id)
                )
                moved[model.__tablename__] = result.rowcount  # type: ignore[attr-defined]
            filled = []
            for f in dataclasses.fields(PatientInput):
                if not getattr(keep, f.name) and getattr(gone, f.name):
                    setattr(keep, f.name, getattr(gone, f.name))
                    filled.append(f.name)
            keep.mobile_digits = keep.mobile_digits or gone.mobile_digits
            keep.home_digits = keep.home_digits or gone.home_digits
            if moved["allergy"]:
                keep.no_known_allergies = False
            gone.active = False
            gone.merged_into_id = keep.id
            reindex(s, keep)
            record(
                s,
                actor,
                "patient_merge",
                entity="patient",
                entity_id=keep.id,
                patient_id=keep.id,
                details={
                    "merged_id": gone.id,
                    "merged_mrn": gone.mrn,
                    "moved": moved,
                    "filled": filled,
                },
            )
            record(
                s,
                actor,
                "patient_merged_away",
                entity="patient",
                entity_id=gone.id,
                patient_id=gone.id,
                details={"into_id": keep.id},
            )
            s.flush()
            return details(s, keep)
