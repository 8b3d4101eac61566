"""Measurements: vital signs and lab results."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.domain.clinical import LabFlag
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class VitalSigns(Base):
    """One set of vital signs, stored in metric units (the UI converts for display)."""

    __tablename__ = "vital_signs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounter.id"), default=None)
    measured_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    systolic: Mapped[int | None] = mapped_column(Integer, default=None)  # mm[Hg]
    diastolic: Mapped[int | None] = mapped_column(Integer, default=None)  # mm[Hg]
    pulse: Mapped[int | None] = mapped_column(Integer, default=None)  # /min
    respiration: Mapped[int | None] = mapped_column(Integer, default=None)  # /min
    temperature_c: Mapped[float | None] = mapped_column(Float, default=None)  # Cel
    spo2: Mapped[int | None] = mapped_column(Integer, default=None)  # %
    weight_kg: Mapped[float | None] = mapped_column(Float, default=None)
    height_cm: Mapped[float | None] = mapped_column(Float, default=None)
    bmi: Mapped[float | None] = mapped_column(Float, default=None)  # kg/m2, computed
    pain: Mapped[int | None] = mapped_column(Integer, default=None)  # 0-10
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_vital_signs_patient_measured", "patient_id", "measured_at"),)


class LabResult(Base):
    """One lab result; numeric in ``value`` or text in ``value_text``."""

    __tablename__ = "lab_result"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    loinc: Mapped[str] = mapped_column(String(10), default="")
    name: Mapped[str] = mapped_column(String(200))
    value: Mapped[float | None] = mapped_column(Float, default=None)
    value_text: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str] = mapped_column(String(40), default="")
    ref_low: Mapped[float | None] = mapped_column(Float, default=None)
    ref_high: Mapped[float | None] = mapped_column(Float, default=None)
    ref_text: Mapped[str] = mapped_column(String(100), default="")
    flag: Mapped[LabFlag] = mapped_column(str_enum(LabFlag, 4))
    collected_at: Mapped[dt.datetime] = mapped_column(UtcDateTime)
    resulted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_lab_result_patient_collected", "patient_id", "collected_at"),
        Index("ix_lab_result_patient_loinc", "patient_id", "loinc", "collected_at"),
    )
