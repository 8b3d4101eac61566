"""Billing values every layer shares: entry kinds, payment methods and the billing DTOs.

Amounts are integer cents. ``LedgerEntry.amount_cents`` is the entry's effect on the
balance (a charge or a refund raises it, a payment or a write-off lowers it), so a
ledger's balance is the plain sum of its entries.
"""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass


class EntryKind(enum.StrEnum):
    """What a ledger entry is; entries are never edited, a correction is a reversal."""

    CHARGE = "charge"
    PAYMENT = "payment"
    REFUND = "refund"
    WRITE_OFF = "write-off"
    REVERSAL = "reversal"

    @property
    def category(self) -> str:
        """'charge', 'payment' or 'adjustment', as the ledger prints it."""
        if self in (EntryKind.CHARGE, EntryKind.PAYMENT):
            return self.value
        return "adjustment"


class PaymentMethod(enum.StrEnum):
    """How a patient paid (or was refunded)."""

    CASH = "cash"
    CARD = "card"
    CHEQUE = "cheque"


@dataclass(frozen=True, slots=True)
class FeeRow:
    """One service of the fee schedule with the price in force on ``as_of``."""

    id: int
    code: str
    description: str
    price_cents: int
    effective_from: dt.date
    active: bool
    as_of: dt.date


@dataclass(frozen=True, slots=True)
class FeePrice:
    """One price of a service, from the day it took effect."""

    effective_from: dt.date
    price_cents: int
    set_by: str


@dataclass(frozen=True, slots=True)
class ChargeLine:
    """One service picked for a visit, linked to one or more of its ICD-10-CM diagnoses."""

    fee_code: str
    diagnoses: tuple[str, ...]
    quantity: int = 1


@dataclass(frozen=True, slots=True)
class PaymentInput:
    """A payment as the front desk types it (amount as text, parsed exactly)."""

    amount: str
    method: PaymentMethod | str
    reference: str = ""
    paid_on: dt.date | None = None


@dataclass(frozen=True, slots=True)
class LedgerEntry:
    """One line of a patient's ledger: descriptions and amounts only, never the note."""

    id: int
    kind: EntryKind
    entry_date: dt.date
    code: str  # the fee code of a charge (or of the charge a reversal undoes)
    description: str
    method: str  # payment or refund method, else ""
    reference: str
    amount_cents: int  # the effect on the balance
    encounter_id: int | None
    reverses_id: int | None
    reversed_by_id: int | None
    recorded_by: str
    recorded_at: dt.datetime
    diagnoses: tuple[str, ...] = ()
    patient_id: int = 0

    @property
    def category(self) -> str:
        """'charge', 'payment' or 'adjustment'."""
        return self.kind.category

    @property
    def shown_cents(self) -> int:
        """The amount as printed: charges and payments positive, adjustments signed."""
        if self.kind is EntryKind.PAYMENT:
            return -self.amount_cents
        return self.amount_cents

    @property
    def code_or_method(self) -> str:
        """The fee code of a charge, the method of a payment, the kind of an adjustment."""
        if self.kind is EntryKind.CHARGE:
            return self.code
        if self.kind is EntryKind.PAYMENT:
            return self.method
        if self.kind is EntryKind.REFUND:
            return f"refund {self.method}".strip()
        if self.kind is EntryKind.REVERSAL:
            return f"reversal {self.code}".strip()
        return self.kind.value


@dataclass(frozen=True, slots=True)
class BillingPatient:
    """The patient a billing document is about: the two identifiers and an address."""

    id: int
    mrn: str
    name: str
    birth_date: dt.date
    address: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class Ledger:
    """A patient's entries, oldest first, and the balance they add up to."""

    patient: BillingPatient
    entries: tuple[LedgerEntry, ...]
    balance_cents: int


@dataclass(frozen=True, slots=True)
class VisitCharges:
    """One visit as a superbill shows it: provider, date, services and diagnoses."""

    encounter_id: int
    occurred_at: dt.datetime
    kind: str
    provider: str
    provider_npi: str
    signed: bool
    charges: tuple[LedgerEntry, ...]
    diagnoses: tuple[tuple[str, str], ...]  # (code, description) the charges name

    @property
    def total_cents(self) -> int:
        """What the visit's services add up to, after reversals."""
        return sum(c.amount_cents for c in self.charges)


@dataclass(frozen=True, slots=True)
class UncodedVisit:
    """A signed visit without charges: the "to be coded" list."""

    encounter_id: int
    patient_id: int
    mrn: str
    patient_name: str
    occurred_at: dt.datetime
    provider: str
    kind: str


@dataclass(frozen=True, slots=True)
class DiagnosisOption:
    """A diagnosis a visit's charges may be linked to (problem list or the note)."""

    code: str
    description: str


@dataclass(frozen=True, slots=True)
class TakingsRow:
    """The day's takings of one method by one user (close-out)."""

    method: str
    user: str
    payments: int
    cents: int


@dataclass(frozen=True, slots=True)
class ChargesRow:
    """Charges of one service by one provider over a period."""

    provider: str
    code: str
    description: str
    count: int
    cents: int


@dataclass(frozen=True, slots=True)
class AgingRow:
    """One patient's unpaid balance by the age of its charges (0-30 ... 90+ days)."""

    mrn: str
    name: str
    buckets: tuple[int, int, int, int]

    @property
    def total_cents(self) -> int:
        """The whole balance owed."""
        return sum(self.buckets)


AGE_BUCKETS = ("0-30", "31-60", "61-90", "90+")
