"""Prescriptions with a structured sig."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.domain.clinical import RxStatus
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class Prescription(Base):
    """A prescription. Numbers that print (dose, quantity) are kept as exact decimal text."""

    __tablename__ = "prescription"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    prescriber_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    drug_name: Mapped[str] = mapped_column(String(200))
    # RxNorm ingredient or clinical-drug code when known (imported, or from the formulary).
    rxnorm_code: Mapped[str] = mapped_column(String(20), default="", server_default="")
    ingredients: Mapped[str] = mapped_column(String(500), default="")
    strength: Mapped[str] = mapped_column(String(100), default="")
    form: Mapped[str] = mapped_column(String(60), default="")
    route: Mapped[str] = mapped_column(String(60), default="")
    dose: Mapped[str] = mapped_column(String(20))
    dose_unit: Mapped[str] = mapped_column(String(30))
    frequency: Mapped[str] = mapped_column(String(40))
    duration_days: Mapped[int | None] = mapped_column(Integer, default=None)
    prn: Mapped[bool] = mapped_column(Boolean, default=False)
    prn_indication: Mapped[str] = mapped_column(String(200), default="")
    sig: Mapped[str] = mapped_column(String(500))
    quantity: Mapped[str] = mapped_column(String(20))
    quantity_unit: Mapped[str] = mapped_column(String(30), default="")
    refills: Mapped[int] = mapped_column(Integer, default=0)
    dispense_as_written: Mapped[bool] = mapped_column(Boolean, default=False)
    note_to_pharmacist: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[RxStatus] = mapped_column(str_enum(RxStatus))
    renewal_of_id: Mapped[int | None] = mapped_column(ForeignKey("prescription.id"), default=None)
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    cancel_reason: Mapped[str] = mapped_column(String(300), default="")
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (Index("ix_prescription_patient_status", "patient_id", "status"),)
