"""The home screen: counts of what waits, then the inbox itself, filtered and sorted.
Physicians land here after login (issue 19); nurses and the front desk see their tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.display import date_text
from emr_desktop.domain.orders import INBOX_WORDS, Inbox, InboxItem, InboxKind
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.ui.chart.section_kit import make_table
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel
from emr_desktop.ui.work_services import WorkServices

COLUMNS: tuple[Column[InboxItem], ...] = (
    Column("What", lambda i: INBOX_WORDS[i.kind], warn=lambda i: i.urgent),
    Column("Details", lambda i: i.title, warn=lambda i: i.urgent),
    Column("Patient", lambda i: i.patient_name),
    Column("MRN", lambda i: i.mrn),
    Column("Since", lambda i: f"{i.since.astimezone():%m/%d/%Y}", lambda i: i.since),
    Column(
        "Due", lambda i: date_text(i.due_on) if i.due_on else "", lambda i: i.due_on or dt.date.max
    ),
)
TILES = (
    (InboxKind.RESULT, "Results to review"),
    (InboxKind.UNSIGNED_NOTE, "Unsigned notes"),
    (InboxKind.RENEWAL, "Renewal requests"),
    (InboxKind.TASK, "Tasks"),
    (InboxKind.OVERDUE_ORDER, "Overdue orders"),
)


class HomeView(QWidget):
    """Counts on top (each a button that filters the list), the inbox below."""

    def __init__(
        self, work: WorkServices, actor: Actor, ops: Operations, open_patient: Callable[[int], None]
    ) -> None:
        super().__init__()
        self.setAccessibleName("Home")
        self._work, self._actor, self._ops, self._open_patient = work, actor, ops, open_patient
        self.inbox: Inbox | None = None
        self.greeting = QLabel()
        self.greeting.setObjectName("homeGreeting")
        self.today = QPushButton()
        self.today.setAccessibleName("Today's patients")
        self.go_to_schedule: Callable[[], None] | None = None
        self.today.clicked.connect(lambda: self.go_to_schedule and self.go_to_schedule())
        self.tiles: dict[InboxKind, QPushButton] = {}
        tiles = QHBoxLayout()
        tiles.addWidget(self.today)
        for kind, words in TILES:
            if kind is InboxKind.RESULT and not actor.can(Permission.RESULT_SIGN):
                continue
            if kind in (InboxKind.UNSIGNED_NOTE, InboxKind.RENEWAL) and not actor.can(
                Permission.NOTE_SIGN
            ):
                continue
            if kind is InboxKind.OVERDUE_ORDER and not actor.can(Permission.RESULT_VIEW):
                continue
            button = QPushButton()
            button.setAccessibleName(words)
            button.setMinimumHeight(54)
            button.clicked.connect(lambda _=False, k=kind: self.show_only(k))
            self.tiles[kind] = button
            tiles.addWidget(button)
        self.today.setMinimumHeight(54)
        tiles.addStretch()
        self.filter = QComboBox()
        self.filter.setAccessibleName("Show")
        self.filter.addItem("Everything", None)
        for kind in self.tiles:
            self.filter.addItem(INBOX_WORDS[kind] + "s", kind.value)
        self.filter.currentIndexChanged.connect(self._show_rows)
        self.model: DtoTableModel[InboxItem] = DtoTableModel(COLUMNS)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table: QTableView = make_table(self.model, "Inbox", 1)
        self.table.setModel(self.proxy)
        # Unsorted until a header is clicked: the service's order puts urgent lines first.
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.doubleClicked.connect(lambda _i: self.open_selected())
        self.empty = QLabel("Nothing is waiting for you.")
        self.open_button = QPushButton("&Open")
        self.open_button.clicked.connect(self.open_selected)
        self.chart_button = QPushButton("Open &chart")
        self.chart_button.clicked.connect(self._open_chart)
        self.done_button = QPushButton("Mark task &done")
        self.done_button.clicked.connect(self._task_done)
        self.new_task = QPushButton("&New task…")
        self.new_task.clicked.connect(self._new_task)
        self.refresh_button = QPushButton("&Refresh")
        self.refresh_button.clicked.connect(self.refresh)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.filter)
        bar.addStretch()
        for b in (
            self.open_button,
            self.chart_button,
            self.done_button,
            self.new_task,
            self.refresh_button,
        ):
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addWidget(self.greeting)
        layout.addLayout(tiles)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.empty)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        ops.data_changed.connect(lambda _what: self.refresh())

    def refresh(self) -> None:
        """Reload the inbox and its counts."""
        inbox = self._ops.run(lambda: self._work.inbox.inbox(self._actor))
        if inbox is None:
            return
        self.inbox = inbox
        self.greeting.setText(f"<h2>Good {_part_of_day()}, {self._actor.full_name}</h2>")
        self.today.setText(f"{inbox.todays_patients}\nToday's patients")
        for kind, button in self.tiles.items():
            button.setText(f"{inbox.count(kind)}\n{dict(TILES)[kind]}")
        self._show_rows()

    def show_only(self, kind: InboxKind | None) -> None:
        """Filter the list to one kind of item (None: everything)."""
        self.filter.setCurrentIndex(max(0, self.filter.findData(kind.value if kind else None)))
        self._show_rows()

    def _show_rows(self) -> None:
        kind = self.filter.currentData()
        items = self.inbox.items if self.inbox else ()
        self.model.set_rows([i for i in items if kind is None or i.kind.value == kind])
        self.empty.setVisible(self.model.rowCount() == 0)
        self._enable()

    def selected(self) -> InboxItem | None:
        """The inbox line selected, if any."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(self.proxy.mapToSource(rows[0]).row()) if rows else None

    def _enable(self) -> None:
        item = self.selected()
        self.open_button.setEnabled(item is not None)
        self.chart_button.setEnabled(item is not None and item.patient_id is not None)
        self.done_button.setEnabled(item is not None and item.kind is InboxKind.TASK)

    def open_selected(self) -> None:
        """Open what the line is about: a result to review, else the patient's chart."""
        item = self.selected()
        if item is None:
            return
        if item.kind is InboxKind.RESULT:
            from emr_desktop.ui.inbox.result_dialog import ResultReviewDialog

            dialog = ResultReviewDialog(self._work, self._actor, self._ops, item.ref_id, self)
            if dialog.load():
                dialog.open()
            return
        self._open_chart()

    def _open_chart(self) -> None:
        item = self.selected()
        if item is not None and item.patient_id is not None:
            self._open_patient(item.patient_id)

    def _task_done(self) -> None:
        item = self.selected()
        if item is not None and item.kind is InboxKind.TASK:
            self._ops.run(
                lambda: self._work.tasks.finish(self._actor, item.ref_id), changes="tasks"
            )

    def _new_task(self) -> None:
        from emr_desktop.ui.inbox.task_dialog import TaskDialog

        item = self.selected()
        patient = (item.patient_id, item.patient_name) if item and item.patient_id else None
        TaskDialog(self._work, self._actor, self._ops, patient, self).open()


def _part_of_day() -> str:
    hour = dt.datetime.now().hour
    return "morning" if hour < 12 else "afternoon" if hour < 18 else "evening"
