"""The patient's medication list: prescribed here or reported by the patient."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.domain.clinical import MedicationSource, MedicationStatus
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class Medication(Base):
    """One medication the patient takes (or took: ``stop_date`` and ``stop_reason``)."""

    __tablename__ = "medication"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    drug_name: Mapped[str] = mapped_column(String(200))
    ingredients: Mapped[str] = mapped_column(String(500), default="")
    strength: Mapped[str] = mapped_column(String(100), default="")
    form: Mapped[str] = mapped_column(String(60), default="")
    route: Mapped[str] = mapped_column(String(60), default="")
    # RxNorm ingredient or clinical-drug code when known (imported, or from the formulary).
    rxnorm_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    sig: Mapped[str] = mapped_column(String(500), default="")
    source: Mapped[MedicationSource] = mapped_column(str_enum(MedicationSource))
    prescription_id: Mapped[int | None] = mapped_column(ForeignKey("prescription.id"), default=None)
    status: Mapped[MedicationStatus] = mapped_column(str_enum(MedicationStatus))
    start_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    stop_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    stop_reason: Mapped[str] = mapped_column(String(300), default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (Index("ix_medication_patient_status", "patient_id", "status"),)
