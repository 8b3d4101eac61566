"""The medication list: what the patient takes, reported by them or prescribed here."""

from __future__ import annotations

import builtins
import datetime as dt

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import MedicationRow
from emr_desktop.domain.clinical import MedicationSource, MedicationStatus
from emr_desktop.domain.prescribing import MedicationInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ConflictError, NotFound, ValidationError
from emr_desktop.models import Medication, Prescription
from emr_desktop.persistence.database import Database
from emr_desktop.reference.drug_names import resolve_drug
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.chart_access import chart_read
from emr_desktop.services.common.printed_text import check_printed, check_route_form
from emr_desktop.services.common.records import get_patient
from emr_desktop.services.common.rows import join_list, split_list
from emr_desktop.services.common.safe_writing import check_abbreviations
from emr_desktop.services.common.sig_words import clean_route

MAX_INGREDIENTS_CHARS = 500


def medication_row(m: Medication) -> MedicationRow:
    """The DTO of a medication-list entry."""
    return MedicationRow(
        id=m.id,
        patient_id=m.patient_id,
        drug_name=m.drug_name,
        ingredients=split_list(m.ingredients),
        strength=m.strength,
        form=m.form,
        route=m.route,
        sig=m.sig,
        source=m.source,
        prescription_id=m.prescription_id,
        status=m.status,
        start_date=m.start_date,
        stop_date=m.stop_date,
        stop_reason=m.stop_reason,
        version=m.version,
        rxnorm_code=m.rxnorm_code,
    )


def formulary_ingredients(drug_name: str) -> tuple[str, ...]:
    """The ingredients the drug reference resolves ``drug_name`` to (any spelling), or ()."""
    return resolve_drug(drug_name).ingredients


def clean_ingredients(values: tuple[str, ...]) -> str:
    """The ';'-joined, lower-case storage form of ingredient names, checked."""
    for name in values:
        v.text("ingredient", name, max_len=100)
        if ";" in name:
            raise ValidationError("ingredient", "cannot contain ';' (enter each separately)")
    # Lower case, like the drug reference, so the safety checks compare like with like.
    joined = join_list(name.lower() for name in values)
    if len(joined) > MAX_INGREDIENTS_CHARS:
        raise ValidationError("ingredients", f"must be at most {MAX_INGREDIENTS_CHARS} characters")
    return joined


def _clean(data: MedicationInput) -> tuple[MedicationInput, bool]:
    """The trimmed input with ingredients filled in; True when the formulary supplied them."""
    name = v.text("drug name", data.drug_name, max_len=200, required=True)
    route = v.text("route", data.route, max_len=60)
    v.not_future("start date", data.start_date)
    ingredients, looked_up = data.ingredients, False
    if not any(i.strip() for i in ingredients):
        ingredients = formulary_ingredients(name)
        looked_up = bool(ingredients)
    cleaned = MedicationInput(
        drug_name=name,
        ingredients=split_list(clean_ingredients(ingredients)),
        strength=check_abbreviations("strength", v.text("strength", data.strength, max_len=100)),
        form=v.text("form", data.form, max_len=60),
        route=clean_route(route) if route else "",
        sig=check_abbreviations("directions", v.text("directions", data.sig, max_len=500)),
        start_date=data.start_date,
    )
    # The medication list prints: the same ISMP rules as a prescription.
    check_printed({"drug name": name, "strength": cleaned.strength, "directions": cleaned.sig})
    if cleaned.route and cleaned.form:
        check_route_form(cleaned.route, cleaned.form)
    return cleaned, looked_up


def add_prescribed(
    session: Session, actor: Actor, p: Prescription, active: builtins.list[Medication]
) -> tuple[Medication, bool]:
    """Put a just-signed prescription on the list; True when it updated an entry.

    A renewal updates the active entry of the prescription it renews rather than adding
    a second line for the same medicine.
    """
    entry = next(
        (m for m in active if p.renewal_of_id and m.prescription_id == p.renewal_of_id), None
    )
    if entry is None:
        entry = Medication(
            patient_id=p.patient_id,
            source=MedicationSource.PRESCRIBED,
            status=MedicationStatus.ACTIVE,
            start_date=dt.date.today(),
            recorded_by_id=actor.user_id,
        )
        session.add(entry)
    for f in ("drug_name", "ingredients", "strength", "form", "route", "sig"):
        setattr(entry, f, getattr(p, f))
    updated = entry.prescription_id is not None
    entry.prescription_id = p.id
    return entry, updated


