"""Issue 14: several working ranges a day, blocks, a disabled provider's appointments kept,
and the `emr-admin schedule` contract, on both engines."""

from __future__ import annotations

import contextlib
import datetime as dt
import io

import pytest
from conftest import PASSPHRASE, STAFF_PASSWORD, Clinic
from hypothesis import given
from hypothesis import strategies as st

from emr_desktop.cli import main
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.schedule import BookingRequest, ConflictKind
from emr_desktop.domain.security import UserStatus
from emr_desktop.errors import DuplicateError, ValidationError
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.users import UserService
from emr_desktop.services.schedule.hours import clean_ranges
from emr_desktop.services.schedule.service import ScheduleService

T = dt.time
MORNING, AFTERNOON = (T(8), T(12)), (T(13), T(17))


def _monday(weeks: int) -> dt.date:
    today = dt.date.today()
    return today + dt.timedelta(days=(7 - today.weekday()) % 7 or 7) + dt.timedelta(weeks=weeks)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, T(hour, minute))


def _split_day(c: Clinic) -> ScheduleService:
    svc = ScheduleService(c.db)
    for wd in range(5):
        svc.set_day_hours(c.practice.admin, c.doctor2.user_id, wd, [MORNING, AFTERNOON])
    return svc


def _req(c: Clinic, start: dt.datetime, patient: int) -> BookingRequest:
    return BookingRequest(patient, c.doctor2.user_id, start, 15, kind="Follow-up")


def test_morning_and_afternoon_book_without_a_warning(clinic: Clinic) -> None:
    svc, day = _split_day(clinic), _monday(1)
    assert svc.check_conflicts(clinic.desk, clinic.doctor2.user_id, _at(day, 11), 30) == ()
    assert svc.check_conflicts(clinic.desk, clinic.doctor2.user_id, _at(day, 14), 30) == ()
    (gap,) = svc.check_conflicts(clinic.desk, clinic.doctor2.user_id, _at(day, 12, 15), 15)
    assert gap.kind is ConflictKind.OUTSIDE_HOURS
    assert "8:00 AM to 12:00 PM, 1:00 PM to 5:00 PM" in gap.message
    (across,) = svc.check_conflicts(clinic.desk, clinic.doctor2.user_id, _at(day, 11, 45), 30)
    assert across.kind is ConflictKind.OUTSIDE_HOURS


def test_next_free_slot_offers_the_morning_then_the_afternoon(clinic: Clinic) -> None:
    svc, day = _split_day(clinic), _monday(2)
    first = svc.next_free_slot(clinic.desk, clinic.doctor2.user_id, 30, after=_at(day, 7))
    assert first == _at(day, 8)
    svc.block_time(clinic.practice.admin, clinic.doctor2.user_id, _at(day, 8), _at(day, 12), "x")
    after = svc.next_free_slot(clinic.desk, clinic.doctor2.user_id, 30, after=_at(day, 7))
    assert after == _at(day, 13)
    late = svc.next_free_slot(clinic.desk, clinic.doctor2.user_id, 30, after=_at(day, 16, 45))
    assert late == _at(day + dt.timedelta(days=1), 8)


def test_hours_replace_and_clear_one_day(clinic: Clinic) -> None:
    svc, admin, doc = _split_day(clinic), clinic.practice.admin, clinic.doctor2.user_id
    rows = svc.set_day_hours(admin, doc, 5, [(T(9), T(10)), (T(10), T(11)), (T(14), T(15))])
    assert [(h.start, h.end) for h in rows] == [(T(9), T(11)), (T(14), T(15))]  # joined
    svc.set_day_hours(admin, doc, 5, [])
    assert [h.weekday for h in svc.provider_hours(admin, doc)] == [0, 0, 1, 1, 2, 2, 3, 3, 4, 4]


def test_overlapping_or_backwards_ranges_are_refused(clinic: Clinic) -> None:
    svc = ScheduleService(clinic.db)
    with pytest.raises(ValidationError, match="09:00-12:00 overlaps 08:00-10:00"):
        svc.set_day_hours(clinic.desk, clinic.doctor2.user_id, 6, [(T(8), T(10)), (T(9), T(12))])
    with pytest.raises(ValidationError, match="12:00-09:00"):
        svc.set_day_hours(clinic.desk, clinic.doctor2.user_id, 6, [(T(12), T(9))])


