"""The appointment book on a real encrypted practice database: booking, conflicts, edits,
the check-in flow, recurring series, views, free-slot search, roles and audit."""

from __future__ import annotations

import datetime as dt
import json
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import keyring
import pytest
from conftest import make_practice
from keyring.backends import fail
from sqlalchemy import func, select

from emr_desktop.domain.clinical import AppointmentStatus, Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.schedule import BookingRequest, ConflictKind, Recurrence, SchedulingConflict
from emr_desktop.domain.security import Actor, Role
from emr_desktop.errors import (
    ConflictError,
    LockedRecordError,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from emr_desktop.models import Appointment, AppointmentSeries, AuditHead, AuditLog, ProviderProfile
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.keyfile import KeyFile
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.folder import PracticePaths
from emr_desktop.services.practice.store import open_with_key
from emr_desktop.services.schedule.service import ScheduleService

S = AppointmentStatus
NAMES = ("Zebedee", "Quixotic", "Ottoline", "Marchbanks")


@dataclass(frozen=True)
class Template:
    """A practice made once per module; every test works on its own copy of the files."""

    root: Path
    key: bytes
    actors: dict[str, Actor]
    patients: tuple[int, int]


@dataclass
class Clinic:
    """One test's practice: a front desk, a nurse, two scheduled physicians, two patients."""

    db: Database
    svc: ScheduleService
    admin: Actor
    desk: Actor
    nurse: Actor
    ames: Actor  # physician, Mon-Fri 9:00-12:00
    baker: Actor  # physician, Mon-Fri 13:00-17:00
    p1: int
    p2: int
    monday: dt.date  # a Monday at least a week ahead

    def at(self, days: int, hour: int, minute: int = 0) -> dt.datetime:
        """A local time ``days`` after ``monday``."""
        return dt.datetime.combine(self.monday + dt.timedelta(days=days), dt.time(hour, minute))

    def req(
        self, start: dt.datetime, minutes: int = 30, *, patient: int = 0, provider: int = 0
    ) -> BookingRequest:
        """A booking request (Ames and the first patient unless told)."""
        return BookingRequest(
            patient_id=patient or self.p1,
            provider_id=provider or self.ames.user_id,
            start_at=start,
            duration_min=minutes,
            kind="Follow-up",
            reason="chest pain review",
            room="2",
        )

    def head(self) -> int:
        """The id of the last audit row."""
        with self.db.unit_of_work() as s:
            head = s.get(AuditHead, 1)
            return 0 if head is None else head.last_id

    def audit(self, after: int = 0) -> list[tuple[str, int | None, dict[str, object]]]:
        """(action, patient id, details) of audit rows after ``after``."""
        with self.db.unit_of_work() as s:
            found = s.scalars(select(AuditLog).where(AuditLog.id > after).order_by(AuditLog.id))
            return [(r.action, r.patient_id, json.loads(r.details or "{}")) for r in found]

    def count(self) -> int:
        """How many appointments exist."""
        with self.db.unit_of_work() as s:
            return s.scalar(select(func.count()).select_from(Appointment)) or 0

    def today_at(self, hour: int) -> dt.datetime:
        """A time today (booking today needs an override: nobody works at 6 or 7 AM)."""
        return dt.datetime.combine(dt.date.today(), dt.time(hour))


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Template]:
    """Users, patients and hours made once (users cost two password hashes each)."""
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())  # never the developer's keyring
    try:
        p = make_practice(tmp_path_factory.mktemp("schedule") / "practice")
        actors = {"admin": p.admin}
        for name, role in (
            ("frontdesk", Role.RECEPTIONIST),
            ("nina", Role.NURSE),
            ("ames", Role.PHYSICIAN),
            ("baker", Role.PHYSICIAN),
            ("zed", Role.PHYSICIAN),
        ):
            actors[name] = p.add_user(name, role)
        desk = actors["frontdesk"]
        people = PatientService(p.db)
        ids = [
            people.register(
                desk,
                PatientInput(given, family, dt.date(1970 + i, 5, 6), Sex.FEMALE, phone_mobile=ph),
            ).id
            for i, (given, family, ph) in enumerate(
                (("Zebedee", "Quixotic", "555-201-3344"), ("Ottoline", "Marchbanks", ""))
            )
        ]
        with p.db.unit_of_work() as s:
            s.add(ProviderProfile(user_id=actors["zed"].user_id, scheduled=False))
            s.add(ProviderProfile(user_id=actors["baker"].user_id, credentials="DO"))
        svc = ScheduleService(p.db)
        for wd in range(5):
            svc.set_hours(desk, actors["ames"].user_id, wd, dt.time(9), dt.time(12))
            svc.set_hours(desk, actors["baker"].user_id, wd, dt.time(13), dt.time(17))
        p.db.checkpoint()
        assert p.db.key is not None
        key = p.db.key
        p.db.dispose()
        yield Template(p.root, key, actors, (ids[0], ids[1]))
    finally:
        keyring.set_keyring(previous)


@pytest.fixture
def clinic(template: Template, tmp_path: Path) -> Iterator[Clinic]:
    """A private copy of the template practice, opened with its key."""
    root = tmp_path / "practice"
    shutil.copytree(template.root, root)
    paths = PracticePaths(root)
    db = open_with_key(paths, KeyFile.read(paths.key), template.key, migrate=False)
    today = dt.date.today()
    a = template.actors
    yield Clinic(
        db=db,
        svc=ScheduleService(db),
        admin=a["admin"],
        desk=a["frontdesk"],
        nurse=a["nina"],
        ames=a["ames"],
        baker=a["baker"],
        p1=template.patients[0],
        p2=template.patients[1],
        monday=today + dt.timedelta(days=7 + (7 - today.weekday()) % 7),
    )
    db.dispose()


# ---- booking -----------------------------------------------------------------------------


