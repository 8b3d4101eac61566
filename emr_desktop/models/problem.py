"""Problems (diagnoses) on a patient's problem list."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.domain.clinical import ProblemStatus
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class Problem(Base):
    """A coded problem. ICD-10-CM normally; imported SNOMED-only ones keep their system."""

    __tablename__ = "problem"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    code: Mapped[str] = mapped_column(String(20))
    code_system: Mapped[str] = mapped_column(String(20), default="ICD-10-CM")
    description: Mapped[str] = mapped_column(String(300))
    onset_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    resolved_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    status: Mapped[ProblemStatus] = mapped_column(str_enum(ProblemStatus))
    note: Mapped[str] = mapped_column(Text, default="")
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (Index("ix_problem_patient_status", "patient_id", "status"),)
