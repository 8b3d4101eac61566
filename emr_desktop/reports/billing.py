"""Billing documents: the superbill of a visit, a payment receipt, the patient statement,
and a batch of statements as one PDF. They take DTOs and return bytes; every page carries
the letterhead, the patient's two identifiers and "Page X of Y" (``reports.base``)."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable, Sequence
from functools import cache

import pikepdf
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import Flowable, Paragraph, Spacer

from emr_desktop.domain.billing import BillingPatient, LedgerEntry, VisitCharges
from emr_desktop.domain.display import date_text
from emr_desktop.domain.money import money_text
from emr_desktop.domain.practice import PracticeDetails
from emr_desktop.reports.base import (
    Letterhead,
    PageSetup,
    PatientIdentity,
    content_width,
    key_values,
    letterhead_block,
    para,
    render,
    styles,
    table,
)

Progress = Callable[[int, int], None]


@cache
def _right(bold: bool = False) -> ParagraphStyle:
    base = styles().cell_bold if bold else styles().cell
    return ParagraphStyle(f"billing_right_{bold}", parent=base, alignment=TA_RIGHT)


def amount(cents: int, *, bold: bool = False) -> Paragraph:
    """A right-aligned amount cell ('1,250.00')."""
    return para(money_text(cents, grouped=True), _right(bold))


def _setup(
    title: str, practice: PracticeDetails, patient: BillingPatient, now: dt.datetime
) -> PageSetup:
    ident = PatientIdentity(patient.name, patient.birth_date, patient.mrn)
    return PageSetup(title, Letterhead.from_details(practice), now, ident, subject=title)


def _addressed(practice: PracticeDetails, patient: BillingPatient, title: str) -> list[Flowable]:
    s = styles()
    out: list[Flowable] = [*letterhead_block(Letterhead.from_details(practice)), Spacer(1, 8)]
    out.append(para(title, s.h1))
    lines = [patient.name, *patient.address]
    out.append(para("\n".join(lines), s.body))
    out.append(
        key_values(
            [("MRN", patient.mrn), ("Date of birth", date_text(patient.birth_date))],
        )
    )
    out.append(Spacer(1, 6))
    return out


def statement_story(
    practice: PracticeDetails,
    patient: BillingPatient,
    entries: Sequence[LedgerEntry],
    balance_cents: int,
    today: dt.date,
    width: float,
) -> list[Flowable]:
    """A statement's flowables: every charge, payment and adjustment, and the balance due."""
    s = styles()
    out = _addressed(practice, patient, f"Statement of account, {date_text(today)}")
    rows: list[list[str | Flowable]] = []
    running = 0
    for e in entries:
        running += e.amount_cents
        what = e.description
        if e.reference:
            what += f" (ref. {e.reference})"
        rows.append(
            [
                date_text(e.entry_date),
                e.category.capitalize(),
                e.code_or_method,
                what,
                amount(e.shown_cents),
                amount(running),
            ]
        )
    if rows:
        widths = [0.13, 0.12, 0.14, 0.37, 0.12, 0.12]
        head = ["Date", "Entry", "Code / method", "Description", "Amount", "Balance"]
        out.append(table(head, rows, [w * width for w in widths]))
    else:
        out.append(para("No charges, payments or adjustments.", s.muted))
    out.append(Spacer(1, 10))
    due = "Balance due" if balance_cents >= 0 else "Credit balance"
    out.append(para(f"{due}: $ {money_text(balance_cents, grouped=True)}", s.h1))
    out.append(
        para(
            "Charges are positive; payments lower the balance; adjustments are signed "
            "(a write-off or reversal is negative, a refund positive). Please call the office "
            "with any question about this statement.",
            s.muted,
        )
    )
    return out


def statement_pdf(
    practice: PracticeDetails,
    patient: BillingPatient,
    entries: Sequence[LedgerEntry],
    balance_cents: int,
    now: dt.datetime,
) -> bytes:
    """One patient's statement."""
    setup = _setup("Statement", practice, patient, now)
    story = statement_story(
        practice, patient, entries, balance_cents, now.date(), content_width(setup)
    )
    return render(story, setup)


def statements_pdf(
    practice: PracticeDetails,
    statements: Sequence[tuple[BillingPatient, Sequence[LedgerEntry], int]],
    now: dt.datetime,
    progress: Progress | None = None,
) -> bytes:
    """Many statements in one PDF; each keeps its own identifiers and page numbering."""
    out = pikepdf.new()
    for n, (patient, entries, balance) in enumerate(statements, start=1):
        one = statement_pdf(practice, patient, entries, balance, now)
        with pikepdf.open(io.BytesIO(one)) as doc:
            out.pages.extend(doc.pages)
        if progress is not None:
            progress(n, len(statements))
    buffer = io.BytesIO()
    out.save(buffer)
    return buffer.getvalue()


def receipt_pdf(
    practice: PracticeDetails,
    patient: BillingPatient,
    payment: LedgerEntry,
    balance_cents: int,
    now: dt.datetime,
) -> bytes:
    """A receipt for one payment, with the balance after it."""
    s = styles()
    setup = _setup("Receipt", practice, patient, now)
    story = _addressed(practice, patient, f"Receipt no. {payment.id}")
    story.append(
        key_values(
            [
                ("Date", date_text(payment.entry_date)),
                ("Received", f"$ {money_text(payment.shown_cents, grouped=True)}"),
                ("Method", payment.method.capitalize()),
                ("Reference", payment.reference or "-"),
                ("Received by", payment.recorded_by),
                ("Balance after this payment", f"$ {money_text(balance_cents, grouped=True)}"),
            ]
        )
    )
    story.append(Spacer(1, 10))
    story.append(para("Thank you.", s.body))
    return render(story, setup)


def superbill_pdf(
    practice: PracticeDetails, patient: BillingPatient, visit: VisitCharges, now: dt.datetime
) -> bytes:
    """The superbill of one visit: provider, date, services, diagnoses and total."""
    s = styles()
    setup = _setup("Superbill", practice, patient, now)
    width = content_width(setup)
    story = _addressed(practice, patient, "Superbill")
    provider = visit.provider + (f" (NPI {visit.provider_npi})" if visit.provider_npi else "")
    story.append(
        key_values(
            [
                ("Date of service", date_text(visit.occurred_at.astimezone().date())),
                ("Visit", f"{visit.kind} (no. {visit.encounter_id})"),
                ("Provider", provider or "-"),
            ]
        )
    )
    story.append(para("Diagnoses (ICD-10-CM)", s.h2))
    pointer = {code: n for n, (code, _) in enumerate(visit.diagnoses, start=1)}
    dx_rows: list[list[str | Flowable]] = [
        [str(n), code, text] for code, text in visit.diagnoses for n in [pointer[code]]
    ]
    story.append(
        table(["#", "Code", "Description"], dx_rows, [0.06 * width, 0.14 * width, 0.8 * width])
    )
    story.append(para("Services", s.h2))
    rows: list[list[str | Flowable]] = []
    for c in visit.charges:
        dx = ", ".join(str(pointer[d]) for d in c.diagnoses if d in pointer)
        label = c.description if c.kind.value == "charge" else f"{c.description} ({c.kind.value})"
        rows.append([c.code, label, dx, amount(c.amount_cents)])
    rows.append(["", para("Total", s.cell_bold), "", amount(visit.total_cents, bold=True)])
    story.append(
        table(
            ["Code", "Service", "Diagnoses", "Amount"],
            rows,
            [0.14 * width, 0.56 * width, 0.14 * width, 0.16 * width],
        )
    )
    return render(story, setup)