def test_booking_shows_patient_and_provider_and_is_audited(clinic: Clinic) -> None:
    c = clinic
    head = c.head()
    row = c.svc.book(c.desk, c.req(c.at(0, 9, 30)))
    assert (row.patient_name, row.patient_phone, row.provider) == (
        "Quixotic, Zebedee",
        "555-201-3344",
        "Ames",
    )
    assert row.patient_birth_date == dt.date(1970, 5, 6) and row.patient_mrn
    assert (row.start_at, row.end_at, row.status, row.version) == (
        c.at(0, 9, 30),
        c.at(0, 10),
        S.BOOKED,
        1,
    )
    assert (row.kind, row.room, row.series_id) == ("Follow-up", "2", None)
    [(action, patient, details)] = c.audit(head)
    assert (action, patient) == ("appointment_book", c.p1)
    assert details["start"] == c.at(0, 9, 30).isoformat(timespec="minutes")
    assert [a.id for a in c.svc.patient_appointments(c.nurse, c.p1)] == [row.id]


def test_bad_bookings_are_refused_naming_the_field(clinic: Clinic) -> None:
    c = clinic
    bad = {
        "length": [c.req(c.at(0, 9), 7), c.req(c.at(0, 9), 485), c.req(c.at(0, 9), 0)],
        "start": [
            c.req(dt.datetime.now() - dt.timedelta(days=1, minutes=5)),
            c.req(c.at(0, 9).replace(tzinfo=dt.UTC)),
            c.req(c.at(0, 9).replace(year=c.monday.year + 6)),
        ],
    }
    for field, requests in bad.items():
        for req in requests:
            with pytest.raises(ValidationError) as err:
                c.svc.book(c.desk, req)
            assert err.value.field == field
    empty_kind = BookingRequest(c.p1, c.ames.user_id, c.at(0, 9), 30, kind="  ")
    with pytest.raises(ValidationError, match="appointment type"):
        c.svc.book(c.desk, empty_kind)
    with pytest.raises(ValidationError, match="provider"):  # a nurse has no schedule
        c.svc.book(c.desk, c.req(c.at(0, 9), provider=c.nurse.user_id))
    with pytest.raises(NotFound):
        c.svc.book(c.desk, c.req(c.at(0, 9), patient=99999))
    assert c.count() == 0
    # An hour ago is fine (a walk-in entered late).
    late = dt.datetime.now().replace(second=0, microsecond=0) - dt.timedelta(hours=1)
    assert c.svc.book(c.desk, c.req(late), override_reason="walk-in").start_at == late


def test_inactive_or_merged_patients_cannot_be_booked(clinic: Clinic) -> None:
    c = clinic
    people = PatientService(c.db)
    people.set_active(c.desk, c.p2, False, "moved away")
    with pytest.raises(ValidationError, match="inactive"):
        c.svc.book(c.desk, c.req(c.at(0, 9), patient=c.p2))
    people.set_active(c.desk, c.p2, True)
    people.merge(c.ames, c.p1, c.p2)
    with pytest.raises(LockedRecordError, match="merged"):
        c.svc.book(c.desk, c.req(c.at(0, 9), patient=c.p2))
    assert c.count() == 0


# ---- conflicts ---------------------------------------------------------------------------


def _refused(c: Clinic, call: Callable[[], object]) -> SchedulingConflict:
    """Run ``call``, expect SchedulingConflict, and prove nothing was written."""
    head, count = c.head(), c.count()
    with pytest.raises(SchedulingConflict) as err:
        call()
    assert (c.head(), c.count()) == (head, count)
    return err.value


def test_double_booking_is_warned_then_overridden_with_an_audit_row(clinic: Clinic) -> None:
    c = clinic
    first = c.svc.book(c.desk, c.req(c.at(0, 9), 30))
    conflict = _refused(c, lambda: c.svc.book(c.desk, c.req(c.at(0, 9, 15), 30, patient=c.p2)))
    [w] = conflict.warnings
    assert (w.kind, w.appointment_id) == (ConflictKind.DOUBLE_BOOKING, first.id)
    assert "9:00 AM to 9:30 AM" in w.message and "Ames" in w.message
    assert "9:00 AM" in conflict.message
    assert c.svc.check_conflicts(c.desk, c.ames.user_id, c.at(0, 9, 15), 30) == (w,)
    # Touching end to start is not an overlap; another provider is not a conflict.
    assert c.svc.check_conflicts(c.desk, c.ames.user_id, c.at(0, 9, 30), 30) == ()
    assert c.svc.check_conflicts(c.desk, c.ames.user_id, c.at(0, 8, 30), 30)[0].kind == (
        ConflictKind.OUTSIDE_HOURS
    )
    # A blank reason is no reason.
    _refused(c, lambda: c.svc.book(c.desk, c.req(c.at(0, 9, 15)), override_reason="  "))
    head = c.head()
    second = c.svc.book(
        c.desk, c.req(c.at(0, 9, 15), patient=c.p2), override_reason="urgent, doctor agreed"
    )
    actions = c.audit(head)
    assert [a for a, _, _ in actions] == ["appointment_book", "appointment_override"]
    details = actions[1][2]
    assert (actions[1][1], details["conflicts"]) == (c.p2, ["double_booking"])
    assert details["conflicting_appointment_ids"] == [first.id]
    assert details["appointment_ids"] == [second.id] and details["reason_given"] is True
    with c.db.unit_of_work() as s:
        saved = s.get(Appointment, second.id)
        assert saved is not None and saved.override_reason == "urgent, doctor agreed"
    assert c.svc.check_conflicts(
        c.desk, c.ames.user_id, c.at(0, 9), 30, ignore_appointment_id=first.id
    )[0].appointment_id == (second.id)


