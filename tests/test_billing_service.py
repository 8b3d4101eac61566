"""Billing on both engines: fees with price history, coding a signed visit, payments,
refunds, write-offs and reversals on an append-only ledger, with roles and audit rows."""

from __future__ import annotations

import datetime as dt

import pytest
from billing_support import coded_visit, ensure_fees, signed_visit
from sqlalchemy import delete, func, select, update

from emr_desktop.domain.billing import ChargeLine, EntryKind, PaymentInput
from emr_desktop.errors import LockedRecordError, PermissionDenied, ValidationError
from emr_desktop.models import AuditLog, BillingEntry
from emr_desktop.services.billing.coding import CodingService
from emr_desktop.services.billing.fees import FeeService
from emr_desktop.services.billing.ledger import LedgerService
from emr_desktop.services.chart.notes import NoteService


def _audits(clinic, action: str) -> int:  # type: ignore[no-untyped-def]
    with clinic.db.reading() as s:
        return int(s.scalar(select(func.count()).where(AuditLog.action == action)) or 0)


def test_a_new_price_leaves_old_charges_alone(clinic) -> None:  # type: ignore[no-untyped-def]
    ensure_fees(clinic)
    pid = clinic.patient()
    coded_visit(clinic, pid, ("LAB-DRAW", 1))
    fees = FeeService(clinic.db)
    fees.set_price(clinic.practice.admin, "LAB-DRAW", "17.25")
    ledger = LedgerService(clinic.db).ledger(clinic.desk, pid)
    assert [e.amount_cents for e in ledger.entries] == [1500]
    today = {f.code: f.price_cents for f in fees.list(clinic.desk)}
    assert today["LAB-DRAW"] == 1725
    old = {f.code: f.price_cents for f in fees.list(clinic.desk, as_of=dt.date(2021, 1, 1))}
    assert old["LAB-DRAW"] == 1500
    assert [p.price_cents for p in fees.history(clinic.desk, "lab-draw")][-2:] == [1500, 1725]


def test_coding_a_visit_links_diagnoses_and_leaves_the_to_be_coded_list(clinic) -> None:  # type: ignore[no-untyped-def]
    ensure_fees(clinic)
    pid = clinic.patient()
    eid = signed_visit(clinic, pid)
    coding = CodingService(clinic.db)
    assert eid in {v.encounter_id for v in coding.to_be_coded(clinic.doctor)}
    codes = {o.code for o in coding.options(clinic.doctor, eid)}
    assert {"I10", "E78.5"} <= codes
    visit = coding.code_visit(
        clinic.doctor,
        eid,
        [ChargeLine("ov-est", ("I10", "E78.5")), ChargeLine("J1100", ("I10",), 4)],
    )
    assert visit.total_cents == 12500 + 4 * 1250
    assert dict(visit.diagnoses).keys() == {"I10", "E78.5"}
    assert eid not in {v.encounter_id for v in coding.to_be_coded(clinic.doctor)}


def test_bad_coding_names_every_bad_field_and_saves_nothing(clinic) -> None:  # type: ignore[no-untyped-def]
    ensure_fees(clinic)
    pid = clinic.patient()
    eid = signed_visit(clinic, pid)
    with pytest.raises(ValidationError) as info:
        CodingService(clinic.db).code_visit(
            clinic.doctor, eid, [ChargeLine("NOPE", ("I10",)), ChargeLine("OV-EST", (), 0)]
        )
    assert info.value.field == "service 1, quantity 2, diagnoses 2"
    assert LedgerService(clinic.db).ledger(clinic.desk, pid).entries == ()


def test_a_draft_visit_cannot_be_coded(clinic) -> None:  # type: ignore[no-untyped-def]
    ensure_fees(clinic)
    pid = clinic.patient()
    note = NoteService(clinic.db).create(clinic.doctor, pid)
    with pytest.raises(LockedRecordError):
        CodingService(clinic.db).code_visit(
            clinic.doctor, note.id, [ChargeLine("OV-EST", ("I10",))]
        )


