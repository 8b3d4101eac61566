"""A patient's charges in the FHIR Bundle: one ChargeItem per charge (a reversed one is
"entered-in-error"), linked to its ICD-10-CM diagnoses, and one Invoice per coded visit
whose lines are the visit's standing charges. Payments stay out (they are not FHIR
Invoice content; the ledger and statement carry them)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from emr_desktop.domain.billing import EntryKind, LedgerEntry
from emr_desktop.domain.money import to_decimal
from emr_desktop.interop import fhir_codes as c
from emr_desktop.interop.fhir_build import Builder, coding, ref

Json = dict[str, Any]
FEE_SCHEDULE = "urn:emr-desktop:fee-schedule"  # the practice's own service codes
HCPCS = "https://www.cms.gov/Medicare/Coding/HCPCSReleaseCodeSets"
CURRENCY = "USD"


def _code_system(code: str) -> str:
    """HCPCS Level II codes (a letter and four digits) keep their public system."""
    if len(code) == 5 and code[0].isalpha() and code[0] not in "ST" and code[1:].isdigit():
        return HCPCS
    return FEE_SCHEDULE


def money(cents: int) -> Json:
    """A FHIR Money. JSON has only one number type, so the exact Decimal of the cents is
    written as a number here, at the very edge (125.5 reads back as exactly 125.50)."""
    return {"value": float(to_decimal(cents)), "currency": CURRENCY}


def _charge_item(b: Builder, e: LedgerEntry) -> str:
    body: Json = {
        "status": "entered-in-error" if e.reversed_by_id else "billable",
        "code": {
            "coding": [coding(_code_system(e.code), e.code, e.description)],
            "text": e.description,
        },
        "subject": b.subject,
        "occurrenceDateTime": e.entry_date.isoformat(),
        "enteredDate": e.recorded_at.isoformat(),
        "quantity": {"value": 1},
        "priceOverride": money(e.amount_cents),
    }
    if e.diagnoses:
        body["reason"] = [
            {"coding": [coding(c.ICD10CM, code)], "text": code} for code in e.diagnoses
        ]
    return b.add("ChargeItem", e.id, body, meta={})


def billing(b: Builder, entries: Sequence[LedgerEntry]) -> None:
    """Add the ChargeItems and per-visit Invoices of ``entries`` to the bundle."""
    visits: dict[int, list[tuple[str, LedgerEntry]]] = {}
    for e in entries:
        if e.kind is not EntryKind.CHARGE:
            continue
        rid = _charge_item(b, e)
        if e.encounter_id is not None and not e.reversed_by_id:
            visits.setdefault(e.encounter_id, []).append((rid, e))
    for encounter_id, lines in visits.items():
        total = sum(e.amount_cents for _, e in lines)
        b.add(
            "Invoice",
            f"visit-{encounter_id}",
            {
                "status": "issued",
                "subject": b.subject,
                "date": min(e.entry_date for _, e in lines).isoformat(),
                "lineItem": [
                    {"sequence": n, "chargeItemReference": ref(rid)}
                    for n, (rid, _) in enumerate(lines, start=1)
                ],
                "totalNet": money(total),
                "totalGross": money(total),
            },
            meta={},
        )
