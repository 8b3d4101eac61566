"""The day sheet: one section per provider listing the day's appointments for the front desk.

Each provider starts on a new page (the sheets are handed to different people). Rows
give the time, the patient's name with the MRN, date of birth, type, reason, phone, room
and status. Cancelled appointments are left out (only counted under the heading, so the
desk knows the gap is intended); no-shows stay, marked, because the desk follows them up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import cast

from reportlab.lib import colors
from reportlab.lib.units import inch
from reportlab.platypus import Flowable, PageBreak, Paragraph, Spacer, TableStyle

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.domain.display import clock, provider_name
from emr_desktop.domain.schedule import BlockRow, DayView, ProviderInfo
from emr_desktop.reports.base import (
    Letterhead,
    PageSetup,
    content_width,
    fmt_date,
    para,
    render,
    styles,
    table,
)
from emr_desktop.reports.fonts import markup

S = AppointmentStatus
_HEAD_FILL = colors.HexColor("#e4e8ee")  # as reports.base heads its tables
_ZEBRA = colors.HexColor("#f5f6f8")
_RULE = colors.HexColor("#9a9a9a")
STATUS_WORDS = {
    S.BOOKED: "",
    S.ARRIVED: "Arrived",
    S.IN_ROOM: "In room",
    S.COMPLETED: "Completed",
    S.CANCELLED: "Cancelled",
    S.NO_SHOW: "NO-SHOW",
}
HEAD = (
    "Time",
    "Min",
    "Patient",
    "MRN",
    "Born",
    "Type",
    "Reason for visit",
    "Phone",
    "Room",
    "Status",
)
# Column widths in points on a landscape letter page (scaled to the real frame width):
# one line per appointment where the reason allows, so a busy day fits one page.
_POINTS = (50, 28, 130, 54, 66, 62, 138, 77, 42, 58)
_TITLE_GAP = 10


@dataclass(frozen=True, slots=True)
class _Line:
    """One row of a provider's table: an appointment or a stretch of blocked time."""

    start: dt.datetime
    cells: list[str | Flowable]
    blocked: bool = False


def day_title(day: dt.date) -> str:
    """'Day sheet: Monday, Nov 23, 2026'."""
    return f"Day sheet: {day:%A}, {fmt_date(day)}"


def _appointment_line(a: AppointmentRow) -> _Line:
    s = styles()
    status = STATUS_WORDS.get(a.status, str(a.status))
    status_cell: str | Flowable = para(status, s.cell_bold) if a.status is S.NO_SHOW else status
    cells: list[str | Flowable] = [
        clock(a.start_at),
        str(a.duration_min),
        para(a.patient_name, s.cell_bold),
        a.patient_mrn,
        fmt_date(a.patient_birth_date),
        a.kind,
        a.reason,
        a.patient_phone or "none on file",
        a.room,
        status_cell,
    ]
    return _Line(a.start_at, cells)


def _block_line(b: BlockRow, day: dt.date) -> _Line:
    s = styles()
    start = max(b.start_at, dt.datetime.combine(day, dt.time()))
    end = min(b.end_at, dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
    minutes = int((end - start).total_seconds() // 60)
    what = "Blocked" + (f": {b.reason}" if b.reason else "")
    if b.provider_id is None:
        what += " (whole practice)"
    what += f", until {clock(end)}"
    cells: list[str | Flowable] = [clock(start), str(minutes), para(what, s.muted)]
    return _Line(start, cells + [""] * (len(HEAD) - len(cells)), blocked=True)


def _title(view: DayView, p: ProviderInfo, shown: int, cancelled: int) -> Paragraph:
    """The provider's heading row, repeated at the top of every page of their section."""
    s = styles()
    hours = [h for h in view.hours if h.provider_id == p.id]
    bits = [f"{view.day:%A}, {fmt_date(view.day)}"]
    bits.append(f"{shown} appointment{'s' if shown != 1 else ''}")
    spans = ", ".join(f"{clock(h.start)} to {clock(h.end)}" for h in hours)
    bits.append(f"hours {spans}" if spans else "not working")
    if cancelled:
        bits.append(f"{cancelled} cancelled (not listed)")
    return Paragraph(
        f"<font size='12'><b>{markup(provider_name(p))}</b></font>"
        f"<font color='#555555'>   {markup(' · '.join(bits))}</font>",
        s.body,
    )


def _provider_section(view: DayView, p: ProviderInfo, widths: Sequence[float]) -> list[Flowable]:
    s = styles()
    mine = view.for_provider(p.id)
    listed = [a for a in mine if a.status is not S.CANCELLED]
    cancelled = len(mine) - len(listed)
    lines = [_appointment_line(a) for a in listed]
    lines += [_block_line(b, view.day) for b in view.blocked if b.provider_id in (None, p.id)]
    lines.sort(key=lambda line: (line.start, line.blocked))
    title = _title(view, p, len(listed), cancelled)
    if not lines:
        return [title, Spacer(1, 4), para("No appointments.", s.body)]
    # The title goes in as the table's first row so it repeats with the column heads.
    head = cast(Sequence[str], [title] + [""] * (len(HEAD) - 1))
    heads: list[str | Flowable] = [para(h, s.cell_bold) for h in HEAD]
    t = table(head, [heads, *(line.cells for line in lines)], widths)
    t.repeatRows = 2
    t.setStyle(
        TableStyle(
            [
                ("SPAN", (0, 0), (-1, 0)),
                ("BACKGROUND", (0, 0), (-1, 0), colors.white),
                ("LINEBELOW", (0, 0), (-1, 0), 0, colors.white),
                ("LEFTPADDING", (0, 0), (-1, 0), 0),
                ("BOTTOMPADDING", (0, 0), (-1, 0), _TITLE_GAP),
                ("BACKGROUND", (0, 1), (-1, 1), _HEAD_FILL),
                ("LINEBELOW", (0, 1), (-1, 1), 0.6, _RULE),
            ]
            + [("SPAN", (2, i + 2), (-1, i + 2)) for i, x in enumerate(lines) if x.blocked]
            + [("BACKGROUND", (0, i), (-1, i), colors.white) for i in range(2, len(lines) + 2, 2)]
            + [("BACKGROUND", (0, i), (-1, i), _ZEBRA) for i in range(3, len(lines) + 2, 2)]
        )
    )
    return [t]


def day_sheet_pdf(
    views: Sequence[DayView],
    letterhead: Letterhead,
    generated_at: dt.datetime,
) -> bytes:
    """The day sheet of one or more days (a section, starting a page, per provider)."""
    first = views[0].day if views else generated_at.date()
    title = day_title(first) if len(views) <= 1 else "Day sheet"
    setup = PageSetup(title, letterhead, generated_at, landscape=True, subject="Day sheet")
    width = content_width(setup)
    scale = width / sum(_POINTS)
    widths = [w * scale for w in _POINTS]
    story: list[Flowable] = []
    for view in views:
        for p in view.providers:
            if story:
                story.append(PageBreak())
            story += _provider_section(view, p, widths)
    if not story:
        story.append(para("No providers were chosen.", styles().body))
    story.append(Spacer(1, 0.1 * inch))
    return render(story, setup)
