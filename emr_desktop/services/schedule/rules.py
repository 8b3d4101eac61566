"""The schedule's rules: words, input checks, who may be booked, and appointment records.

ScheduleService (schedule/service.py) does permissions, units of work and audit; the
functions here (and in queries.py and conflicts.py) take an open Session and never check a
permission or write an audit row.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.schedule import (
    BookingRequest,
)
from emr_desktop.domain.security import Role, UserStatus
from emr_desktop.errors import ConflictError, NotFound, ValidationError
from emr_desktop.models import (
    Appointment,
    AppointmentSeries,
    Patient,
    Practice,
    ProviderProfile,
    User,
)
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.records import get_patient

MAX_DURATION_MIN = 480
LOOKBACK = dt.timedelta(minutes=MAX_DURATION_MIN)
SEARCH_DAYS = 60
MAX_YEARS_AHEAD = 5
# Statuses that no longer hold their time: the slot is free for someone else.
FREE_STATUSES = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW)
UNMOVABLE = (AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW, AppointmentStatus.COMPLETED)
STATUS_WORDS = {
    AppointmentStatus.BOOKED: "booked",
    AppointmentStatus.ARRIVED: "arrived",
    AppointmentStatus.IN_ROOM: "in room",
    AppointmentStatus.COMPLETED: "completed",
    AppointmentStatus.CANCELLED: "cancelled",
    AppointmentStatus.NO_SHOW: "no-show",
}


# ---- words -------------------------------------------------------------------------------


def clock(t: dt.time | dt.datetime) -> str:
    """'9:05 AM' as a front desk reads a time."""
    return f"{t.hour % 12 or 12}:{t.minute:02d} {'AM' if t.hour < 12 else 'PM'}"


def day_words(d: dt.date) -> str:
    """'Mon Mar 2, 2026'."""
    return f"{d:%a %b} {d.day}, {d.year}"


def span_words(start: dt.datetime, end: dt.datetime) -> str:
    """'on Mon Mar 2, 2026 from 9:00 AM to 9:30 AM' (both days named if they differ)."""
    if start.date() == end.date():
        return f"on {day_words(start)} from {clock(start)} to {clock(end)}"
    return f"from {day_words(start)} {clock(start)} to {day_words(end)} {clock(end)}"


# ---- input checks ------------------------------------------------------------------------


def local_time(field: str, when: dt.datetime) -> dt.datetime:
    """A naive local wall-clock time, to the minute."""
    if not isinstance(when, dt.datetime):
        raise ValidationError(field, "must be a date and time")
    if when.tzinfo is not None:
        raise ValidationError(field, "must be a local clock time (without a time zone)")
    return when.replace(second=0, microsecond=0)


def start_time(field: str, when: dt.datetime, *, now: dt.datetime | None = None) -> dt.datetime:
    """A start time no more than a day in the past and no more than 5 years ahead."""
    when = local_time(field, when)
    now = now or dt.datetime.now()
    if when < now - dt.timedelta(days=1):
        raise ValidationError(field, "is more than a day in the past")
    if when.year > now.year + MAX_YEARS_AHEAD:
        raise ValidationError(field, f"is more than {MAX_YEARS_AHEAD} years ahead")
    return when


def duration(minutes: int) -> int:
    """A length from 5 minutes to 8 hours, in steps of 5 minutes."""
    if isinstance(minutes, bool) or not isinstance(minutes, int):
        raise ValidationError("length", "must be a whole number of minutes")
    if not 5 <= minutes <= MAX_DURATION_MIN or minutes % 5:
        raise ValidationError("length", "must be 5 to 480 minutes, in steps of 5")
    return minutes


def clean_request(req: BookingRequest) -> BookingRequest:
    """The request with trimmed text and checked times (ValidationError naming the field)."""
    return BookingRequest(
        patient_id=req.patient_id,
        provider_id=req.provider_id,
        start_at=start_time("start", req.start_at),
        duration_min=duration(req.duration_min),
        kind=v.text("appointment type", req.kind, max_len=60, required=True),
        reason=v.text("reason for visit", req.reason, max_len=300),
        room=v.text("room", req.room, max_len=40),
    )


# ---- loading -----------------------------------------------------------------------------


def slot_minutes(s: Session) -> int:
    """The practice's schedule slot length."""
    practice = s.get(Practice, 1)
    return practice.slot_minutes if practice and practice.slot_minutes > 0 else 15


def physician(s: Session, provider_id: int) -> User:
    """A physician, active or not (hours and blocks may be kept for a disabled one)."""
    user = s.get(User, provider_id)
    if user is None or user.role is not Role.PHYSICIAN:
        raise ValidationError("provider", "is not a provider on the schedule")
    return user


