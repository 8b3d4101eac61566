"""Loading what the recall rules need for every patient, a fixed number of queries."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from emr_desktop.domain.clinical import AppointmentStatus, ProblemStatus, RecordStatus
from emr_desktop.models import Appointment, Immunization, LabResult, Patient, Problem, VitalSigns
from emr_desktop.reference.lab_orders import resultable
from emr_desktop.reference.recall_rules import ScreeningRule
from emr_desktop.services.recalls.engine import (
    AWV_SERVICE,
    CHILD_SCHEDULE_UNTIL_DAYS,
    PatientFacts,
)

BP_PANEL = "85354-9"
WELLNESS_KINDS = ("Physical", "Annual wellness", "Wellness visit")
_ATTENDED = (AppointmentStatus.ARRIVED, AppointmentStatus.IN_ROOM, AppointmentStatus.COMPLETED)


def _day(value: dt.datetime | dt.date) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def load_facts(
    s: Session, rules: tuple[ScreeningRule, ...], on: dt.date, patient_ids: set[int] | None
) -> list[PatientFacts]:
    """Facts of every active patient (or of ``patient_ids``)."""
    stmt = select(Patient.id, Patient.birth_date, Patient.sex_at_birth).where(
        Patient.active.is_(True), Patient.merged_into_id.is_(None)
    )
    if patient_ids is not None:
        stmt = stmt.where(Patient.id.in_(patient_ids))
    people = s.execute(stmt).all()
    problems: dict[int, list[str]] = {}
    for pid, code in s.execute(
        select(Problem.patient_id, Problem.code).where(Problem.status == ProblemStatus.ACTIVE)
    ):
        problems.setdefault(pid, []).append(code.replace(".", "").upper())
    young = on - dt.timedelta(days=CHILD_SCHEDULE_UNTIL_DAYS)
    vaccines: dict[int, list[tuple[str, dt.date]]] = {}
    for pid, cvx, given in s.execute(
        select(Immunization.patient_id, Immunization.cvx, Immunization.given_on)
        .join(Patient, Patient.id == Immunization.patient_id)
        .where(Patient.birth_date > young, Immunization.status != RecordStatus.ENTERED_IN_ERROR)
    ):
        vaccines.setdefault(pid, []).append((cvx.zfill(2), given))
    last: dict[int, dict[str, dt.date]] = {}

    def seen(pid: int, measure: str, when: dt.datetime | dt.date) -> None:
        day = _day(when)
        mine = last.setdefault(pid, {})
        if measure not in mine or mine[measure] < day:
            mine[measure] = day

    measures = {r.measure for r in rules}
    by_code: dict[str, set[str]] = {}
    for m in measures:
        if not m.startswith("service:") and m != BP_PANEL:
            for code in {m, *(t.code for t in resultable(m))}:
                by_code.setdefault(code, set()).add(m)
    if by_code:
        for pid, loinc, when in s.execute(
            select(LabResult.patient_id, LabResult.loinc, func.max(LabResult.collected_at))
            .where(LabResult.loinc.in_(by_code))
            .group_by(LabResult.patient_id, LabResult.loinc)
        ):
            for m in by_code[loinc]:
                seen(pid, m, when)
    if BP_PANEL in measures:
        for pid, when in s.execute(
            select(VitalSigns.patient_id, func.max(VitalSigns.measured_at))
            .where(VitalSigns.systolic.is_not(None))
            .group_by(VitalSigns.patient_id)
        ):
            seen(pid, BP_PANEL, when)
    if AWV_SERVICE in measures:
        for pid, when in s.execute(
            select(Appointment.patient_id, func.max(Appointment.start_at))
            .where(
                Appointment.status.in_(_ATTENDED),
                or_(*(Appointment.kind == k for k in WELLNESS_KINDS)),
            )
            .group_by(Appointment.patient_id)
        ):
            seen(pid, AWV_SERVICE, when)
    return [
        PatientFacts(
            pid,
            born,
            {"female": "F", "male": "M"}.get(str(sex), ""),
            tuple(problems.get(pid, ())),
            tuple(vaccines.get(pid, ())),
            last.get(pid, {}),
        )
        for pid, born, sex in people
    ]
