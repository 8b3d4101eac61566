"""Lab orders sent to an outside lab, their tests, and the review of each result."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.domain.orders import OrderStatus, ReviewStatus
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class LabOrder(Base):
    """One requisition: tests ordered for one patient by one physician."""

    __tablename__ = "lab_order"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    ordering_provider_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    problem_id: Mapped[int | None] = mapped_column(ForeignKey("problem.id"), default=None)
    diagnosis_codes: Mapped[str] = mapped_column(String(200), default="")  # ICD-10, ";"
    specimen_notes: Mapped[str] = mapped_column(String(500), default="")
    lab_name: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[OrderStatus] = mapped_column(str_enum(OrderStatus))
    ordered_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    resulted_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (
        Index("ix_lab_order_patient", "patient_id"),
        Index("ix_lab_order_status_ordered", "status", "ordered_at"),
    )


class LabOrderTest(Base):
    """One test or panel on an order (LOINC coded)."""

    __tablename__ = "lab_order_test"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("lab_order.id"), index=True)
    loinc: Mapped[str] = mapped_column(String(10))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(10), default="test")


class ResultReview(Base):
    """A result waiting in (or signed off from) a physician's inbox."""

    __tablename__ = "result_review"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    lab_result_id: Mapped[int] = mapped_column(ForeignKey("lab_result.id"), unique=True)
    order_id: Mapped[int | None] = mapped_column(
        ForeignKey("lab_order.id"), default=None, index=True
    )
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    physician_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"))
    status: Mapped[ReviewStatus] = mapped_column(str_enum(ReviewStatus))
    comment: Mapped[str] = mapped_column(Text, default="")
    signed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    signed_at: Mapped[dt.datetime | None] = mapped_column(UtcDateTime, default=None)

    __table_args__ = (Index("ix_result_review_physician_status", "physician_id", "status"),)
