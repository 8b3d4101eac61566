"""Opening a chart: the banner and the summary in a fixed number of queries, one audit row.

Whatever the chart's size (a 900-visit dialysis patient or a newborn), opening it runs
the same dozen indexed queries: active lists, the newest vitals and labs by index order
with a LIMIT, counts instead of loading history. Long histories are paged by the section
services.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import Banner, ChartSummary
from emr_desktop.domain.clinical import (
    AppointmentStatus,
    MedicationStatus,
    ProblemStatus,
    RecordStatus,
)
from emr_desktop.domain.patients import age_on
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.models import (
    Allergy,
    Appointment,
    Encounter,
    Immunization,
    LabResult,
    Medication,
    Patient,
    Problem,
    VitalSigns,
)
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.allergies import allergy_state
from emr_desktop.services.audit import record
from emr_desktop.services.common import get_patient, summary, user_names
from emr_desktop.services.medications import medication_row
from emr_desktop.services.notes import encounter_row
from emr_desktop.services.rows import (
    allergy_row,
    immunization_row,
    lab_row,
    problem_row,
    vitals_row,
)
from emr_desktop.services.schedule_rules import rows as appointment_rows

RECENT_LABS = 30
RECENT_ENCOUNTERS = 5
UPCOMING_APPOINTMENTS = 5


def banner(session: Session, patient: Patient, allergies: list[Allergy]) -> Banner:
    """The banner DTO: both identifiers, age, allergies (or NKA, or 'not recorded')."""
    s = summary(patient)
    merged_into = None
    if patient.merged_into_id is not None:
        target = session.get(Patient, patient.merged_into_id)
        merged_into = target.mrn if target else None
    return Banner(
        patient_id=patient.id,
        mrn=patient.mrn,
        display_name=s.display_name,
        birth_date=patient.birth_date,
        age=age_on(patient.birth_date, dt.date.today()),
        sex_at_birth=patient.sex_at_birth,
        allergy_state=allergy_state(session, patient),
        allergies=tuple(
            f"{a.substance} ({a.reaction})" if a.reaction else a.substance for a in allergies
        ),
        alerts=patient.alerts,
        active=patient.active,
        merged_into_mrn=merged_into,
    )


class ChartService:
    """Opening a patient's chart (clinical staff only)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def open(self, actor: Actor, patient_id: int) -> ChartSummary:
        """The banner and summary of the chart; writes one 'chart_open' audit row."""
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work() as s:
            result = load_summary(s, patient_id)
            pid = result.banner.patient_id
            record(s, actor, "chart_open", entity="patient", entity_id=pid, patient_id=pid)
            return result

    def summary(self, actor: Actor, patient_id: int) -> ChartSummary:
        """Reload the summary of a chart this user already has open (after an edit).

        Not a new opening of the chart, so not audited again.
        """
        require(actor, Permission.CHART_VIEW)
        with self._db.unit_of_work() as s:
            return load_summary(s, patient_id)


def _active_allergies(s: Session, pid: int) -> list[Allergy]:
    return list(
        s.scalars(
            select(Allergy)
            .where(Allergy.patient_id == pid, Allergy.status == RecordStatus.ACTIVE)
            .order_by(Allergy.substance)
        )
    )


def immunizations_due(
    birth_date: dt.date, given: list[Immunization], today: dt.date | None = None
) -> tuple[str, ...]:
    """Routine adult vaccines that look due (a reminder, simplified from the CDC adult
    schedule; children's schedules are not covered)."""
    today = today or dt.date.today()
    age = age_on(birth_date, today)
    if age < 19:
        return ()
    names = [(i.vaccine.lower(), i.given_on) for i in given]

    def last(*words: str) -> dt.date | None:
        dates = [d for name, d in names if any(w in name for w in words)]
        return max(dates) if dates else None

    due = []
    season_start = dt.date(today.year if today.month >= 8 else today.year - 1, 8, 1)
    flu = last("influenza", "flu")
    if flu is None or flu < season_start:
        due.append("Influenza (this season)")
    td = last("tdap", "td ", "tetanus")
    if td is None or (today - td).days > 3652:
        due.append("Tdap/Td booster (every 10 years)")
    if age >= 50:
        zoster = sum(1 for name, _ in names if "zoster" in name or "shingles" in name)
        if zoster < 2:
            due.append(f"Zoster, recombinant ({zoster} of 2 doses given)")
        if last("pneumococcal", "pcv", "ppsv") is None:
            due.append("Pneumococcal conjugate")
    return tuple(due)


def load_summary(s: Session, patient_id: int) -> ChartSummary:
    """Everything the summary shows, in a fixed number of indexed queries."""
    patient = get_patient(s, patient_id)
    pid = patient.id
    allergies = _active_allergies(s, pid)
    problems = list(
        s.scalars(
            select(Problem)
            .where(Problem.patient_id == pid, Problem.status == ProblemStatus.ACTIVE)
            .order_by(Problem.onset_date.desc(), Problem.id.desc())
        )
    )
    medications = list(
        s.scalars(
            select(Medication)
            .where(Medication.patient_id == pid, Medication.status == MedicationStatus.ACTIVE)
            .order_by(Medication.drug_name)
        )
    )
    last_vitals = s.scalar(
        select(VitalSigns)
        .where(VitalSigns.patient_id == pid)
        .order_by(VitalSigns.measured_at.desc())
        .limit(1)
    )
    labs = list(
        s.scalars(
            select(LabResult)
            .where(LabResult.patient_id == pid)
            .order_by(LabResult.collected_at.desc())
            .limit(RECENT_LABS)
        )
    )
    immunizations = list(
        s.scalars(
            select(Immunization)
            .where(Immunization.patient_id == pid, Immunization.status == RecordStatus.ACTIVE)
            .order_by(Immunization.given_on.desc())
        )
    )
    encounter_count = s.scalar(
        select(func.count()).select_from(Encounter).where(Encounter.patient_id == pid)
    )
    encounters = list(
        s.scalars(
            select(Encounter)
            .where(Encounter.patient_id == pid)
            .order_by(Encounter.occurred_at.desc())
            .limit(RECENT_ENCOUNTERS)
        )
    )
    now_local = dt.datetime.now().replace(second=0, microsecond=0)
    upcoming = appointment_rows(
        s,
        Appointment.patient_id == pid,
        Appointment.start_at >= now_local - dt.timedelta(hours=2),
        Appointment.status.in_(
            (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.IN_ROOM)
        ),
        order=(Appointment.start_at,),
    )[:UPCOMING_APPOINTMENTS]
    recorded_by: set[int | None] = {
        *(a.recorded_by_id for a in allergies),
        *(p.recorded_by_id for p in problems),
        *(m.recorded_by_id for m in medications),
    }
    names = user_names(
        s,
        recorded_by
        | {last_vitals.recorded_by_id if last_vitals else None}
        | {e.provider_id for e in encounters},
    )
    return ChartSummary(
        banner=banner(s, patient, allergies),
        active_problems=tuple(problem_row(p, names) for p in problems),
        active_medications=tuple(medication_row(m) for m in medications),
        allergies=tuple(allergy_row(a, names) for a in allergies),
        last_vitals=vitals_row(last_vitals, names) if last_vitals else None,
        recent_labs=tuple(lab_row(lab) for lab in labs),
        immunizations=tuple(immunization_row(i) for i in immunizations),
        immunizations_due=immunizations_due(patient.birth_date, immunizations),
        upcoming_appointments=tuple(upcoming),
        encounter_count=int(encounter_count or 0),
        recent_encounters=tuple(encounter_row(e, names) for e in encounters),
    )
