"""Visit notes on paper: a heading per visit (date, kind, provider, who signed it and
when), then the note as one paragraph with its addenda, which may split across pages.

One Paragraph per note, not one per line or section, keeps a 700-visit chart quick to
lay out.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

from reportlab.lib.styles import ParagraphStyle
from reportlab.platypus import CondPageBreak, Flowable, HRFlowable, KeepTogether, Paragraph, Spacer

from emr_desktop.domain.chart import Note
from emr_desktop.domain.clinical import NoteStatus
from emr_desktop.domain.display import datetime_text
from emr_desktop.domain.exports import ChartSection
from emr_desktop.reports.base import para, styles
from emr_desktop.reports.chart_sections import empty, heading
from emr_desktop.reports.fonts import markup


@cache
def _note_style() -> ParagraphStyle:
    return ParagraphStyle("note_body", parent=styles().body, leading=12.2, spaceAfter=8)


def _note_markup(n: Note) -> str:
    """The four SOAP parts and the addenda as one paragraph's markup."""
    parts: list[str] = []
    for label, text in (
        ("Subjective", n.subjective),
        ("Objective", n.objective),
        ("Assessment", n.assessment),
        ("Plan", n.plan),
    ):
        if text.strip():
            parts.append(f"<b>{label}:</b> {markup(text.strip())}")
    if not parts:
        parts.append("<i>(No note text.)</i>")
    for a in n.addenda:
        when = datetime_text(a.created_at.astimezone())
        parts.append(f"<b>Addendum</b> ({markup(a.author)}, {when}): {markup(a.text.strip())}")
    return "<br/>".join(parts)


def note_flowables(n: Note) -> list[Flowable]:
    """One visit: a heading kept with the start of its text, then the text (it may split)."""
    s = styles()
    when = datetime_text(n.occurred_at.astimezone())
    title = " · ".join(p for p in (when, n.kind, n.provider) if p)
    if n.status is NoteStatus.SIGNED and n.signed_at is not None:
        status = (
            f"Signed by {n.signed_by or 'unknown'} on {datetime_text(n.signed_at.astimezone())}"
        )
    else:
        status = "DRAFT: not signed"
    sub = " · ".join(p for p in (f"Reason: {n.reason}" if n.reason else "", status) if p)
    head = KeepTogether([_rule(), para(title, s.h3), para(sub, s.muted)])
    return [CondPageBreak(90), head, Spacer(1, 2), Paragraph(_note_markup(n), _note_style())]


def _rule() -> Flowable:
    return HRFlowable(width="100%", thickness=0.4, color="#b8bcc4", spaceBefore=4, spaceAfter=2)


def notes(rows: Sequence[Note], scope: str) -> list[Flowable]:
    """The chosen visit notes, newest first (as given): what a consultant reads first."""
    count = f"{len(rows)} signed note{'s' if len(rows) != 1 else ''}"
    out = heading(ChartSection.NOTES, f"{count}, {scope}, newest first")
    if not rows:
        return [*out, empty("No signed visit notes in the chosen range.")]
    for n in rows:
        out += note_flowables(n)
    return out
