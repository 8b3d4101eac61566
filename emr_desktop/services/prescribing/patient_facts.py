"""Loading what the patient-specific safety checks need, in a fixed number of queries:
age and sex, the latest weight, the latest eGFR and creatinine clearance (with their
dates), the active problems and the stopped medications."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from emr_desktop.domain.clinical import MedicationStatus, ProblemStatus
from emr_desktop.domain.prescribing import LabValue, PatientFacts
from emr_desktop.models import LabResult, Medication, Patient, Problem, VitalSigns
from emr_desktop.services.chart.medications import medication_row

__all__ = ["CRCL_LOINC", "EGFR_LOINC", "load_patient_facts"]

# eGFR by MDRD, CKD-EPI and CKD-EPI 2021 (resources/reference/loinc.csv).
EGFR_LOINC = frozenset({"33914-3", "62238-1", "98979-8"})
# Creatinine renal clearance (24 h urine and serum); a lab row named "creatinine
# clearance" or "CrCl" counts too, as imported or hand-entered results are often uncoded.
CRCL_LOINC = frozenset({"2164-2"})
# Stopped medications older than the longest washout period (amiodarone, 90 days) are
# not needed.
_WASHOUT_HORIZON = dt.timedelta(days=120)


def _measure(lab: LabResult) -> str | None:
    name = lab.name.lower()
    if lab.loinc in EGFR_LOINC or "egfr" in name or "glomerular filtration" in name:
        return "egfr"
    if lab.loinc in CRCL_LOINC or "creatinine clearance" in name or "crcl" in name:
        return "crcl"
    return None


def _latest_labs(session: Session, patient_id: int) -> dict[str, LabValue]:
    labs = session.scalars(
        select(LabResult)
        .where(
            LabResult.patient_id == patient_id,
            LabResult.value.is_not(None),
            or_(
                LabResult.loinc.in_(sorted(EGFR_LOINC | CRCL_LOINC)),
                LabResult.name.ilike("%egfr%"),
                LabResult.name.ilike("%glomerular filtration%"),
                LabResult.name.ilike("%creatinine clearance%"),
                LabResult.name.ilike("%crcl%"),
            ),
        )
        .order_by(LabResult.collected_at.desc(), LabResult.id.desc())
    )
    found: dict[str, LabValue] = {}
    for lab in labs:
        measure = _measure(lab)
        if measure is not None and measure not in found and lab.value is not None:
            found[measure] = LabValue(float(lab.value), lab.unit, lab.collected_at.date())
    return found


def load_patient_facts(session: Session, patient: Patient, today: dt.date) -> PatientFacts:
    """The patient-specific facts for the checks, as of ``today``."""
    weight = session.execute(
        select(VitalSigns.weight_kg, VitalSigns.measured_at)
        .where(VitalSigns.patient_id == patient.id, VitalSigns.weight_kg.is_not(None))
        .order_by(VitalSigns.measured_at.desc(), VitalSigns.id.desc())
        .limit(1)
    ).first()
    labs = _latest_labs(session, patient.id)
    problems = session.execute(
        select(Problem.code, Problem.description)
        .where(Problem.patient_id == patient.id, Problem.status == ProblemStatus.ACTIVE)
        .order_by(Problem.id)
    ).all()
    stopped = session.scalars(
        select(Medication)
        .where(
            Medication.patient_id == patient.id,
            Medication.status == MedicationStatus.STOPPED,
            Medication.stop_date.is_not(None),
            Medication.stop_date >= today - _WASHOUT_HORIZON,
        )
        .order_by(Medication.id)
    )
    return PatientFacts(
        today=today,
        birth_date=patient.birth_date,
        sex=str(patient.sex_at_birth),
        weight_kg=float(weight[0]) if weight and weight[0] is not None else None,
        weight_date=weight[1].date() if weight else None,
        egfr=labs.get("egfr"),
        crcl=labs.get("crcl"),
        problems=tuple((code.upper(), text) for code, text in problems),
        stopped=tuple(medication_row(m) for m in stopped),
    )
