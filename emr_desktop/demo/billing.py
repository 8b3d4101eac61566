"""Billing in the demo practice: a fee schedule with a price rise a year ago, charges on
the signed past visits (a few recent ones left to be coded), and a realistic mix of paid,
part-paid and unpaid balances, with the odd write-off, refund and reversal.

The practice's own codes and short descriptions it wrote; the two HCPCS Level II codes
(public) carry descriptions written for the demo. Rows are bulk-inserted with ids.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from functools import cache
from typing import Any

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from emr_desktop.domain.billing import EntryKind, PaymentMethod
from emr_desktop.domain.clinical import NoteStatus
from emr_desktop.domain.security import Role
from emr_desktop.models import (
    BillingEntry,
    Encounter,
    EntryDiagnosis,
    Fee,
    FeePrice,
    Patient,
    Problem,
    User,
)
from emr_desktop.persistence.database import Database
from emr_desktop.reference import icd10
from emr_desktop.services.common.audit import record

# code, description, price in cents now, price before the rise a year ago
FEES: tuple[tuple[str, str, int, int], ...] = (
    ("OV-NEW", "New patient office visit", 18000, 17000),
    ("OV-EST", "Established patient office visit", 12500, 11800),
    ("OV-SICK", "Same-day sick visit", 11000, 10500),
    ("OV-LONG", "Extended office visit, 40 minutes or more", 19500, 18500),
    ("PHYS", "Preventive physical examination", 21000, 20000),
    ("TELE", "Telehealth visit", 9000, 8500),
    ("PROC", "Minor office procedure", 16000, 15000),
    ("LAB-DRAW", "Blood draw in the office", 1500, 1500),
    ("ECG", "Resting ECG with reading", 6000, 5500),
    ("INR", "INR fingerstick test", 2000, 2000),
    ("G0008", "Flu vaccine administration (HCPCS G0008)", 2500, 2500),
    ("J1100", "Dexamethasone injection, per 1 mg (HCPCS J1100)", 350, 300),
    ("FORM", "Forms and letters", 2500, 2000),
    ("NC", "No-charge visit", 0, 0),
)
_BY_KIND = {
    "New patient visit": "OV-NEW",
    "Annual physical": "PHYS",
    "Sick visit": "OV-SICK",
    "Procedure": "PROC",
    "Telehealth visit": "TELE",
}
_METHODS = (PaymentMethod.CARD,) * 6 + (PaymentMethod.CASH,) * 3 + (PaymentMethod.CHEQUE,)
UNCODED_DAYS = 10  # signed visits this recent are sometimes still to be coded


def _fee_rows(
    s: Session, today: dt.date, admin: int | None
) -> dict[str, tuple[int, str, int, int]]:
    """Insert the fee schedule; code -> (id, description, old price, new price)."""
    rise = today - dt.timedelta(days=365)
    opened = dt.date(today.year - 30, 1, 1)
    fees, prices, out = [], [], {}
    for n, (code, desc, now, before) in enumerate(FEES, start=1):
        fees.append({"id": n, "code": code, "description": desc, "active": True, "version": 1})
        prices.append(
            {"fee_id": n, "effective_from": opened, "price_cents": before, "set_by_id": admin}
        )
        if now != before:
            prices.append(
                {"fee_id": n, "effective_from": rise, "price_cents": now, "set_by_id": admin}
            )
        out[code] = (n, desc, before, now)
    stamp = dt.datetime.now(dt.UTC)
    s.execute(insert(Fee), [{**f, "created_at": stamp} for f in fees])
    s.execute(insert(FeePrice), [{**p, "set_at": stamp} for p in prices])
    return out


@cache
def _dx_text(code: str) -> str:
    known = icd10.describe(code)
    return known.description if known else ""


def _diagnoses(problems: list[str], adult: bool, rng: random.Random) -> list[str]:
    if problems:
        return rng.sample(problems, min(len(problems), rng.choice((1, 1, 2, 3))))
    return ["Z00.00" if adult else "Z00.129"]


def fill_billing(db: Database, *, seed: int, now: dt.datetime) -> dict[str, int]:
    """Add the fee schedule, charges and payments to a freshly generated demo practice."""
    rng = random.Random(seed * 16 + 1)
    today = now.astimezone().date()
    rise = today - dt.timedelta(days=365)
    with db.unit_of_work() as s:
        if s.scalar(select(func.count(Fee.id))):
            return {}
        admin = s.scalar(select(User.id).where(User.role == Role.ADMIN).limit(1))
        desk = s.scalar(select(User.id).where(User.role == Role.RECEPTIONIST).limit(1)) or admin
        fees = _fee_rows(s, today, admin)
        problems: dict[int, list[str]] = defaultdict(list)
        for pid, code in s.execute(
            select(Problem.patient_id, Problem.code).where(Problem.code_system == "ICD-10-CM")
        ):
            known = icd10.describe(code)
            if known is not None and known.billable:
                problems[pid].append(known.code)
        births = {pid: born for pid, born in s.execute(select(Patient.id, Patient.birth_date))}
        visits = s.execute(
            select(
                Encounter.id,
                Encounter.patient_id,
                Encounter.provider_id,
                Encounter.occurred_at,
                Encounter.kind,
            )
            .where(Encounter.status == NoteStatus.SIGNED, Encounter.occurred_at <= now)
            .order_by(Encounter.patient_id, Encounter.occurred_at, Encounter.id)
        ).all()
        entries: list[dict[str, Any]] = []
        dx_rows: list[dict[str, Any]] = []

        def add(**row: Any) -> int:
            row.setdefault("id", len(entries) + 1)
            base = {
                "encounter_id": None,
                "provider_id": None,
                "fee_id": None,
                "code": "",
                "description": "",
                "quantity": 1,
                "unit_cents": 0,
                "method": "",
                "reference": "",
                "reason": "",
                "reverses_id": None,
                "recorded_by_id": desk,
            }
            entries.append({**base, **row})
            return int(row["id"])

        for eid, pid, provider, when, kind in visits:
            day = when.astimezone().date()
            if (today - day).days <= UNCODED_DAYS and rng.random() < 0.35:
                continue  # still to be coded
            codes = [_BY_KIND.get(kind, "OV-LONG" if rng.random() < 0.08 else "OV-EST")]
            if rng.random() < 0.18:
                codes.append("LAB-DRAW")
            if day.month in (10, 11, 12) and rng.random() < 0.3:
                codes.append("G0008")
            if rng.random() < 0.04:
                codes.append("ECG")
            adult = (day - births[pid]).days >= 18 * 365
            dx = _diagnoses(problems[pid], adult, rng)
            visit_total = 0
            stamp = when + dt.timedelta(hours=2)
            charge_ids = []
            for code in codes:
                fid, desc, before, after = fees[code]
                unit = after if day >= rise else before
                cid = add(
                    patient_id=pid,
                    kind=EntryKind.CHARGE.value,
                    entry_date=day,
                    encounter_id=eid,
                    provider_id=provider,
                    fee_id=fid,
                    code=code,
                    description=desc,
                    unit_cents=unit,
                    amount_cents=unit,
                    recorded_by_id=provider,
                    recorded_at=stamp,
                )
                charge_ids.append(cid)
                visit_total += unit
                for pos, c in enumerate(dx):
                    dx_rows.append(
                        {"entry_id": cid, "position": pos, "code": c, "description": _dx_text(c)}
                    )
            if rng.random() < 0.01 and len(charge_ids) > 1:  # a line coded by mistake, reversed
                wrong = entries[charge_ids[-1] - 1]
                add(
                    patient_id=pid,
                    kind=EntryKind.REVERSAL.value,
                    entry_date=day,
                    encounter_id=eid,
                    provider_id=provider,
                    fee_id=wrong["fee_id"],
                    code=wrong["code"],
                    description=f"Reversal: {wrong['description']}",
                    unit_cents=wrong["unit_cents"],
                    amount_cents=-int(wrong["amount_cents"]),
                    reason="coded in error",
                    reverses_id=wrong["id"],
                    recorded_by_id=provider,
                    recorded_at=stamp,
                )
                visit_total -= int(wrong["amount_cents"])
            _settle(rng, add, pid, day, today, visit_total, desk, admin)
        for start in range(0, len(entries), 5000):
            s.execute(insert(BillingEntry), entries[start : start + 5000])
        for start in range(0, len(dx_rows), 5000):
            s.execute(insert(EntryDiagnosis), dx_rows[start : start + 5000])
        counts = {"billing_entry": len(entries), "billing_entry_diagnosis": len(dx_rows)}
        record(s, None, "demo_billing", details=counts, username="admin")
        return counts


def _settle(rng, add, pid, day, today, total, desk, admin) -> None:  # type: ignore[no-untyped-def]
    """Payments for one visit: older visits are mostly paid, recent ones often not yet."""
    if total <= 0:
        return
    age = (today - day).days
    r = rng.random()
    paid_share = 1.0 if r < (0.55 if age < 60 else 0.85) else 0.0
    if paid_share == 0.0 and r < 0.93:
        paid_share = rng.choice((0.2, 0.4, 0.5))  # part-paid (a co-pay, an instalment)
    cents = int(total * paid_share)
    if cents:
        when = min(day + dt.timedelta(days=rng.choice((0, 0, 0, 3, 12, 25))), today)
        method = rng.choice(_METHODS)
        ref = {
            PaymentMethod.CARD: f"auth {rng.randint(100000, 999999)}",
            PaymentMethod.CHEQUE: f"cheque {rng.randint(100, 9999)}",
        }.get(method, "")
        stamp = dt.datetime.combine(when, dt.time(16, 30), dt.UTC)
        add(
            patient_id=pid,
            kind=EntryKind.PAYMENT.value,
            entry_date=when,
            description=f"Payment ({method.value})",
            amount_cents=-cents,
            method=method.value,
            reference=ref,
            recorded_by_id=desk,
            recorded_at=stamp,
        )
        if rng.random() < 0.01:  # paid twice by mistake, the extra refunded
            add(
                patient_id=pid,
                kind=EntryKind.PAYMENT.value,
                entry_date=when,
                description=f"Payment ({method.value})",
                amount_cents=-cents,
                method=method.value,
                reference=ref,
                recorded_by_id=desk,
                recorded_at=stamp,
            )
            add(
                patient_id=pid,
                kind=EntryKind.REFUND.value,
                entry_date=when,
                description=f"Refund ({method.value})",
                amount_cents=cents,
                method=method.value,
                reference=ref,
                reason="paid twice",
                recorded_by_id=admin,
                recorded_at=stamp,
            )
    owed = total - cents
    if owed and age > 180 and rng.random() < 0.15:
        stamp = dt.datetime.combine(day + dt.timedelta(days=150), dt.time(12), dt.UTC)
        add(
            patient_id=pid,
            kind=EntryKind.WRITE_OFF.value,
            entry_date=stamp.date(),
            description="Write-off",
            amount_cents=-owed,
            reason="small balance, uncollectable",
            recorded_by_id=admin,
            recorded_at=stamp,
        )
