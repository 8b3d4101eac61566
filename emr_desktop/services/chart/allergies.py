"""Allergies: record, edit and inactivate them, and record "no known allergies" on purpose."""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import AllergyRow
from emr_desktop.domain.clinical import AllergyCategory, AllergySeverity, RecordStatus
from emr_desktop.domain.sections import AllergyInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ConflictError, NotFound, ValidationError
from emr_desktop.models import Allergy, Patient
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.chart_access import chart_read
from emr_desktop.services.common.records import get_patient, user_names
from emr_desktop.services.common.rows import allergy_row, join_list

RECORDED = "recorded"
NKA = "nka"
NOT_RECORDED = "not recorded"

_EDITABLE = (
    "substance",
    "ingredients",
    "classes",
    "category",
    "reaction",
    "severity",
    "onset_date",
)
# Worst first, so the most dangerous allergy tops the list (unknown may be anything).
_SEVERITY_ORDER = {
    AllergySeverity.SEVERE: 0,
    AllergySeverity.UNKNOWN: 1,
    AllergySeverity.MODERATE: 2,
    AllergySeverity.MILD: 3,
}


@dataclass(frozen=True, slots=True)
class _Clean:
    """A validated allergy, with the looked-up ingredients and classes (';'-joined)."""

    substance: str
    ingredients: str
    classes: str
    category: AllergyCategory
    reaction: str
    severity: AllergySeverity
    onset_date: dt.date | None


def clean_allergy(data: AllergyInput) -> _Clean:
    """Validate an allergy; a drug allergy's substance is classified for the safety checks."""
    substance = v.text("substance", data.substance, max_len=200, required=True)
    category = v.choice("category", AllergyCategory, data.category)
    v.not_future("onset date", data.onset_date)
    ingredients = classes = ""
    if category == AllergyCategory.DRUG:
        from emr_desktop.reference.allergies import classify_substance

        found_ingredients, found_classes = classify_substance(substance)
        ingredients, classes = join_list(found_ingredients), join_list(found_classes)
    return _Clean(
        substance=substance,
        ingredients=ingredients[:500],
        classes=classes[:500],
        category=category,
        reaction=v.text("reaction", data.reaction, max_len=300),
        severity=v.choice("severity", AllergySeverity, data.severity),
        onset_date=data.onset_date,
    )


def _active(s: Session, patient_id: int) -> list[Allergy]:
    return list(
        s.scalars(
            select(Allergy).where(
                Allergy.patient_id == patient_id, Allergy.status == RecordStatus.ACTIVE
            )
        )
    )


def _refuse_duplicate(
    s: Session, patient_id: int, substance: str, *, exclude_id: int | None = None
) -> None:
    """A second active allergy to the same substance (ignoring case) is refused."""
    folded = substance.casefold()
    for a in _active(s, patient_id):
        if a.id != exclude_id and a.substance.casefold() == folded:
            raise ValidationError(
                "substance", f"{a.substance} is already recorded as an active allergy"
            )


def allergy_state(session: Session, patient: Patient) -> str:
    """What the banner says: "recorded" (active allergies), "nka", or "not recorded".

    "No known allergies" is shown only when someone recorded it; an empty list is
    "not recorded", never assumed to mean no allergies.
    """
    has_active = session.scalar(
        select(Allergy.id)
        .where(Allergy.patient_id == patient.id, Allergy.status == RecordStatus.ACTIVE)
        .limit(1)
    )
    if has_active is not None:
        return RECORDED
    return NKA if patient.no_known_allergies else NOT_RECORDED


