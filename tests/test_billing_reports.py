"""Billing documents and reports on both engines: receipt, statement batch, close-out
takings by method and user, charges by provider and service, unpaid balances by age."""

from __future__ import annotations

import datetime as dt
import io

from billing_support import coded_visit
from pypdf import PdfReader

from emr_desktop.domain.billing import PaymentInput
from emr_desktop.services.billing.documents import BillingDocuments
from emr_desktop.services.billing.ledger import LedgerService
from emr_desktop.services.billing.reports import (
    BillingReports,
    age_balance,
    aging_csv,
    takings_csv,
)

TODAY = dt.date.today()


def test_age_balance_pays_the_oldest_first() -> None:
    entries = [
        (TODAY - dt.timedelta(days=100), 10000),
        (TODAY - dt.timedelta(days=45), 5000),
        (TODAY - dt.timedelta(days=5), 2000),
        (TODAY - dt.timedelta(days=4), -12000),
    ]
    assert age_balance(entries, TODAY) == (2000, 3000, 0, 0)


def test_receipt_and_close_out(clinic) -> None:  # type: ignore[no-untyped-def]
    pid = clinic.patient()
    coded_visit(clinic, pid, ("OV-EST", 1))
    ledger = LedgerService(clinic.db)
    pay = ledger.take_payment(clinic.desk, pid, PaymentInput("50.00", "cash"))
    ledger.take_payment(clinic.desk, pid, PaymentInput("20.00", "card", "auth 9"))
    docs = BillingDocuments(clinic.db)
    receipt = docs.receipt(clinic.desk, pay.id)
    text = PdfReader(io.BytesIO(receipt.pdf)).pages[0].extract_text()
    assert "50.00" in text and "75.00" in text  # received, and the balance after it
    assert receipt.file_name.startswith("receipt-") and "Pat" not in receipt.file_name
    rows = BillingReports(clinic.db).takings(clinic.desk, TODAY)
    mine = {(r.method, r.user): r for r in rows if r.user == "Desk"}
    assert mine[("cash", "Desk")].cents >= 5000 and mine[("card", "Desk")].payments >= 1
    assert takings_csv(rows).startswith("method,user,payments,amount\n")


def test_charges_by_provider_and_aging(clinic) -> None:  # type: ignore[no-untyped-def]
    pid = clinic.patient()
    coded_visit(clinic, pid, ("ov-est", 1), ("LAB-DRAW", 2))
    reports = BillingReports(clinic.db)
    rows = reports.charges(clinic.practice.admin, TODAY - dt.timedelta(days=30), TODAY)
    by = {(r.provider, r.code): r for r in rows}
    assert by[("Drgrey", "LAB-DRAW")].count >= 1
    aging = {r.mrn: r for r in reports.aging(clinic.desk)}
    owed = [r for r in aging.values() if r.total_cents == 12500 + 3000]
    assert owed and owed[0].buckets[0] == 15500
    assert aging_csv(owed).splitlines()[1].endswith(",155.00,0.00,0.00,0.00,155.00")


def test_statements_batch_has_one_statement_per_patient_above_the_threshold(clinic) -> None:  # type: ignore[no-untyped-def]
    pid = clinic.patient()
    coded_visit(clinic, pid, ("OV-NEW", 1))
    seen: list[tuple[int, int]] = []
    result = BillingDocuments(clinic.db).statements_batch(
        clinic.desk, "179.99", lambda done, total: seen.append((done, total))
    )
    assert seen and seen[-1][0] == seen[-1][1] == len(seen)
    assert result.pages >= len(seen)
