"""What every PDF of the practice shares: fonts, styles, tables and the page furniture.

Every page carries the practice name and the document's title, the patient's two
identifiers (name and date of birth, with the MRN) when the document is about one
patient, "Page X of Y", the time it was printed and a confidentiality notice. The fonts
are embedded (DejaVu Sans, with Droid Sans Fallback for Chinese, Japanese and Korean),
so a name in any of those scripts prints as typed.
"""

from __future__ import annotations

import datetime as dt
import io
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import cache
from typing import Any

from reportlab import rl_config
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import LETTER, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import inch
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Table, TableStyle

from emr_desktop.domain.display import date_text, datetime_text
from emr_desktop.domain.practice import PracticeDetails
from emr_desktop.reports.fonts import (
    FONT,
    FONT_BOLD,
    draw_text,
    markup,
    register_fonts,
    text_width,
)

__all__ = [
    "FONT",
    "FONT_BOLD",
    "Letterhead",
    "PageSetup",
    "PatientIdentity",
    "Styles",
    "content_width",
    "fmt_date",
    "fmt_datetime",
    "key_values",
    "letterhead_block",
    "para",
    "render",
    "styles",
    "table",
]

fmt_date = date_text
fmt_datetime = datetime_text

_MARGIN_X = 0.6 * inch
_MARGIN_TOP = 0.95 * inch
_MARGIN_BOTTOM = 0.75 * inch
_INK = colors.HexColor("#1a1a1a")
_MUTED = colors.HexColor("#555555")
_RULE = colors.HexColor("#9a9a9a")
_HEAD_FILL = colors.HexColor("#e4e8ee")
_ZEBRA = colors.HexColor("#f5f6f8")
_canvas_font_lock = threading.Lock()


@dataclass(frozen=True, slots=True)
class Styles:
    """The paragraph styles every document uses."""

    title: ParagraphStyle
    h1: ParagraphStyle
    h2: ParagraphStyle
    h3: ParagraphStyle
    body: ParagraphStyle
    small: ParagraphStyle
    cell: ParagraphStyle
    cell_bold: ParagraphStyle
    label: ParagraphStyle
    muted: ParagraphStyle
    sig_line: ParagraphStyle
    right: ParagraphStyle


@cache
def styles() -> Styles:
    """The shared styles (fonts registered on first use)."""
    register_fonts()

    def style(name: str, size: float, *, bold: bool = False, **kw: Any) -> ParagraphStyle:
        return ParagraphStyle(
            name,
            fontName=FONT_BOLD if bold else FONT,
            fontSize=size,
            leading=kw.pop("leading", size * 1.28),
            textColor=kw.pop("textColor", _INK),
            **kw,
        )

    return Styles(
        title=style("title", 15, bold=True, spaceAfter=6),
        h1=style("h1", 12.5, bold=True, spaceBefore=10, spaceAfter=4),
        h2=style("h2", 10.5, bold=True, spaceBefore=8, spaceAfter=3),
        h3=style("h3", 9.5, bold=True, spaceBefore=5, spaceAfter=2),
        body=style("body", 9.5, spaceAfter=4),
        small=style("small", 8),
        cell=style("cell", 8.5),
        cell_bold=style("cell_bold", 8.5, bold=True),
        label=style("label", 7.5, textColor=_MUTED),
        muted=style("muted", 8.5, textColor=_MUTED),
        sig_line=style("sig_line", 9.5, spaceBefore=24),
        right=style("right", 9.5, alignment=TA_RIGHT),
    )


def para(text: str, style: ParagraphStyle | None = None) -> Paragraph:
    """A paragraph of plain text (escaped; newlines kept as line breaks)."""
    return Paragraph(markup(text), style or styles().body)


@dataclass(frozen=True, slots=True)
class Letterhead:
    """The practice as documents name it: its name and the lines under it."""

    practice_name: str
    lines: tuple[str, ...] = ()

    @classmethod
    def from_details(cls, details: PracticeDetails) -> Letterhead:
        """The letterhead of the practice's recorded details."""
        return cls(details.name, details.letterhead()[1:])


