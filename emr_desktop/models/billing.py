"""The practice's own billing: the fee schedule with its price history, and the ledger.

Ledger entries (charges, payments, refunds, write-offs, reversals) and fee prices are
append-only: the migration adds triggers refusing UPDATE and DELETE, so a correction is
always a new reversing entry. Money is integer cents (BIGINT), never float.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Boolean, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from emr_desktop.domain.billing import EntryKind
from emr_desktop.models.base import Base, UtcDateTime, utcnow
from emr_desktop.models.types import str_enum


class Fee(Base):
    """A service of the practice's fee schedule; its prices live in FeePrice."""

    __tablename__ = "billing_fee"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    description: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)
    version: Mapped[int] = mapped_column(Integer, default=1)

    __mapper_args__ = {"version_id_col": version}  # noqa: RUF012


class FeePrice(Base):
    """A price of a service from ``effective_from`` on; a new price is a new row."""

    __tablename__ = "billing_fee_price"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fee_id: Mapped[int] = mapped_column(ForeignKey("billing_fee.id"))
    effective_from: Mapped[dt.date] = mapped_column(Date)
    price_cents: Mapped[int] = mapped_column(BigInteger)
    set_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    set_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_billing_fee_price_fee_id_effective_from", "fee_id", "effective_from"),
    )


class BillingEntry(Base):
    """One ledger entry; ``amount_cents`` is its effect on the patient's balance."""

    __tablename__ = "billing_entry"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("patient.id"))
    kind: Mapped[EntryKind] = mapped_column(str_enum(EntryKind, 20))
    entry_date: Mapped[dt.date] = mapped_column(Date)
    encounter_id: Mapped[int | None] = mapped_column(ForeignKey("encounter.id"), default=None)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"), default=None)
    fee_id: Mapped[int | None] = mapped_column(ForeignKey("billing_fee.id"), default=None)
    code: Mapped[str] = mapped_column(String(20), default="")
    description: Mapped[str] = mapped_column(String(200), default="")
    quantity: Mapped[int] = mapped_column(Integer, default=1)
    unit_cents: Mapped[int] = mapped_column(BigInteger, default=0)
    amount_cents: Mapped[int] = mapped_column(BigInteger)
    method: Mapped[str] = mapped_column(String(20), default="")
    reference: Mapped[str] = mapped_column(String(100), default="")
    reason: Mapped[str] = mapped_column(String(300), default="")
    reverses_id: Mapped[int | None] = mapped_column(
        ForeignKey("billing_entry.id"), unique=True, default=None
    )
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UtcDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_billing_entry_patient_id_entry_date", "patient_id", "entry_date"),
        Index("ix_billing_entry_encounter_id", "encounter_id"),
        Index("ix_billing_entry_recorded_at", "recorded_at"),
    )


class EntryDiagnosis(Base):
    """An ICD-10-CM diagnosis a charge is linked to (in the order the physician gave)."""

    __tablename__ = "billing_entry_diagnosis"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("billing_entry.id"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    code: Mapped[str] = mapped_column(String(20))
    description: Mapped[str] = mapped_column(String(300), default="")
