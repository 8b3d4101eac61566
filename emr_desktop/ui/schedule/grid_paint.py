"""Painting the appointment grid: background hours, blocked time, blocks, header, time line."""

from __future__ import annotations

import datetime as dt
import functools
import zlib

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.ui.schedule.grid_layout import GUTTER_W, HEADER_H, Geometry, GridColumn

S = AppointmentStatus
KIND_COLORS = {
    "follow-up": "#4E79A7",
    "new patient": "#E8871E",
    "physical": "#4E9A3F",
    "sick visit": "#D64550",
    "procedure": "#9C6ADE",
    "telehealth": "#2A9D8F",
}
_SPARE = ("#8C6D46", "#C05A8C", "#5C7C8A", "#A0A23A", "#3F6FBF")
# Status pill: label, short label for narrow blocks, background, text colour.
STATUS_LOOK = {
    S.ARRIVED: ("Arrived", "A", "#F5B400", "#1F1F1F"),
    S.IN_ROOM: ("In room", "R", "#1F63C6", "#FFFFFF"),
    S.COMPLETED: ("Done", "✓", "#4A7C2F", "#FFFFFF"),
    S.NO_SHOW: ("No-show", "NS", "#B00020", "#FFFFFF"),
    S.CANCELLED: ("Cancelled", "X", "#6B6B6B", "#FFFFFF"),
}
CLOSED = QColor("#E4E7EB")
OPEN = QColor("#FFFFFF")
SLOT_LINE = QColor("#ECEEF1")
HOUR_LINE = QColor("#C3C9D1")
COLUMN_LINE = QColor("#9AA3AE")
HEADER_BG = QColor("#F4F6F8")
NOW_LINE = QColor("#D0021B")
SELECTED = QColor("#0B2E6B")
CURSOR = QColor("#DCEBFF")


def set_kind_colors(colors: dict[str, str]) -> None:
    """Use the practice's appointment-type colours (names matched without case)."""
    KIND_COLORS.update({name.strip().lower(): c for name, c in colors.items()})


def kind_color(kind: str) -> QColor:
    """The colour of an appointment type (unknown types get a stable spare colour)."""
    known = KIND_COLORS.get(kind.strip().lower())
    if known:
        return QColor(known)
    return QColor(_SPARE[zlib.crc32(kind.lower().encode()) % len(_SPARE)])


def _pastel(color: QColor, amount: float) -> QColor:
    """``color`` mixed with white (amount 0..1 of white)."""
    return QColor(
        round(color.red() + (255 - color.red()) * amount),
        round(color.green() + (255 - color.green()) * amount),
        round(color.blue() + (255 - color.blue()) * amount),
    )


def clock(when: dt.datetime | dt.time) -> str:
    """'9:05', '1:30': the 12-hour clock of the grid's own '8 AM'/'1 PM' labels, without the
    suffix the row label beside it already gives (a block is too narrow for it)."""
    return f"{when.hour % 12 or 12}:{when.minute:02d}"


def hour_label(hour: int) -> str:
    """'8 AM', '12 PM'."""
    return f"{hour % 12 or 12} {'AM' if hour < 12 else 'PM'}"


