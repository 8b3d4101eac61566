"""Helpers for the billing tests: a fee schedule and a signed, coded visit."""

from __future__ import annotations

import contextlib
import datetime as dt
import itertools

from emr_desktop.domain.billing import ChargeLine
from emr_desktop.domain.sections import ProblemInput
from emr_desktop.errors import ValidationError
from emr_desktop.services.billing.coding import CodingService
from emr_desktop.services.billing.fees import FeeService
from emr_desktop.services.chart.notes import NoteService
from emr_desktop.services.chart.problems import ProblemService

_codes = itertools.count(1)


def ensure_fees(clinic) -> None:  # type: ignore[no-untyped-def]
    """The clinic's fee schedule (added once per module)."""
    fees = FeeService(clinic.db)
    for code, desc, price in (
        ("OV-EST", "Office visit, established patient", "125.00"),
        ("OV-NEW", "Office visit, new patient", "180.00"),
        ("J1100", "Injection, dexamethasone sodium phosphate, 1 mg", "12.50"),
        ("LAB-DRAW", "Venipuncture", "15.00"),
        ("G0008", "Administration of influenza virus vaccine", "25.00"),
    ):
        with contextlib.suppress(ValidationError):  # already there
            fees.add(clinic.practice.admin, code, desc, price, effective_from=dt.date(2020, 1, 1))


def signed_visit(clinic, patient_id: int, *, days_ago: int = 3) -> int:  # type: ignore[no-untyped-def]
    """A signed visit note with a hypertension problem on the list; returns its id."""
    ProblemService(clinic.db).add(clinic.doctor, patient_id, ProblemInput("I10"))
    notes = NoteService(clinic.db)
    when = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    note = notes.create(clinic.doctor, patient_id, occurred_at=when, reason="follow-up")
    note = notes.save_draft(
        clinic.doctor,
        note.id,
        subjective="Feels well.",
        objective="BP 128/80.",
        assessment="Hypertension, controlled. Also E78.5 hyperlipidemia.",
        plan="Continue.",
        reason="follow-up",
        expected_version=note.version,
    )
    notes.sign(clinic.doctor, note.id, expected_version=note.version)
    return note.id


def coded_visit(clinic, patient_id: int, *lines: tuple[str, int]) -> int:  # type: ignore[no-untyped-def]
    """A signed visit charged with ``lines`` of (fee code, quantity), linked to I10."""
    ensure_fees(clinic)
    eid = signed_visit(clinic, patient_id)
    CodingService(clinic.db).code_visit(
        clinic.doctor, eid, [ChargeLine(code, ("I10",), qty) for code, qty in lines]
    )
    return eid
