"""The appointment grid: one painted widget for a day (providers as columns) or a week
(days as columns); click to select, arrows to move the cursor, drag to move or resize."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import replace

from PySide6.QtCore import QRectF
from PySide6.QtGui import (
    QPainter,
    QPaintEvent,
    QResizeEvent,
)
from PySide6.QtWidgets import QWidget

from emr_desktop.ui.schedule import grid_paint as paint
from emr_desktop.ui.schedule.grid_input import GridInput
from emr_desktop.ui.schedule.grid_layout import (
    GUTTER_W,
    HEADER_H,
    Geometry,
    GridColumn,
    Placed,
    place,
)


class DayGrid(GridInput):
    """Columns of time rows with appointment blocks, painted in one widget (no child per
    appointment). Emits requests; the schedule view talks to the services."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setAccessibleName("Appointment grid")
        self.show_cancelled = False
        self.now: Callable[[], dt.datetime] = dt.datetime.now

    # ---- data --------------------------------------------------------------------------

    def set_columns(self, columns: list[GridColumn], slot_minutes: int) -> None:
        """Show new data, keeping the selection (by id), cursor and scroll position."""
        self.columns = list(columns)
        self.slot_minutes = slot_minutes
        self._relayout()
        if self.selected_id is not None and self.selected() is None:
            self.selected_id = None
            self.selection_changed.emit(None)
        self.cursor_col = min(self.cursor_col, max(0, len(self.columns) - 1))
        self.viewport().update()

    def set_show_cancelled(self, show: bool) -> None:
        """Show or hide cancelled appointments (struck through when shown)."""
        self.show_cancelled = show
        self._relayout()
        self.viewport().update()

    def _relayout(self) -> None:
        self.placed = place(self.columns, show_cancelled=self.show_cancelled)
        self.geometry_ = Geometry.fit(self.columns, self.slot_minutes, self.viewport().width())
        g = self.geometry_
        self.cursor_min = min(max(self.cursor_min, g.start_min), g.end_min - g.slot)
        body_h = self.viewport().height() - HEADER_H
        self.verticalScrollBar().setRange(0, max(0, g.body_h - body_h))
        self.verticalScrollBar().setPageStep(max(1, body_h))
        self.verticalScrollBar().setSingleStep(max(1, round(g.slot * g.px_per_min)))
        body_w = self.viewport().width() - GUTTER_W
        self.horizontalScrollBar().setRange(0, max(0, g.body_w - body_w))
        self.horizontalScrollBar().setPageStep(max(1, body_w))

    def select(self, appointment_id: int | None) -> None:
        """Select an appointment by id (None: none) and move the cursor to it."""
        self.selected_id = appointment_id
        placed = next((p for p in self.placed if p.appointment.id == appointment_id), None)
        if placed is not None:
            a = placed.appointment
            self.cursor_col = placed.column
            self.cursor_min = a.start_at.hour * 60 + a.start_at.minute
            self.ensure_visible(self.cursor_min)
        self.selection_changed.emit(self.selected())
        self.viewport().update()

    # ---- scrolling ---------------------------------------------------------------------

    def scrollContentsBy(self, dx: int, dy: int) -> None:
        """Qt override: the header and gutter are pinned, so repaint all."""
        self.viewport().update()

    def resizeEvent(self, event: QResizeEvent) -> None:
        """Qt override: columns fill the width."""
        super().resizeEvent(event)
        self._relayout()

    def paint_now(self) -> None:
        """Paint the grid synchronously (benchmarks time this)."""
        self.viewport().repaint()

    # ---- coordinates -------------------------------------------------------------------

    # ---- painting ----------------------------------------------------------------------

    def paintEvent(self, event: QPaintEvent) -> None:
        """Qt override: body, blocks, time line, then the pinned header and gutter."""
        p = QPainter(self.viewport())
        g = self.geometry_
        w, h = self.viewport().width(), self.viewport().height()
        sx, sy = self.horizontalScrollBar().value(), self.verticalScrollBar().value()
        p.fillRect(0, 0, w, h, paint.CLOSED)
        p.save()
        p.setClipRect(GUTTER_W, HEADER_H, w - GUTTER_W, h - HEADER_H)
        p.translate(GUTTER_W - sx, HEADER_H - sy)
        paint.paint_background(p, g, self.columns)
        if self.columns and self._drag is None:
            cx = g.column_x(self.cursor_col)
            cursor = QRectF(
                cx + 1, g.y(self.cursor_min) + 1, g.col_w - 2, g.slot * g.px_per_min - 1
            )
            p.fillRect(cursor, paint.CURSOR)
        visible = QRectF(sx, sy, w, h)
        dragged = self._drag.placed.appointment.id if self._drag and self._drag.started else None
        blocks = paint.BlockPainter(p.font())
        for placed in self.placed:
            rect = self._rect(placed)
            if rect.intersects(visible):
                a = placed.appointment
                blocks.paint(p, rect, a, selected=a.id == self.selected_id)
                if a.id == dragged:
                    p.fillRect(rect, paint.OPEN.darker(105))
        paint.paint_now(p, g, self.columns, self.now())
        self._paint_drag(p, blocks)
        p.restore()
        p.save()
        p.setClipRect(GUTTER_W, 0, w - GUTTER_W, HEADER_H)
        p.translate(GUTTER_W - sx, 0)
        paint.paint_header(p, g, self.columns, g.body_w, self.now().date())
        p.restore()
        p.save()
        p.setClipRect(0, HEADER_H, GUTTER_W, h - HEADER_H)
        p.translate(0, HEADER_H - sy)
        paint.paint_gutter(p, g, g.body_h)
        if any(c.day == self.now().date() for c in self.columns):
            paint.paint_now_label(p, g, self.now())
        p.restore()
        p.fillRect(0, 0, GUTTER_W, HEADER_H, paint.HEADER_BG)
        p.end()

    def _paint_drag(self, p: QPainter, blocks: paint.BlockPainter) -> None:
        d = self._drag
        if d is None or not d.started or d.start is None:
            return
        moved = replace(d.placed.appointment, start_at=d.start, duration_min=d.duration)
        rect = self._rect(Placed(moved, d.column, 0, 1))
        blocks.paint(p, rect, moved, selected=False, ghost=True)
        paint.paint_drag_label(p, rect, moved)
