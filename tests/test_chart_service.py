"""Opening a chart: one audit row and the same few queries whatever the chart's size."""

from __future__ import annotations

import datetime as dt

import pytest
from conftest import Practice
from sqlalchemy import event

from emr_desktop.domain.audit import AuditFilter
from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.sections import AllergyInput, LabInput, ProblemInput, VitalsInput
from emr_desktop.domain.security import Role
from emr_desktop.errors import PermissionDenied
from emr_desktop.services.chart.allergies import AllergyService
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.services.chart.observations import ObservationService
from emr_desktop.services.chart.problems import ProblemService
from emr_desktop.services.chart.summary import ChartService
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.audit_report import AuditService


def _count_queries(practice: Practice, call: object) -> int:
    seen: list[str] = []

    def on_execute(*args: object) -> None:
        seen.append(str(args[2]))

    event.listen(practice.db.engine, "before_cursor_execute", on_execute)
    try:
        call()  # type: ignore[operator]
    finally:
        event.remove(practice.db.engine, "before_cursor_execute", on_execute)
    return len(seen)


def test_chart_summary_uses_the_same_queries_for_a_tiny_and_a_long_chart(
    practice: Practice,
) -> None:
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    doctor = practice.add_user("drchart", Role.PHYSICIAN)
    patients = PatientService(practice.db)
    small = patients.register(desk, PatientInput("Ana", "Small", dt.date(1990, 1, 1), Sex.FEMALE))
    big = patients.register(desk, PatientInput("Ben", "Long", dt.date(1950, 1, 1), Sex.MALE))
    ProblemService(practice.db).add(doctor, big.id, ProblemInput(code="E11.9"))
    AllergyService(practice.db).add(
        doctor, big.id, AllergyInput(substance="Penicillin", reaction="hives")
    )
    obs = ObservationService(practice.db)
    notes = NoteService(practice.db)
    start = dt.datetime.now(dt.UTC) - dt.timedelta(days=400)
    for i in range(60):
        when = start + dt.timedelta(days=i * 6)
        notes.create(doctor, big.id, occurred_at=when)
        obs.record_vitals(
            doctor,
            big.id,
            VitalsInput(measured_at=when, systolic=120 + i % 20, diastolic=80, weight_kg=80.0),
        )
        obs.record_lab(doctor, big.id, LabInput(loinc="4548-4", value=6 + i % 3, collected_at=when))
    notes.create(doctor, small.id)
    chart = ChartService(practice.db)
    small_queries = _count_queries(practice, lambda: chart.open(doctor, small.id))
    big_queries = _count_queries(practice, lambda: chart.open(doctor, big.id))
    assert big_queries == small_queries <= 20
    summary = chart.open(doctor, big.id)
    assert summary.banner.allergy_state == "recorded"
    assert summary.banner.allergies == ("Penicillin (hives)",)
    assert summary.encounter_count == 60 and len(summary.recent_encounters) == 5
    assert summary.last_vitals is not None and summary.last_vitals.weight_kg == 80.0
    assert [p.code for p in summary.active_problems] == ["E11.9"]
    small_summary = chart.open(doctor, small.id)
    assert small_summary.banner.allergy_state == "not recorded"


def test_opening_a_chart_is_one_audit_row_and_refreshing_is_none(practice: Practice) -> None:
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    nurse = practice.add_user("nurse", Role.NURSE)
    pid = (
        PatientService(practice.db)
        .register(desk, PatientInput("Cy", "Audit", dt.date(1980, 2, 2), Sex.MALE))
        .id
    )
    chart = ChartService(practice.db)
    chart.open(nurse, pid)
    chart.summary(nurse, pid)
    rows = AuditService(practice.db).search(practice.admin, AuditFilter(patient_id=pid))
    assert [r.action for r in rows].count("chart_open") == 1
    assert next(r for r in rows if r.action == "chart_open").username == "nurse"


@pytest.mark.parametrize("role", [Role.RECEPTIONIST, Role.ADMIN])
def test_staff_without_clinical_access_cannot_open_a_chart(practice: Practice, role: Role) -> None:
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    pid = (
        PatientService(practice.db)
        .register(desk, PatientInput("Di", "Denied", dt.date(1980, 2, 2), Sex.FEMALE))
        .id
    )
    actor = desk if role is Role.RECEPTIONIST else practice.admin
    with pytest.raises(PermissionDenied):
        ChartService(practice.db).open(actor, pid)
    with pytest.raises(PermissionDenied):
        ChartService(practice.db).summary(actor, pid)


def test_routine_adult_vaccines_due() -> None:
    from emr_desktop.models import Immunization
    from emr_desktop.services.chart.summary import immunizations_due

    today = dt.date(2026, 11, 23)
    shot = lambda name, day: Immunization(vaccine=name, given_on=day)  # noqa: E731
    assert immunizations_due(dt.date(2015, 1, 1), [], today) == ()  # children: not covered
    due = immunizations_due(dt.date(1990, 1, 1), [], today)
    assert due == ("Influenza (this season)", "Tdap/Td booster (every 10 years)")
    given = [
        shot("influenza, seasonal, injectable", dt.date(2026, 10, 1)),
        shot("Tdap", dt.date(2020, 5, 1)),
        shot("zoster vaccine recombinant", dt.date(2025, 1, 1)),
        shot("pneumococcal conjugate PCV20", dt.date(2024, 1, 1)),
    ]
    assert immunizations_due(dt.date(1960, 1, 1), given, today) == (
        "Zoster, recombinant (1 of 2 doses given)",
    )
