"""One builder for every chart PDF sent out of the practice: the referral packet (cover
letter, then the chart), the full chart export and an export of chosen sections.

Takes a loaded ChartPacket (no queries here) and returns the PDF's bytes: laid out on the
shared page dress (reports.base), attached documents laid in, then PDF/A-2b or a
password if asked for.
"""

from __future__ import annotations

from collections.abc import Callable

from reportlab.platypus import Flowable, Spacer

from emr_desktop.domain.display import date_text
from emr_desktop.domain.exports import SECTION_LABELS, ChartPacket, ChartSection, ExportKind
from emr_desktop.errors import ValidationError
from emr_desktop.reports import chart_sections as cs
from emr_desktop.reports import visit_notes
from emr_desktop.reports.attachments import AttachmentPage, SlotLog, attachment_pages
from emr_desktop.reports.base import (
    Letterhead,
    PageSetup,
    PatientIdentity,
    content_width,
    letterhead_block,
    para,
    render,
    styles,
)
from emr_desktop.reports.fonts import register_fonts
from emr_desktop.reports.pdf_options import encrypt, overlay_attachments, page_count, to_pdf_a
from emr_desktop.reports.referral_letter import referral_letter

Progress = Callable[[int], None]

# Section order on paper: who the patient is and what can hurt them first.
ORDER: tuple[ChartSection, ...] = (
    ChartSection.DEMOGRAPHICS,
    ChartSection.ALLERGIES,
    ChartSection.PROBLEMS,
    ChartSection.MEDICATIONS,
    ChartSection.IMMUNIZATIONS,
    ChartSection.VITALS,
    ChartSection.LABS,
    ChartSection.NOTES,
)
_STORY = 35  # percent of the progress bar for making the flowables, the rest for layout


def identity(packet: ChartPacket) -> PatientIdentity:
    """The two identifiers printed on every page."""
    d = packet.patient.data
    name = " ".join(p for p in (d.given_name, d.middle_name, d.family_name) if p)
    return PatientIdentity(name, d.birth_date, packet.patient.mrn)


def title(packet: ChartPacket) -> str:
    """The document's title, printed at the top of every page."""
    if packet.kind is ExportKind.REFERRAL and packet.referral is not None:
        return f"Referral packet: {packet.referral.to_specialty}"
    if packet.kind is ExportKind.CHART:
        return "Chart export"
    return "Chart summary"


def enclosed(packet: ChartPacket) -> list[str]:
    """What the cover letter lists as enclosed."""
    items = [
        SECTION_LABELS[s] for s in ORDER if s in packet.sections and s is not ChartSection.NOTES
    ]
    out = [f"Chart summary: {', '.join(i.lower() for i in items)}"] if items else []
    if ChartSection.NOTES in packet.sections:
        count = len(packet.notes)
        out.append(f"{count} signed visit note{'s' if count != 1 else ''} ({packet.notes_scope})")
    for att in packet.attachments:
        when = date_text(att.document_date)
        out.append(f"Attached document: {att.title}" + (f" ({when})" if when else ""))
    return out


def _opening(packet: ChartPacket, width: float) -> list[Flowable]:
    """The first page's head when there is no cover letter."""
    s = styles()
    head = letterhead_block(Letterhead.from_details(packet.practice))
    ident = identity(packet)
    made = packet.generated_at.astimezone()
    lines = [
        f"{title(packet)} for {ident.name}, date of birth {date_text(ident.date_of_birth)}, "
        f"MRN {ident.mrn}.",
        f"Prepared {date_text(made.date())} at {made:%H:%M}. Includes: "
        + ", ".join(SECTION_LABELS[x].lower() for x in ORDER if x in packet.sections)
        + ".",
    ]
    del width
    return [*head, Spacer(1, 8), para(title(packet), s.title), *(para(t, s.body) for t in lines)]