def provider_user(s: Session, provider_id: int, *, lock: bool = False) -> User:
    """A physician who can be booked with (active, on the schedule), or ValidationError.

    ``lock`` takes a row lock (PostgreSQL) so two desks cannot both book the last slot;
    SQLite's BEGIN IMMEDIATE already serialises writers.
    """
    user = s.get(User, provider_id, with_for_update=lock)
    if user is None or user.role is not Role.PHYSICIAN:
        raise ValidationError("provider", "is not a provider on the schedule")
    if user.status is not UserStatus.ACTIVE:
        raise ValidationError("provider", f"{user.full_name}'s account is disabled")
    profile = s.get(ProviderProfile, provider_id)
    if profile is not None and not profile.scheduled:
        raise ValidationError("provider", f"{user.full_name} has no schedule")
    return user


# ---- records -----------------------------------------------------------------------------


def weekday(day: int) -> int:
    """A weekday number, 0 (Monday) to 6 (Sunday)."""
    if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
        raise ValidationError("weekday", "must be 0 (Monday) to 6 (Sunday)")
    return day


def bookable_patient(s: Session, patient_id: int) -> Patient:
    """The patient, refusing a merged (LockedRecordError) or inactive record."""
    patient = get_patient(s, patient_id, writable=True)
    if not patient.active:
        raise ValidationError("patient", "this record is inactive; reactivate it before booking")
    return patient


def get_appointment(s: Session, appointment_id: int, expected_version: int | None) -> Appointment:
    """The appointment, or NotFound; ConflictError if it changed since it was shown."""
    a = s.get(Appointment, appointment_id)
    if a is None:
        raise NotFound("That appointment does not exist.")
    if expected_version is not None and a.version != expected_version:
        raise ConflictError(
            "Someone else changed this appointment while you were looking at it. "
            "Nothing was overwritten; look at the schedule again."
        )
    return a


def movable(a: Appointment) -> None:
    """Refuse to move or resize an appointment that is over (cancelled, no-show, completed)."""
    if a.status in UNMOVABLE:
        raise ValidationError(
            "status", f"a {STATUS_WORDS[a.status]} appointment cannot be moved or resized"
        )


def slot_still_free(s: Session, a: Appointment) -> None:
    """Refuse to undo a no-show whose time has been booked for someone else since."""
    end = a.start_at + dt.timedelta(minutes=a.duration_min)
    others = s.execute(
        select(Appointment.start_at, Appointment.duration_min).where(
            Appointment.provider_id == a.provider_id,
            Appointment.id != a.id,
            Appointment.start_at >= a.start_at - LOOKBACK,
            Appointment.start_at < end,
            Appointment.status.not_in(FREE_STATUSES),
        )
    )
    if any(b + dt.timedelta(minutes=m) > a.start_at for b, m in others):
        raise ValidationError(
            "status",
            "its time has been booked for another patient since; book the patient again",
        )


def cancellable(a: Appointment) -> None:
    """Only an appointment that has not started (booked, or arrived and left) is cancelled."""
    if a.status not in (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED):
        raise ValidationError(
            "status", f"a {STATUS_WORDS[a.status]} appointment cannot be cancelled"
        )


def new_appointment(
    user_id: int, req: BookingRequest, start: dt.datetime, override: str, series_id: int | None
) -> Appointment:
    """An unsaved booked appointment made from ``req`` at ``start``."""
    return Appointment(
        patient_id=req.patient_id,
        provider_id=req.provider_id,
        start_at=start,
        duration_min=req.duration_min,
        kind=req.kind,
        reason=req.reason,
        room=req.room,
        status=AppointmentStatus.BOOKED,
        override_reason=override,
        series_id=series_id,
        created_by_id=user_id,
    )


def following(s: Session, a: Appointment) -> list[Appointment]:
    """The still-booked occurrences of ``a``'s series after it."""
    if a.series_id is None:
        return []
    return list(
        s.scalars(
            select(Appointment)
            .where(
                Appointment.series_id == a.series_id,
                Appointment.start_at > a.start_at,
                Appointment.status == AppointmentStatus.BOOKED,
            )
            .order_by(Appointment.start_at)
        )
    )


def split_series(
    s: Session, a: Appointment, moving: list[Appointment], shift_days: int, user_id: int
) -> int | None:
    """Give ``moving`` (``a`` and its following occurrences) a series of their own.

    The new series copies the rule (its end date shifted with the appointments). When
    nothing of the old series comes before ``a`` the old series is kept instead.
    """
    old = s.get(AppointmentSeries, a.series_id)
    if old is None:
        return None
    earlier = s.scalar(
        select(func.count())
        .select_from(Appointment)
        .where(Appointment.series_id == old.id, Appointment.start_at < a.start_at)
    )
    shifted = old.until_date + dt.timedelta(days=shift_days) if old.until_date else None
    if not earlier:
        old.until_date = shifted
        return old.id
    new = AppointmentSeries(
        frequency=old.frequency,
        interval=old.interval,
        until_date=shifted,
        count=len(moving) if old.count is not None else None,
        created_by_id=user_id,
    )
    s.add(new)
    s.flush()
    if old.until_date is not None:
        old.until_date = a.start_at.date() - dt.timedelta(days=1)
    if old.count is not None:
        old.count = earlier
    for m in moving:
        m.series_id = new.id
    return new.id