def paint_background(p: QPainter, g: Geometry, columns: list[GridColumn]) -> None:
    """Closed time, open hours, blocked time and the slot lines, in content coordinates."""
    height = g.body_h
    for i, c in enumerate(columns):
        x, w = g.column_x(i), g.col_w
        p.fillRect(QRectF(x, 0, w, height), CLOSED)
        for start, end in c.hours:
            top, bottom = g.y_of(start, c.day), g.y_of(end, c.day)
            p.fillRect(QRectF(x, top, w, bottom - top), OPEN)
    minute = g.start_min
    while minute <= g.end_min:
        y = round(g.y(minute)) + 0.5
        p.setPen(QPen(HOUR_LINE if minute % 60 == 0 else SLOT_LINE, 1))
        p.drawLine(QPointF(0, y), QPointF(g.body_w, y))
        minute += g.slot
    p.save()
    small = QFont(p.font())
    small.setPointSizeF(small.pointSizeF() * 0.85)
    small.setItalic(True)
    for i, c in enumerate(columns):
        x, w = g.column_x(i), g.col_w
        for b in c.blocks:
            top, bottom = g.y_of(b.start_at, c.day), g.y_of(b.end_at, c.day)
            rect = QRectF(x, top, w, bottom - top)
            p.fillRect(rect, QColor("#EDEFF2"))
            p.fillRect(rect, QBrush(QColor("#B4BCC6"), Qt.BrushStyle.BDiagPattern))
            p.setPen(QColor("#3C4450"))
            p.setFont(small)
            label = f"Blocked: {b.reason}" if b.reason else "Blocked"
            inner = rect.adjusted(6, 2, -4, -2)
            text = QFontMetricsF(small).elidedText(
                label, Qt.TextElideMode.ElideRight, inner.width()
            )
            p.fillRect(
                QRectF(
                    inner.x() - 2, inner.y(), QFontMetricsF(small).horizontalAdvance(text) + 4, 15
                ),
                QColor(237, 239, 242, 230),
            )
            p.drawText(inner, Qt.AlignmentFlag.AlignLeft | Qt.AlignmentFlag.AlignTop, text)
    p.restore()
    p.setPen(QPen(COLUMN_LINE, 1))
    for i in range(1, len(columns) + 1):
        x = round(g.column_x(i)) - 0.5
        p.drawLine(QPointF(x, 0), QPointF(x, height))


@functools.lru_cache(maxsize=64)
def _kind_colors(kind: str) -> tuple[QColor, QColor, QColor, QColor, QColor]:
    """Fill, faded fill, stripe, faded stripe and border of a type (cached: painted often)."""
    base = kind_color(kind)
    return _pastel(base, 0.78), _pastel(base, 0.90), base, _pastel(base, 0.45), _pastel(base, 0.3)


def block_lines(a: AppointmentRow) -> list[str]:
    """The text of a block, most important first (as much as fits is painted).

    Scheduling data only: name, time, type, reason for the visit, room, cancel reason.
    """
    lines = [
        a.patient_name,
        f"{clock(a.start_at)} {a.kind}" + (f" · {a.reason}" if a.reason else ""),
    ]
    if a.room and a.status is S.IN_ROOM:
        lines.append(f"Room {a.room}")
    if a.status is S.CANCELLED and a.cancel_reason:
        lines.append(f"Cancelled: {a.cancel_reason}")
    return lines