def stop_prescribed(session: Session, prescription_id: int, reason: str) -> builtins.list[int]:
    """Stop today the active entries of a cancelled prescription; their ids."""
    stopped = []
    for m in session.scalars(
        select(Medication).where(
            Medication.prescription_id == prescription_id,
            Medication.status == MedicationStatus.ACTIVE,
        )
    ):
        m.status = MedicationStatus.STOPPED
        m.stop_date = dt.date.today()
        m.stop_reason = reason
        stopped.append(m.id)
    return stopped


class MedicationService:
    """The medication list. Physicians edit it; nurses and physicians see it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list(
        self, actor: Actor, patient_id: int, *, include_stopped: bool = False
    ) -> builtins.list[MedicationRow]:
        """The patient's medications, active first, then by name."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work(actor) as s:
            get_patient(s, patient_id)
            stmt = select(Medication).where(Medication.patient_id == patient_id)
            if not include_stopped:
                stmt = stmt.where(Medication.status == MedicationStatus.ACTIVE)
            stmt = stmt.order_by(
                case((Medication.status == MedicationStatus.ACTIVE, 0), else_=1),
                func.lower(Medication.drug_name),
                Medication.id,
            )
            return chart_read(
                s, actor, patient_id, "medications", [medication_row(m) for m in s.scalars(stmt)]
            )

    def record_reported(
        self, actor: Actor, patient_id: int, data: MedicationInput
    ) -> MedicationRow:
        """Add a medication the patient reports taking (prescribed elsewhere, or bought)."""
        require(actor, Permission.MEDICATION_EDIT)
        cleaned, looked_up = _clean(data)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            m = Medication(
                patient_id=patient.id,
                drug_name=cleaned.drug_name,
                ingredients=";".join(cleaned.ingredients),
                strength=cleaned.strength,
                form=cleaned.form,
                route=cleaned.route,
                sig=cleaned.sig,
                source=MedicationSource.REPORTED,
                status=MedicationStatus.ACTIVE,
                start_date=cleaned.start_date,
                recorded_by_id=actor.user_id,
            )
            s.add(m)
            s.flush()
            record(
                s,
                actor,
                "medication_report",
                entity="medication",
                entity_id=m.id,
                patient_id=patient.id,
                details={"ingredients_from_reference": looked_up},
            )
            return medication_row(m)

    def discontinue(
        self,
        actor: Actor,
        medication_id: int,
        reason: str,
        *,
        stop_date: dt.date | None = None,
        expected_version: int,
    ) -> MedicationRow:
        """Mark a medication stopped (it stays on the list, with the date and reason)."""
        require(actor, Permission.MEDICATION_EDIT)
        why = v.text("reason", reason, max_len=300, required=True)
        stop = stop_date or dt.date.today()
        v.not_future("stop date", stop)
        with self._db.unit_of_work(actor) as s:
            m = s.get(Medication, medication_id)
            if m is None:
                raise NotFound("That medication-list entry does not exist.")
            get_patient(s, m.patient_id, writable=True)
            if m.version != expected_version:
                raise ConflictError(
                    "Someone else changed this medication while you were looking at it. "
                    "Nothing was overwritten; reopen the list to see their change."
                )
            if m.status is MedicationStatus.STOPPED:
                raise ValidationError("medication", "is already stopped")
            if m.start_date is not None and stop < m.start_date:
                raise ValidationError("stop date", "cannot be before the start date")
            m.status = MedicationStatus.STOPPED
            m.stop_date = stop
            m.stop_reason = why
            s.flush()
            record(
                s,
                actor,
                "medication_discontinue",
                entity="medication",
                entity_id=m.id,
                patient_id=m.patient_id,
                details={"prescription_id": m.prescription_id},
            )
            return medication_row(m)
