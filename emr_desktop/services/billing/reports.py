"""Billing reports: the day's takings by method and user (close-out), charges by provider
and service over a period, unpaid balances by age; each also as CSV text."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections import defaultdict
from collections.abc import Iterable, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from emr_desktop.domain.billing import AGE_BUCKETS, AgingRow, ChargesRow, EntryKind, TakingsRow
from emr_desktop.domain.money import money_text
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.models import BillingEntry, Patient
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.billing.rows import patient_name
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.records import user_names

_TILL = (EntryKind.PAYMENT, EntryKind.REFUND, EntryKind.REVERSAL)


def age_bucket(days: int) -> int:
    """0 for 0-30 days, 1 for 31-60, 2 for 61-90, 3 for over 90."""
    return 0 if days <= 30 else 1 if days <= 60 else 2 if days <= 90 else 3


def age_balance(entries: Iterable[tuple[dt.date, int]], today: dt.date) -> tuple[int, ...]:
    """What is still owed, by age: credits pay off the oldest debits first."""
    ordered = sorted(entries)
    credit = -sum(c for _, c in ordered if c < 0)
    buckets = [0, 0, 0, 0]
    for day, cents in ordered:
        if cents <= 0:
            continue
        used = min(credit, cents)
        credit -= used
        if cents - used:
            buckets[age_bucket((today - day).days)] += cents - used
    return tuple(buckets)


def _csv(head: Sequence[str], rows: Iterable[Sequence[object]]) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(head)
    writer.writerows(rows)
    return buffer.getvalue()


def takings_csv(rows: Sequence[TakingsRow]) -> str:
    """The close-out as CSV."""
    return _csv(
        ["method", "user", "payments", "amount"],
        [(r.method, r.user, r.payments, money_text(r.cents)) for r in rows],
    )


def charges_csv(rows: Sequence[ChargesRow]) -> str:
    """Charges by provider and service as CSV."""
    return _csv(
        ["provider", "code", "description", "count", "amount"],
        [(r.provider, r.code, r.description, r.count, money_text(r.cents)) for r in rows],
    )


def aging_csv(rows: Sequence[AgingRow]) -> str:
    """Unpaid balances by age as CSV."""
    return _csv(
        ["mrn", "name", *AGE_BUCKETS, "total"],
        [
            (r.mrn, r.name, *(money_text(b) for b in r.buckets), money_text(r.total_cents))
            for r in rows
        ],
    )


class BillingReports:
    """Reports over the ledger; each is audited (they name patients and staff)."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def takings(self, actor: Actor, day: dt.date) -> list[TakingsRow]:
        """Money in (less refunds and reversed payments) on ``day``, by method and user."""
        require(actor, Permission.BILLING_VIEW)
        with self._db.unit_of_work(actor) as s:
            q = (
                select(
                    BillingEntry.method,
                    BillingEntry.recorded_by_id,
                    BillingEntry.kind,
                    func.count(),
                    func.sum(BillingEntry.amount_cents),
                )
                .where(
                    BillingEntry.entry_date == day,
                    BillingEntry.kind.in_(_TILL),
                    BillingEntry.method != "",
                )
                .group_by(BillingEntry.method, BillingEntry.recorded_by_id, BillingEntry.kind)
            )
            found = s.execute(q).all()
            names = user_names(s, {r[1] for r in found})
            totals: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0])
            for method, by, kind, count, cents in found:
                t = totals[(method, names.get(by or 0, ""))]
                t[0] += count if kind is EntryKind.PAYMENT else 0
                t[1] += -int(cents or 0)
            record(s, actor, "billing_report", details={"report": "takings", "day": str(day)})
            return [TakingsRow(m, u, c, cents) for (m, u), (c, cents) in sorted(totals.items())]

    def charges(self, actor: Actor, start: dt.date, end: dt.date) -> list[ChargesRow]:
        """Charges (less reversals) from ``start`` to ``end``, by provider and service."""
        require(actor, Permission.BILLING_VIEW)
        if end < start:
            raise ValidationError("to", "is before the start of the period")
        with self._db.unit_of_work(actor) as s:
            q = (
                select(
                    BillingEntry.provider_id,
                    BillingEntry.code,
                    BillingEntry.kind,
                    func.max(BillingEntry.description),
                    func.count(),
                    func.sum(BillingEntry.amount_cents),
                )
                .where(
                    BillingEntry.entry_date >= start,
                    BillingEntry.entry_date <= end,
                    BillingEntry.kind.in_((EntryKind.CHARGE, EntryKind.REVERSAL)),
                    BillingEntry.encounter_id.is_not(None),
                )
                .group_by(BillingEntry.provider_id, BillingEntry.code, BillingEntry.kind)
            )
            found = s.execute(q).all()
            names = user_names(s, {r[0] for r in found})
            acc: dict[tuple[str, str], list] = {}  # type: ignore[type-arg]
            for provider, code, kind, desc, count, cents in found:
                key = (names.get(provider or 0, ""), code)
                row = acc.setdefault(key, ["", 0, 0])
                if kind is EntryKind.CHARGE:
                    row[0] = desc
                row[1] += count if kind is EntryKind.CHARGE else -count
                row[2] += int(cents or 0)
            record(
                s,
                actor,
                "billing_report",
                details={"report": "charges", "from": str(start), "to": str(end)},
            )
            return [ChargesRow(p, c, d, n, cents) for (p, c), (d, n, cents) in sorted(acc.items())]

    def aging(self, actor: Actor, today: dt.date | None = None) -> list[AgingRow]:
        """Every patient who owes money, by the age of what is unpaid, largest first."""
        require(actor, Permission.BILLING_VIEW)
        day = today or dt.date.today()
        with self._db.unit_of_work(actor) as s:
            rows = _aging(s, day)
            record(s, actor, "billing_report", details={"report": "aging", "patients": len(rows)})
            return rows


def _aging(s: Session, day: dt.date) -> list[AgingRow]:
    owing = (
        select(BillingEntry.patient_id)
        .group_by(BillingEntry.patient_id)
        .having(func.sum(BillingEntry.amount_cents) > 0)
        .subquery()
    )
    entries: dict[int, list[tuple[dt.date, int]]] = defaultdict(list)
    q = select(BillingEntry.patient_id, BillingEntry.entry_date, BillingEntry.amount_cents).where(
        BillingEntry.patient_id.in_(select(owing.c.patient_id))
    )
    for pid, when, cents in s.execute(q):
        entries[pid].append((when, int(cents)))
    patients = list(s.scalars(select(Patient).where(Patient.id.in_(list(entries)))))
    out = []
    for p in patients:
        b = age_balance(entries[p.id], day)
        out.append(AgingRow(p.mrn, patient_name(p), (b[0], b[1], b[2], b[3])))
    out.sort(key=lambda r: (-r.total_cents, r.mrn))
    return out