def salutation(display_name: str) -> str:
    """'Family, Given Middle' as a letter greets them: 'Given Middle Family'."""
    family, _, given = display_name.partition(", ")
    return f"{given} {family}".strip() if given else display_name


@dataclass(frozen=True, slots=True)
class PatientIdentity:
    """The two identifiers printed on every page: name and date of birth, with the MRN."""

    name: str
    date_of_birth: dt.date
    mrn: str

    def line(self) -> str:
        """'Name · DOB Jan 2, 1960 · MRN 1234567-8'."""
        return f"{self.name} · DOB {fmt_date(self.date_of_birth)} · MRN {self.mrn}"


@dataclass(frozen=True, slots=True)
class PageSetup:
    """How a document's pages are dressed."""

    title: str
    letterhead: Letterhead
    generated_at: dt.datetime
    patient: PatientIdentity | None = None
    landscape: bool = False
    confidential: bool = True
    subject: str = ""

    @property
    def pagesize(self) -> tuple[float, float]:
        """Letter, upright or on its side."""
        size = landscape(LETTER) if self.landscape else LETTER
        return (float(size[0]), float(size[1]))


def content_width(setup: PageSetup) -> float:
    """The usable width of a page, in points."""
    return setup.pagesize[0] - 2 * float(_MARGIN_X)


def _cell(value: str | Flowable, style: ParagraphStyle) -> Flowable:
    return para(value, style) if isinstance(value, str) else value


def table(
    head: Sequence[str],
    rows: Sequence[Sequence[str | Flowable]],
    widths: Sequence[float] | None = None,
    *,
    zebra: bool = True,
) -> Table:
    """A data table whose header row repeats on every page and whose text cells wrap."""
    s = styles()
    data = [[_cell(h, s.cell_bold) for h in head]]
    data += [[_cell(v, s.cell) for v in row] for row in rows]
    t = Table(data, colWidths=list(widths) if widths else None, repeatRows=1, hAlign="LEFT")
    commands: list[tuple[Any, ...]] = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), FONT),
        ("BACKGROUND", (0, 0), (-1, 0), _HEAD_FILL),
        ("LINEBELOW", (0, 0), (-1, 0), 0.6, _RULE),
        ("LINEBELOW", (0, -1), (-1, -1), 0.4, _RULE),
        ("TOPPADDING", (0, 0), (-1, -1), 2.5),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 2.5),
        ("LEFTPADDING", (0, 0), (-1, -1), 4),
        ("RIGHTPADDING", (0, 0), (-1, -1), 4),
    ]
    if zebra:
        commands += [("BACKGROUND", (0, i), (-1, i), _ZEBRA) for i in range(2, len(data), 2)]
    t.setStyle(TableStyle(commands))
    return t


def key_values(pairs: Sequence[tuple[str, str]], widths: Sequence[float] | None = None) -> Table:
    """Label and value pairs, two columns, labels muted."""
    s = styles()
    data = [[para(k, s.label), para(v, s.cell)] for k, v in pairs]
    t = Table(data, colWidths=list(widths) if widths else [1.5 * inch, None], hAlign="LEFT")
    t.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("FONTNAME", (0, 0), (-1, -1), FONT),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5),
                ("LEFTPADDING", (0, 0), (-1, -1), 0),
            ]
        )
    )
    return t


def letterhead_block(head: Letterhead) -> list[Flowable]:
    """The full letterhead (name and every line), for a letter's first page."""
    s = styles()
    out: list[Flowable] = [para(head.practice_name, s.title)]
    out += [para(line, s.muted) for line in head.lines]
    return out