class BlockPainter:
    """Paints appointment blocks; fonts and metrics are made once per paint, not per block."""

    def __init__(self, base: QFont) -> None:
        self.font = QFont(base)
        self.bold = QFont(base)
        self.bold.setBold(True)
        self.struck = QFont(self.font)
        self.struck.setStrikeOut(True)
        self.struck_bold = QFont(self.bold)
        self.struck_bold.setStrikeOut(True)
        self.pill = QFont(self.bold)
        self.pill.setPointSizeF(base.pointSizeF() * 0.8)
        self.fm, self.fmb = QFontMetricsF(self.font), QFontMetricsF(self.bold)
        self.fm_pill = QFontMetricsF(self.pill)
        self.line_h = self.fm.height()

    def paint(
        self, p: QPainter, rect: QRectF, a: AppointmentRow, *, selected: bool, ghost: bool = False
    ) -> None:
        """One appointment: type colour, name, type and reason, status pill."""
        fill, faded_fill, stripe, faded_stripe, edge = _kind_colors(a.kind)
        faded = a.status in (S.COMPLETED, S.CANCELLED, S.NO_SHOW)
        fill = QColor(faded_fill if faded else fill)
        if ghost:
            fill.setAlpha(170)
        p.save()
        p.setClipRect(rect.adjusted(-2, -2, 2, 2))
        p.fillRect(rect, fill)
        if a.status is S.NO_SHOW:
            p.fillRect(rect, QBrush(QColor("#E8A1AA"), Qt.BrushStyle.FDiagPattern))
        p.fillRect(QRectF(rect.x(), rect.y(), 4, rect.height()), faded_stripe if faded else stripe)
        border = QPen(SELECTED, 2.5) if selected else QPen(edge, 1)
        if a.status is S.CANCELLED and not selected:
            border.setStyle(Qt.PenStyle.DashLine)
        if ghost:
            border = QPen(SELECTED, 2, Qt.PenStyle.DashLine)
        p.setPen(border)
        p.setBrush(Qt.BrushStyle.NoBrush)
        p.drawRect(rect.adjusted(0.5, 0.5, -0.5, -0.5))
        self._text(p, rect, a, faded)
        p.restore()

    def _text(self, p: QPainter, rect: QRectF, a: AppointmentRow, faded: bool) -> None:
        cancelled = a.status is S.CANCELLED
        font, bold = (self.struck, self.struck_bold) if cancelled else (self.font, self.bold)
        fm, fmb, line_h = self.fm, self.fmb, self.line_h
        inner = rect.adjusted(7, 1, -3, -1)
        pill_w = 0.0
        look = STATUS_LOOK.get(a.status)
        if look is not None:
            pill_w = self._pill(p, inner, look, narrow=inner.width() < 150)
        lines = max(1, int(inner.height() // line_h))
        top = inner.y() + (max(0.0, (inner.height() - line_h) / 2) if lines == 1 else 0.0)
        first_w = inner.width() - pill_w - (4 if pill_w else 0)
        name, *extra = block_lines(a)
        p.setPen(QColor("#5F6670") if faded else QColor("#14181F"))
        p.setFont(bold)
        shown = fmb.elidedText(name, Qt.TextElideMode.ElideRight, first_w)
        p.drawText(QRectF(inner.x(), top, first_w, line_h), Qt.AlignmentFlag.AlignVCenter, shown)
        p.setFont(font)
        if lines == 1:
            rest = first_w - fmb.horizontalAdvance(shown) - 6
            if shown == name and rest > 40:
                kind = fm.elidedText(a.kind, Qt.TextElideMode.ElideRight, rest)
                x = inner.x() + fmb.horizontalAdvance(shown) + 6
                p.drawText(QRectF(x, top, rest, line_h), Qt.AlignmentFlag.AlignVCenter, kind)
            return
        for i, text in enumerate(extra[: lines - 1]):
            line = QRectF(inner.x(), top + line_h * (i + 1), inner.width(), line_h)
            elided = fm.elidedText(text, Qt.TextElideMode.ElideRight, inner.width())
            p.drawText(line, Qt.AlignmentFlag.AlignVCenter, elided)

    def _pill(
        self, p: QPainter, inner: QRectF, look: tuple[str, str, str, str], *, narrow: bool
    ) -> float:
        label, short, bg, fg = look
        text = short if narrow else label
        w = self.fm_pill.horizontalAdvance(text) + 8
        h = min(self.fm_pill.height() + 1, inner.height())
        rect = QRectF(inner.right() - w, inner.y() + 1, w, h)
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(bg))
        p.drawRoundedRect(rect, 3, 3)
        p.setPen(QColor(fg))
        p.setFont(self.pill)
        p.drawText(rect, Qt.AlignmentFlag.AlignCenter, text)
        return w


def paint_header(
    p: QPainter, g: Geometry, columns: list[GridColumn], width: int, today: dt.date
) -> None:
    """Column titles (provider or day), in viewport x shifted by the horizontal scroll."""
    p.fillRect(QRectF(0, 0, width, HEADER_H), HEADER_BG)
    bold = QFont(p.font())
    bold.setBold(True)
    small = QFont(p.font())
    small.setPointSizeF(small.pointSizeF() * 0.85)
    for i, c in enumerate(columns):
        rect = QRectF(g.column_x(i) + 4, 2, g.col_w - 8, HEADER_H - 4)
        if c.day == today and c.subtitle == "today":
            p.fillRect(rect.adjusted(-3, -1, 3, 1), QColor("#DCEBFF"))
        p.setPen(QColor("#14181F"))
        p.setFont(bold)
        title = QFontMetricsF(bold).elidedText(c.title, Qt.TextElideMode.ElideRight, rect.width())
        p.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop, title)
        p.setFont(small)
        p.setPen(QColor("#5F6670"))
        busy = sum(1 for a in c.appointments if a.status is not S.CANCELLED)
        sub = " · ".join(x for x in (c.subtitle, f"{busy} appt" if busy else "no appts") if x)
        if not c.hours:
            sub += " · not working"
        sub = QFontMetricsF(small).elidedText(sub, Qt.TextElideMode.ElideRight, rect.width())
        p.drawText(rect, Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignBottom, sub)
    p.setPen(QPen(COLUMN_LINE, 1))
    p.drawLine(QPointF(0, HEADER_H - 0.5), QPointF(width, HEADER_H - 0.5))