def test_outside_hours_and_days_off_are_warned_then_overridden(clinic: Clinic) -> None:
    c = clinic
    early = _refused(c, lambda: c.svc.book(c.desk, c.req(c.at(0, 8, 45))))
    [w] = early.warnings
    assert w.kind is ConflictKind.OUTSIDE_HOURS and "9:00 AM to 12:00 PM" in w.message
    late = _refused(c, lambda: c.svc.book(c.desk, c.req(c.at(0, 11, 45))))
    assert late.warnings[0].kind is ConflictKind.OUTSIDE_HOURS
    saturday = _refused(c, lambda: c.svc.book(c.desk, c.req(c.at(5, 10))))
    assert "does not work on Saturdays" in saturday.warnings[0].message
    head = c.head()
    row = c.svc.book(c.desk, c.req(c.at(5, 10)), override_reason="Saturday clinic")
    assert row.start_at == c.at(5, 10)
    [_, override] = c.audit(head)
    assert override[0] == "appointment_override"
    assert override[2]["conflicts"] == ["outside_hours"]


def test_blocked_time_is_warned_then_overridden(clinic: Clinic) -> None:
    c = clinic
    own = c.svc.block_time(c.desk, c.ames.user_id, c.at(0, 10), c.at(0, 11), "Meeting")
    practice = c.svc.block_time(c.desk, None, c.at(1, 9), c.at(1, 12), "Staff training")
    conflict = _refused(c, lambda: c.svc.book(c.desk, c.req(c.at(0, 10, 30))))
    [w] = conflict.warnings
    assert (w.kind, w.block_id) == (ConflictKind.BLOCKED, own)
    assert "10:00 AM to 11:00 AM" in w.message and "Meeting" in w.message
    whole = _refused(c, lambda: c.svc.book(c.desk, c.req(c.at(1, 9))))
    assert whole.warnings[0].block_id == practice and "whole practice" in whole.message
    # A practice-wide block stops every provider; Baker's own hours don't help.
    baker = c.svc.check_conflicts(c.desk, c.baker.user_id, c.at(1, 9), 30)
    assert {x.kind for x in baker} == {ConflictKind.BLOCKED, ConflictKind.OUTSIDE_HOURS}
    head = c.head()
    c.svc.book(c.desk, c.req(c.at(0, 10, 30)), override_reason="only free time")
    assert c.audit(head)[1][2]["block_ids"] == [own]
    c.svc.unblock(c.desk, own)
    assert c.svc.check_conflicts(c.desk, c.ames.user_id, c.at(0, 11), 30) == ()
    with pytest.raises(NotFound):
        c.svc.unblock(c.desk, own)


def test_cancelled_and_no_show_appointments_free_their_time(clinic: Clinic) -> None:
    c = clinic
    future = c.svc.book(c.desk, c.req(c.at(0, 9)))
    c.svc.cancel(c.desk, future.id, "patient called", expected_version=future.version)
    assert c.svc.check_conflicts(c.desk, c.ames.user_id, c.at(0, 9), 30) == ()
    today = c.svc.book(c.desk, c.req(c.today_at(6)), override_reason="early")
    c.svc.no_show(c.desk, today.id, expected_version=today.version)
    assert [w.kind for w in c.svc.check_conflicts(c.desk, c.ames.user_id, c.today_at(6), 30)] == [
        ConflictKind.OUTSIDE_HOURS
    ]


# ---- moving, resizing, cancelling ----------------------------------------------------------


def test_move_checks_conflicts_ignoring_itself_and_refuses_a_stale_version(clinic: Clinic) -> None:
    c = clinic
    a = c.svc.book(c.desk, c.req(c.at(0, 9)))
    b = c.svc.book(c.desk, c.req(c.at(0, 10), patient=c.p2))
    head = c.head()
    moved = c.svc.move(c.desk, a.id, new_start=c.at(0, 9, 15), expected_version=a.version)
    assert (moved.start_at, moved.version) == (c.at(0, 9, 15), a.version + 1)
    [(action, patient, details)] = c.audit(head)
    assert (action, patient) == ("appointment_move", c.p1)
    assert (details["old_start"], details["new_start"]) == (
        c.at(0, 9).isoformat(timespec="minutes"),
        c.at(0, 9, 15).isoformat(timespec="minutes"),
    )
    with pytest.raises(ConflictError):  # someone else moved it since
        c.svc.move(c.desk, a.id, new_start=c.at(0, 11), expected_version=a.version)
    clash = _refused(
        c, lambda: c.svc.move(c.desk, a.id, new_start=c.at(0, 9, 45), expected_version=2)
    )
    assert clash.warnings[0].appointment_id == b.id
    moved = c.svc.move(
        c.desk, a.id, new_start=c.at(0, 9, 45), expected_version=2, override_reason="squeeze in"
    )
    assert moved.start_at == c.at(0, 9, 45)
    other = c.svc.move(
        c.desk,
        a.id,
        new_start=c.at(0, 13),
        new_provider_id=c.baker.user_id,
        expected_version=moved.version,
    )
    assert (other.provider_id, other.provider) == (c.baker.user_id, "Baker")
    with pytest.raises(ValidationError) as err:
        c.svc.move(c.desk, a.id, new_start=c.at(-30, 9), expected_version=other.version)
    assert err.value.field == "start"
    gone = c.svc.cancel(c.desk, b.id, "patient called", expected_version=b.version)
    with pytest.raises(ValidationError, match="cancelled appointment cannot be moved"):
        c.svc.move(c.desk, b.id, new_start=c.at(0, 11), expected_version=gone.version)


def test_resize_checks_conflicts(clinic: Clinic) -> None:
    c = clinic
    a = c.svc.book(c.desk, c.req(c.at(0, 9), 30))
    c.svc.book(c.desk, c.req(c.at(0, 10), patient=c.p2))
    head = c.head()
    longer = c.svc.resize(c.desk, a.id, duration_min=60, expected_version=a.version)
    assert longer.end_at == c.at(0, 10)
    assert c.audit(head)[0][2]["new_duration_min"] == 60
    _refused(c, lambda: c.svc.resize(c.desk, a.id, duration_min=75, expected_version=2))
    with pytest.raises(ConflictError):
        c.svc.resize(c.desk, a.id, duration_min=15, expected_version=1)
    with pytest.raises(ValidationError, match="length"):
        c.svc.resize(c.desk, a.id, duration_min=12, expected_version=2)
    assert c.svc.resize(c.desk, a.id, duration_min=15, expected_version=2).duration_min == 15


