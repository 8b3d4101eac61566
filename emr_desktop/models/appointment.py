"""The schedule: appointments (recurring series stored as real rows), hours, blocked time.

Appointment times are the practice's local wall-clock time (naive), as a clinic thinks
of them: 9:00 stays 9:00 across a daylight-saving change. Audit times stay UTC.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, DateTime, ForeignKey, Index, Integer, String, Time
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class AppointmentSeries(Base):
    """The rule a recurring set of appointments was made from."""

    __tablename__ = "appointment_series"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    frequency: Mapped[str] = mapped_column(String(10))  # daily, weekly, monthly
    interval: Mapped[int] = mapped_column(Integer, default=1)
    until_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    count: Mapped[int | None] = mapped_column(Integer, default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Appointment(Base):
    """One appointment of one patient with one provider."""

    __tablename__ = "appointment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    start_at: Mapped[dt.datetime] = mapped_column(DateTime)  # local wall-clock time
    duration_min: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(60))
    reason: Mapped[str] = mapped_column(String(300), default="")
    room: Mapped[str] = mapped_column(String(40), default="")
    status: Mapped[AppointmentStatus] = mapped_column(str_enum(AppointmentStatus))
    arrived_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    roomed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    completed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    override_reason: Mapped[str] = mapped_column(String(300), default="")
    series_id: Mapped[int | None] = mapped_column(
        ForeignKey("appointment_series.id"), default=None, index=True
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_appointment_provider_start", "provider_id", "start_at"),
        Index("ix_appointment_patient_start", "patient_id", "start_at"),
        Index("ix_appointment_start", "start_at"),
    )


class ProviderHours(Base):
    """A provider's regular working hours on one weekday (0 = Monday)."""

    __tablename__ = "provider_hours"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), index=True)
    weekday: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[dt.time] = mapped_column(Time)
    end_time: Mapped[dt.time] = mapped_column(Time)


class BlockedTime(Base):
    """Time nobody may be booked into (a provider's, or the whole practice's if no provider)."""

    __tablename__ = "blocked_time"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    start_at: Mapped[dt.datetime] = mapped_column(DateTime)
    end_at: Mapped[dt.datetime] = mapped_column(DateTime)
    reason: Mapped[str] = mapped_column(String(200), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))

    __table_args__ = (Index("ix_blocked_time_start", "start_at"),)


class AppointmentType(Base):
    """A kind of visit the practice books, with its default length and colour."""

    __tablename__ = "appointment_type"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(60), unique=True)
    duration_min: Mapped[int] = mapped_column(Integer)
    color: Mapped[str] = mapped_column(String(9))  # "#RRGGBB"
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)
