"""The printed prescription: one boxed block per prescription, several to a page.

Each block is complete on its own (prescriber with credentials, NPI and DEA, patient
with date of birth and address, date, drug, directions, quantity in digits and words,
refills, substitution, note, signature line), so a block a pharmacy receives alone, or
one that the page break pushed to the next page, still says everything.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, KeepTogether, Spacer, Table, TableStyle

from emr_desktop.domain.chart import PrescriptionRow
from emr_desktop.domain.display import date_text
from emr_desktop.domain.patients import PatientDetails
from emr_desktop.domain.practice import PracticeDetails, ProviderRow
from emr_desktop.reference.drug_print import tall_man
from emr_desktop.reports.base import (
    Letterhead,
    PageSetup,
    PatientIdentity,
    content_width,
    para,
    render,
    styles,
)

_EDGE = colors.HexColor("#444444")
_FILL = colors.HexColor("#f5f6f8")
_CONTROLLED_EDGE = colors.HexColor("#7a1f1f")


@dataclass(frozen=True, slots=True)
class RxBlock:
    """One prescription as printed; the numbers are already in words and ISMP style."""

    prescription: PrescriptionRow
    prescriber: ProviderRow
    quantity_text: str  # "30 capsules"
    quantity_words: str  # "thirty"
    refills_words: str  # "zero"
    controlled_schedule: str | None = None  # "II".."V" for a controlled substance


def patient_identity(patient: PatientDetails) -> PatientIdentity:
    """The patient's two identifiers for the page header: full name, DOB, MRN."""
    d = patient.data
    name = " ".join(p for p in (d.given_name, d.middle_name, d.family_name) if p)
    return PatientIdentity(name, d.birth_date, patient.mrn)


def patient_address(patient: PatientDetails) -> str:
    """The address on one or two lines; a clear 'not recorded' when it is missing."""
    d = patient.data
    place = " ".join(p for p in (d.state, d.postal_code) if p)
    town = ", ".join(p for p in (d.city, place) if p)
    lines = [line for line in (d.address_line1, d.address_line2, town) if line]
    return ", ".join(lines) if lines else "Address not recorded"


def prescriber_name(prescriber: ProviderRow) -> str:
    """'Maya Okafor, MD' (credentials once, even when the name already ends with them)."""
    creds = prescriber.credentials.strip()
    if not creds or prescriber.full_name.rstrip().endswith(creds):
        return prescriber.full_name
    return f"{prescriber.full_name}, {creds}"


def _dea_text(prescriber: ProviderRow, block: RxBlock) -> str:
    # A DEA number is needed only for a controlled substance; printing it on every
    # prescription spreads it to pharmacies that have no use for it (a forgery risk).
    if block.controlled_schedule is None:
        return "not required (not a controlled substance)"
    number = prescriber.dea or "____________ (no DEA number on file)"
    return f"{number} (Schedule {block.controlled_schedule} controlled substance)"


def _drug_line(rx: PrescriptionRow) -> str:
    parts = [tall_man(rx.drug_name.strip())]
    if rx.strength:
        parts.append(rx.strength)
    if rx.form:
        parts.append(rx.form)
    return " ".join(parts)


def _row(label: str, value: str, *, bold: bool = False) -> list[Flowable]:
    s = styles()
    return [para(label, s.label), para(value, s.cell_bold if bold else s.cell)]