def test_cancel_needs_a_reason_and_happens_once(clinic: Clinic) -> None:
    c = clinic
    a = c.svc.book(c.desk, c.req(c.at(0, 9)))
    with pytest.raises(ValidationError) as err:
        c.svc.cancel(c.desk, a.id, "   ", expected_version=a.version)
    assert err.value.field == "reason"
    head = c.head()
    gone = c.svc.cancel(c.desk, a.id, "feeling worse, went to ER", expected_version=a.version)
    assert (gone.status, gone.cancel_reason) == (S.CANCELLED, "feeling worse, went to ER")
    [(action, patient, details)] = c.audit(head)
    assert (action, patient, details["reason_given"]) == ("appointment_cancel", c.p1, True)
    with pytest.raises(ValidationError, match="cancelled appointment cannot be cancelled"):
        c.svc.cancel(c.desk, a.id, "again", expected_version=gone.version)
    with pytest.raises(ConflictError):
        c.svc.cancel(c.desk, a.id, "again", expected_version=a.version)
    day = c.svc.day(c.desk, c.monday)
    assert day.appointments == ()
    assert [r.id for r in c.svc.day(c.desk, c.monday, include_cancelled=True).appointments] == [
        a.id
    ]


def test_no_show_only_for_booked_appointments_that_are_due(clinic: Clinic) -> None:
    c = clinic
    future = c.svc.book(c.desk, c.req(c.at(0, 9)))
    with pytest.raises(ValidationError, match="not yet due"):
        c.svc.no_show(c.desk, future.id, expected_version=future.version)
    today = c.svc.book(c.desk, c.req(c.today_at(7)), override_reason="early start")
    head = c.head()
    missed = c.svc.no_show(c.desk, today.id, expected_version=today.version)
    assert missed.status is S.NO_SHOW
    assert c.audit(head)[0][:2] == ("appointment_no_show", c.p1)
    with pytest.raises(ValidationError, match="no-show appointment cannot be a no-show"):
        c.svc.no_show(c.desk, today.id, expected_version=missed.version)
    with pytest.raises(ValidationError, match="from no-show to arrived"):
        c.svc.set_status(c.desk, today.id, S.ARRIVED, expected_version=missed.version)
    # issue 14: a no-show marked by mistake is undone (audited) ...
    head = c.head()
    undone = c.svc.set_status(c.desk, today.id, S.BOOKED, expected_version=missed.version)
    assert undone.status is S.BOOKED
    assert c.audit(head)[0][2] == {"from": "no_show", "to": "booked"}
    # ... unless its freed time was booked for someone else meanwhile
    again = c.svc.no_show(c.desk, today.id, expected_version=undone.version)
    c.svc.book(c.desk, c.req(c.today_at(7), patient=c.p2), override_reason="early start")
    with pytest.raises(ValidationError, match="booked for another patient"):
        c.svc.set_status(c.desk, today.id, S.BOOKED, expected_version=again.version)


# ---- the check-in flow -------------------------------------------------------------------


def test_check_in_flow_moves_one_step_at_a_time_and_can_step_back(clinic: Clinic) -> None:
    c = clinic
    a = c.svc.book(c.desk, c.req(c.today_at(6)), override_reason="early")
    with pytest.raises(ValidationError) as err:
        c.svc.set_status(c.desk, a.id, S.COMPLETED, expected_version=a.version)
    assert (err.value.field, err.value.reason) == ("status", "cannot go from booked to completed")
    head = c.head()
    arrived = c.svc.set_status(c.desk, a.id, S.ARRIVED, expected_version=a.version)
    assert arrived.status is S.ARRIVED and arrived.arrived_at is not None
    assert c.audit(head)[0][2] == {"from": "booked", "to": "arrived"}
    undone = c.svc.set_status(c.desk, a.id, S.BOOKED, expected_version=arrived.version)
    assert (undone.status, undone.arrived_at) == (S.BOOKED, None)
    arrived = c.svc.set_status(c.nurse, a.id, "arrived", expected_version=undone.version)
    roomed = c.svc.set_status(c.nurse, a.id, S.IN_ROOM, expected_version=arrived.version)
    assert roomed.roomed_at is not None and roomed.arrived_at == arrived.arrived_at
    with pytest.raises(ConflictError):
        c.svc.set_status(c.ames, a.id, S.COMPLETED, expected_version=arrived.version)
    done = c.svc.set_status(c.ames, a.id, S.COMPLETED, expected_version=roomed.version)
    assert done.status is S.COMPLETED
    with pytest.raises(ValidationError, match="completed appointment cannot be moved"):
        c.svc.move(c.desk, a.id, new_start=c.at(0, 9), expected_version=done.version)
    with pytest.raises(ValidationError, match="completed appointment cannot be cancelled"):
        c.svc.cancel(c.desk, a.id, "oops", expected_version=done.version)
    back = c.svc.set_status(c.ames, a.id, S.IN_ROOM, expected_version=done.version)
    assert back.status is S.IN_ROOM
    with pytest.raises(ValidationError, match="from in room to booked"):
        c.svc.set_status(c.desk, a.id, S.BOOKED, expected_version=back.version)
    with pytest.raises(ValidationError, match="from in room to cancelled"):
        c.svc.set_status(c.desk, a.id, S.CANCELLED, expected_version=back.version)
    future = c.svc.book(c.desk, c.req(c.at(0, 9)))
    with pytest.raises(ValidationError, match="not today"):
        c.svc.set_status(c.desk, future.id, S.ARRIVED, expected_version=future.version)


