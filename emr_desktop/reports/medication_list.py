"""The patient's medication list, printed for the patient to keep: allergies first,
then every current medicine with how to take it, who prescribed it and since when."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Spacer, Table, TableStyle

from emr_desktop.domain.chart import AllergyRow, MedicationRow
from emr_desktop.domain.clinical import AllergySeverity, MedicationSource, MedicationStatus
from emr_desktop.domain.display import date_text
from emr_desktop.domain.patients import PatientDetails
from emr_desktop.domain.practice import PracticeDetails
from emr_desktop.reference.drug_print import tall_man
from emr_desktop.reports.base import (
    Letterhead,
    PageSetup,
    content_width,
    para,
    render,
    styles,
    table,
)
from emr_desktop.reports.prescription import patient_identity

_ALERT_EDGE = colors.HexColor("#b3261e")
_ALERT_FILL = colors.HexColor("#fdecea")
_PLAIN_EDGE = colors.HexColor("#9a9a9a")
_PLAIN_FILL = colors.HexColor("#f5f6f8")


def _allergy_text(a: AllergyRow) -> str:
    details = [d for d in (a.reaction, _severity(a.severity)) if d]
    return f"{a.substance} ({', '.join(details)})" if details else a.substance


def _severity(severity: AllergySeverity) -> str:
    return "" if severity is AllergySeverity.UNKNOWN else severity.value


def allergy_box(allergies: Sequence[AllergyRow], no_known_allergies: bool, width: float) -> Table:
    """Allergies at the top, in a box: red when there are some, a plain word when none."""
    s = styles()
    if allergies:
        head = "Allergies: tell every doctor, nurse and pharmacist"
        lines = [para(f"•  {_allergy_text(a)}", s.cell_bold) for a in allergies]
    elif no_known_allergies:
        head = "Allergies"
        lines = [para("No known allergies", s.cell_bold)]
    else:
        head = "Allergies"
        lines = [para("Not recorded yet: tell your care team about any allergy.", s.cell_bold)]
    box = Table([[[para(head, s.h3), *lines]]], colWidths=[width], hAlign="LEFT")
    loud = bool(allergies)
    edge = _ALERT_EDGE if loud else _PLAIN_EDGE
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1.2 if loud else 0.6, edge),
                ("BACKGROUND", (0, 0), (-1, -1), _ALERT_FILL if loud else _PLAIN_FILL),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 6),
                ("LEFTPADDING", (0, 0), (-1, -1), 8),
            ]
        )
    )
    return box


def _medicine(m: MedicationRow) -> str:
    return " ".join(p for p in (tall_man(m.drug_name), m.strength, m.form) if p)


def _prescriber(m: MedicationRow, prescribers: Mapping[int, str]) -> str:
    if m.source is MedicationSource.REPORTED or m.prescription_id is None:
        return "Reported by you (not prescribed here)"
    return prescribers.get(m.prescription_id, "This practice")


def medication_list_pdf(
    patient: PatientDetails,
    practice: PracticeDetails,
    medications: Sequence[MedicationRow],
    allergies: Sequence[AllergyRow],
    *,
    prescribers: Mapping[int, str],
    generated_at: dt.datetime,
) -> bytes:
    """The PDF of the patient's current medications (stopped ones are left out).

    ``prescribers`` maps a prescription id to the prescriber's printed name.
    """
    s = styles()
    setup = PageSetup(
        title="Medication list",
        letterhead=Letterhead.from_details(practice),
        generated_at=generated_at,
        patient=patient_identity(patient),
        subject="Medication list",
    )
    width = content_width(setup)
    current = [m for m in medications if m.status is MedicationStatus.ACTIVE]
    identity = patient_identity(patient)
    story: list[Flowable] = [
        para("Your medication list", s.title),
        para(
            f"{identity.name}, born {date_text(identity.date_of_birth)}. "
            f"Up to date on {date_text(generated_at.date())}.",
            s.body,
        ),
        allergy_box(allergies, patient.no_known_allergies, width),
        Spacer(1, 8),
        para(f"Medicines you take now ({len(current)})", s.h1),
    ]
    if current:
        rows = [
            [
                para(_medicine(m), s.cell_bold),
                m.sig or "As directed by your doctor",
                _prescriber(m, prescribers),
                date_text(m.start_date) or "not known",
            ]
            for m in current
        ]
        name_w, by_w, since_w = 1.9 * inch, 1.7 * inch, 0.95 * inch
        widths = [name_w, width - name_w - by_w - since_w, by_w, since_w]
        story.append(table(["Medicine", "How to take it", "Prescribed by", "Since"], rows, widths))
    else:
        story.append(para("No medicines are on your list.", s.body))
    story += [
        Spacer(1, 10),
        para(
            "Keep this list with you and bring it to every visit. Tell your care team about "
            "any medicine, vitamin or herbal product you take that is not on it, and about "
            "any you have stopped.",
            s.muted,
        ),
    ]
    return render(story, setup)
