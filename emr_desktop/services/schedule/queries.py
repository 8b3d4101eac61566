"""Loading the appointment book: appointment rows with patient and provider, providers,
hours and blocked time.

Every appointment query is a range on ``start_at`` (with ``provider_id`` where known) so
the (provider_id, start_at) index does the work: an appointment lasts at most
MAX_DURATION_MIN, so one that overlaps a window started at most that long before it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, Row, Select, and_, or_, select
from sqlalchemy.orm import Session

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.schedule import (
    BlockRow,
    HoursRow,
    ProviderInfo,
)
from emr_desktop.domain.security import Role, UserStatus
from emr_desktop.models import (
    Appointment,
    BlockedTime,
    Patient,
    ProviderHours,
    ProviderProfile,
    User,
)
from emr_desktop.services.schedule.rules import LOOKBACK

# Appointments that still hold a patient's visit (a disabled provider's must be rebooked).
KEPT = (AppointmentStatus.BOOKED, AppointmentStatus.ARRIVED, AppointmentStatus.IN_ROOM)


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
        select(
            User.id,
            User.full_name,
            User.username,
            User.status,
            ProviderProfile.credentials,
            ProviderProfile.color,
        )
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
        ProviderInfo(
            r.id,
            r.full_name,
            r.credentials or "",
            r.color or "",
            username=r.username,
            active=r.status is UserStatus.ACTIVE,
        )
        for r in s.execute(stmt)
    ]


def provider_by_username(s: Session, username: str) -> ProviderInfo | None:
    """The physician with this username, whatever their state."""
    found = s.scalar(select(User.id).where(User.username == username, User.role == Role.PHYSICIAN))
    return None if found is None else providers(s, [found])[0]


def disabled_with_appointments(
    s: Session, start: dt.datetime, end: dt.datetime, shown: Iterable[int]
) -> list[int]:
    """Disabled physicians not in ``shown`` with appointments still to keep in [start, end)
    (booked, arrived or in a room): their column stays until the desk rebooks them."""
    stmt = (
        select(Appointment.provider_id)
        .join(User, User.id == Appointment.provider_id)
        .where(
            *overlapping(start, end),
            Appointment.status.in_(KEPT),
            User.status != UserStatus.ACTIVE,
            Appointment.provider_id.not_in(list(shown)),
        )
        .distinct()
    )
    return list(s.scalars(stmt))


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