def test_waiting_room_lists_arrived_and_roomed_patients_by_arrival(clinic: Clinic) -> None:
    c = clinic
    early = c.svc.book(c.desk, c.req(c.today_at(6)), override_reason="x")
    later = c.svc.book(c.desk, c.req(c.today_at(7), patient=c.p2), override_reason="x")
    done = c.svc.book(c.desk, c.req(c.today_at(6), provider=c.baker.user_id), override_reason="x")
    c.svc.book(c.desk, c.req(c.today_at(5)), override_reason="x")  # still only booked
    second = c.svc.set_status(c.desk, later.id, S.ARRIVED, expected_version=1)  # came in first
    first = c.svc.set_status(c.desk, early.id, S.ARRIVED, expected_version=1)
    c.svc.set_status(c.nurse, first.id, S.IN_ROOM, expected_version=first.version)
    v = c.svc.set_status(c.desk, done.id, S.ARRIVED, expected_version=1).version
    v = c.svc.set_status(c.desk, done.id, S.IN_ROOM, expected_version=v).version
    c.svc.set_status(c.desk, done.id, S.COMPLETED, expected_version=v)
    room = c.svc.waiting_room(c.desk, dt.date.today())
    assert [(r.id, r.status) for r in room] == [(second.id, S.ARRIVED), (early.id, S.IN_ROOM)]
    assert c.svc.waiting_room(c.desk, c.monday) == []


# ---- recurring series ----------------------------------------------------------------------


def _series_rows(c: Clinic, series_id: int | None) -> list[Appointment]:
    with c.db.unit_of_work() as s:
        return list(
            s.scalars(
                select(Appointment)
                .where(Appointment.series_id == series_id)
                .order_by(Appointment.start_at)
            )
        )


def test_series_by_count_and_by_end_date_are_real_appointments(clinic: Clinic) -> None:
    c = clinic
    head = c.head()
    weekly = c.svc.book_series(c.desk, c.req(c.at(0, 9)), Recurrence("weekly", count=4))
    assert [a.start_at for a in weekly.appointments] == [c.at(7 * i, 9) for i in range(4)]
    assert {a.series_id for a in weekly.appointments} == {weekly.series_id}
    assert weekly.overridden == ()
    [(action, patient, details)] = c.audit(head)
    assert (action, patient, len(details["appointment_ids"])) == (
        "appointment_series_book",
        c.p1,
        4,
    )
    daily = c.svc.book_series(
        c.desk,
        c.req(c.at(0, 10), patient=c.p2),
        Recurrence("daily", until=c.monday + dt.timedelta(4)),
    )
    assert [a.start_at.weekday() for a in daily.appointments] == [0, 1, 2, 3, 4]
    upcoming = c.svc.patient_appointments(c.desk, c.p1, upcoming_only=True)
    assert [a.id for a in upcoming] == [a.id for a in weekly.appointments]
    every_other = c.svc.book_series(
        c.desk, c.req(c.at(0, 11)), Recurrence("weekly", interval=2, count=3)
    )
    assert [a.start_at for a in every_other.appointments] == [
        c.at(0, 11),
        c.at(14, 11),
        c.at(28, 11),
    ]
    with pytest.raises(ValidationError, match="ends"):
        c.svc.book_series(c.desk, c.req(c.at(1, 9)), Recurrence("weekly"))


def test_series_conflicts_name_the_dates_and_can_be_overridden(clinic: Clinic) -> None:
    c = clinic
    blocked = c.svc.block_time(c.desk, c.ames.user_id, c.at(14, 8), c.at(14, 12), "conference")
    holiday = c.svc.block_time(c.desk, None, c.at(21, 0), c.at(22, 0), "holiday")
    request = c.req(c.at(0, 9))
    conflict = _refused(
        c, lambda: c.svc.book_series(c.desk, request, Recurrence("weekly", count=5))
    )
    assert conflict.dates == (c.monday + dt.timedelta(14), c.monday + dt.timedelta(21))
    assert [w.block_id for w in conflict.warnings] == [blocked, holiday]
    head = c.head()
    result = c.svc.book_series(
        c.desk, request, Recurrence("weekly", count=5), override_reason="patient insists"
    )
    assert len(result.appointments) == 5 and len(result.overridden) == 2
    with c.db.unit_of_work() as s:
        reasons = [
            a.override_reason
            for a in s.scalars(
                select(Appointment)
                .where(Appointment.series_id == result.series_id)
                .order_by(Appointment.start_at)
            )
        ]
    assert reasons == ["", "", "patient insists", "patient insists", ""]
    rows = c.audit(head)
    assert [a for a, _, _ in rows] == ["appointment_series_book", "appointment_override"]
    assert rows[1][2]["block_ids"] == [blocked, holiday]


def test_moving_one_occurrence_detaches_it_and_following_ones_split(clinic: Clinic) -> None:
    c = clinic
    series = c.svc.book_series(c.desk, c.req(c.at(0, 9)), Recurrence("weekly", count=5))
    occ = series.appointments
    [one] = c.svc.move_series(c.desk, occ[1].id, new_start=c.at(8, 10), this_and_following=False)
    assert (one.start_at, one.series_id) == (c.at(8, 10), None)
    moved = c.svc.move_series(
        c.desk,
        occ[2].id,
        new_start=c.at(14, 10, 30),
        this_and_following=True,
        expected_version=occ[2].version,
    )
    assert [m.start_at for m in moved] == [c.at(14, 10, 30), c.at(21, 10, 30), c.at(28, 10, 30)]
    new_series = moved[0].series_id
    assert new_series is not None and new_series != series.series_id
    assert {m.series_id for m in moved} == {new_series}
    assert [a.id for a in _series_rows(c, series.series_id)] == [occ[0].id]
    with c.db.unit_of_work() as s:
        old, new = s.get(AppointmentSeries, series.series_id), s.get(AppointmentSeries, new_series)
        assert old is not None and new is not None
        assert (new.frequency, new.interval, new.count, old.count) == ("weekly", 1, 3, 1)
    # Moving into a conflict is refused for every occurrence at once.
    c.svc.block_time(c.desk, c.ames.user_id, c.at(28, 11), c.at(28, 12), "")
    clash = _refused(
        c,
        lambda: c.svc.move_series(
            c.desk, moved[0].id, new_start=c.at(14, 11), this_and_following=True
        ),
    )
    assert clash.dates == (c.monday + dt.timedelta(28),)
    # Moving from the first occurrence shifts the whole series without splitting it.
    whole = c.svc.move_series(c.desk, moved[0].id, new_start=c.at(15, 9), this_and_following=True)
    assert {m.series_id for m in whole} == {new_series}
    assert [m.start_at for m in whole] == [c.at(15, 9), c.at(22, 9), c.at(29, 9)]


