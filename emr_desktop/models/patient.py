"""A patient's identity and demographics, and the name tokens patient search uses."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.domain.clinical import Sex
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class Patient(Base):
    """A registered patient. ``version`` guards against two workstations' edits."""

    __tablename__ = "patient"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mrn: Mapped[str] = mapped_column(String(16), unique=True)
    given_name: Mapped[str] = mapped_column(String(100))
    middle_name: Mapped[str] = mapped_column(String(100), default="")
    family_name: Mapped[str] = mapped_column(String(100))
    preferred_name: Mapped[str] = mapped_column(String(100), default="")
    birth_date: Mapped[dt.date] = mapped_column(Date, index=True)
    sex_at_birth: Mapped[Sex] = mapped_column(str_enum(Sex))
    gender_identity: Mapped[str] = mapped_column(String(60), default="")
    phone_mobile: Mapped[str] = mapped_column(String(40), default="")
    phone_home: Mapped[str] = mapped_column(String(40), default="")
    mobile_digits: Mapped[str] = mapped_column(String(20), default="", index=True)
    home_digits: Mapped[str] = mapped_column(String(20), default="", index=True)
    email: Mapped[str] = mapped_column(String(200), default="")
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(50), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    preferred_language: Mapped[str] = mapped_column(String(60), default="English")
    emergency_contact_name: Mapped[str] = mapped_column(String(200), default="")
    emergency_contact_phone: Mapped[str] = mapped_column(String(40), default="")
    emergency_contact_relation: Mapped[str] = mapped_column(String(60), default="")
    insurance_payer: Mapped[str] = mapped_column(String(200), default="")
    insurance_member_id: Mapped[str] = mapped_column(String(60), default="")
    no_known_allergies: Mapped[bool] = mapped_column(Boolean, default=False)
    alerts: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    deceased_on: Mapped[dt.date | None] = mapped_column(Date, default=None)
    merged_into_id: Mapped[int | None] = mapped_column(ForeignKey("patient.id"), default=None)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012
    __table_args__ = (Index("ix_patient_family_given", "family_name", "given_name"),)


class PatientNameToken(Base):
    """One normalised word of a patient's names; search is a range scan over ``token``.

    ``kind`` is f(amily), g(iven), m(iddle) or p(referred), used to rank matches.
    """

    __tablename__ = "patient_name_token"

    # Byte order on PostgreSQL too, so a prefix range means the same under any locale.
    token: Mapped[str] = mapped_column(
        String(100).with_variant(String(100, collation="C"), "postgresql"), primary_key=True
    )
    patient_id: Mapped[int] = mapped_column(
        ForeignKey("patient.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    kind: Mapped[str] = mapped_column(String(1), primary_key=True)
