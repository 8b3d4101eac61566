"""Allergies and intolerances."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.domain.clinical import AllergyCategory, AllergySeverity, RecordStatus
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class Allergy(Base):
    """An allergy; ``ingredients`` and ``classes`` (';'-separated) drive the safety checks."""

    __tablename__ = "allergy"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    substance: Mapped[str] = mapped_column(String(200))
    ingredients: Mapped[str] = mapped_column(String(500), default="")
    classes: Mapped[str] = mapped_column(String(500), default="")
    category: Mapped[AllergyCategory] = mapped_column(str_enum(AllergyCategory))
    reaction: Mapped[str] = mapped_column(String(300), default="")
    severity: Mapped[AllergySeverity] = mapped_column(str_enum(AllergySeverity))
    status: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus))
    onset_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