@given(st.lists(st.tuples(st.integers(0, 23 * 60), st.integers(1, 60)), max_size=6))
def test_clean_ranges_never_overlap(spans: list[tuple[int, int]]) -> None:
    ranges = [(T(a // 60, a % 60), T((a + n) // 60, (a + n) % 60)) for a, n in spans]
    try:
        out = clean_ranges(ranges)
    except ValidationError:
        return
    assert all(a < b for a, b in out)
    assert all(out[i][1] < out[i + 1][0] for i in range(len(out) - 1))


def test_disabled_providers_appointments_stay_on_the_day(clinic: Clinic) -> None:
    c = clinic
    people = UserService(c.db)
    people.add(
        c.practice.admin, username="drgone", full_name="Dr Gone", role=c.doctor.role, password=None
    )
    gone = ScheduleService(c.db).provider_named(c.desk, "drgone")
    svc, day = ScheduleService(c.db), _monday(3)
    for wd in range(7):
        svc.set_day_hours(c.practice.admin, gone.id, wd, [MORNING])
    patient = c.patient()
    booked = svc.book(c.desk, BookingRequest(patient, gone.id, _at(day, 9), 15, kind="Physical"))
    people.set_status(c.practice.admin, "drgone", UserStatus.DISABLED)
    view = svc.day(c.desk, day)
    (column,) = [p for p in view.providers if p.id == gone.id]
    assert not column.active
    assert [a.id for a in view.for_provider(gone.id)] == [booked.id]
    assert gone.id not in {p.id for p in svc.providers(c.desk)}
    with pytest.raises(ValidationError, match="disabled"):
        svc.book(c.desk, BookingRequest(patient, gone.id, _at(day, 10), 15, kind="Physical"))
    assert gone.id not in {p.id for p in svc.day(c.desk, day + dt.timedelta(days=1)).providers}


def _cli(c: Clinic, user: str, *args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("EMR_PASSWORD", STAFF_PASSWORD)
        mp.setenv("EMR_DB_PASSPHRASE", PASSPHRASE)
        mp.setenv("EMR_NO_KEYRING", "1")
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = main(["--data-dir", str(c.practice.root), "--user", user, "schedule", *args])
    return code, out.getvalue(), err.getvalue()


def test_emr_admin_schedule_contract(clinic: Clinic) -> None:
    c, day = clinic, _monday(4)
    mrn = PatientService(c.db).get(c.desk, c.patient()).mrn
    for d in ("mon", "tue"):
        code, _, err = _cli(c, "drshep", "hours", "set", "drshep", "--day", d, "--ranges",
                            "08:00-12:00", "13:00-17:00")  # fmt: skip
        assert code == 0, err
    assert _cli(c, "drshep", "hours", "set", "drshep", "--day", "wed")[0] == 0
    code, shown, _ = _cli(c, "desk", "hours", "show", "drshep")
    assert "mon\t08:00-12:00\t13:00-17:00\n" in shown and "wed" not in shown
    book = ("book", "--provider", "drshep", "--patient", mrn, "--minutes", "15")
    code, out, _ = _cli(c, "desk", *book, "--at", f"{day} 09:00", "--reason", "check-up")
    assert code == 0 and out.strip().isdigit()
    code, _, err = _cli(c, "desk", *book, "--at", f"{day} 12:15")
    assert code == 1 and "outside" in err and "Traceback" not in err and err.count("\n") == 1
    code, _, err = _cli(c, "desk", *book, "--at", f"{day} 09:00")
    assert code == 1 and "already has an appointment" in err
    tue = day + dt.timedelta(days=1)
    code, _, err = _cli(c, "desk", "block", "drshep", "--from", f"{tue} 00:00", "--to",
                        f"{tue} 23:59", "--reason", "holiday")  # fmt: skip
    assert code == 0, err
    code, _, err = _cli(c, "desk", *book, "--at", f"{tue} 10:00")
    assert code == 1 and "blocked" in err and "holiday" in err
    code, _, err = _cli(c, "desk", *book, "--at", f"{day} 12:15", "--override-reason", "only")
    assert code == 0, err
    code, out, _ = _cli(c, "desk", "day", "--date", str(day), "--provider", "drshep")
    assert out.splitlines() == [
        f"09:00\t15\tdrshep\t{mrn}\t{AppointmentStatus.BOOKED.value}",
        f"12:15\t15\tdrshep\t{mrn}\t{AppointmentStatus.BOOKED.value}",
    ]
    code, _, err = _cli(c, "desk", *book[:-2], "--minutes", "15", "--at", "tomorrow 9")
    assert code == 1 and "at:" in err
    code, _, err = _cli(c, "desk", "hours", "set", "drshep", "--day", "mon", "--ranges", "8-12")
    assert code == 1 and "ranges" in err
    with pytest.raises(SystemExit):
        _cli(c, "desk", "hours", "set", "drshep", "--day", "monday")


def test_appointment_types_are_kept_by_the_manager(clinic: Clinic) -> None:
    svc, admin = ScheduleService(clinic.db), clinic.practice.admin
    names = [t.name for t in svc.appointment_types(clinic.desk)]
    assert names[:3] == ["Follow-up", "New patient", "Physical"]  # seeded by the migration
    added = svc.save_appointment_type(admin, " Vaccine clinic ", 10, "#aa3300")
    assert (added.name, added.duration_min, added.color) == ("Vaccine clinic", 10, "#AA3300")
    assert svc.appointment_types(clinic.desk)[-1] == added
    with pytest.raises(DuplicateError):
        svc.save_appointment_type(admin, "vaccine CLINIC", 15, "#aa3300")
    svc.save_appointment_type(
        admin, "Vaccine clinic", 10, "#aa3300", type_id=added.id, active=False
    )
    assert added.id not in {t.id for t in svc.appointment_types(clinic.desk)}
    assert added.id in {t.id for t in svc.appointment_types(admin, include_inactive=True)}
    with pytest.raises(ValidationError) as bad:
        svc.save_appointment_type(admin, "", 7, "red")
    assert all(w in bad.value.message for w in ("name", "length", "colour"))