def _fit(text: str, font: str, size: float, width: float) -> str:
    """``text`` shortened with an ellipsis to fit ``width`` points."""
    if text_width(text, font, size) <= width:
        return text
    while text and text_width(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _decorate(canvas: Canvas, setup: PageSetup, page: int, total: int) -> None:
    """The header and footer of one page."""
    width, height = setup.pagesize
    left, right = _MARGIN_X, width - _MARGIN_X
    top = height - 0.55 * inch
    canvas.saveState()
    canvas.setFillColor(_INK)
    half = (right - left) / 2 - 6
    draw_text(
        canvas,
        left,
        top,
        _fit(setup.letterhead.practice_name, FONT_BOLD, 9.5, half),
        FONT_BOLD,
        9.5,
    )
    canvas.setFillColor(_MUTED)
    draw_text(canvas, left, top - 12, _fit(setup.title, FONT, 8.5, half), FONT, 8.5)
    if setup.patient is not None:
        canvas.setFillColor(_INK)
        ident = _fit(setup.patient.name, FONT_BOLD, 9.5, half)
        w = text_width(ident, FONT_BOLD, 9.5)
        draw_text(canvas, right - w, top, ident, FONT_BOLD, 9.5)
        second = f"DOB {fmt_date(setup.patient.date_of_birth)} · MRN {setup.patient.mrn}"
        canvas.setFillColor(_MUTED)
        canvas.setFont(FONT, 8.5)
        canvas.drawRightString(right, top - 12, second)
    canvas.setStrokeColor(_RULE)
    canvas.setLineWidth(0.6)
    canvas.line(left, top - 18, right, top - 18)
    bottom = 0.45 * inch
    canvas.line(left, bottom + 11, right, bottom + 11)
    canvas.setFont(FONT, 7.5)
    canvas.setFillColor(_MUTED)
    if setup.confidential:
        canvas.drawString(left, bottom, "Confidential: protected health information")
    canvas.drawCentredString(width / 2, bottom, f"Printed {fmt_datetime(setup.generated_at)}")
    canvas.setFillColor(_INK)
    canvas.setFont(FONT_BOLD, 8)
    canvas.drawRightString(right, bottom, f"Page {page} of {total}")
    canvas.restoreState()


def _canvas_class(setup: PageSetup) -> type[Canvas]:
    """A canvas that holds its pages back until the end, so each knows the page count."""

    class _PagedCanvas(Canvas):  # type: ignore[misc]
        def __init__(self, *args: Any, **kwargs: Any) -> None:
            super().__init__(*args, **kwargs)
            self._pages: list[dict[str, Any]] = []

        def showPage(self) -> None:
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self) -> None:
            total = len(self._pages)
            for number, state in enumerate(self._pages, start=1):
                self.__dict__.update(state)
                _decorate(self, setup, number, total)
                super().showPage()
            super().save()

    return _PagedCanvas


def render(
    story: list[Flowable],
    setup: PageSetup,
    *,
    progress: Callable[[int], None] | None = None,
) -> bytes:
    """Lay ``story`` out on dressed pages and return the PDF's bytes."""
    register_fonts()
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=setup.pagesize,
        leftMargin=_MARGIN_X,
        rightMargin=_MARGIN_X,
        topMargin=_MARGIN_TOP,
        bottomMargin=_MARGIN_BOTTOM,
        title=setup.title,
        author=setup.letterhead.practice_name,
        subject=setup.subject,
        creator="emr-desktop",
    )
    if progress is not None:
        doc.setProgressCallBack(_progress_adapter(progress))
    with _canvas_font_lock:
        # A canvas starts in Helvetica, which is not embedded (PDF/A would flag it): start
        # every page in the embedded font instead.
        before = rl_config.canvas_basefontname
        rl_config.canvas_basefontname = FONT
        try:
            doc.build(story, canvasmaker=_canvas_class(setup))
        finally:
            rl_config.canvas_basefontname = before
    if progress is not None:
        progress(100)
    return buffer.getvalue()


def _progress_adapter(progress: Callable[[int], None]) -> Callable[[str, int], None]:
    """reportlab reports (kind, value) with a size estimate first; turn it into percent."""
    total = [0]
    last = [-1]

    def callback(kind: str, value: int) -> None:
        if kind == "SIZE_EST":
            total[0] = max(int(value), 1)
        elif kind == "PROGRESS" and total[0]:
            percent = min(99, int(value * 100 / total[0]))
            if percent != last[0]:
                last[0] = percent
                progress(percent)

    return callback