def rx_block(
    block: RxBlock,
    patient: PatientDetails,
    practice: PracticeDetails,
    day: dt.date,
    width: float,
) -> Flowable:
    """One prescription, boxed, kept together on one page."""
    s = styles()
    rx = block.prescription
    prescriber = block.prescriber
    # A reprint carries the date the prescription was written, not the day it is printed.
    day = rx.signed_at.astimezone().date() if rx.signed_at is not None else day
    identity = patient_identity(patient)
    label_w = 1.25 * inch
    half = (width - 12) / 2
    who = Table(
        [
            [
                [
                    para("Prescriber", s.label),
                    para(prescriber_name(prescriber), s.cell_bold),
                    para(f"NPI: {prescriber.npi or 'not on file'}", s.cell),
                    para(f"DEA: {_dea_text(prescriber, block)}", s.cell),
                    para(", ".join(practice.letterhead()), s.small),
                ],
                [
                    para("Patient", s.label),
                    para(identity.name, s.cell_bold),
                    para(f"DOB: {date_text(identity.date_of_birth)} · MRN: {identity.mrn}", s.cell),
                    para(f"Address: {patient_address(patient)}", s.cell),
                    para(f"Date: {date_text(day)}", s.cell_bold),
                ],
            ]
        ],
        colWidths=[half, half],
        hAlign="LEFT",
    )
    who.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("LINEBELOW", (0, 0), (-1, 0), 0.4, colors.HexColor("#9a9a9a")),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    dispense = f"{block.quantity_text} ({block.quantity_words})"
    refills = f"{rx.refills} ({block.refills_words})"
    substitution = (
        "Dispense as written: brand medically necessary, no substitution"
        if rx.dispense_as_written
        else "Substitution permitted"
    )
    rows = [
        _row("Medication", _drug_line(rx), bold=True),
        _row("Strength", rx.strength or "—"),
        _row("Form", rx.form or "—"),
        _row("Directions (sig)", rx.sig, bold=True),
        _row("Dispense", dispense, bold=True),
        _row("Refills", refills),
        _row("Substitution", substitution),
    ]
    if rx.note_to_pharmacist:
        rows.append(_row("Note to pharmacist", rx.note_to_pharmacist))
    order = Table(rows, colWidths=[label_w, width - 12 - label_w], hAlign="LEFT")
    order.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
            ]
        )
    )
    signature = Table(
        [
            [para("", s.cell), "", para(date_text(day), s.cell)],
            [
                para(f"Signature: {prescriber_name(prescriber)}", s.small),
                "",
                para("Date", s.small),
            ],
        ],
        colWidths=[width * 0.58, width * 0.06, width * 0.3],
        rowHeights=[26, None],
        hAlign="LEFT",
    )
    signature.setStyle(
        TableStyle(
            [
                ("LINEBELOW", (0, 0), (0, 0), 0.8, _EDGE),
                ("LINEBELOW", (2, 0), (2, 0), 0.8, _EDGE),
                ("VALIGN", (0, 0), (-1, 0), "BOTTOM"),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    body = [who, Spacer(1, 4), order, signature]
    box = Table([[body]], colWidths=[width], hAlign="LEFT")
    box.setStyle(
        TableStyle(
            [
                (
                    "BOX",
                    (0, 0),
                    (-1, -1),
                    1.4 if block.controlled_schedule else 0.9,
                    _CONTROLLED_EDGE if block.controlled_schedule else _EDGE,
                ),
                ("BACKGROUND", (0, 0), (-1, -1), colors.white),
                ("LEFTPADDING", (0, 0), (-1, -1), 6),
                ("RIGHTPADDING", (0, 0), (-1, -1), 6),
                ("TOPPADDING", (0, 0), (-1, -1), 5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return KeepTogether([box, Spacer(1, 10)])


def prescriptions_pdf(
    blocks: Sequence[RxBlock],
    patient: PatientDetails,
    practice: PracticeDetails,
    *,
    generated_at: dt.datetime,
    day: dt.date | None = None,
) -> bytes:
    """The PDF of signed prescriptions of one patient."""
    setup = PageSetup(
        title="Prescription" if len(blocks) == 1 else f"Prescriptions ({len(blocks)})",
        letterhead=Letterhead.from_details(practice),
        generated_at=generated_at,
        patient=patient_identity(patient),
        subject="Prescription",
    )
    width = content_width(setup)
    when = day or generated_at.date()
    story: list[Flowable] = [rx_block(b, patient, practice, when, width) for b in blocks]
    return render(story, setup)
