"""Printing prescriptions and the medication list (PDF bytes, audited when built).

Building one of these PDFs is the act of printing or saving it, so each call writes its
audit rows in the same transaction that reads the data: one "rx_print" row per
prescription, one "medication_list_print" row per list. No clinical values go into them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import PrescriptionRow
from emr_desktop.domain.clinical import MedicationStatus, RecordStatus, RxStatus
from emr_desktop.domain.exports import ExportResult
from emr_desktop.domain.practice import ProviderRow
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import Allergy, Medication, Prescription, ProviderProfile, User
from emr_desktop.persistence.database import Database
from emr_desktop.reference.drugs import formulary
from emr_desktop.reports.medication_list import medication_list_pdf
from emr_desktop.reports.pdf_options import page_count
from emr_desktop.reports.prescription import RxBlock, prescriber_name, prescriptions_pdf
from emr_desktop.security.permissions import require
from emr_desktop.services.chart.medications import medication_row
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.records import get_patient, user_names
from emr_desktop.services.common.rows import allergy_row, prescription_row
from emr_desktop.services.common.sig_words import unit_words
from emr_desktop.services.patients.registry import details
from emr_desktop.services.practice.details import load_details, provider_row
from emr_desktop.services.prescribing.sig import quantity_in_words

__all__ = ["RxPrintingService", "controlled_schedule", "file_name"]


def file_name(kind: str, mrn: str, day: dt.date) -> str:
    """'prescription-1234567-8-2026-11-23.pdf': the MRN and date, never the patient's name."""
    safe = "".join(c for c in mrn if c.isalnum() or c == "-")
    return f"{kind}-{safe}-{day.isoformat()}.pdf"


def controlled_schedule(rx: PrescriptionRow) -> str | None:
    """The DEA schedule of the drug, from the formulary (by name, else by its ingredients)."""
    ref = formulary()
    drug = ref.get(rx.drug_name)
    if drug is not None:
        return drug.controlled_schedule
    # A free-text drug: the strictest schedule of any single-ingredient product it names.
    found = [
        d.controlled_schedule
        for i in rx.ingredients
        for d in ref.by_ingredient(i)
        if d.controlled_schedule and not d.is_combination
    ]
    return min(found, key=("II", "III", "IV", "V").index) if found else None


def _block(rx: PrescriptionRow, prescriber: ProviderRow) -> RxBlock:
    quantity = Decimal(rx.quantity)
    unit = rx.quantity_unit or rx.dose_unit
    return RxBlock(
        prescription=rx,
        prescriber=prescriber,
        quantity_text=unit_words(quantity, unit),
        quantity_words=quantity_in_words(quantity),
        refills_words=quantity_in_words(Decimal(rx.refills)),
        controlled_schedule=controlled_schedule(rx),
    )


def _prescribers(session: Session, ids: set[int]) -> dict[int, ProviderRow]:
    rows = session.execute(
        select(User, ProviderProfile)
        .outerjoin(ProviderProfile, ProviderProfile.user_id == User.id)
        .where(User.id.in_(ids))
    )
    return {user.id: provider_row(user, profile) for user, profile in rows}


class RxPrintingService:
    """The prescription printout and the patient's printed medication list."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def prescriptions_pdf(self, actor: Actor, prescription_ids: list[int]) -> ExportResult:
        """The PDF of signed prescriptions of one patient, several to a page when they fit."""
        require(actor, Permission.CHART_VIEW)
        require(actor, Permission.CHART_EXPORT)
        ids = list(dict.fromkeys(prescription_ids))
        if not ids:
            raise ValidationError("prescriptions", "choose at least one to print")
        now = dt.datetime.now().astimezone()
        with self._db.unit_of_work(actor) as s:
            found = {
                p.id: p for p in s.scalars(select(Prescription).where(Prescription.id.in_(ids)))
            }
            if len(found) != len(ids):
                raise NotFound("One of those prescriptions does not exist.")
            items = [found[i] for i in ids]
            if len({p.patient_id for p in items}) != 1:
                raise ValidationError("prescriptions", "must all be for the same patient")
            if any(p.status is not RxStatus.SIGNED for p in items):
                raise ValidationError("prescription", "only a signed prescription can be printed")
            patient = get_patient(s, items[0].patient_id)
            prescribers = _prescribers(s, {p.prescriber_id for p in items if p.prescriber_id})
            blocks = []
            names = user_names(s, {i for p in items for i in (p.prescriber_id, p.requested_by_id)})
            for rx in (prescription_row(p, names) for p in items):
                if rx.prescriber_id not in prescribers:
                    raise ValidationError("prescription", "has no prescriber on record")
                blocks.append(_block(rx, prescribers[rx.prescriber_id]))
            pdf = prescriptions_pdf(blocks, details(s, patient), load_details(s), generated_at=now)
            for p in items:
                record(
                    s,
                    actor,
                    "rx_print",
                    entity="prescription",
                    entity_id=p.id,
                    patient_id=patient.id,
                    details={"batch_size": len(items)},
                )
            name = file_name("prescription", patient.mrn, now.date())
            return ExportResult(pdf, name, page_count(pdf))

    def medication_list_pdf(self, actor: Actor, patient_id: int) -> ExportResult:
        """The patient's current medications and allergies, printed for the patient."""
        require(actor, Permission.CHART_VIEW)
        require(actor, Permission.CHART_EXPORT)
        now = dt.datetime.now().astimezone()
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id)
            meds = list(
                s.scalars(
                    select(Medication)
                    .where(
                        Medication.patient_id == patient.id,
                        Medication.status == MedicationStatus.ACTIVE,
                    )
                    .order_by(func.lower(Medication.drug_name), Medication.id)
                )
            )
            allergies = list(
                s.scalars(
                    select(Allergy)
                    .where(Allergy.patient_id == patient.id, Allergy.status == RecordStatus.ACTIVE)
                    .order_by(Allergy.substance, Allergy.id)
                )
            )
            rx_ids = {m.prescription_id for m in meds if m.prescription_id is not None}
            query = select(Prescription.id, Prescription.prescriber_id).where(
                Prescription.id.in_(rx_ids)
            )
            by_rx = {row.id: row.prescriber_id for row in s.execute(query)}
            providers = _prescribers(s, {u for u in by_rx.values() if u is not None})
            names = {rx: prescriber_name(providers[u]) for rx, u in by_rx.items() if u in providers}
            recorders = user_names(s, {a.recorded_by_id for a in allergies})
            pdf = medication_list_pdf(
                details(s, patient),
                load_details(s),
                [medication_row(m) for m in meds],
                [allergy_row(a, recorders) for a in allergies],
                prescribers=names,
                generated_at=now,
            )
            record(
                s,
                actor,
                "medication_list_print",
                entity="patient",
                entity_id=patient.id,
                patient_id=patient.id,
                details={"medications": len(meds), "allergies": len(allergies)},
            )
            name = file_name("medication-list", patient.mrn, now.date())
            return ExportResult(pdf, name, page_count(pdf))