def test_cancelling_one_occurrence_or_it_and_the_following_ones(clinic: Clinic) -> None:
    c = clinic
    occ = c.svc.book_series(c.desk, c.req(c.at(0, 9)), Recurrence("weekly", count=5)).appointments
    [one] = c.svc.cancel_series(c.desk, occ[0].id, "away", this_and_following=False)
    assert one.status is S.CANCELLED and one.series_id == occ[0].series_id
    c.svc.cancel(c.desk, occ[3].id, "clash", expected_version=occ[3].version)
    head = c.head()
    gone = c.svc.cancel_series(c.desk, occ[1].id, "course finished", this_and_following=True)
    assert [g.id for g in gone] == [occ[1].id, occ[2].id, occ[4].id]
    assert [r.status for r in c.svc.patient_appointments(c.desk, c.p1)] == [S.CANCELLED] * 5
    [(action, _, details)] = c.audit(head)
    assert (action, details["scope"]) == ("appointment_cancel", "this_and_following")
    assert c.svc.patient_appointments(c.desk, c.p1, upcoming_only=True) == []
    with pytest.raises(ValidationError):
        c.svc.cancel_series(c.desk, occ[1].id, "", this_and_following=True)


# ---- free-slot search ----------------------------------------------------------------------


def test_next_free_slot_skips_busy_blocked_and_closed_time(clinic: Clinic) -> None:
    c = clinic
    ames = c.ames.user_id

    def free(after: dt.datetime, minutes: int = 30) -> dt.datetime | None:
        return c.svc.next_free_slot(c.desk, ames, minutes, after=after, kind="Follow-up")

    assert free(c.at(0, 7)) == c.at(0, 9)  # before opening: the first slot of the day
    assert free(c.at(0, 10, 7)) == c.at(0, 10, 15)  # aligned to the 15-minute grid
    nine = c.svc.book(c.desk, c.req(c.at(0, 9)))
    c.svc.block_time(c.desk, ames, c.at(0, 9, 30), c.at(0, 10), "admin time")
    assert free(c.at(0, 7)) == c.at(0, 10)
    assert free(c.at(0, 7), 15) == c.at(0, 10)
    c.svc.book(c.desk, c.req(c.at(0, 10), 120, patient=c.p2))
    assert free(c.at(0, 7)) == c.at(1, 9)  # Monday is full: Tuesday morning
    c.svc.block_time(c.desk, None, c.at(1, 0), c.at(2, 0), "practice closed")
    assert free(c.at(0, 7)) == c.at(2, 9)
    assert free(c.at(4, 11, 45)) == c.at(7, 9)  # Friday's last 15 minutes: next Monday
    assert free(c.at(4, 11, 45), 15) == c.at(4, 11, 45)
    assert free(c.at(0, 7), 240) is None  # longer than any working day
    c.svc.cancel(c.desk, nine.id, "called", expected_version=nine.version)
    assert free(c.at(0, 7)) == c.at(0, 9)
    before = dt.datetime.now()
    soonest = free(before - dt.timedelta(days=3))
    assert soonest is not None and soonest >= before - dt.timedelta(minutes=1)
    assert soonest.minute % 15 == 0 and 9 <= soonest.hour < 12 and soonest.weekday() < 5
    for wd in range(5):
        c.svc.clear_hours(c.desk, c.baker.user_id, wd)
    assert c.svc.next_free_slot(c.desk, c.baker.user_id, 30, after=c.at(0, 7)) is None


# ---- views -------------------------------------------------------------------------------


def test_day_view_shows_columns_hours_blocks_and_appointments_in_order(clinic: Clinic) -> None:
    c = clinic
    ames, baker = c.ames.user_id, c.baker.user_id
    night = c.svc.book(c.desk, c.req(c.at(-1, 23), 120), override_reason="overnight")
    a930 = c.svc.book(c.desk, c.req(c.at(0, 9, 30), patient=c.p2))
    a900 = c.svc.book(c.desk, c.req(c.at(0, 9)))
    b13 = c.svc.book(c.desk, c.req(c.at(0, 13), provider=baker))
    b14 = c.svc.book(c.desk, c.req(c.at(0, 14), provider=baker, patient=c.p2))
    c.svc.cancel(c.desk, b14.id, "called", expected_version=1)
    c.svc.book(c.desk, c.req(c.at(1, 9)))  # Tuesday: not shown
    own = c.svc.block_time(c.desk, ames, c.at(0, 11), c.at(0, 12), "lunch")
    whole = c.svc.block_time(c.desk, None, c.at(0, 12), c.at(0, 13), "meeting")
    c.svc.block_time(c.desk, baker, c.at(1, 13), c.at(1, 14), "")
    view = c.svc.day(c.nurse, c.monday)
    assert [p.name for p in view.providers] == ["Ames", "Baker"]  # Zed has no schedule
    assert view.providers[1].credentials == "DO" and view.slot_minutes == 15
    assert [a.id for a in view.appointments] == [night.id, a900.id, a930.id, b13.id]
    assert view.hours_for(ames) is not None and view.hours_for(baker) is not None
    assert (view.hours_for(baker).start, view.hours_for(baker).end) == (
        dt.time(13),
        dt.time(17),
    )
    assert [b.id for b in view.blocked] == [own, whole]
    assert [a.id for a in view.for_provider(baker)] == [b13.id]
    with_cancelled = c.svc.day(c.nurse, c.monday, include_cancelled=True)
    assert b14.id in [a.id for a in with_cancelled.appointments]
    only_baker = c.svc.day(c.desk, c.monday, [baker])
    assert [a.id for a in only_baker.appointments] == [b13.id]
    assert [b.id for b in only_baker.blocked] == [whole]
    sunday = c.svc.day(c.desk, c.monday + dt.timedelta(6))
    assert (sunday.hours, sunday.appointments) == ((), ())


