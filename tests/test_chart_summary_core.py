"""The chart summary read with Core statements is the same summary the ORM loader gave.

``_orm_summary`` below is the previous loader (mapped objects through the ORM, converted
with the shared row converters), kept here only as the reference the fast path must match
field for field, on charts built through the services.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from conftest import Clinic
from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import Banner, ChartSummary
from emr_desktop.domain.clinical import (
    AllergySeverity,
    AppointmentStatus,
    MedicationStatus,
    ProblemStatus,
    RecordStatus,
    Sex,
)
from emr_desktop.domain.patients import PatientInput, age_on
from emr_desktop.domain.prescribing import MedicationInput
from emr_desktop.domain.schedule import BookingRequest
from emr_desktop.domain.sections import (
    AllergyInput,
    ImmunizationInput,
    LabInput,
    ProblemInput,
    VitalsInput,
)
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
from emr_desktop.services.chart.allergies import AllergyService, allergy_state
from emr_desktop.services.chart.immunizations import ImmunizationService
from emr_desktop.services.chart.medications import MedicationService, medication_row
from emr_desktop.services.chart.notes import NoteService, encounter_row
from emr_desktop.services.chart.observations import ObservationService
from emr_desktop.services.chart.problems import ProblemService
from emr_desktop.services.chart.summary import (
    RECENT_ENCOUNTERS,
    RECENT_LABS,
    UPCOMING_APPOINTMENTS,
    ChartService,
    immunizations_due,
    load_summary,
)
from emr_desktop.services.common.records import get_patient, summary, user_names
from emr_desktop.services.common.rows import (
    allergy_row,
    immunization_row,
    lab_row,
    problem_row,
    vitals_row,
)
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.schedule.queries import rows as appointment_rows
from emr_desktop.services.schedule.service import ScheduleService


def _orm_summary(s: Session, patient_id: int) -> ChartSummary:
    """The summary as the ORM loader built it (the reference)."""
    patient = get_patient(s, patient_id)
    pid = patient.id
    allergies = list(
        s.scalars(
            select(Allergy)
            .where(Allergy.patient_id == pid, Allergy.status == RecordStatus.ACTIVE)
            .order_by(Allergy.substance)
        )
    )
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
    names = user_names(
        s,
        {a.recorded_by_id for a in allergies}
        | {p.recorded_by_id for p in problems}
        | {last_vitals.recorded_by_id if last_vitals else None}
        | {e.provider_id for e in encounters},
    )
    merged_into = None
    if patient.merged_into_id is not None:
        target = s.get(Patient, patient.merged_into_id)
        merged_into = target.mrn if target else None
    banner = Banner(
        patient_id=patient.id,
        mrn=patient.mrn,
        display_name=summary(patient).display_name,
        birth_date=patient.birth_date,
        age=age_on(patient.birth_date, dt.date.today()),
        sex_at_birth=patient.sex_at_birth,
        allergy_state=allergy_state(s, patient),
        allergies=tuple(
            f"{a.substance} ({a.reaction})" if a.reaction else a.substance for a in allergies
        ),
        alerts=patient.alerts,
        active=patient.active,
        merged_into_mrn=merged_into,
    )
    return ChartSummary(
        banner=banner,
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


def _both(clinic: Clinic, pid: int) -> tuple[ChartSummary, ChartSummary]:
    with clinic.db.unit_of_work() as s:
        return load_summary(s, pid), _orm_summary(s, pid)


def _register(clinic: Clinic, data: PatientInput) -> int:
    return PatientService(clinic.db).register(clinic.desk, data, confirm_not_duplicate=True).id


def _rich_chart(clinic: Clinic) -> int:
    """A chart with more of everything than the summary shows, ties, and two authors."""
    doc, doc2, nurse = clinic.doctor, clinic.doctor2, clinic.nurse
    pid = _register(
        clinic,
        PatientInput(
            "Margaret",
            "Okonkwo-Reyes",
            dt.date(1948, 3, 9),
            Sex.FEMALE,
            middle_name="Ada",
            preferred_name="Peggy",
            phone_mobile="555-201-7788",
            phone_home="555-201-3344",
        ),
    )
    allergies = AllergyService(clinic.db)
    allergies.add(nurse, pid, AllergyInput("Penicillin", reaction="hives"))
    allergies.add(doc, pid, AllergyInput("Sulfa drugs", severity=AllergySeverity.SEVERE))
    allergies.add(doc2, pid, AllergyInput("Latex", reaction="rash"))
    gone = allergies.add(nurse, pid, AllergyInput("Codeine", reaction="nausea"))
    allergies.inactivate(nurse, gone.id, expected_version=gone.version)
    problems = ProblemService(clinic.db)
    problems.add(doc, pid, ProblemInput("E11.9", onset_date=dt.date(2015, 4, 1)))
    problems.add(doc2, pid, ProblemInput("I10", onset_date=dt.date(2015, 4, 1)))
    problems.add(doc, pid, ProblemInput("N18.3"))
    old = problems.add(doc, pid, ProblemInput("J06.9", onset_date=dt.date(2020, 1, 2)))
    problems.resolve(doc, old.id, expected_version=old.version)
    meds = MedicationService(clinic.db)
    for m in (
        MedicationInput("Metformin", ("metformin",), "500 mg", "tablet", "oral", "twice daily"),
        MedicationInput("Metformin", ("metformin",), "1000 mg", "tablet", "oral", "1 tablet daily"),
        MedicationInput("Amlodipine", ("amlodipine",), "5 mg", "tablet", "oral", "1 tablet daily"),
    ):
        meds.record_reported(doc, pid, m)
    stopped = meds.record_reported(doc, pid, MedicationInput("Aspirin", ("aspirin",)))
    meds.discontinue(doc, stopped.id, "bleeding risk", expected_version=stopped.version)
    shots = ImmunizationService(clinic.db)
    for cvx, day in (("140", dt.date(2024, 10, 1)), ("187", dt.date(2023, 5, 5))):
        shots.record(nurse, pid, ImmunizationInput(cvx, day, lot="L1", site="left arm"))
    error = shots.record(nurse, pid, ImmunizationInput("115", dt.date(2019, 1, 1)))
    shots.mark_entered_in_error(nurse, error.id)
    obs = ObservationService(clinic.db)
    notes = NoteService(clinic.db)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=300)
    for i in range(RECENT_LABS + 6):
        when = start + dt.timedelta(days=i * 7)
        author = doc if i % 2 else doc2
        if i < RECENT_ENCOUNTERS + 3:
            notes.create(author, pid, occurred_at=when, reason=f"visit {i}")
        obs.record_vitals(
            nurse if i % 3 else doc,
            pid,
            VitalsInput(measured_at=when, systolic=118 + i, diastolic=76, weight_kg=70.5),
        )
        obs.record_lab(author, pid, LabInput(loinc="4548-4", value=6.1 + i / 10, collected_at=when))
    # Ties on the sort keys at the newest and at the cut-off of each limited list.
    last = start + dt.timedelta(days=(RECENT_LABS + 5) * 7)
    obs.record_vitals(doc2, pid, VitalsInput(measured_at=last, systolic=150, diastolic=95))
    for when in (last, start + dt.timedelta(days=6 * 7)):
        obs.record_lab(doc, pid, LabInput(loinc="2345-7", value=5.4, collected_at=when))
    notes.create(doc2, pid, occurred_at=start + dt.timedelta(days=3 * 7), reason="same time")
    shots.record(nurse, pid, ImmunizationInput("33", dt.date(2024, 10, 1)))
    schedule = ScheduleService(clinic.db)
    soon = dt.datetime.now().replace(second=0, microsecond=0) + dt.timedelta(days=2)
    days_and_providers = ((0, doc), (0, doc2), (3, doc), (5, doc2), (9, doc), (12, doc), (20, doc))
    booked = [
        schedule.book(
            clinic.desk,
            BookingRequest(pid, provider.user_id, soon + dt.timedelta(days=d), 20, "Follow-up"),
            override_reason="test",
        )
        for d, provider in days_and_providers
    ]
    schedule.cancel(clinic.desk, booked[2].id, "patient asked", expected_version=booked[2].version)
    return pid


def test_a_rich_chart_reads_the_same_through_core_as_through_the_orm(clinic: Clinic) -> None:
    pid = _rich_chart(clinic)
    fast, reference = _both(clinic, pid)
    assert fast == reference
    # The chart really exercises the limits and the joins.
    assert len(fast.recent_labs) == RECENT_LABS and fast.encounter_count == RECENT_ENCOUNTERS + 4
    assert len(fast.upcoming_appointments) == UPCOMING_APPOINTMENTS
    assert {p.recorded_by for p in fast.active_problems} == {
        clinic.doctor.full_name,
        clinic.doctor2.full_name,
    }
    assert fast.banner.allergies == ("Latex (rash)", "Penicillin (hives)", "Sulfa drugs")
    assert [m.drug_name for m in fast.active_medications] == ["Amlodipine", *["Metformin"] * 2]
    assert fast.banner.display_name == 'Okonkwo-Reyes, Margaret Ada "Peggy"'
    assert fast.upcoming_appointments[0].patient_phone == "555-201-7788"


def test_empty_nka_and_merged_charts_read_the_same(clinic: Clinic) -> None:
    empty = _register(clinic, PatientInput("Ned", "Newborn", dt.date.today(), Sex.MALE))
    nka = _register(clinic, PatientInput("Nora", "Noallergy", dt.date(1990, 6, 1), Sex.FEMALE))
    AllergyService(clinic.db).mark_no_known_allergies(clinic.nurse, nka)
    keep = _register(clinic, PatientInput("Max", "Merge", dt.date(1970, 1, 1), Sex.MALE))
    gone = _register(clinic, PatientInput("Max", "Merge", dt.date(1970, 1, 1), Sex.MALE))
    NoteService(clinic.db).create(clinic.doctor, gone)
    PatientService(clinic.db).merge(clinic.doctor, keep, gone)
    for pid in (empty, nka, keep, gone):
        fast, reference = _both(clinic, pid)
        assert fast == reference
    assert _both(clinic, empty)[0].banner.allergy_state == "not recorded"
    assert _both(clinic, nka)[0].banner.allergy_state == "nka"
    merged = _both(clinic, gone)[0]
    assert merged.banner.merged_into_mrn == _both(clinic, keep)[0].banner.mrn
    assert merged.encounter_count == 0 and _both(clinic, keep)[0].encounter_count == 1


def test_the_summary_sees_changes_not_yet_flushed_in_the_same_session(clinic: Clinic) -> None:
    pid = clinic.patient()
    with clinic.db.unit_of_work() as s:
        s.get(Patient, pid).alerts = "Fall risk"  # type: ignore[union-attr]
        assert load_summary(s, pid).banner.alerts == "Fall risk"


def _count(clinic: Clinic, call: Callable[[], object]) -> int:
    seen: list[str] = []

    def on_execute(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(clinic.db.engine, "before_cursor_execute", on_execute)
    try:
        call()
    finally:
        event.remove(clinic.db.engine, "before_cursor_execute", on_execute)
    return len(seen)


def test_the_rich_chart_takes_no_more_queries_than_an_empty_one(clinic: Clinic) -> None:
    rich, empty = _rich_chart(clinic), clinic.patient()
    chart = ChartService(clinic.db)
    assert _count(clinic, lambda: chart.summary(clinic.doctor, rich)) == _count(
        clinic, lambda: chart.summary(clinic.doctor, empty)
    )
