"""The printed day sheet on a real practice database: what the PDF says, who may print it,
and the audit row it leaves."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from conftest import Clinic
from pypdf import PdfReader
from sqlalchemy import select

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.schedule import BookingRequest
from emr_desktop.errors import ValidationError
from emr_desktop.models import AuditLog
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.schedule.day_sheet import DaySheetService, file_name
from emr_desktop.services.schedule.service import ScheduleService

TODAY = dt.date.today()


def _text(pdf: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(pdf))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


def _audit_after(clinic: Clinic, after: int) -> list[AuditLog]:
    with clinic.db.unit_of_work() as s:
        rows = list(s.scalars(select(AuditLog).where(AuditLog.id > after).order_by(AuditLog.id)))
        s.expunge_all()
        return rows


def _last_audit_id(clinic: Clinic) -> int:
    with clinic.db.unit_of_work() as s:
        return s.scalar(select(AuditLog.id).order_by(AuditLog.id.desc()).limit(1)) or 0


@pytest.fixture(scope="module")
def day(clinic: Clinic) -> dict[str, object]:
    """Today's schedule for two physicians: booked, a no-show, a cancelled visit."""
    svc, people = ScheduleService(clinic.db), PatientService(clinic.db)
    for doctor in (clinic.doctor, clinic.doctor2):
        for weekday in range(7):
            svc.set_hours(clinic.desk, doctor.user_id, weekday, dt.time(6), dt.time(20))

    def patient(given: str, family: str, born: dt.date, phone: str) -> int:
        data = PatientInput(given, family, born, Sex.FEMALE, phone_mobile=phone)
        return people.register(clinic.desk, data, confirm_not_duplicate=True).id

    ida = patient("Idabel", "Sheetmaker", dt.date(1948, 3, 14), "555-301-7788")
    bruno = patient("Bruno", "Quillfeather", dt.date(1990, 11, 2), "555-404-1212")
    gone = patient("Cancella", "Vanishing", dt.date(1975, 6, 30), "555-999-0000")
    late = patient("Noel", "Absentee", dt.date(2001, 1, 9), "")

    def book(pid: int, doctor: int, hour: int, kind: str, reason: str) -> int:
        start = dt.datetime.combine(TODAY, dt.time(hour, 30))
        req = BookingRequest(pid, doctor, start, 30, kind, reason, "Exam 2")
        return svc.book(clinic.desk, req, override_reason="test day").id

    book(ida, clinic.doctor.user_id, 7, "Physical", "Annual physical")
    book(bruno, clinic.doctor2.user_id, 8, "Sick visit", "Sore throat")
    cancelled = book(gone, clinic.doctor.user_id, 9, "Follow-up", "Knee review")
    svc.cancel(clinic.desk, cancelled, "Patient request", expected_version=1)
    missed = book(late, clinic.doctor.user_id, 6, "Follow-up", "Rash")
    svc.no_show(clinic.desk, missed, expected_version=1)
    noon = dt.datetime.combine(TODAY, dt.time(12))
    svc.block_time(clinic.desk, clinic.doctor.user_id, noon, noon + dt.timedelta(hours=1), "Lunch")
    return {"providers": [clinic.doctor.user_id, clinic.doctor2.user_id]}


def test_day_sheet_lists_each_providers_patients_with_two_identifiers_and_phone(
    clinic: Clinic, day: dict[str, object]
) -> None:
    pdf = DaySheetService(clinic.db).pdf(clinic.desk, TODAY, day["providers"])  # type: ignore[arg-type]
    text, pages = _text(pdf)
    assert pages == 2  # one page per provider
    assert "Page 1 of 2" in text and "Page 2 of 2" in text
    for expected in (
        "Drgrey",
        "Drshep",
        "7:30 AM",
        "8:30 AM",
        "Sheetmaker, Idabel",
        "Mar 14, 1948",
        "Physical",
        "Annual physical",
        "555-301-7788",
        "Quillfeather, Bruno",
        "Nov 2, 1990",
        "Sick visit",
        "Sore throat",
        "555-404-1212",
        "Exam 2",
    ):
        assert expected in text, expected
    # The no-show stays (the desk calls them back), marked; the cancelled one is only counted.
    assert "Absentee, Noel" in text and "NO-SHOW" in text and "none on file" in text
    assert "Vanishing" not in text and "1 cancelled (not listed)" in text
    assert "Blocked: Lunch, until 1:00 PM" in text
    first, second = text.split("Page 1 of 2")
    assert "Sheetmaker" in first and "Quillfeather" in second


def test_receptionist_prints_and_one_audit_row_without_names_is_written(
    clinic: Clinic, day: dict[str, object]
) -> None:
    before = _last_audit_id(clinic)
    DaySheetService(clinic.db).pdf(clinic.desk, TODAY, day["providers"])  # type: ignore[arg-type]
    [row] = _audit_after(clinic, before)
    assert row.action == "day_sheet_print" and row.user_id == clinic.desk.user_id
    details = json.loads(row.details or "{}")
    assert details["day"] == TODAY.isoformat() and details["provider_count"] == 2
    assert "Sheetmaker" not in (row.details or "") and row.patient_id is None


def test_the_manager_who_sees_the_schedule_may_print_it_and_is_audited(clinic: Clinic) -> None:
    # Issue 14: the practice manager has a (read-only) schedule view; the day sheet is part
    # of it, and printing it is audited as the manager's.
    admin = clinic.practice.admin
    before = _last_audit_id(clinic)
    DaySheetService(clinic.db).pdf(admin, TODAY, [clinic.doctor.user_id])
    printed = [r for r in _audit_after(clinic, before) if r.action == "day_sheet_print"]
    assert [r.user_id for r in printed] == [admin.user_id]


def test_a_provider_with_nothing_booked_gets_a_page_saying_so(clinic: Clinic) -> None:
    quiet_day = TODAY + dt.timedelta(days=400)
    text, pages = _text(
        DaySheetService(clinic.db).pdf(clinic.desk, quiet_day, [clinic.doctor2.user_id])
    )
    assert pages == 1 and "No appointments." in text and "Drshep" in text


def test_no_known_provider_is_refused_and_file_name_has_only_the_date(clinic: Clinic) -> None:
    with pytest.raises(ValidationError) as err:
        DaySheetService(clinic.db).pdf(clinic.desk, TODAY, [999_999])
    assert err.value.field == "providers"
    assert file_name(dt.date(2026, 3, 2)) == "day-sheet-2026-03-02.pdf"
