"""The appointment grid's base: its signals, cursor and selection state, where things are
on screen, and the mouse and keyboard (select, drag to move or resize, double-click or
Enter to open or book, arrows to move the cursor, the context menu and tooltips).

DayGrid builds on it with the data and the painting."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QEvent, QPoint, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QContextMenuEvent, QHelpEvent, QKeyEvent, QMouseEvent
from PySide6.QtWidgets import QAbstractScrollArea, QApplication, QToolTip, QWidget

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.ui.schedule.grid_layout import (
    GUTTER_W,
    HEADER_H,
    Drag,
    Geometry,
    GridColumn,
    Placed,
)

RESIZE_EDGE = 6  # pixels above a block's bottom edge that start a resize


class GridInput(QAbstractScrollArea):
    """Columns of time rows with appointment blocks: geometry, selection and input. Emits
    requests; the schedule view talks to the services."""

    selection_changed = Signal(object)  # AppointmentRow | None
    slot_activated = Signal(int, object)  # provider id, start datetime
    appointment_activated = Signal(object)  # AppointmentRow
    move_requested = Signal(object, object, int)  # appointment, new start, new provider id
    resize_requested = Signal(object, int)  # appointment, new duration in minutes
    context_requested = Signal(object, int, object, QPoint)  # appt|None, provider, start, pos

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
        self.viewport().setMouseTracking(True)
        self.columns: list[GridColumn] = []
        self.placed: list[Placed] = []
        self.geometry_: Geometry = Geometry.fit([], 15, 800)
        self.slot_minutes = 15
        self.can_drag: Callable[[AppointmentRow], bool] = lambda a: False
        self.tooltip_for: Callable[[AppointmentRow], str] = lambda a: a.patient_name
        self.selected_id: int | None = None
        self.cursor_col = 0
        self.cursor_min = 8 * 60
        self._drag: Drag | None = None

    # ---- where things are --------------------------------------------------------------

    def selected(self) -> AppointmentRow | None:
        """The selected appointment, if it is still shown."""
        return next(
            (p.appointment for p in self.placed if p.appointment.id == self.selected_id), None
        )

    def cursor_slot(self) -> tuple[int, dt.datetime] | None:
        """The provider and start of the slot under the keyboard cursor."""
        if not self.columns:
            return None
        c = self.columns[self.cursor_col]
        return c.provider_id, dt.datetime.combine(c.day, dt.time()) + dt.timedelta(
            minutes=self.cursor_min
        )

    def is_dragging(self) -> bool:
        """Whether a drag (move or resize) is in progress."""
        return self._drag is not None

    def scroll_to_minute(self, minute: int) -> None:
        """Scroll so ``minute`` (after midnight) is near the top."""
        self.verticalScrollBar().setValue(round(self.geometry_.y(max(0, minute - 30))))

    def ensure_visible(self, minute: int) -> None:
        """Scroll the least needed to show the slot starting at ``minute``."""
        g, bar = self.geometry_, self.verticalScrollBar()
        top, bottom = g.y(minute), g.y(minute + g.slot)
        visible = self.viewport().height() - HEADER_H
        if top < bar.value():
            bar.setValue(round(top))
        elif bottom > bar.value() + visible:
            bar.setValue(round(bottom - visible))

    def _content(self, pos: QPointF) -> QPointF:
        return QPointF(
            pos.x() - GUTTER_W + self.horizontalScrollBar().value(),
            pos.y() - HEADER_H + self.verticalScrollBar().value(),
        )

    def _rect(self, p: Placed) -> QRectF:
        x, y, w, h = self.geometry_.block_rect(p, self.columns[p.column].day)
        return QRectF(x, y, w, h)

    def placed_at(self, pos: QPointF) -> Placed | None:
        """The appointment block under a viewport position (the topmost)."""
        c = self._content(pos)
        if pos.y() < HEADER_H or pos.x() < GUTTER_W:
            return None
        for p in reversed(self.placed):
            if self._rect(p).contains(c):
                return p
        return None

    def point_for(self, appointment_id: int, *, bottom: bool = False) -> QPoint:
        """The viewport position of an appointment's block (middle, or bottom edge)."""
        p = next(p for p in self.placed if p.appointment.id == appointment_id)
        r = self._rect(p)
        y = r.bottom() - 2 if bottom else r.top() + min(r.height() / 2, 10)
        return QPoint(
            round(r.center().x() + GUTTER_W - self.horizontalScrollBar().value()),
            round(y + HEADER_H - self.verticalScrollBar().value()),
        )

    def point_at(self, column: int, when: dt.datetime) -> QPoint:
        """The viewport position of a time in a column (its slot's top, a little inside)."""
        g = self.geometry_
        y = g.y_of(when, self.columns[column].day) + 3
        x = g.column_x(column) + g.col_w / 2
        return QPoint(
            round(x + GUTTER_W - self.horizontalScrollBar().value()),
            round(y + HEADER_H - self.verticalScrollBar().value()),
        )

    def _slot_at(self, pos: QPointF) -> tuple[int, int] | None:
        c = self._content(pos)
        col = self.geometry_.column_at(c.x())
        if col is None or pos.y() < HEADER_H:
            return None
        return col, self.geometry_.minute_at(c.y())

    # ---- mouse -------------------------------------------------------------------------

    def viewportEvent(self, event: QEvent) -> bool:
        """Qt override: the tooltip of the block under the mouse."""
        if event.type() == QEvent.Type.ToolTip and isinstance(event, QHelpEvent):
            placed = self.placed_at(QPointF(event.pos()))
            if placed is None:
                QToolTip.hideText()
            else:
                QToolTip.showText(event.globalPos(), self.tooltip_for(placed.appointment), self)
            return True
        return super().viewportEvent(event)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        """Qt override: select the block or slot under the mouse; maybe start a drag."""
        self.setFocus()
        pos = event.position()
        placed = self.placed_at(pos)
        slot = self._slot_at(pos)
        if slot is not None:
            self.cursor_col, self.cursor_min = slot
        self.selected_id = placed.appointment.id if placed else None
        self.selection_changed.emit(self.selected())
        if placed is not None and event.button() == Qt.MouseButton.LeftButton:
            a = placed.appointment
            if self.can_drag(a):
                rect = self._rect(placed)
                content = self._content(pos)
                resize = content.y() >= rect.bottom() - RESIZE_EDGE
                minutes = (content.y() - rect.top()) / self.geometry_.px_per_min
                self._drag = Drag(placed, resize, (pos.x(), pos.y()), minutes, column=placed.column)
        self.viewport().update()

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        """Qt override: follow a drag, snapping to slots; show the resize cursor at edges."""
        pos = event.position()
        d = self._drag
        if d is None:
            hover = self.placed_at(pos)
            edge = False
            if hover is not None and self.can_drag(hover.appointment):
                edge = self._content(pos).y() >= self._rect(hover).bottom() - RESIZE_EDGE
            shape = Qt.CursorShape.SizeVerCursor if edge else Qt.CursorShape.ArrowCursor
            self.viewport().setCursor(shape)
            return
        if not d.started:
            distance = abs(pos.x() - d.press[0]) + abs(pos.y() - d.press[1])
            if distance < QApplication.startDragDistance():
                return
            d.started = True
        self._update_drag(d, pos)
        self.viewport().update()

    def _update_drag(self, d: Drag, pos: QPointF) -> None:
        content = self._content(pos)
        d.follow(self.geometry_, self.columns, content.x(), content.y())

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        """Qt override: finish a drag by asking the view to move or resize."""
        d, self._drag = self._drag, None
        self.viewport().update()
        if d is None or not d.started:
            return
        self._update_drag(d, event.position())
        a = d.placed.appointment
        if d.resize:
            if d.duration != a.duration_min:
                self.resize_requested.emit(a, d.duration)
            return
        provider = self.columns[d.column].provider_id
        if d.start is not None and (d.start != a.start_at or provider != a.provider_id):
            self.move_requested.emit(a, d.start, provider)

    def cancel_drag(self) -> None:
        """Forget a drag in progress (Escape)."""
        self._drag = None
        self.viewport().update()

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        """Qt override: double-click a block to open it, a free slot to book."""
        self._drag = None
        placed = self.placed_at(event.position())
        if placed is not None:
            self.appointment_activated.emit(placed.appointment)
            return
        slot = self._slot_at(event.position())
        if slot is not None:
            self.cursor_col, self.cursor_min = slot
            self._activate_slot()

    def contextMenuEvent(self, event: QContextMenuEvent) -> None:
        """Qt override: the menu for the block or slot under the mouse (or the cursor)."""
        if event.reason() == QContextMenuEvent.Reason.Mouse:
            pos = QPointF(self.viewport().mapFrom(self, event.pos()))
            placed = self.placed_at(pos)
            slot = self._slot_at(pos)
            if slot is not None:
                self.cursor_col, self.cursor_min = slot
            if placed is not None:
                self.selected_id = placed.appointment.id
                self.selection_changed.emit(placed.appointment)
        found = self.cursor_slot()
        if found is None:
            return
        self.viewport().update()
        self.context_requested.emit(self.selected(), found[0], found[1], event.globalPos())

    # ---- keyboard ----------------------------------------------------------------------

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Qt override: arrows move the cursor; Enter opens or books; Escape drops a drag."""
        key, mods = event.key(), event.modifiers()
        if mods & (Qt.KeyboardModifier.AltModifier | Qt.KeyboardModifier.ControlModifier):
            super().keyPressEvent(event)
            return
        g = self.geometry_
        if key == Qt.Key.Key_Escape and self._drag is not None:
            self.cancel_drag()
        elif key in (Qt.Key.Key_Up, Qt.Key.Key_Down) and self.columns:
            step = -g.slot if key == Qt.Key.Key_Up else g.slot
            self.cursor_min = min(max(self.cursor_min + step, g.start_min), g.end_min - g.slot)
            self._select_under_cursor()
        elif key in (Qt.Key.Key_Left, Qt.Key.Key_Right) and self.columns:
            step = -1 if key == Qt.Key.Key_Left else 1
            self.cursor_col = min(max(self.cursor_col + step, 0), len(self.columns) - 1)
            self._select_under_cursor()
        elif key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
            chosen = self.selected()
            if chosen is not None:
                self.appointment_activated.emit(chosen)
            else:
                self._activate_slot()
        else:
            super().keyPressEvent(event)

    def _select_under_cursor(self) -> None:
        found = self.cursor_slot()
        if found is None:
            return
        start = found[1]
        day = self.columns[self.cursor_col].day
        under = [
            p.appointment
            for p in self.placed
            if p.column == self.cursor_col
            and p.appointment.start_at <= start < p.appointment.end_at
            and p.appointment.start_at.date() == day
        ]
        self.selected_id = under[0].id if under else None
        self.ensure_visible(self.cursor_min)
        self.selection_changed.emit(self.selected())
        self.viewport().update()

    def _activate_slot(self) -> None:
        found = self.cursor_slot()
        if found is not None:
            self.slot_activated.emit(found[0], found[1])