def test_payments_refunds_write_offs_and_reversals_add_up(clinic) -> None:  # type: ignore[no-untyped-def]
    pid = clinic.patient()
    coded_visit(clinic, pid, ("OV-EST", 1), ("LAB-DRAW", 1))  # 140.00
    ledger = LedgerService(clinic.db)
    pay = ledger.take_payment(clinic.desk, pid, PaymentInput("$100.00", "card", "auth 1234"))
    assert pay.shown_cents == 10000 and pay.category == "payment"
    before = _audits(clinic, "billing_write_off")
    ledger.write_off(clinic.practice.admin, pid, "15", "hardship")
    assert _audits(clinic, "billing_write_off") == before + 1
    ledger.refund(clinic.practice.admin, pid, PaymentInput("5.00", "cash"), "overpaid")
    bad = ledger.take_payment(clinic.desk, pid, PaymentInput("20", "cheque", "No. 881"))
    ledger.reverse(clinic.desk, bad.id, "cheque bounced")
    result = ledger.ledger(clinic.desk, pid)
    assert result.balance_cents == 14000 - 10000 - 1500 + 500
    assert result.balance_cents == sum(e.amount_cents for e in result.entries)
    assert [e.kind for e in result.entries][-2:] == [EntryKind.PAYMENT, EntryKind.REVERSAL]
    assert result.entries[-2].reversed_by_id == result.entries[-1].id
    with pytest.raises(LockedRecordError):
        ledger.reverse(clinic.desk, bad.id, "again")


def test_money_input_is_checked_all_at_once(clinic) -> None:  # type: ignore[no-untyped-def]
    pid = clinic.patient()
    with pytest.raises(ValidationError) as info:
        LedgerService(clinic.db).take_payment(clinic.desk, pid, PaymentInput("12.345", "barter"))
    assert info.value.field == "amount, method"
    with pytest.raises(ValidationError) as info:
        LedgerService(clinic.db).take_payment(clinic.desk, pid, PaymentInput("10", "cheque"))
    assert info.value.field == "reference"
    with pytest.raises(ValidationError):
        LedgerService(clinic.db).write_off(clinic.practice.admin, pid, "1.00", "nothing owed")


def test_roles(clinic) -> None:  # type: ignore[no-untyped-def]
    pid = clinic.patient()
    eid = coded_visit(clinic, pid, ("OV-EST", 1))
    ledger, coding, fees = LedgerService(clinic.db), CodingService(clinic.db), FeeService(clinic.db)
    with pytest.raises(PermissionDenied):
        ledger.ledger(clinic.nurse, pid)  # the nurse sees nothing of billing
    with pytest.raises(PermissionDenied):
        fees.list(clinic.nurse)
    with pytest.raises(PermissionDenied):
        coding.code_visit(clinic.desk, eid, [ChargeLine("OV-EST", ("I10",))])
    with pytest.raises(PermissionDenied):
        ledger.write_off(clinic.desk, pid, "1", "no")
    with pytest.raises(PermissionDenied):
        fees.set_price(clinic.desk, "OV-EST", "1")
    with pytest.raises(PermissionDenied):
        ledger.take_payment(clinic.nurse, pid, PaymentInput("1", "cash"))
    charge = ledger.ledger(clinic.desk, pid).entries[0]
    with pytest.raises(PermissionDenied):
        ledger.reverse(clinic.desk, charge.id, "the desk cannot undo coding")
    ledger.reverse(clinic.doctor, charge.id, "coded the wrong level")
    assert ledger.ledger(clinic.desk, pid).balance_cents == 0


def test_the_database_refuses_edits_and_deletes_of_entries(clinic) -> None:  # type: ignore[no-untyped-def]
    pid = clinic.patient()
    coded_visit(clinic, pid, ("OV-EST", 1))
    for stmt in (
        update(BillingEntry).where(BillingEntry.patient_id == pid).values(amount_cents=1),
        delete(BillingEntry).where(BillingEntry.patient_id == pid),
    ):
        with pytest.raises(Exception, match="append-only"), clinic.db.unit_of_work() as s:
            s.execute(stmt)


def test_a_merge_moves_the_ledger_to_the_kept_record(clinic) -> None:  # type: ignore[no-untyped-def]
    from emr_desktop.services.patients.registry import PatientService

    keep, gone = clinic.patient(), clinic.patient()
    coded_visit(clinic, gone, ("OV-EST", 1))
    PatientService(clinic.db).merge(clinic.doctor, keep, gone)
    assert LedgerService(clinic.db).ledger(clinic.desk, keep).balance_cents == 12500