def test_week_view_covers_monday_to_sunday_for_one_provider(clinic: Clinic) -> None:
    c = clinic
    mon = c.svc.book(c.desk, c.req(c.at(0, 9)))
    sat = c.svc.book(c.desk, c.req(c.at(5, 9)), override_reason="Saturday clinic")
    c.svc.book(c.desk, c.req(c.at(7, 9)))  # next week
    c.svc.book(c.desk, c.req(c.at(2, 13), provider=c.baker.user_id))  # someone else
    week = c.svc.week(c.desk, c.ames.user_id, c.monday + dt.timedelta(3))
    assert week.week_start == c.monday and week.days[-1] == c.monday + dt.timedelta(6)
    assert [a.id for a in week.appointments] == [mon.id, sat.id]
    assert [h.weekday for h in week.hours] == [0, 1, 2, 3, 4]
    assert week.provider.name == "Ames"
    with pytest.raises(NotFound):
        c.svc.week(c.desk, c.nurse.user_id, c.monday)


def test_providers_and_hours_management(clinic: Clinic) -> None:
    c = clinic
    assert [(p.name, p.credentials) for p in c.svc.providers(c.desk)] == [
        ("Ames", ""),
        ("Baker", "DO"),
    ]
    head = c.head()
    hours = c.svc.set_hours(c.desk, c.ames.user_id, 5, dt.time(8), dt.time(10))
    assert (hours.weekday, hours.start, hours.end) == (5, dt.time(8), dt.time(10))
    assert c.svc.check_conflicts(c.desk, c.ames.user_id, c.at(5, 8), 30) == ()
    c.svc.set_hours(c.desk, c.ames.user_id, 5, dt.time(9), dt.time(10))  # replaces
    assert [
        h.start for h in c.svc.week(c.desk, c.ames.user_id, c.monday).hours if h.weekday == 5
    ] == [dt.time(9)]
    c.svc.clear_hours(c.desk, c.ames.user_id, 5)
    assert c.svc.check_conflicts(c.desk, c.ames.user_id, c.at(5, 9), 30)[0].kind == (
        ConflictKind.OUTSIDE_HOURS
    )
    assert [a for a, _, _ in c.audit(head)] == ["schedule_hours_change"] * 3
    with pytest.raises(ValidationError, match="end"):
        c.svc.set_hours(c.desk, c.ames.user_id, 1, dt.time(12), dt.time(9))
    with pytest.raises(ValidationError, match="weekday"):
        c.svc.set_hours(c.desk, c.ames.user_id, 7, dt.time(9), dt.time(12))
    with pytest.raises(ValidationError, match="provider"):
        c.svc.set_hours(c.desk, c.desk.user_id, 1, dt.time(9), dt.time(12))
    with pytest.raises(ValidationError, match="end"):
        c.svc.block_time(c.desk, None, c.at(0, 10), c.at(0, 10), "")


# ---- roles and audit -----------------------------------------------------------------------

Case = Callable[[Clinic, int], Callable[[Actor], object]]


