"""Printing billing documents: statement, receipt, superbill and a batch of statements.

Building one is the act of printing it, so each call writes its audit row in the same
transaction that read the data; the caller writes the file only after that commit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from sqlalchemy import func, select

from emr_desktop.domain.billing import EntryKind, LedgerEntry
from emr_desktop.domain.exports import ExportResult
from emr_desktop.domain.money import parse_money
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import BillingEntry, Encounter, Patient
from emr_desktop.persistence.database import Database
from emr_desktop.reports.billing import receipt_pdf, statement_pdf, statements_pdf, superbill_pdf
from emr_desktop.reports.pdf_options import page_count
from emr_desktop.security.permissions import require
from emr_desktop.services.billing.coding import visit_charges
from emr_desktop.services.billing.rows import (
    balance_cents,
    billing_patient,
    ledger_query,
    load_entries,
)
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.records import get_patient
from emr_desktop.services.practice.details import load_details

MAX_BATCH = 5000


def file_name(kind: str, mrn: str, day: dt.date) -> str:
    """'statement-1234567-8-2026-12-02.pdf': MRN and date, never the patient's name."""
    safe = "".join(c for c in mrn if c.isalnum() or c == "-")
    return f"{kind}-{safe}-{day.isoformat()}.pdf"


class BillingDocuments:
    """Statements, receipts and superbills: for the front desk, the manager and physicians."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def statement(self, actor: Actor, patient_id: int) -> ExportResult:
        """The patient's statement: every entry and the balance due."""
        require(actor, Permission.BILLING_VIEW)
        now = dt.datetime.now().astimezone()
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id)
            entries = load_entries(s, ledger_query(patient.id))
            balance = sum(e.amount_cents for e in entries)
            pdf = statement_pdf(load_details(s), billing_patient(patient), entries, balance, now)
            record(
                s,
                actor,
                "billing_statement_print",
                entity="patient",
                entity_id=patient.id,
                patient_id=patient.id,
                details={"entries": len(entries)},
            )
            return ExportResult(
                pdf, file_name("statement", patient.mrn, now.date()), page_count(pdf)
            )

    def receipt(self, actor: Actor, entry_id: int) -> ExportResult:
        """The receipt of one payment, with the balance after it."""
        require(actor, Permission.BILLING_VIEW)
        now = dt.datetime.now().astimezone()
        with self._db.unit_of_work(actor) as s:
            e = s.get(BillingEntry, entry_id)
            if e is None or e.kind is not EntryKind.PAYMENT:
                raise NotFound("That payment does not exist.")
            patient = get_patient(s, e.patient_id)
            entries = load_entries(s, ledger_query(patient.id))
            payment = next(x for x in entries if x.id == e.id)
            after = sum(
                x.amount_cents
                for x in entries
                if (x.recorded_at, x.id) <= (payment.recorded_at, payment.id)
            )
            pdf = receipt_pdf(load_details(s), billing_patient(patient), payment, after, now)
            record(
                s,
                actor,
                "billing_receipt_print",
                entity="billing_entry",
                entity_id=e.id,
                patient_id=patient.id,
            )
            return ExportResult(pdf, file_name("receipt", patient.mrn, now.date()), page_count(pdf))

    def superbill(
        self, actor: Actor, patient_id: int, encounter_id: int | None = None
    ) -> ExportResult:
        """The superbill of a visit (default: the patient's latest visit with charges)."""
        require(actor, Permission.BILLING_VIEW)
        now = dt.datetime.now().astimezone()
        with self._db.unit_of_work(actor) as s:
            patient = get_patient(s, patient_id)
            if encounter_id is None:
                encounter_id = s.scalar(
                    select(Encounter.id)
                    .join(BillingEntry, BillingEntry.encounter_id == Encounter.id)
                    .where(Encounter.patient_id == patient.id)
                    .order_by(Encounter.occurred_at.desc(), Encounter.id.desc())
                    .limit(1)
                )
                if encounter_id is None:
                    raise NotFound("This patient has no coded visit yet.")
            enc = s.get(Encounter, encounter_id)
            if enc is None or enc.patient_id != patient.id:
                raise NotFound("That visit is not one of this patient's.")
            visit = visit_charges(s, enc)
            if not visit.charges:
                raise NotFound("That visit has not been coded yet.")
            pdf = superbill_pdf(load_details(s), billing_patient(patient), visit, now)
            record(
                s,
                actor,
                "billing_superbill_print",
                entity="encounter",
                entity_id=enc.id,
                patient_id=patient.id,
                details={"charges": len(visit.charges)},
            )
            return ExportResult(
                pdf, file_name("superbill", patient.mrn, now.date()), page_count(pdf)
            )

    def statements_batch(
        self,
        actor: Actor,
        threshold: str,
        progress: Callable[[int, int], None] | None = None,
    ) -> ExportResult:
        """Statements of every patient whose balance is above ``threshold``, as one PDF."""
        require(actor, Permission.BILLING_VIEW)
        above = parse_money("threshold", threshold, allow_zero=True)
        now = dt.datetime.now().astimezone()
        with self._db.unit_of_work(actor) as s:
            totals = (
                select(BillingEntry.patient_id, func.sum(BillingEntry.amount_cents).label("due"))
                .group_by(BillingEntry.patient_id)
                .having(func.sum(BillingEntry.amount_cents) > above)
                .subquery()
            )
            patients = list(
                s.scalars(
                    select(Patient)
                    .join(totals, totals.c.patient_id == Patient.id)
                    .order_by(Patient.family_name, Patient.given_name, Patient.id)
                    .limit(MAX_BATCH + 1)
                )
            )
            if not patients:
                raise ValidationError("threshold", "no patient has a balance above it")
            if len(patients) > MAX_BATCH:
                raise ValidationError("threshold", f"more than {MAX_BATCH} patients; raise it")
            ids = [p.id for p in patients]
            entries = load_entries(
                s,
                select(BillingEntry)
                .where(BillingEntry.patient_id.in_(ids))
                .order_by(BillingEntry.entry_date, BillingEntry.id),
            )
            by_patient: dict[int, list[LedgerEntry]] = {i: [] for i in ids}
            for e in entries:
                by_patient[e.patient_id].append(e)
            batch = [
                (
                    billing_patient(p),
                    by_patient[p.id],
                    sum(e.amount_cents for e in by_patient[p.id]),
                )
                for p in patients
            ]
            pdf = statements_pdf(load_details(s), batch, now, progress)
            record(
                s,
                actor,
                "billing_statements_print",
                details={"patients": len(batch), "threshold_cents": above},
            )
            return ExportResult(pdf, f"statements-{now.date().isoformat()}.pdf", page_count(pdf))

    def balance(self, actor: Actor, patient_id: int) -> int:
        """The patient's balance in cents (no entries listed, so no audit row)."""
        require(actor, Permission.BILLING_VIEW)
        with self._db.reading(actor) as s:
            return balance_cents(s, get_patient(s, patient_id).id)
