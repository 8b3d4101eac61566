"""Recalls on both engines: the child schedule by age and doses given, switchable
screening intervals, the front desk's list with contact attempts, booking in one step and
recall letters in one PDF."""

from __future__ import annotations

import datetime as dt
import io
import itertools

import pytest
from conftest import Clinic
from pypdf import PdfReader

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.orders import RecallKind, RecallStatus
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.schedule import BookingRequest
from emr_desktop.domain.sections import ImmunizationInput, ProblemInput
from emr_desktop.errors import PermissionDenied
from emr_desktop.reference.recall_rules import child_series
from emr_desktop.services.chart.immunizations import ImmunizationService
from emr_desktop.services.chart.problems import ProblemService
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.recalls.engine import PatientFacts, immunizations_due
from emr_desktop.services.recalls.service import RecallService

TODAY = dt.date.today()
_n = itertools.count()


def _register(c: Clinic, born: dt.date) -> int:
    n = next(_n)
    data = PatientInput(f"Recall{n}", f"Kid{n}", born, Sex.MALE)
    return PatientService(c.db).register(c.desk, data, confirm_not_duplicate=True).id


def test_a_four_month_old_with_the_two_month_doses_is_due_the_four_month_doses() -> None:
    born = TODAY - dt.timedelta(days=125)
    at_two_months = born + dt.timedelta(days=61)
    given = tuple((cvx, at_two_months) for cvx in ("08", "116", "20", "17", "133", "10"))
    facts = PatientFacts(1, born, "M", vaccines=(("08", born), *given))
    due = {d.rule_id: d.due_on for d in immunizations_due(facts, child_series(), TODAY)}
    assert due["imm:DTaP:2"] == born + dt.timedelta(days=120)
    assert due["imm:HepB:3"] == born + dt.timedelta(days=180)
    assert "imm:MMR:1" in due  # listed ahead, due at 12 months
    assert due["imm:MMR:1"] == born + dt.timedelta(days=365)


def test_adults_get_no_child_schedule() -> None:
    facts = PatientFacts(1, TODAY - dt.timedelta(days=30 * 365), "F")
    assert immunizations_due(facts, child_series(), TODAY) == []


def test_the_list_contacts_booking_and_letters(clinic: Clinic) -> None:
    c = clinic
    baby = _register(c, TODAY - dt.timedelta(days=65))
    ImmunizationService(c.db).record(
        c.nurse, baby, ImmunizationInput("08", TODAY - dt.timedelta(days=65))
    )
    diabetic = c.patient()
    ProblemService(c.db).add(c.doctor, diabetic, ProblemInput("E11.9"))
    recalls = RecallService(c.db)
    opened, _ = recalls.refresh(c.desk)
    assert opened >= 1
    listed = recalls.due(c.desk)
    mine = {(r.patient_id, r.rule_id): r for r in listed}
    assert (baby, "imm:DTaP:1") in mine and (baby, "imm:HepB:1") not in mine
    assert mine[(diabetic, "hba1c_t2dm")].kind is RecallKind.SCREENING
    assert recalls.refresh(c.desk)[0] == 0  # nothing opened twice

    dtap = mine[(baby, "imm:DTaP:1")]
    after = recalls.log_contact(c.desk, dtap.id, "phone", "left a message")
    assert after.attempts == 1 and after.last_attempt is not None
    start = dt.datetime.combine(TODAY + dt.timedelta(days=3), dt.time(10))
    booked = recalls.book(
        c.desk,
        dtap.id,
        BookingRequest(baby, c.doctor.user_id, start, 20, "Follow-up", "2-month vaccines"),
        override_reason="test",
    )
    assert booked.patient_id == baby
    assert dtap.id not in {r.id for r in recalls.due(c.desk)}
    history = {r.id: r for r in recalls.for_patient(c.desk, baby)}
    assert history[dtap.id].status is RecallStatus.BOOKED
    assert history[dtap.id].appointment_id == booked.id

    hba1c = mine[(diabetic, "hba1c_t2dm")]
    pdf = recalls.letters(c.desk, [hba1c.id, mine[(baby, "imm:Rotavirus:1")].id])
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 2
    text = "".join(p.extract_text() for p in reader.pages)
    assert hba1c.mrn in text and "HbA1c" in text
    assert recalls.for_patient(c.desk, diabetic)[0].attempts == 1  # the letter counts


def test_switching_a_screening_rule_off_closes_its_recalls(clinic: Clinic) -> None:
    c = clinic
    pid = c.patient()
    ProblemService(c.db).add(c.doctor, pid, ProblemInput("I10"))
    recalls = RecallService(c.db)
    recalls.refresh(c.nurse)
    assert "bp_htn" in {r.rule_id for r in recalls.for_patient(c.nurse, pid)}
    recalls.set_rule(c.practice.admin, "bp_htn", False)
    try:
        recalls.refresh(c.nurse)
        assert "bp_htn" not in {r.rule_id for r in recalls.due(c.nurse) if r.patient_id == pid}
    finally:
        recalls.set_rule(c.practice.admin, "bp_htn", True)
    with pytest.raises(PermissionDenied):
        recalls.set_rule(c.desk, "bp_htn", False)