def story(
    packet: ChartPacket, width: float, log: SlotLog, progress: Progress | None = None
) -> list[Flowable]:
    """Every flowable of the packet, in reading order; ``progress`` hears 0..100 by section."""
    out: list[Flowable] = []
    if packet.kind is ExportKind.REFERRAL:
        if packet.referral is None:
            raise ValidationError("referral", "a referral packet needs the referral's details")
        out += referral_letter(
            packet.referral, packet.practice, identity(packet), enclosed(packet), width
        )
    else:
        out += _opening(packet, width)
    summary = packet.summary
    chosen = packet.sections
    today = packet.generated_at.astimezone().date()
    build: dict[ChartSection, Callable[[], list[Flowable]]] = {
        ChartSection.DEMOGRAPHICS: lambda: cs.demographics(packet.patient, today),
        ChartSection.ALLERGIES: lambda: cs.allergies(
            summary.allergies, summary.banner.allergy_state, width
        ),
        ChartSection.PROBLEMS: lambda: cs.problems(summary.active_problems, width),
        ChartSection.MEDICATIONS: lambda: cs.medications(summary.active_medications, width),
        ChartSection.IMMUNIZATIONS: lambda: cs.immunizations(summary.immunizations, width),
        ChartSection.VITALS: lambda: cs.vitals(packet.vitals, width, _vitals_scope(packet)),
        ChartSection.LABS: lambda: cs.labs(packet.labs, width, _labs_scope(packet)),
        ChartSection.NOTES: lambda: visit_notes.notes(packet.notes, packet.notes_scope),
    }
    wanted = [section for section in ORDER if section in chosen]
    for done, section in enumerate(wanted, start=1):
        out += build[section]()
        if progress is not None:
            progress(done * 100 // len(wanted))
    if packet.attachments:
        pages = attachment_pages(packet.attachments, log)
        count = sum(isinstance(f, AttachmentPage) for f in pages)
        out.append(para(f"Attached documents follow ({count} pages).", styles().muted))
        out += pages
    else:
        out.append(para("End of document.", styles().muted))
    if not out:
        out.append(Spacer(1, 1))
    return out


def _vitals_scope(packet: ChartPacket) -> str:
    n = len(packet.vitals)
    if not n:
        return ""
    if packet.kind is ExportKind.CHART:
        return f"all {n} sets, newest first"
    return f"the {n} most recent" if n > 1 else "the most recent"


def _labs_scope(packet: ChartPacket) -> str:
    if packet.kind is ExportKind.CHART:
        return "all results"
    return f"the {len(packet.labs)} most recent" if packet.labs else ""


def build_chart_packet(
    packet: ChartPacket,
    *,
    password: str | None = None,
    pdf_a: bool = False,
    progress: Progress | None = None,
) -> tuple[bytes, int]:
    """The packet as PDF bytes and its page count; ``password`` locks it (AES-256),
    ``pdf_a`` makes it PDF/A-2b for archiving."""
    if password and pdf_a:
        raise ValidationError(
            "password", "PDF/A files cannot be password-protected (PDF/A forbids encryption)"
        )
    ident = identity(packet)
    setup = PageSetup(
        title=title(packet),
        letterhead=Letterhead.from_details(packet.practice),
        generated_at=packet.generated_at.astimezone(),
        patient=ident,
        subject=f"MRN {ident.mrn}",
    )
    log = SlotLog()
    tell = progress or (lambda _percent: None)
    # Making the flowables (a table cell or note at a time) is about a third of the work.
    flowables = story(packet, content_width(setup), log, lambda p: tell(p * _STORY // 100))
    register_fonts()
    pdf = render(flowables, setup, progress=lambda p: tell(_STORY + p * (100 - _STORY) // 100))
    pdf = overlay_attachments(pdf, log.slots, packet.attachments)
    pages = page_count(pdf)
    if pdf_a:
        pdf = to_pdf_a(pdf)
    elif password:
        pdf = encrypt(pdf, password)
    return pdf, pages