def _booked(c: Clinic, i: int, *, today: bool = False) -> tuple[int, int]:
    """A fresh appointment (id, version) in its own slot, booked by the front desk."""
    start = c.today_at(5) if today else c.at(7 * (i // 5) + i % 5, 9)
    row = c.svc.book(c.desk, c.req(start), override_reason="setup" if today else None)
    return row.id, row.version


def _series(c: Clinic, i: int) -> int:
    start = c.at(7 * (i // 5) + i % 5, 10)
    return c.svc.book_series(c.desk, c.req(start), Recurrence("daily", count=1)).appointments[0].id


CASES: dict[str, Case] = {
    "providers": lambda c, i: lambda a: c.svc.providers(a),
    "check_conflicts": lambda c, i: (
        lambda a: c.svc.check_conflicts(a, c.ames.user_id, c.at(0, 9), 30)
    ),
    "day": lambda c, i: lambda a: c.svc.day(a, c.monday),
    "week": lambda c, i: lambda a: c.svc.week(a, c.ames.user_id, c.monday),
    "patient_appointments": lambda c, i: lambda a: c.svc.patient_appointments(a, c.p1),
    "waiting_room": lambda c, i: lambda a: c.svc.waiting_room(a, dt.date.today()),
    "next_free_slot": lambda c, i: (
        lambda a: c.svc.next_free_slot(a, c.ames.user_id, 30, after=c.at(0, 7))
    ),
    "book": lambda c, i: lambda a: c.svc.book(a, c.req(c.at(7 * (i // 5) + i % 5, 11))),
    "book_series": lambda c, i: (
        lambda a: c.svc.book_series(
            a, c.req(c.at(7 * (i // 5) + i % 5, 11)), Recurrence("weekly", count=2)
        )
    ),
    "move": lambda c, i: (
        lambda appt: (
            lambda a: c.svc.move(
                a, appt[0], new_start=c.at(7 * (i // 5) + i % 5, 9, 30), expected_version=appt[1]
            )
        )
    )(_booked(c, i)),
    "resize": lambda c, i: (
        lambda appt: lambda a: c.svc.resize(a, appt[0], duration_min=15, expected_version=appt[1])
    )(_booked(c, i)),
    "cancel": lambda c, i: (
        lambda appt: lambda a: c.svc.cancel(a, appt[0], "called", expected_version=appt[1])
    )(_booked(c, i)),
    "no_show": lambda c, i: (
        lambda appt: lambda a: c.svc.no_show(a, appt[0], expected_version=appt[1])
    )(_booked(c, i, today=True)),
    "set_status": lambda c, i: (
        lambda appt: lambda a: c.svc.set_status(a, appt[0], S.ARRIVED, expected_version=appt[1])
    )(_booked(c, i, today=True)),
    "update_details": lambda c, i: (
        lambda appt: (
            lambda a: c.svc.update_details(
                a, appt[0], kind="Physical", reason="", room="3", expected_version=appt[1]
            )
        )
    )(_booked(c, i)),
    "cancel_series": lambda c, i: (
        lambda sid: lambda a: c.svc.cancel_series(a, sid, "done", this_and_following=True)
    )(_series(c, i)),
    "move_series": lambda c, i: (
        lambda sid: (
            lambda a: c.svc.move_series(
                a, sid, new_start=c.at(7 * (i // 5) + i % 5, 10, 30), this_and_following=True
            )
        )
    )(_series(c, i)),
    "set_hours": lambda c, i: (
        lambda a: c.svc.set_hours(a, c.ames.user_id, 5, dt.time(9), dt.time(10))
    ),
    "clear_hours": lambda c, i: lambda a: c.svc.clear_hours(a, c.ames.user_id, 6),
    "set_day_hours": lambda c, i: (
        lambda a: c.svc.set_day_hours(a, c.ames.user_id, 6, [(dt.time(8), dt.time(9))])
    ),
    "provider_hours": lambda c, i: lambda a: c.svc.provider_hours(a, c.ames.user_id),
    "upcoming_blocks": lambda c, i: lambda a: c.svc.upcoming_blocks(a, c.ames.user_id),
    "provider_named": lambda c, i: lambda a: c.svc.provider_named(a, "ames"),
    "appointment_types": lambda c, i: lambda a: c.svc.appointment_types(a),
    "save_appointment_type": lambda c, i: (
        lambda a: c.svc.save_appointment_type(a, f"Type {a.username}", 20, "#112233")
    ),
    "block_time": lambda c, i: (
        lambda a: c.svc.block_time(
            a, None, c.at(7 * (i // 5) + i % 5, 6), c.at(7 * (i // 5) + i % 5, 7), "x"
        )
    ),
    "unblock": lambda c, i: (lambda bid: lambda a: c.svc.unblock(a, bid))(
        c.svc.block_time(
            c.desk, None, c.at(7 * (i // 5) + i % 5, 7), c.at(7 * (i // 5) + i % 5, 8), ""
        )
    ),
}
# The admin role (practice manager) sees the schedule and keeps hours and blocks
# (SCHEDULE_VIEW, SCHEDULE_MANAGE) but books nothing (no SCHEDULE_BOOK).
MANAGER_MAY = {
    "providers",
    "check_conflicts",
    "day",
    "week",
    "patient_appointments",
    "waiting_room",
    "next_free_slot",
    "set_hours",
    "clear_hours",
    "set_day_hours",
    "provider_hours",
    "upcoming_blocks",
    "provider_named",
    "appointment_types",
    "save_appointment_type",
    "block_time",
    "unblock",
}
DENIED = {name: set() if name in MANAGER_MAY else {Role.ADMIN} for name in CASES}


def test_every_public_method_is_in_the_role_matrix() -> None:
    public = {n for n in dir(ScheduleService) if not n.startswith("_")}
    assert public == set(CASES)


@pytest.mark.parametrize("role", list(Role))
def test_role_matrix(clinic: Clinic, role: Role) -> None:
    c = clinic
    actor = {
        Role.ADMIN: c.admin,
        Role.PHYSICIAN: c.ames,
        Role.NURSE: c.nurse,
        Role.RECEPTIONIST: c.desk,
    }[role]
    for i, (name, case) in enumerate(CASES.items()):
        call = case(c, i)
        head = c.head()
        if role in DENIED[name]:
            with pytest.raises(PermissionDenied):
                call(actor)
            assert c.head() == head, f"{name} wrote something for a denied {role}"
        else:
            call(actor)


def test_audit_details_carry_no_patient_data(clinic: Clinic) -> None:
    c = clinic
    head = c.head()
    a = c.svc.book(c.desk, c.req(c.at(0, 9)))
    b = c.svc.book(c.desk, c.req(c.at(0, 9), patient=c.p2), override_reason="Zebedee's mother")
    c.svc.move(c.desk, a.id, new_start=c.at(0, 10), expected_version=a.version)
    c.svc.cancel(c.desk, b.id, "Quixotic has chest pain", expected_version=b.version)
    series = c.svc.book_series(c.desk, c.req(c.at(1, 9)), Recurrence("weekly", count=3))
    c.svc.move_series(
        c.desk, series.appointments[1].id, new_start=c.at(8, 10), this_and_following=True
    )
    c.svc.cancel_series(c.desk, series.appointments[0].id, "rash worse", this_and_following=True)
    c.svc.block_time(c.desk, c.ames.user_id, c.at(3, 9), c.at(3, 10), "Marchbanks home visit")
    rows = c.audit(head)
    assert {r[0] for r in rows} >= {
        "appointment_book",
        "appointment_override",
        "appointment_move",
        "appointment_cancel",
        "appointment_series_book",
        "schedule_block",
    }
    assert all(r[1] in (c.p1, c.p2) for r in rows if r[0].startswith("appointment"))
    text = json.dumps([r[2] for r in rows]).lower()
    for secret in (*NAMES, "chest pain", "rash", "mother", "home visit", "Follow-up"):
        assert secret.lower() not in text
