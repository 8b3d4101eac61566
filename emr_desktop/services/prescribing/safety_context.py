"""What a prescription is checked against before signing (the patient's allergies and
medication list, the rest of the batch), and running the registered checks over it."""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import PrescriptionRow
from emr_desktop.domain.clinical import MedicationStatus, RecordStatus
from emr_desktop.domain.prescribing import (
    SafetyAlert,
    SafetyContext,
)
from emr_desktop.models import Allergy, Medication, Patient, Prescription
from emr_desktop.services.chart.medications import (
    medication_row,
)
from emr_desktop.services.common.records import user_names
from emr_desktop.services.common.rows import allergy_row, prescription_row
from emr_desktop.services.prescribing.alert_policy import apply_policy, load_interrupting
from emr_desktop.services.prescribing.checks import DEFAULT_CHECKS
from emr_desktop.services.prescribing.dose_checks import check_dose_rules, check_pediatric
from emr_desktop.services.prescribing.duplicate_groups import check_therapy_groups
from emr_desktop.services.prescribing.patient_checks import (
    check_geriatric,
    check_pregnancy,
    check_renal,
    check_washout,
)
from emr_desktop.services.prescribing.patient_facts import load_patient_facts
from emr_desktop.services.prescribing.unresolved import check_unrecognised_allergies

SafetyCheck = Callable[[SafetyContext], list[SafetyAlert]]
# The prescribing checks: allergy, interaction, duplicate therapy, dose, documentation
# and unresolved drugs, then broad duplicate groups, dose rules and the patient checks.
SAFETY_CHECKS: list[SafetyCheck] = [
    *DEFAULT_CHECKS,
    check_therapy_groups,
    check_dose_rules,
    check_pediatric,
    check_renal,
    check_pregnancy,
    check_geriatric,
    check_washout,
    check_unrecognised_allergies,
]


def run_checks(context: SafetyContext) -> list[SafetyAlert]:
    """Every registered check's alerts, one per key (the first wins), in check order.

    A check that raises stops the signing: an unchecked prescription is never signed.
    """
    alerts: dict[str, SafetyAlert] = {}
    for check in SAFETY_CHECKS:
        for alert in check(context):
            alerts.setdefault(alert.key, alert)
    return apply_policy(list(alerts.values()), context.interrupting)


def load_context(
    session: Session,
    patient: Patient,
    batch: builtins.list[Prescription],
    today: dt.date | None = None,
) -> tuple[SafetyContext, builtins.list[Medication]]:
    """The safety context of a batch, and the patient's active medication entries."""
    renewed = {p.renewal_of_id for p in batch if p.renewal_of_id is not None}
    ids = {i for p in batch for i in (p.prescriber_id, p.requested_by_id)}
    names = user_names(session, ids)
    rows = tuple(prescription_row(p, names) for p in batch)
    return context_for(session, patient, rows, renewed, today)


def context_for(
    session: Session,
    patient: Patient,
    rows: tuple[PrescriptionRow, ...],
    renewed: set[int],
    today: dt.date | None = None,
) -> tuple[SafetyContext, builtins.list[Medication]]:
    """The safety context of prescription rows (saved or hypothetical) for a patient."""
    allergies = list(
        session.scalars(
            select(Allergy)
            .where(Allergy.patient_id == patient.id, Allergy.status == RecordStatus.ACTIVE)
            .order_by(Allergy.id)
        )
    )
    meds = list(
        session.scalars(
            select(Medication)
            .where(
                Medication.patient_id == patient.id,
                Medication.status == MedicationStatus.ACTIVE,
            )
            .order_by(Medication.id)
        )
    )
    names = user_names(session, {a.recorded_by_id for a in allergies})
    context = SafetyContext(
        patient_id=patient.id,
        allergies=tuple(allergy_row(a, names) for a in allergies),
        medications=tuple(medication_row(m) for m in meds if m.prescription_id not in renewed),
        prescriptions=rows,
        no_known_allergies=patient.no_known_allergies,
        allergies_documented=patient.no_known_allergies or bool(allergies),
        patient=load_patient_facts(session, patient, today or dt.date.today()),
        interrupting=load_interrupting(session),
    )
    return context, meds
