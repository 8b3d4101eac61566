"""Immunizations, attached documents and referrals."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Date, ForeignKey, Index, Integer, LargeBinary, String, Text
from sqlalchemy.orm import Mapped, deferred, mapped_column

from emr_desktop.domain.clinical import RecordStatus, ReferralStatus, Urgency
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class Immunization(Base):
    """A vaccine given (CVX coded)."""

    __tablename__ = "immunization"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    cvx: Mapped[str] = mapped_column(String(4))
    vaccine: Mapped[str] = mapped_column(String(200))
    given_on: Mapped[dt.date] = mapped_column(Date)
    lot: Mapped[str] = mapped_column(String(40), default="")
    site: Mapped[str] = mapped_column(String(60), default="")
    route: Mapped[str] = mapped_column(String(60), default="")
    given_by: Mapped[str] = mapped_column(String(200), default="")
    status: Mapped[RecordStatus] = mapped_column(str_enum(RecordStatus))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (Index("ix_immunization_patient_given", "patient_id", "given_on"),)


class Document(Base):
    """An attached PDF or image, stored inside the encrypted database."""

    __tablename__ = "document"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    title: Mapped[str] = mapped_column(String(200))
    media_type: Mapped[str] = mapped_column(String(60))
    size_bytes: Mapped[int] = mapped_column(Integer)
    content: Mapped[bytes] = deferred(mapped_column(LargeBinary))
    document_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)


class Referral(Base):
    """A referral to an outside specialist."""

    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"), index=True)
    to_name: Mapped[str] = mapped_column(String(200))
    to_specialty: Mapped[str] = mapped_column(String(100))
    to_organization: Mapped[str] = mapped_column(String(200), default="")
    to_phone: Mapped[str] = mapped_column(String(40), default="")
    to_fax: Mapped[str] = mapped_column(String(40), default="")
    reason: Mapped[str] = mapped_column(String(500))
    clinical_question: Mapped[str] = mapped_column(Text, default="")
    urgency: Mapped[Urgency] = mapped_column(str_enum(Urgency))
    status: Mapped[ReferralStatus] = mapped_column(str_enum(ReferralStatus))
    sent_date: Mapped[dt.date | None] = mapped_column(Date, default=None)
    referring_provider_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
