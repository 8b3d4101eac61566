"""The practice's details and its providers' credentials (printed on documents)."""

from __future__ import annotations

from sqlalchemy import Boolean, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.models.base import Base


class Practice(Base):
    """The one practice this database belongs to (a single row, id 1)."""

    __tablename__ = "practice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    address_line1: Mapped[str] = mapped_column(String(200), default="")
    address_line2: Mapped[str] = mapped_column(String(200), default="")
    city: Mapped[str] = mapped_column(String(100), default="")
    state: Mapped[str] = mapped_column(String(50), default="")
    postal_code: Mapped[str] = mapped_column(String(20), default="")
    country: Mapped[str] = mapped_column(String(2), default="US", server_default="US")
    phone: Mapped[str] = mapped_column(String(40), default="")
    fax: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="")
    slot_minutes: Mapped[int] = mapped_column(Integer, default=15)


class ProviderProfile(Base):
    """A clinician's credentials and whether they have a column on the schedule."""

    __tablename__ = "provider_profile"

    user_id: Mapped[int] = mapped_column(ForeignKey("app_user.id"), primary_key=True)
    credentials: Mapped[str] = mapped_column(String(40), default="")  # MD, DO, NP, PA
    specialty: Mapped[str] = mapped_column(String(100), default="")
    npi: Mapped[str] = mapped_column(String(10), default="")
    dea: Mapped[str] = mapped_column(String(9), default="")
    license_number: Mapped[str] = mapped_column(String(40), default="")
    license_state: Mapped[str] = mapped_column(String(20), default="")
    scheduled: Mapped[bool] = mapped_column(Boolean, default=True)
    color: Mapped[str] = mapped_column(String(9), default="")


class Counter(Base):
    """A named counter handed out inside transactions (MRNs)."""

    __tablename__ = "counter"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[int] = mapped_column(Integer)