def paint_gutter(p: QPainter, g: Geometry, height: int) -> None:
    """Hour labels and slot ticks, in content y (the painter is shifted vertically)."""
    p.fillRect(QRectF(0, g.y(g.start_min), GUTTER_W, height), HEADER_BG)
    bold = QFont(p.font())
    bold.setBold(True)
    small = QFont(p.font())
    small.setPointSizeF(small.pointSizeF() * 0.8)
    minute = g.start_min
    row_h = g.slot * g.px_per_min
    while minute < g.end_min:
        y = g.y(minute)
        if minute % 60 == 0:
            p.setFont(bold)
            p.setPen(QColor("#14181F"))
            p.drawText(
                QRectF(2, y + 1, GUTTER_W - 8, 16),
                Qt.AlignmentFlag.AlignRight,
                hour_label(minute // 60),
            )
        elif row_h >= 18:
            p.setFont(small)
            p.setPen(QColor("#7A828C"))
            p.drawText(
                QRectF(2, y + 1, GUTTER_W - 8, 14),
                Qt.AlignmentFlag.AlignRight,
                f":{minute % 60:02d}",
            )
        minute += g.slot
    p.setPen(QPen(COLUMN_LINE, 1))
    p.drawLine(QPointF(GUTTER_W - 0.5, g.y(g.start_min)), QPointF(GUTTER_W - 0.5, g.y(g.end_min)))


def paint_now(p: QPainter, g: Geometry, columns: list[GridColumn], now: dt.datetime) -> None:
    """The red current-time line across today's columns."""
    minute = now.hour * 60 + now.minute + now.second / 60
    if not g.start_min <= minute <= g.end_min:
        return
    y = g.y(minute)
    p.setPen(QPen(NOW_LINE, 2))
    for i, c in enumerate(columns):
        if c.day == now.date():
            p.drawLine(QPointF(g.column_x(i), y), QPointF(g.column_x(i) + g.col_w, y))


def paint_now_label(p: QPainter, g: Geometry, now: dt.datetime) -> None:
    """The current time in red in the gutter, where the red line starts."""
    minute = now.hour * 60 + now.minute
    if not g.start_min <= minute <= g.end_min:
        return
    y = g.y(minute)
    rect = QRectF(4, y - 8, GUTTER_W - 8, 16)
    p.setPen(Qt.PenStyle.NoPen)
    p.setBrush(NOW_LINE)
    p.drawRoundedRect(rect, 3, 3)
    font = QFont(p.font())
    font.setBold(True)
    font.setPointSizeF(font.pointSizeF() * 0.8)
    p.setFont(font)
    p.setPen(QColor("#FFFFFF"))
    p.drawText(rect, Qt.AlignmentFlag.AlignCenter, clock(now))


def paint_drag_label(p: QPainter, rect: QRectF, moved: AppointmentRow) -> None:
    """The new time under the ghost of a dragged block ('10:15–10:45')."""
    label = f"{clock(moved.start_at)}–{clock(moved.end_at)}"
    tip = QRectF(rect.x() + 6, rect.bottom() + 2, 110, 18)
    p.fillRect(tip, SELECTED)
    p.setPen(OPEN)
    p.drawText(tip, Qt.AlignmentFlag.AlignCenter, label)
