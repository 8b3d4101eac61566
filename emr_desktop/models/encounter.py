"""Visits with their SOAP note; signed notes are read-only and grow by addenda."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from emr_desktop.domain.clinical import NoteStatus
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class Encounter(Base):
    """One visit (or call) and its note."""

    __tablename__ = "encounter"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    appointment_id: Mapped[int | None] = mapped_column(ForeignKey("appointment.id"), default=None)
    occurred_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    kind: Mapped[str] = mapped_column(String(60), default="Office visit")
    reason: Mapped[str] = mapped_column(String(300), default="")
    subjective: Mapped[str] = mapped_column(Text, default="")
    objective: Mapped[str] = mapped_column(Text, default="")
    assessment: Mapped[str] = mapped_column(Text, default="")
    plan: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[NoteStatus] = mapped_column(str_enum(NoteStatus))
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    addenda: Mapped[list[Addendum]] = relationship(
        back_populates="encounter", order_by="Addendum.id", lazy="raise"
    )

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (Index("ix_encounter_patient_occurred", "patient_id", "occurred_at"),)


class Addendum(Base):
    """Text added to a signed note, with its author and time."""

    __tablename__ = "addendum"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    encounter_id: Mapped[int] = mapped_column(ForeignKey("encounter.id"), index=True)
    author_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    text: Mapped[str] = mapped_column(Text)

    encounter: Mapped[Encounter] = relationship(back_populates="addenda", lazy="raise")
