"""The schedule's rules and queries: recurrence, conflicts, free-slot search, rows, records.

ScheduleService (services/schedule.py) does permissions, units of work and audit; the
functions here take an open Session and never check a permission or write an audit row.
Every appointment query is a range on ``start_at`` (with ``provider_id`` where known) so
the (provider_id, start_at) index does the work: an appointment lasts at most
MAX_DURATION_MIN, so one that overlaps a window started at most that long before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, func, or_, select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.schedule import (
    BlockRow,
    BookingRequest,
    ConflictKind,
    ConflictWarning,
    HoursRow,
    ProviderInfo,
)
from emr_desktop.domain.security import Role, UserStatus
from emr_desktop.errors import ConflictError, NotFound, ValidationError
from emr_desktop.models import (
    Appointment,
    AppointmentSeries,
    BlockedTime,
    Patient,
    Practice,
    ProviderHours,
    ProviderProfile,
    User,
)
from emr_desktop.services import validation as v
from emr_desktop.services.common import get_patient

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


def row_stmt() -> Select[*tuple[Any, ...]]:
    """Appointments with the patient's identifiers and the provider's name, in one join."""
    return (
        select(
            Appointment,
            Patient.family_name,
            Patient.given_name,
            Patient.middle_name,
            Patient.preferred_name,
            Patient.mrn,
            Patient.birth_date,
            Patient.phone_mobile,
            Patient.phone_home,
            User.full_name,
        )
        .join(Patient, Patient.id == Appointment.patient_id)
        .join(User, User.id == Appointment.provider_id)
    )


def to_row(r: Row[Any]) -> AppointmentRow:
    """The DTO of one row of ``row_stmt()``."""
    a: Appointment = r[0]
    name = f"{r.family_name}, {r.given_name}"
    if r.middle_name:
        name += f" {r.middle_name}"
    if r.preferred_name and r.preferred_name != r.given_name:
        name += f' "{r.preferred_name}"'
    return AppointmentRow(
        id=a.id,
        patient_id=a.patient_id,
        patient_name=name,
        patient_mrn=r.mrn,
        patient_birth_date=r.birth_date,
        patient_phone=r.phone_mobile or r.phone_home,
        provider_id=a.provider_id,
        provider=r.full_name,
        start_at=a.start_at,
        duration_min=a.duration_min,
        kind=a.kind,
        reason=a.reason,
        room=a.room,
        status=a.status,
        arrived_at=a.arrived_at,
        roomed_at=a.roomed_at,
        cancel_reason=a.cancel_reason,
        series_id=a.series_id,
        version=a.version,
    )


def rows(
    s: Session, *where: ColumnElement[bool], order: Iterable[Any] = (), limit: int = 0
) -> list[AppointmentRow]:
    """Appointment rows matching ``where`` (soonest first unless ``order``), in one query."""
    stmt = row_stmt().where(*where).order_by(*(order or (Appointment.start_at, Appointment.id)))
    if limit > 0:
        stmt = stmt.limit(limit)
    return [to_row(r) for r in s.execute(stmt)]


def providers(s: Session, ids: Iterable[int] | None = None) -> list[ProviderInfo]:
    """Scheduled, active physicians by name; or, given ``ids``, those physicians whatever
    their state (so a departed provider's old appointments can still be looked at)."""
    stmt = (
        select(User.id, User.full_name, ProviderProfile.credentials, ProviderProfile.color)
        .outerjoin(ProviderProfile, ProviderProfile.user_id == User.id)
        .where(User.role == Role.PHYSICIAN)
        .order_by(User.full_name, User.id)
    )
    if ids is None:
        stmt = stmt.where(
            User.status == UserStatus.ACTIVE,
            or_(ProviderProfile.scheduled.is_(True), ProviderProfile.user_id.is_(None)),
        )
    else:
        stmt = stmt.where(User.id.in_(list(ids)))
    return [
        ProviderInfo(r.id, r.full_name, r.credentials or "", r.color or "") for r in s.execute(stmt)
    ]


def overlapping(start: dt.datetime, end: dt.datetime) -> list[ColumnElement[bool]]:
    """Index-friendly conditions for appointments that may overlap [start, end)."""
    return [Appointment.start_at >= start - LOOKBACK, Appointment.start_at < end]


def hours_of(s: Session, provider_ids: Iterable[int], weekday: int | None = None) -> list[HoursRow]:
    """Working hours of some providers (one weekday, or all)."""
    stmt = select(ProviderHours).where(ProviderHours.provider_id.in_(list(provider_ids)))
    if weekday is not None:
        stmt = stmt.where(ProviderHours.weekday == weekday)
    return [
        HoursRow(h.provider_id, h.weekday, h.start_time, h.end_time)
        for h in s.scalars(stmt.order_by(ProviderHours.provider_id, ProviderHours.weekday))
    ]


def blocks_in(
    s: Session, provider_ids: Iterable[int], windows: list[tuple[dt.datetime, dt.datetime]]
) -> list[BlockRow]:
    """Blocks overlapping any of the [start, end) windows: these providers' and the whole
    practice's."""
    stmt = (
        select(BlockedTime)
        .where(
            or_(*(and_(BlockedTime.start_at < b, BlockedTime.end_at > a) for a, b in windows)),
            or_(BlockedTime.provider_id.in_(list(provider_ids)), BlockedTime.provider_id.is_(None)),
        )
        .order_by(BlockedTime.start_at, BlockedTime.id)
    )
    return [BlockRow(b.id, b.provider_id, b.start_at, b.end_at, b.reason) for b in s.scalars(stmt)]


# ---- conflicts ---------------------------------------------------------------------------


def conflicts(
    s: Session,
    provider: User,
    start: dt.datetime,
    minutes: int,
    *,
    ignore: Iterable[int] = (),
) -> list[ConflictWarning]:
    """Why [start, start + minutes) is not free for ``provider`` (empty: it is free)."""
    return conflicts_many(s, provider, [(start, minutes)], ignore=ignore)


def conflicts_many(
    s: Session,
    provider: User,
    spans: list[tuple[dt.datetime, int]],
    *,
    ignore: Iterable[int] = (),
) -> list[ConflictWarning]:
    """Conflicts of several (start, minutes) spans, e.g. a series, in three queries."""
    windows = [(a, a + dt.timedelta(minutes=m)) for a, m in spans]
    skip = set(ignore)
    hours = {h.weekday: h for h in hours_of(s, [provider.id])}
    taken = [
        (i, a, a + dt.timedelta(minutes=m))
        for i, a, m in s.execute(
            select(Appointment.id, Appointment.start_at, Appointment.duration_min)
            .where(
                or_(
                    *(
                        and_(Appointment.provider_id == provider.id, *overlapping(a, b))
                        for a, b in windows
                    )
                ),
                Appointment.status.not_in(FREE_STATUSES),
            )
            .order_by(Appointment.start_at)
        )
        if i not in skip
    ]
    blocks = blocks_in(s, [provider.id], windows)
    out: list[ConflictWarning] = []
    for start, end in windows:
        out += _span_conflicts(provider.full_name, start, end, taken, hours, blocks)
    return out


def _span_conflicts(
    name: str,
    start: dt.datetime,
    end: dt.datetime,
    taken: list[tuple[int, dt.datetime, dt.datetime]],
    hours: dict[int, HoursRow],
    blocks: list[BlockRow],
) -> list[ConflictWarning]:
    out = [
        ConflictWarning(
            ConflictKind.DOUBLE_BOOKING,
            f"{name} already has an appointment {span_words(a, b)}.",
            start,
            appointment_id=i,
        )
        for i, a, b in taken
        if a < end and b > start
    ]
    day = hours.get(start.weekday())
    if day is None:
        why = f"{name} does not work on {start:%A}s ({day_words(start)})."
        out.append(ConflictWarning(ConflictKind.OUTSIDE_HOURS, why, start))
    elif start < dt.datetime.combine(start.date(), day.start) or end > dt.datetime.combine(
        start.date(), day.end
    ):
        why = (
            f"{clock(start)} to {clock(end)} on {day_words(start)} is outside "
            f"{name}'s hours ({clock(day.start)} to {clock(day.end)})."
        )
        out.append(ConflictWarning(ConflictKind.OUTSIDE_HOURS, why, start))
    for b in blocks:
        if b.start_at < end and b.end_at > start:
            who = f"{name}'s time" if b.provider_id is not None else "The whole practice"
            why = f" ({b.reason})" if b.reason else ""
            out.append(
                ConflictWarning(
                    ConflictKind.BLOCKED,
                    f"{who} is blocked {span_words(b.start_at, b.end_at)}{why}.",
                    start,
                    block_id=b.id,
                )
            )
    return out


# ---- free-slot search --------------------------------------------------------------------


def _ceil_to_grid(when: dt.datetime, slot: int) -> dt.datetime:
    midnight = dt.datetime.combine(when.date(), dt.time())
    minutes = -(-(when - midnight) // dt.timedelta(minutes=slot))  # ceiling division
    return midnight + dt.timedelta(minutes=minutes * slot)


def next_free(
    s: Session, provider_id: int, minutes: int, begin: dt.datetime, slot: int
) -> dt.datetime | None:
    """The first slot-aligned start at or after ``begin`` in the provider's hours that is
    free of appointments and blocks, searching SEARCH_DAYS days (three queries in all)."""
    horizon = begin + dt.timedelta(days=SEARCH_DAYS)
    hours = {h.weekday: h for h in hours_of(s, [provider_id])}
    if not hours:
        return None
    busy = [
        (start, start + dt.timedelta(minutes=length))
        for start, length in s.execute(
            select(Appointment.start_at, Appointment.duration_min).where(
                Appointment.provider_id == provider_id,
                *overlapping(begin, horizon + dt.timedelta(days=1)),
                Appointment.status.not_in(FREE_STATUSES),
            )
        )
    ]
    busy += [
        (b.start_at, b.end_at)
        for b in blocks_in(s, [provider_id], [(begin, horizon + dt.timedelta(days=1))])
    ]
    busy.sort()
    length = dt.timedelta(minutes=minutes)
    day = begin.date()
    while day <= horizon.date():
        h = hours.get(day.weekday())
        if h is not None:
            opens = max(begin, dt.datetime.combine(day, h.start))
            close = dt.datetime.combine(day, h.end)
            busy = [x for x in busy if x[1] > opens]  # what has ended can never clash again
            today = [x for x in busy if x[0] < close]
            when = _ceil_to_grid(opens, slot)
            while when + length <= close:
                clash = [e for b, e in today if b < when + length and e > when]
                if not clash:
                    return when
                when = _ceil_to_grid(max(clash), slot)  # jump past what is in the way
        day += dt.timedelta(days=1)
    return None


# ---- records -----------------------------------------------------------------------------


def weekday(day: int) -> int:
    """A weekday number, 0 (Monday) to 6 (Sunday)."""
    if isinstance(day, bool) or not isinstance(day, int) or not 0 <= day <= 6:
        raise ValidationError("weekday", "must be 0 (Monday) to 6 (Sunday)")
    return day


def delete_hours(s: Session, provider_id: int, day: int) -> int:
    """Remove a provider's hours on one weekday; how many rows went."""
    found = list(
        s.scalars(
            select(ProviderHours).where(
                ProviderHours.provider_id == provider_id, ProviderHours.weekday == day
            )
        )
    )
    for h in found:
        s.delete(h)
    s.flush()
    return len(found)


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
