"""Loading ledger entries as DTOs in a fixed number of queries, and the billing patient."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.billing import BillingPatient, LedgerEntry
from emr_desktop.models import BillingEntry, EntryDiagnosis, Patient
from emr_desktop.services.common.records import user_names


def patient_name(p: Patient) -> str:
    """'Given Middle Family', as billing documents print it."""
    return " ".join(x for x in (p.given_name, p.middle_name, p.family_name) if x)


def billing_patient(p: Patient) -> BillingPatient:
    """The two identifiers and the postal address of a patient."""
    place = " ".join(x for x in (p.state, p.postal_code) if x)
    town = ", ".join(x for x in (p.city, place) if x)
    address = tuple(x for x in (p.address_line1, p.address_line2, town) if x)
    return BillingPatient(p.id, p.mrn, patient_name(p), p.birth_date, address)


def load_entries(session: Session, query: Select[BillingEntry]) -> list[LedgerEntry]:
    """The entries ``query`` selects, with diagnoses, reversals and recorders (4 queries)."""
    entries = list(session.scalars(query))
    return entry_rows(session, entries)


def entry_rows(session: Session, entries: Sequence[BillingEntry]) -> list[LedgerEntry]:
    """DTOs of loaded entries (3 more queries, whatever their number)."""
    ids = [e.id for e in entries]
    diagnoses: dict[int, list[str]] = defaultdict(list)
    reversed_by: dict[int, int] = {}
    if ids:
        dx = select(EntryDiagnosis).where(EntryDiagnosis.entry_id.in_(ids))
        for d in session.scalars(dx.order_by(EntryDiagnosis.entry_id, EntryDiagnosis.position)):
            diagnoses[d.entry_id].append(d.code)
        rev = select(BillingEntry.id, BillingEntry.reverses_id).where(
            BillingEntry.reverses_id.in_(ids)
        )
        reversed_by = {row.reverses_id: row.id for row in session.execute(rev)}
    names = user_names(session, {e.recorded_by_id for e in entries})
    return [
        LedgerEntry(
            id=e.id,
            kind=e.kind,
            entry_date=e.entry_date,
            code=e.code,
            description=e.description,
            method=e.method,
            reference=e.reference,
            amount_cents=e.amount_cents,
            encounter_id=e.encounter_id,
            reverses_id=e.reverses_id,
            reversed_by_id=reversed_by.get(e.id),
            recorded_by=names.get(e.recorded_by_id or 0, ""),
            recorded_at=e.recorded_at,
            diagnoses=tuple(diagnoses.get(e.id, ())),
            patient_id=e.patient_id,
        )
        for e in entries
    ]


def ledger_query(patient_id: int) -> Select[BillingEntry]:
    """A patient's entries, oldest first (by date, then as recorded)."""
    return (
        select(BillingEntry)
        .where(BillingEntry.patient_id == patient_id)
        .order_by(BillingEntry.entry_date, BillingEntry.id)
    )


def balance_cents(session: Session, patient_id: int) -> int:
    """The patient's balance: the sum of every entry's effect."""
    total = session.scalar(
        select(func.coalesce(func.sum(BillingEntry.amount_cents), 0)).where(
            BillingEntry.patient_id == patient_id
        )
    )
    return int(total or 0)
