"""The lab requisition and the result letter to the patient: DTOs in, PDF bytes out."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.lib.units import inch
from reportlab.platypus import Flowable, Spacer

from emr_desktop.domain.clinical import LabFlag
from emr_desktop.domain.orders import OrderRow, ResultRow
from emr_desktop.reports.base import (
    Letterhead,
    PageSetup,
    PatientIdentity,
    content_width,
    fmt_date,
    key_values,
    letterhead_block,
    para,
    render,
    styles,
    table,
)

FLAG_WORDS = {
    LabFlag.NORMAL: "",
    LabFlag.LOW: "L",
    LabFlag.HIGH: "H",
    LabFlag.CRITICAL_LOW: "LL critical",
    LabFlag.CRITICAL_HIGH: "HH critical",
    LabFlag.ABNORMAL: "A",
}


def requisition_pdf(
    order: OrderRow, head: Letterhead, patient: PatientIdentity, provider: str
) -> bytes:
    """One requisition: patient (two identifiers, DOB), ordering provider, tests with
    LOINC codes, diagnosis codes and specimen notes."""
    s = styles()
    now = dt.datetime.now()
    setup = PageSetup("Laboratory requisition", head, now, patient, subject=f"Order {order.id}")
    width = content_width(setup)
    story: list[Flowable] = [*letterhead_block(head), para("Laboratory requisition", s.h1)]
    story.append(
        key_values(
            [
                ("Patient", patient.name),
                ("Date of birth", fmt_date(patient.date_of_birth)),
                ("MRN", patient.mrn),
                ("Ordering provider", provider),
                ("Ordered", fmt_date(order.ordered_at.date())),
                ("Order number", str(order.id)),
                ("Laboratory", order.lab_name or "any accredited laboratory"),
            ]
        )
    )
    story.append(para("Tests", s.h2))
    rows = [[t.loinc, t.name, t.kind] for t in order.tests]
    story.append(table(["LOINC", "Test", "Kind"], rows, [1.0 * inch, width - 2.0 * inch, inch]))
    story.append(para("Diagnosis (ICD-10-CM)", s.h2))
    story.append(para(", ".join(order.diagnosis_codes) or "none given"))
    if order.problem:
        story.append(para(f"Reason: {order.problem}", s.muted))
    story.append(para("Specimen notes", s.h2))
    story.append(para(order.specimen_notes or "none"))
    story.append(para("Signature of ordering provider: ______________________", s.sig_line))
    return render(story, setup)


def result_letter_pdf(
    results: Sequence[ResultRow],
    head: Letterhead,
    patient: PatientIdentity,
    physician: str,
    message: str,
) -> bytes:
    """A letter telling the patient their results, with the physician's comment."""
    s = styles()
    setup = PageSetup("Your test results", head, dt.datetime.now(), patient)
    width = content_width(setup)
    story: list[Flowable] = [*letterhead_block(head), Spacer(1, 12)]
    story.append(para(fmt_date(dt.date.today())))
    story.append(para(f"Dear {patient.name},", s.body))
    story.append(para(message or "Your recent test results are below."))
    rows = [
        [r.name, f"{r.shown_value} {r.unit}".strip(), r.range_text, FLAG_WORDS[r.flag]]
        for r in results
    ]
    story.append(
        table(
            ["Test", "Result", "Reference range", "Flag"],
            rows,
            [width - 3.6 * inch, 1.3 * inch, 1.4 * inch, 0.9 * inch],
        )
    )
    story.append(para("Please call the practice if you have any questions.", s.body))
    story.append(para(physician, s.sig_line))
    return render(story, setup)
