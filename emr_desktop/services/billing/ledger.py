"""A patient's ledger: payments, refunds, write-offs and reversals, and the balance.

Nothing here edits or deletes an entry (the database refuses it too): a mistake is put
right by a reversing entry that points at the one it undoes.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.billing import EntryKind, Ledger, LedgerEntry, PaymentInput, PaymentMethod
from emr_desktop.domain.money import money_text, parse_money
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import LockedRecordError, NotFound, ValidationError
from emr_desktop.models import BillingEntry
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.billing.fees import Checks
from emr_desktop.services.billing.rows import (
    balance_cents,
    billing_patient,
    entry_rows,
    ledger_query,
    load_entries,
)
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.records import get_patient, patient_by_mrn

# Who may reverse an entry of each kind.
_REVERSE_NEEDS = {
    EntryKind.CHARGE: Permission.BILLING_CODE,
    EntryKind.PAYMENT: Permission.BILLING_PAYMENT,
    EntryKind.REFUND: Permission.BILLING_ADJUST,
    EntryKind.WRITE_OFF: Permission.BILLING_ADJUST,
}


def _method(value: PaymentMethod | str) -> PaymentMethod:
    return v.choice("method", PaymentMethod, value)


def _day(field: str, day: dt.date | None) -> dt.date:
    day = day or dt.date.today()
    v.not_future(field, day)
    return day


def clean_payment(data: PaymentInput) -> tuple[int, PaymentMethod, str, dt.date]:
    """Amount (cents), method, reference and date, naming every bad field at once."""
    c = Checks()
    cents = c.run("amount", lambda: parse_money("amount", data.amount), 0)
    method = c.run("method", lambda: _method(data.method), PaymentMethod.CASH)
    ref = c.run("reference", lambda: v.text("reference", data.reference, max_len=100), "")
    day = c.run("date", lambda: _day("date", data.paid_on), dt.date.today())
    if method is PaymentMethod.CHEQUE and not ref and all(f != "reference" for f, _ in c.bad):
        c.refuse("reference", "a cheque needs its number as the reference")
    c.done()
    return cents, method, ref, day


def _money(
    actor: Actor,
    patient_id: int,
    kind: EntryKind,
    cents: int,
    method: PaymentMethod,
    reference: str,
    day: dt.date,
) -> BillingEntry:
    """A payment (``cents`` negative) or refund entry, not yet added."""
    word = "Payment" if kind is EntryKind.PAYMENT else "Refund"
    return BillingEntry(
        patient_id=patient_id,
        kind=kind,
        entry_date=day,
        description=f"{word} ({method.value})",
        amount_cents=cents,
        method=method.value,
        reference=reference,
        recorded_by_id=actor.user_id,
    )


class LedgerService:
    """Ledgers and money in and out. Receptionists take payments; the manager refunds and
    writes off; the physician reverses a charge that was coded wrong."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def ledger(self, actor: Actor, patient_id: int) -> Ledger:
        """Every entry of a patient's ledger, oldest first, and the balance."""
        require(actor, Permission.BILLING_VIEW)
        with self._db.unit_of_work(actor) as s:
            return self._ledger(s, actor, get_patient(s, patient_id).id)

    def ledger_by_mrn(self, actor: Actor, mrn: str) -> Ledger:
        """The ledger of the patient with this MRN."""
        require(actor, Permission.BILLING_VIEW)
        with self._db.unit_of_work(actor) as s:
            return self._ledger(s, actor, patient_by_mrn(s, mrn).id)

    @staticmethod
    def _ledger(s: Session, actor: Actor, patient_id: int) -> Ledger:
        patient = get_patient(s, patient_id)
        entries = load_entries(s, ledger_query(patient.id))
        record(
            s,
            actor,
            "billing_ledger_view",
            entity="patient",
            entity_id=patient.id,
            patient_id=patient.id,
            details={"entries": len(entries)},
        )
        total = sum(e.amount_cents for e in entries)
        return Ledger(billing_patient(patient), tuple(entries), total)

    def take_payment(self, actor: Actor, patient_id: int, data: PaymentInput) -> LedgerEntry:
        """Record a payment (cash, card or cheque with its reference); lowers the balance."""
        require(actor, Permission.BILLING_PAYMENT)
        cents, method, ref, day = clean_payment(data)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            e = _money(actor, patient.id, EntryKind.PAYMENT, -cents, method, ref, day)
            return self._append(s, actor, "billing_payment", e)

    def refund(self, actor: Actor, patient_id: int, data: PaymentInput, reason: str) -> LedgerEntry:
        """Give money back (raises the balance); never more than the patient has paid."""
        require(actor, Permission.BILLING_ADJUST)
        cents, method, ref, day = clean_payment(data)
        why = v.text("reason", reason, max_len=300, required=True)
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            paid = -int(
                s.scalar(
                    select(func.coalesce(func.sum(BillingEntry.amount_cents), 0)).where(
                        BillingEntry.patient_id == patient.id,
                        BillingEntry.kind.in_((EntryKind.PAYMENT, EntryKind.REFUND)),
                    )
                )
                or 0
            )
            if cents > paid:
                raise ValidationError(
                    "amount", f"is more than the patient has paid ({money_text(paid)})"
                )
            e = _money(actor, patient.id, EntryKind.REFUND, cents, method, ref, day)
            e.reason = why
            return self._append(s, actor, "billing_refund", e)

    def write_off(self, actor: Actor, patient_id: int, amount: str, reason: str) -> LedgerEntry:
        """Write off part or all of what a patient owes (the manager approves by doing it)."""
        require(actor, Permission.BILLING_ADJUST)
        c = Checks()
        cents = c.run("amount", lambda: parse_money("amount", amount), 0)
        why = c.run("reason", lambda: v.text("reason", reason, max_len=300, required=True), "")
        c.done()
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id, writable=True)
            owed = balance_cents(s, patient.id)
            if cents > owed:
                raise ValidationError("amount", f"is more than the balance ({money_text(owed)})")
            e = BillingEntry(
                patient_id=patient.id,
                kind=EntryKind.WRITE_OFF,
                entry_date=dt.date.today(),
                description="Write-off",
                amount_cents=-cents,
                reason=why,
                recorded_by_id=actor.user_id,
            )
            return self._append(s, actor, "billing_write_off", e)

    def reverse(self, actor: Actor, entry_id: int, reason: str) -> LedgerEntry:
        """Undo an entry with a reversing one (the original stays, marked reversed)."""
        require(actor, Permission.BILLING_VIEW)
        why = v.text("reason", reason, max_len=300, required=True)
        with self._db.unit_of_work(actor) as s:
            original = s.get(BillingEntry, entry_id)
            if original is None:
                raise NotFound("That ledger entry does not exist.")
            if original.kind is EntryKind.REVERSAL:
                raise LockedRecordError("A reversal cannot itself be reversed.")
            require(actor, _REVERSE_NEEDS[original.kind])
            get_patient(s, original.patient_id, writable=True)
            done = s.scalar(select(BillingEntry.id).where(BillingEntry.reverses_id == original.id))
            if done is not None:
                raise LockedRecordError("This entry has already been reversed.")
            e = BillingEntry(
                patient_id=original.patient_id,
                kind=EntryKind.REVERSAL,
                entry_date=dt.date.today(),
                encounter_id=original.encounter_id,
                provider_id=original.provider_id,
                fee_id=original.fee_id,
                code=original.code,
                description=f"Reversal: {original.description}"[:200],
                quantity=original.quantity,
                unit_cents=original.unit_cents,
                amount_cents=-original.amount_cents,
                method=original.method,
                reason=why,
                reverses_id=original.id,
                recorded_by_id=actor.user_id,
            )
            return self._append(s, actor, "billing_reverse", e)

    @staticmethod
    def _append(s: Session, actor: Actor, action: str, e: BillingEntry) -> LedgerEntry:
        """Add the entry and its audit row (same transaction); its DTO."""
        s.add(e)
        s.flush()
        record(
            s,
            actor,
            action,
            entity="billing_entry",
            entity_id=e.id,
            patient_id=e.patient_id,
            details={"amount_cents": e.amount_cents, "reverses": e.reverses_id},
        )
        return entry_rows(s, [e])[0]
