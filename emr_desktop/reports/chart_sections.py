"""The chart's sections as PDF flowables: demographics, allergies, problems, medications,
immunizations, vital signs, labs and visit notes.

Every builder takes DTOs and returns flowables; nothing here queries anything. Tables
repeat their header row on every page (reports.base.table); a visit note is one heading
and one paragraph, so a 700-visit chart lays out quickly and long notes split cleanly.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    Paragraph,
    Table,
    TableStyle,
)

from emr_desktop.domain.chart import (
    AllergyRow,
    ImmunizationRow,
    LabRow,
    MedicationRow,
    ProblemRow,
    VitalsRow,
)
from emr_desktop.domain.clinical import LabFlag
from emr_desktop.domain.display import date_text, datetime_text, num
from emr_desktop.domain.exports import SECTION_LABELS, ChartSection
from emr_desktop.domain.patients import PatientDetails, age_on
from emr_desktop.domain.sections import ICD10_CM
from emr_desktop.reference.drug_print import tall_man
from emr_desktop.reference.loinc import lab_test
from emr_desktop.reports.base import FONT, para, styles
from emr_desktop.reports.base import key_values as _key_values
from emr_desktop.reports.base import table as _table

FLAG_WORDS: dict[LabFlag, str] = {
    LabFlag.NORMAL: "",
    LabFlag.LOW: "Low",
    LabFlag.HIGH: "High",
    LabFlag.CRITICAL_LOW: "CRITICAL LOW",
    LabFlag.CRITICAL_HIGH: "CRITICAL HIGH",
    LabFlag.ABNORMAL: "Abnormal",
}


def in_embedded_font(t: Table) -> Table:
    """``t`` with its cell font set to the embedded one.

    A reportlab table selects Helvetica for every cell, even cells holding paragraphs in
    another font; PDF/A would flag that as a font not embedded.
    """
    t.setStyle(TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT)]))
    return t


def table(
    head: Sequence[str],
    rows: Sequence[Sequence[str | Flowable]],
    widths: Sequence[float] | None = None,
) -> Table:
    """reports.base.table in the embedded font."""
    return in_embedded_font(_table(head, rows, widths))


def key_values(pairs: Sequence[tuple[str, str]], widths: Sequence[float] | None = None) -> Table:
    """reports.base.key_values in the embedded font."""
    return in_embedded_font(_key_values(pairs, widths))


def heading(section: ChartSection, suffix: str = "") -> list[Flowable]:
    """A section heading with room under it for a few rows (never alone at a page's foot).

    Not keepWithNext: that would bind the heading to a whole long table and push the
    table to the next page instead of letting it split.
    """
    text = SECTION_LABELS[section] + (f" ({suffix})" if suffix else "")
    return [CondPageBreak(110), para(text, styles().h1)]


def empty(text: str) -> Paragraph:
    """A muted line saying a section has nothing in it."""
    return para(text, styles().muted)


def demographics(patient: PatientDetails, today: dt.date) -> list[Flowable]:
    """Name, both identifiers, contact, language, emergency contact and insurance."""
    d = patient.data
    name = " ".join(p for p in (d.given_name, d.middle_name, d.family_name) if p)
    place = " ".join(p for p in (d.state, d.postal_code) if p)
    town = ", ".join(p for p in (d.city, place) if p)
    address = "\n".join(p for p in (d.address_line1, d.address_line2, town) if p)
    phones = "   ".join(
        f"{label} {value}"
        for label, value in (("Mobile", d.phone_mobile), ("Home", d.phone_home))
        if value
    )
    emergency = " · ".join(
        p
        for p in (d.emergency_contact_name, d.emergency_contact_relation, d.emergency_contact_phone)
        if p
    )
    insurance = " · ".join(
        p
        for p in (
            d.insurance_payer,
            f"member ID {d.insurance_member_id}" if d.insurance_member_id else "",
        )
        if p
    )
    age = age_on(d.birth_date, today)
    pairs = [
        ("Name", name),
        ("Preferred name", d.preferred_name if d.preferred_name != d.given_name else ""),
        ("Date of birth", f"{date_text(d.birth_date)} (age {age})"),
        ("Sex at birth", d.sex_at_birth.value.capitalize()),
        ("Gender identity", d.gender_identity),
        ("MRN", patient.mrn),
        ("Address", address),
        ("Phone", phones),
        ("E-mail", d.email),
        ("Preferred language", d.preferred_language),
        ("Emergency contact", emergency),
        ("Insurance", insurance),
        ("Alerts", d.alerts),
    ]
    return [*heading(ChartSection.DEMOGRAPHICS), key_values([p for p in pairs if p[1]])]


def allergies(rows: Sequence[AllergyRow], state: str, width: float) -> list[Flowable]:
    """Active allergies; 'No known allergies' only when recorded, else 'not documented'."""
    out = heading(ChartSection.ALLERGIES)
    if rows:
        data = [
            [
                a.substance,
                a.category.value.capitalize(),
                a.reaction or "—",
                a.severity.value.capitalize(),
                date_text(a.onset_date) or "—",
            ]
            for a in rows
        ]
        w = width
        out.append(
            table(
                ["Substance", "Type", "Reaction", "Severity", "Onset"],
                data,
                [w * 0.3, w * 0.13, w * 0.29, w * 0.13, w * 0.15],
            )
        )
    elif state == "nka":
        out.append(para("No known allergies (NKA), as recorded in the chart.", styles().body))
    else:
        out.append(
            para("Allergies not documented: no allergy or NKA has been recorded.", styles().body)
        )
    return out


def problems(rows: Sequence[ProblemRow], width: float) -> list[Flowable]:
    """Active problems with their ICD-10-CM codes."""
    out = heading(ChartSection.PROBLEMS)
    if not rows:
        return [*out, empty("No active problems recorded.")]
    data = [[p.description, _code(p), date_text(p.onset_date) or "—", p.note] for p in rows]
    w = width
    out.append(
        table(
            ["Problem", "ICD-10-CM", "Onset", "Note"],
            data,
            [w * 0.42, w * 0.14, w * 0.14, w * 0.30],
        )
    )
    return out


def _code(p: ProblemRow) -> str:
    """The code; one from another code system (SNOMED from an import) says which."""
    if p.code_system == ICD10_CM or not p.code_system:
        return p.code
    return f"{p.code} ({p.code_system})"


def _drug(m: MedicationRow) -> str:
    return " ".join(p for p in (tall_man(m.drug_name), m.strength, m.form) if p)


def medications(rows: Sequence[MedicationRow], width: float) -> list[Flowable]:
    """Active medications with their sigs."""
    out = heading(ChartSection.MEDICATIONS)
    if not rows:
        return [*out, empty("No active medications recorded.")]
    data = [
        [_drug(m), m.sig or "—", date_text(m.start_date) or "—", m.source.value.capitalize()]
        for m in rows
    ]
    w = width
    out.append(
        table(
            ["Medication", "Directions (sig)", "Since", "Source"],
            data,
            [w * 0.32, w * 0.42, w * 0.13, w * 0.13],
        )
    )
    return out


def immunizations(rows: Sequence[ImmunizationRow], width: float) -> list[Flowable]:
    """Vaccines given, newest first."""
    out = heading(ChartSection.IMMUNIZATIONS)
    if not rows:
        return [*out, empty("No immunizations recorded.")]
    data = [
        [
            i.vaccine,
            i.cvx,
            date_text(i.given_on),
            i.lot or "—",
            " · ".join(p for p in (i.site, i.route) if p) or "—",
        ]
        for i in rows
    ]
    w = width
    out.append(
        table(
            ["Vaccine", "CVX", "Given", "Lot", "Site / route"],
            data,
            [w * 0.36, w * 0.07, w * 0.14, w * 0.12, w * 0.31],
        )
    )
    return out


def vitals(rows: Sequence[VitalsRow], width: float, scope: str) -> list[Flowable]:
    """Sets of vital signs, newest first, units in the header."""
    out = heading(ChartSection.VITALS, scope)
    if not rows:
        return [*out, empty("No vital signs recorded.")]

    def bp(v: VitalsRow) -> str:
        return f"{v.systolic}/{v.diastolic}" if v.systolic and v.diastolic else ""

    def whole(value: int | None) -> str:
        return "" if value is None else str(value)

    data = [
        [
            datetime_text(v.measured_at.astimezone()),
            bp(v),
            whole(v.pulse),
            whole(v.respiration),
            num(v.temperature_c),
            whole(v.spo2),
            num(v.weight_kg),
            num(v.height_cm),
            num(v.bmi),
            whole(v.pain),
        ]
        for v in rows
    ]
    w = width
    head = [
        "Measured",
        "BP mmHg",
        "Pulse /min",
        "Resp /min",
        "Temp °C",
        "SpO2 %",
        "Weight kg",
        "Height cm",
        "BMI kg/m²",
        "Pain /10",
    ]
    out.append(table(head, data, [w * 0.19] + [w * 0.09] * 9))
    return out


def _lab_name(lab: LabRow) -> str:
    known = lab_test(lab.loinc) if lab.loinc else None
    return known.short_name if known and known.short_name else lab.name


def _reference(lab: LabRow) -> str:
    if lab.ref_low is not None and lab.ref_high is not None:
        return f"{num(lab.ref_low, 2)}–{num(lab.ref_high, 2)}"
    if lab.ref_low is not None:
        return f"≥ {num(lab.ref_low, 2)}"
    if lab.ref_high is not None:
        return f"≤ {num(lab.ref_high, 2)}"
    return lab.ref_text


def labs(rows: Sequence[LabRow], width: float, scope: str) -> list[Flowable]:
    """Lab results with units, reference ranges and flags (abnormal ones in bold)."""
    out = heading(ChartSection.LABS, scope)
    if not rows:
        return [*out, empty("No laboratory results recorded.")]
    s = styles()
    data: list[list[str | Flowable]] = []
    previous = ""
    for lab in rows:
        when = datetime_text(lab.collected_at.astimezone())
        shown, previous = ("" if when == previous else when), when
        value = num(lab.value, 2) if lab.value is not None else lab.value_text
        flag = FLAG_WORDS.get(lab.flag, lab.flag.value)
        style = s.cell_bold if flag else s.cell
        data.append(
            [
                shown,
                _lab_name(lab),
                para(value, style),
                lab.unit,
                _reference(lab),
                para(flag, style),
            ]
        )
    w = width
    out.append(
        table(
            ["Collected", "Test", "Result", "Unit", "Reference range", "Flag"],
            data,
            [w * 0.19, w * 0.3, w * 0.11, w * 0.11, w * 0.15, w * 0.14],
        )
    )
    return out
