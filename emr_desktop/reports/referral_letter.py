"""The referral cover letter: from the practice to the specialist, signed by the referring
physician, on the first page of a referral packet."""

from __future__ import annotations

from collections.abc import Sequence

from reportlab.lib import colors
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer, Table, TableStyle

from emr_desktop.domain.clinical import Urgency
from emr_desktop.domain.display import date_text
from emr_desktop.domain.exports import ReferralLetter
from emr_desktop.domain.practice import PracticeDetails
from emr_desktop.reports.base import Letterhead, PatientIdentity, letterhead_block, para, styles
from emr_desktop.reports.chart_sections import in_embedded_font, key_values

_URGENCY_WORDS: dict[Urgency, str] = {
    Urgency.ROUTINE: "Routine",
    Urgency.URGENT: "URGENT (please see within days)",
    Urgency.EMERGENT: "EMERGENT (please see today)",
}
_URGENT_FILL = colors.HexColor("#fde2e1")
_URGENT_EDGE = colors.HexColor("#b3261e")


def urgency_box(urgency: Urgency, width: float) -> Table:
    """The urgency, boxed; urgent and emergent referrals stand out in red."""
    s = styles()
    cell = para(f"Urgency: {_URGENCY_WORDS[urgency]}", s.cell_bold)
    box = Table([[cell]], colWidths=[width], hAlign="LEFT")
    loud = urgency is not Urgency.ROUTINE
    box.setStyle(
        TableStyle(
            [
                (
                    "BOX",
                    (0, 0),
                    (-1, -1),
                    1.2 if loud else 0.6,
                    _URGENT_EDGE if loud else "#9a9a9a",
                ),
                ("BACKGROUND", (0, 0), (-1, -1), _URGENT_FILL if loud else "#f5f6f8"),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return in_embedded_font(box)


def _recipient(letter: ReferralLetter) -> str:
    lines = [letter.to_name, letter.to_specialty, letter.to_organization]
    contact = "   ".join(
        f"{label} {value}"
        for label, value in (("Phone", letter.to_phone), ("Fax", letter.to_fax))
        if value
    )
    return "\n".join(p for p in (*lines, contact) if p)


def reply_to(practice: PracticeDetails) -> str:
    """Where the report goes: "to the address above" only when the letterhead prints one."""
    if practice.address_line1 or practice.city:
        return "to the address above"
    pairs = (("fax", practice.fax), ("phone", practice.phone))
    contact = ", ".join(f"{label} {value}" for label, value in pairs if value)
    return f"to {practice.name}" + (f" ({contact})" if contact else "")


def _salutation(name: str) -> str:
    return f"Dear {name}," if name else "Dear colleague,"


def referral_letter(
    letter: ReferralLetter,
    practice: PracticeDetails,
    patient: PatientIdentity,
    enclosed: Sequence[str],
    width: float,
) -> list[Flowable]:
    """The cover letter's flowables, ending with a page break before the chart."""
    s = styles()
    out: list[Flowable] = [*letterhead_block(Letterhead.from_details(practice)), Spacer(1, 10)]
    out.append(para(date_text(letter.date), s.body))
    out.append(Spacer(1, 6))
    out.append(para(_recipient(letter), s.body))
    out.append(Spacer(1, 8))
    out.append(
        key_values(
            [
                ("Re: patient", patient.name),
                ("Date of birth", date_text(patient.date_of_birth)),
                ("MRN", patient.mrn),
                ("Referred to", letter.to_specialty),
            ],
            [1.2 * 72, width - 1.2 * 72],
        )
    )
    out.append(Spacer(1, 8))
    out.append(urgency_box(letter.urgency, width))
    out.append(Spacer(1, 10))
    out.append(para(_salutation(letter.to_name), s.body))
    out.append(
        para(
            f"Thank you for seeing my patient, {patient.name} (date of birth "
            f"{date_text(patient.date_of_birth)}), whom I am referring for the following reason.",
            s.body,
        )
    )
    out.append(para("Reason for referral", s.h2))
    out.append(para(letter.reason, s.body))
    if letter.clinical_question.strip():
        out.append(para("Clinical question", s.h2))
        out.append(para(letter.clinical_question.strip(), s.body))
    if enclosed:
        out.append(para("Enclosed", s.h2))
        out.append(para("\n".join(f"•  {item}" for item in enclosed), s.body))
    out.append(
        para(
            f"Please send your consultation report {reply_to(practice)}. Do not hesitate "
            "to call if you have questions.",
            s.body,
        )
    )
    out.append(_signature(letter, practice))
    out.append(PageBreak())
    return out


def _signature(letter: ReferralLetter, practice: PracticeDetails) -> Flowable:
    s = styles()
    block: list[Flowable] = [para("Sincerely,", s.body), Spacer(1, 26)]
    block.append(para("_" * 38, s.body))
    if letter.signer is None:
        block.append(para(f"On behalf of {practice.name}", s.body))
        return KeepTogether(block)
    signer = letter.signer
    block.append(para(signer.signature(), s.cell_bold))
    lines = [
        signer.specialty,
        f"NPI {signer.npi}" if signer.npi else "",
        practice.name,
        "   ".join(
            f"{label} {value}"
            for label, value in (("Phone", practice.phone), ("Fax", practice.fax))
            if value
        ),
    ]
    block += [para(line, s.cell) for line in lines if line]
    return KeepTogether(block)