class AllergyService:
    """Allergies and intolerances. Nurses and physicians record them; clinicians read them."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def _load(self, s: Session, allergy_id: int, expected_version: int) -> Allergy:
        a = s.get(Allergy, allergy_id)
        if a is None:
            raise NotFound("That allergy does not exist.")
        get_patient(s, a.patient_id, writable=True)
        if a.version != expected_version:
            raise ConflictError(
                "Someone else saved this allergy while you were editing. "
                "Nothing was overwritten; reopen the allergy list to see their changes."
            )
        return a

    def _row(self, s: Session, a: Allergy) -> AllergyRow:
        s.flush()  # the new version and defaults
        return allergy_row(a, user_names(s, {a.recorded_by_id}))

    def add(self, actor: Actor, patient_id: int, data: AllergyInput) -> AllergyRow:
        """Record an allergy; clears "no known allergies"; an active duplicate is refused."""
        require(actor, Permission.ALLERGY_RECORD)
        c = clean_allergy(data)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            _refuse_duplicate(s, patient.id, c.substance)
            a = Allergy(
                patient_id=patient.id,
                status=RecordStatus.ACTIVE,
                recorded_by_id=actor.user_id,
                **dataclasses.asdict(c),
            )
            s.add(a)
            # Only write the flag when it changes: every write bumps the patient's version.
            if patient.no_known_allergies:
                patient.no_known_allergies = False
            s.flush()
            record(s, actor, "allergy_add", entity="allergy", entity_id=a.id, patient_id=patient.id)
            return self._row(s, a)

    def update(
        self, actor: Actor, allergy_id: int, data: AllergyInput, *, expected_version: int
    ) -> AllergyRow:
        """Save an edited allergy; ConflictError if someone saved since ``expected_version``."""
        require(actor, Permission.ALLERGY_RECORD)
        c = clean_allergy(data)
        with self._db.unit_of_work(actor) as s:
            a = self._load(s, allergy_id, expected_version)
            if a.status == RecordStatus.ACTIVE:
                _refuse_duplicate(s, a.patient_id, c.substance, exclude_id=a.id)
            changed = [f for f in _EDITABLE if getattr(a, f) != getattr(c, f)]
            for f in _EDITABLE:
                setattr(a, f, getattr(c, f))
            record(
                s,
                actor,
                "allergy_update",
                entity="allergy",
                entity_id=a.id,
                patient_id=a.patient_id,
                details={"fields": changed},
            )
            return self._row(s, a)

    def inactivate(
        self,
        actor: Actor,
        allergy_id: int,
        *,
        status: RecordStatus = RecordStatus.INACTIVE,
        expected_version: int,
    ) -> AllergyRow:
        """Mark an allergy inactive (outgrown, disproved) or entered in error; nothing deleted."""
        require(actor, Permission.ALLERGY_RECORD)
        new = v.choice("status", RecordStatus, status)
        if new == RecordStatus.ACTIVE:
            raise ValidationError("status", "must be inactive or entered-in-error")
        with self._db.unit_of_work(actor) as s:
            a = self._load(s, allergy_id, expected_version)
            old = a.status
            a.status = new
            record(
                s,
                actor,
                "allergy_inactivate",
                entity="allergy",
                entity_id=a.id,
                patient_id=a.patient_id,
                details={"from": old.value, "to": new.value},
            )
            return self._row(s, a)

    def list(
        self, actor: Actor, patient_id: int, *, include_inactive: bool = False
    ) -> list[AllergyRow]:
        """The patient's allergies: active first, worst severity first, then by substance."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            stmt = select(Allergy).where(Allergy.patient_id == patient_id)
            if not include_inactive:
                stmt = stmt.where(Allergy.status == RecordStatus.ACTIVE)
            allergies = list(s.scalars(stmt))
            names = user_names(s, {a.recorded_by_id for a in allergies})
            allergies.sort(
                key=lambda a: (
                    a.status != RecordStatus.ACTIVE,
                    _SEVERITY_ORDER.get(a.severity, 9),
                    a.substance.casefold(),
                )
            )
            return chart_read(
                s, actor, patient_id, "allergies", [allergy_row(a, names) for a in allergies]
            )

    def mark_no_known_allergies(self, actor: Actor, patient_id: int) -> None:
        """Record that the patient reports no known allergies (refused if any is active)."""
        require(actor, Permission.ALLERGY_RECORD)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            active = len(_active(s, patient.id))
            if active:
                raise ValidationError(
                    "allergies",
                    f"the patient has {active} active "
                    f"{'allergy' if active == 1 else 'allergies'}; mark "
                    f"{'it' if active == 1 else 'them'} inactive or entered in error first",
                )
            patient.no_known_allergies = True
            record(
                s,
                actor,
                "allergy_nka",
                entity="patient",
                entity_id=patient.id,
                patient_id=patient.id,
            )
