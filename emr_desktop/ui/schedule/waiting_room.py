"""The waiting room: who has arrived, since when, for whom, and whether they are in a room."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence

from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QAbstractItemView,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.clinical import AppointmentStatus
from emr_desktop.ui.table_model import Column, DtoTableModel

S = AppointmentStatus
LONG_WAIT_MIN = 20  # shown in the warning colour from here on


def local_clock(moment: dt.datetime | None) -> str:
    """An aware UTC moment as local '9:05' ('' when unknown)."""
    if moment is None:
        return ""
    local = moment.astimezone() if moment.tzinfo else moment
    return f"{local.hour}:{local.minute:02d}"


def minutes_waiting(a: AppointmentRow, now: dt.datetime) -> int | None:
    """Minutes from arrival to now (still waiting) or to being roomed (in a room)."""
    if a.arrived_at is None:
        return None
    until = a.roomed_at if a.status is S.IN_ROOM and a.roomed_at else now
    return max(0, int((until - a.arrived_at).total_seconds() // 60))


def short_provider(name: str) -> str:
    """'Chidi Okafor, MD' -> 'Okafor' (the column is narrow; the grid shows full names)."""
    words = name.split(",")[0].split()
    return words[-1] if words else name


class WaitingRoomPanel(QWidget):
    """Arrived and in-room patients of the day shown, with one-click status buttons."""

    status_requested = Signal(object, object)  # AppointmentRow, AppointmentStatus
    open_requested = Signal(object)  # AppointmentRow

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC)
        self.can_flow: Callable[[AppointmentRow], bool] = lambda a: True
        self.title = QLabel("<b>Waiting room</b>")
        columns: list[Column[AppointmentRow]] = [
            Column("Patient", lambda a: a.patient_name),
            Column("Provider", lambda a: short_provider(a.provider)),
            Column("Appt", lambda a: f"{a.start_at.hour}:{a.start_at.minute:02d}"),
            Column("Arrived", lambda a: local_clock(a.arrived_at)),
            Column(
                "Waited",
                self._waiting_text,
                sort_key=lambda a: minutes_waiting(a, self.now()) or 0,
                align_right=True,
                warn=self._long_wait,
            ),
            Column("Where", self._where),
        ]
        self.model: DtoTableModel[AppointmentRow] = DtoTableModel(columns)
        self.table = QTableView()
        self.table.setAccessibleName("Waiting room")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setAlternatingRowColors(True)
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda *_: self._emit_open())
        self.roomed = QPushButton("In &room")
        self.roomed.setToolTip("Take the selected patient into a room (R)")
        self.done = QPushButton("Com&pleted")
        self.done.setToolTip("Mark the selected visit completed (C)")
        self.roomed.clicked.connect(lambda: self._emit_status(S.IN_ROOM))
        self.done.clicked.connect(lambda: self._emit_status(S.COMPLETED))
        buttons = QHBoxLayout()
        buttons.addWidget(self.roomed)
        buttons.addWidget(self.done)
        buttons.addStretch()
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addLayout(buttons)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._update_buttons()
        self._ticker = QTimer(self)
        self._ticker.setInterval(60_000)
        self._ticker.timeout.connect(self.tick)
        self._ticker.start()

    def set_rows(self, rows: Sequence[AppointmentRow]) -> None:
        """Show these patients, keeping the selected one selected."""
        keep = self.current()
        if [r for r in rows] == self.model.rows():
            return
        self.model.set_rows(rows)
        waiting = sum(1 for r in rows if r.status is S.ARRIVED)
        self.title.setText(
            f"<b>Waiting room</b> · {waiting} waiting · {len(rows) - waiting} in a room"
        )
        if keep is not None:
            for i, r in enumerate(rows):
                if r.id == keep.id:
                    self.table.selectRow(i)
        self._update_buttons()

    def current(self) -> AppointmentRow | None:
        """The selected row."""
        chosen = self.table.selectionModel().selectedRows()
        return self.model.row(chosen[0].row()) if chosen else None

    def tick(self) -> None:
        """Once a minute: the minutes-waiting column counts on."""
        n = self.model.rowCount()
        if n:
            self.model.dataChanged.emit(self.model.index(0, 4), self.model.index(n - 1, 4))

    def set_buttons_visible(self, visible: bool) -> None:
        """Hide the status buttons from roles that may not change the flow."""
        self.roomed.setVisible(visible)
        self.done.setVisible(visible)

    def _waiting_text(self, a: AppointmentRow) -> str:
        minutes = minutes_waiting(a, self.now())
        return "" if minutes is None else f"{minutes} min"

    def _long_wait(self, a: AppointmentRow) -> bool:
        minutes = minutes_waiting(a, self.now())
        return a.status is S.ARRIVED and minutes is not None and minutes >= LONG_WAIT_MIN

    @staticmethod
    def _where(a: AppointmentRow) -> str:
        if a.status is S.IN_ROOM:
            return a.room or "In room"
        return "Waiting"

    def _update_buttons(self) -> None:
        a = self.current()
        allowed = a is not None and self.can_flow(a)
        self.roomed.setEnabled(allowed and a is not None and a.status is S.ARRIVED)
        self.done.setEnabled(allowed and a is not None and a.status is S.IN_ROOM)

    def _emit_status(self, status: AppointmentStatus) -> None:
        a = self.current()
        if a is not None:
            self.status_requested.emit(a, status)

    def _emit_open(self) -> None:
        a = self.current()
        if a is not None:
            self.open_requested.emit(a)
