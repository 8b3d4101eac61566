"""The medication list: reported medications, discontinuing, and who may do it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable

import pytest
from conftest import Clinic
from sqlalchemy import select

from emr_desktop.domain.clinical import MedicationSource, MedicationStatus
from emr_desktop.domain.prescribing import MedicationInput
from emr_desktop.domain.security import Actor, Role
from emr_desktop.errors import ConflictError, NotFound, PermissionDenied, ValidationError
from emr_desktop.models import AuditHead, AuditLog
from emr_desktop.services.chart.medications import MedicationService
from emr_desktop.services.common.chart_access import READ_ACTIONS

ROLES = (Role.ADMIN, Role.PHYSICIAN, Role.NURSE, Role.RECEPTIONIST)


@pytest.fixture
def meds(clinic: Clinic) -> MedicationService:
    return MedicationService(clinic.db)


def head(clinic: Clinic) -> int:
    with clinic.db.unit_of_work() as s:
        h = s.get(AuditHead, 1)
        return 0 if h is None else h.last_id


def audit_after(clinic: Clinic, after: int) -> list[AuditLog]:
    with clinic.db.unit_of_work() as s:
        # Reads are audited too; these tests look at the rows of the changes.
        stmt = select(AuditLog).where(AuditLog.id > after, AuditLog.action.not_in(READ_ACTIONS))
        return list(s.scalars(stmt.order_by(AuditLog.id)))


LISINOPRIL = MedicationInput(
    "Lisinopril", ("lisinopril",), "10 mg", "tablet", "oral", "1 tablet daily", dt.date(2025, 5, 1)
)


# --- who may do what ---------------------------------------------------------------------


def _case_list(c: Clinic, m: MedicationService) -> Callable[[Actor], object]:
    pid = c.patient()
    m.record_reported(c.doctor, pid, LISINOPRIL)
    return lambda a: m.list(a, pid, include_stopped=True)


def _case_report(c: Clinic, m: MedicationService) -> Callable[[Actor], object]:
    pid = c.patient()
    return lambda a: m.record_reported(a, pid, LISINOPRIL)


def _case_discontinue(c: Clinic, m: MedicationService) -> Callable[[Actor], object]:
    row = m.record_reported(c.doctor, c.patient(), LISINOPRIL)
    return lambda a: m.discontinue(a, row.id, "cough", expected_version=row.version)


CASES = {
    "list": (_case_list, {Role.PHYSICIAN, Role.NURSE}),
    "record_reported": (_case_report, {Role.PHYSICIAN}),
    "discontinue": (_case_discontinue, {Role.PHYSICIAN}),
}


@pytest.mark.parametrize("role", ROLES, ids=str)
@pytest.mark.parametrize("method", list(CASES))
def test_roles(clinic: Clinic, meds: MedicationService, method: str, role: Role) -> None:
    setup, allowed = CASES[method]
    call = setup(clinic, meds)
    before = head(clinic)
    if role in allowed:
        call(clinic.by_role(role))
    else:
        with pytest.raises(PermissionDenied):
            call(clinic.by_role(role))
        assert not audit_after(clinic, before)  # nothing changed (the reads are audited)


# --- reported medications ----------------------------------------------------------------


def test_record_reported(clinic: Clinic, meds: MedicationService) -> None:
    pid = clinic.patient()
    before = head(clinic)
    row = meds.record_reported(
        clinic.doctor,
        pid,
        MedicationInput(
            "  Metformin ",
            ("Metformin",),
            "500 mg",
            "tablet",
            "By mouth",
            "1 tablet twice daily with meals",
            dt.date(2024, 1, 15),
        ),
    )
    assert (row.drug_name, row.ingredients, row.route) == ("Metformin", ("metformin",), "oral")
    assert (row.source, row.status, row.prescription_id) == (
        MedicationSource.REPORTED,
        MedicationStatus.ACTIVE,
        None,
    )
    assert row.start_date == dt.date(2024, 1, 15)
    assert meds.list(clinic.nurse, pid) == [row]
    (audit,) = audit_after(clinic, before)
    assert audit.action == "medication_report" and audit.patient_id == pid
    assert "Metformin" not in audit.details and "meals" not in audit.details


def test_ingredients_come_from_the_reference_when_not_given(
    clinic: Clinic, meds: MedicationService
) -> None:
    pid = clinic.patient()
    known = meds.record_reported(clinic.doctor, pid, MedicationInput("Norvasc"))
    assert known.ingredients == ("amlodipine",)
    salted = meds.record_reported(clinic.doctor, pid, MedicationInput("Amlodipine besylate 5 MG"))
    assert salted.ingredients == ("amlodipine",)
    unknown = meds.record_reported(clinic.doctor, pid, MedicationInput("Grandma's tonic"))
    assert unknown.ingredients == ()
    given = meds.record_reported(clinic.doctor, pid, MedicationInput("Norvasc", ("Other",)))
    assert given.ingredients == ("other",)


def test_record_reported_refuses_bad_input(clinic: Clinic, meds: MedicationService) -> None:
    pid = clinic.patient()
    tomorrow = dt.date.today() + dt.timedelta(days=1)
    bad = [
        (MedicationInput("   "), "drug name"),
        (MedicationInput("x" * 201), "drug name"),
        (MedicationInput("Aspirin", start_date=tomorrow), "start date"),
        (MedicationInput("Aspirin", ("a;b",)), "ingredient"),
        (MedicationInput("Aspirin", route="PO"), "route"),
        (MedicationInput("Insulin glargine", sig="10 U at bedtime"), "directions"),
        (MedicationInput("Insulin glargine", strength="100 IU/mL"), "strength"),
    ]
    before = head(clinic)
    for data, field in bad:
        with pytest.raises(ValidationError) as err:
            meds.record_reported(clinic.doctor, pid, data)
        assert err.value.field == field
    with pytest.raises(NotFound):
        meds.record_reported(clinic.doctor, 99_999, LISINOPRIL)
    assert not audit_after(clinic, before)  # nothing changed (the reads are audited)
    assert meds.list(clinic.doctor, pid, include_stopped=True) == []


# --- discontinuing -----------------------------------------------------------------------


def test_discontinue_keeps_the_entry_with_date_and_reason(
    clinic: Clinic, meds: MedicationService
) -> None:
    pid = clinic.patient()
    row = meds.record_reported(clinic.doctor, pid, LISINOPRIL)
    before = head(clinic)
    stopped = meds.discontinue(
        clinic.doctor, row.id, " Dry cough ", stop_date=dt.date(2025, 6, 1), expected_version=1
    )
    assert (stopped.status, stopped.stop_date, stopped.stop_reason) == (
        MedicationStatus.STOPPED,
        dt.date(2025, 6, 1),
        "Dry cough",
    )
    assert stopped.version == row.version + 1
    assert meds.list(clinic.doctor, pid) == []
    assert meds.list(clinic.doctor, pid, include_stopped=True) == [stopped]
    (audit,) = audit_after(clinic, before)
    assert audit.action == "medication_discontinue"
    assert json.loads(audit.details) == {"prescription_id": None}
    assert "cough" not in audit.details


def test_discontinue_defaults_to_today(clinic: Clinic, meds: MedicationService) -> None:
    row = meds.record_reported(clinic.doctor, clinic.patient(), LISINOPRIL)
    assert meds.discontinue(clinic.doctor, row.id, "done", expected_version=1).stop_date == (
        dt.date.today()
    )


def test_discontinue_refusals_change_nothing(clinic: Clinic, meds: MedicationService) -> None:
    pid = clinic.patient()
    row = meds.record_reported(clinic.doctor, pid, LISINOPRIL)
    before = head(clinic)
    bad: list[tuple[str, dict[str, object], str]] = [
        ("  ", {}, "reason"),
        ("x" * 301, {}, "reason"),
        ("cough", {"stop_date": dt.date.today() + dt.timedelta(days=1)}, "stop date"),
        ("cough", {"stop_date": dt.date(2025, 4, 30)}, "stop date"),  # before it started
    ]
    for reason, kwargs, field in bad:
        with pytest.raises(ValidationError) as err:
            meds.discontinue(clinic.doctor, row.id, reason, expected_version=1, **kwargs)  # type: ignore[arg-type]
        assert err.value.field == field
    with pytest.raises(ConflictError):
        meds.discontinue(clinic.doctor, row.id, "cough", expected_version=7)
    with pytest.raises(NotFound):
        meds.discontinue(clinic.doctor, 99_999, "cough", expected_version=1)
    assert meds.list(clinic.doctor, pid) == [row]
    assert not audit_after(clinic, before)  # nothing changed (the reads are audited)
    meds.discontinue(clinic.doctor, row.id, "cough", expected_version=1)
    with pytest.raises(ValidationError, match="already stopped"):
        meds.discontinue(clinic.doctor, row.id, "again", expected_version=2)


def test_list_shows_active_first_then_by_name(clinic: Clinic, meds: MedicationService) -> None:
    pid = clinic.patient()
    for name in ("zolpidem", "Atorvastatin", "metoprolol"):
        meds.record_reported(clinic.doctor, pid, MedicationInput(name))
    first = meds.list(clinic.doctor, pid)[0]
    meds.discontinue(clinic.doctor, first.id, "stopped by patient", expected_version=1)
    assert [m.drug_name for m in meds.list(clinic.doctor, pid)] == ["metoprolol", "zolpidem"]
    assert [m.drug_name for m in meds.list(clinic.doctor, pid, include_stopped=True)] == [
        "metoprolol",
        "zolpidem",
        "Atorvastatin",
    ]
    with pytest.raises(NotFound):
        meds.list(clinic.doctor, 99_999)
