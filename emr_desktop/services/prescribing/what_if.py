"""Checking a drug for a patient as if it were prescribed, without saving anything
(``emr-admin rx check``): every safety check, each alert with its public KIND."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Final

from emr_desktop.domain.chart import PrescriptionRow
from emr_desktop.domain.clinical import RxStatus
from emr_desktop.domain.prescribing import SafetyAlert
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.persistence.database import Database
from emr_desktop.reference.drug_names import resolve_drug
from emr_desktop.security.permissions import require
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.records import patient_by_mrn
from emr_desktop.services.prescribing.safety_context import context_for, run_checks

__all__ = ["KINDS", "CheckedAlert", "WhatIfService", "hypothetical_prescription", "public_kind"]

KINDS: Final = (
    "drug-drug",
    "drug-allergy",
    "duplicate",
    "dose",
    "renal",
    "pediatric",
    "pregnancy",
    "geriatric",
    "washout",
    "unresolved",
)
# Internal alert kinds -> the public KIND; a kind not listed (allergy documentation) is
# shown in the app only.
_PUBLIC: Final = {
    "interaction": "drug-drug",
    "allergy": "drug-allergy",
    "allergy-cross-sensitivity": "drug-allergy",
    "duplicate-ingredient": "duplicate",
    "duplicate-class": "duplicate",
    "duplicate-group": "duplicate",
    "max-dose": "dose",
    "unchecked-drug": "unresolved",
    **{k: k for k in KINDS},
}
_PER: Final = ("day", "week")
_MAX_DOSE_MG: Final = Decimal(1_000_000)


def public_kind(kind: str) -> str | None:
    """The public KIND of an alert kind, or None when it is shown in the app only."""
    return _PUBLIC.get(kind)


@dataclass(frozen=True, slots=True)
class CheckedAlert:
    """One alert of a what-if check with its public KIND."""

    severity: str
    kind: str
    message: str


def _clean(
    drug: str, dose_mg: str | None, times: str | None, per: str | None
) -> tuple[str, Decimal | None, int | None, str]:
    """The validated inputs; one ValidationError naming every bad field."""
    bad: list[str] = []
    text = drug.strip()
    if not text or len(text) > 200:
        bad.append("drug (1 to 200 characters)")
    dose: Decimal | None = None
    if dose_mg is not None:
        try:
            dose = Decimal(dose_mg)
        except InvalidOperation:
            dose = None
        if dose is None or not dose.is_finite() or not 0 < dose <= _MAX_DOSE_MG:
            bad.append("dose-mg (a number of mg above 0)")
            dose = None
    count: int | None = None
    if times is not None:
        count = int(times) if times.strip().isdigit() else None
        if count is None or not 1 <= count <= 24:
            bad.append("times (a whole number from 1 to 24)")
            count = None
    unit = (per or "day").strip().lower()
    if unit not in _PER:
        bad.append("per (day or week)")
    if dose_mg is None and times is not None and not bad:
        bad.append("dose-mg (needed with times)")
    if bad:
        raise ValidationError(", ".join(b.split(" (")[0] for b in bad), "; ".join(bad))
    return text, dose, count, unit


def hypothetical_prescription(
    patient_id: int, drug: str, dose: Decimal | None, times: int | None, per: str
) -> PrescriptionRow:
    """A hypothetical prescription (id -1: never a saved one) of ``drug``, oral, in mg."""
    # A dose without --times is checked as one dose (single maximum, strengths).
    frequency = f"{times} times per {per}" if times else "once"
    return PrescriptionRow(
        id=-1,
        patient_id=patient_id,
        prescriber_id=None,
        prescriber="",
        drug_name=drug,
        ingredients=resolve_drug(drug).ingredients,
        strength="",
        form="",
        route="oral",
        dose=str(dose) if dose is not None else "",
        dose_unit="mg",
        frequency=frequency,
        duration_days=None,
        prn=False,
        prn_indication="",
        sig="",
        quantity="",
        quantity_unit="",
        refills=0,
        dispense_as_written=False,
        note_to_pharmacist="",
        status=RxStatus.DRAFT,
        renewal_of_id=None,
        requested_by="",
        signed_at=None,
        created_at=dt.datetime.now(dt.UTC),
        version=1,
    )


class WhatIfService:
    """Every safety check for one patient as if a drug were prescribed; saves nothing
    but the audit row."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def check_drug(
        self,
        actor: Actor,
        mrn: str,
        drug: str,
        *,
        dose_mg: str | None = None,
        times: str | None = None,
        per: str | None = None,
        today: dt.date | None = None,
    ) -> list[CheckedAlert]:
        """The alerts (public KIND) prescribing ``drug`` would raise; physicians only."""
        require(actor, Permission.RX_PRESCRIBE)
        text, dose, count, unit = _clean(drug, dose_mg, times, per)
        with self._db.unit_of_work(actor) as s:
            patient = patient_by_mrn(s, mrn)
            row = hypothetical_prescription(patient.id, text, dose, count, unit)
            context, _ = context_for(s, patient, (row,), set(), today)
            alerts = [a for a in run_checks(context) if public_kind(a.kind)]
            record(
                s,
                actor,
                "rx_check",
                entity="patient",
                entity_id=patient.id,
                patient_id=patient.id,
                details={
                    "alerts": len(alerts),
                    "kinds": sorted({public_kind(a.kind) or "" for a in alerts}),
                    "dose_given": dose is not None,
                },
            )
        return [_checked(a) for a in alerts]


def _checked(alert: SafetyAlert) -> CheckedAlert:
    message = " ".join(alert.message.split())
    return CheckedAlert(alert.severity, public_kind(alert.kind) or "", message)
