"""The front desk's recall list: who is due, for what, since when, how often they were
contacted; log a call, book in one step, print recall letters as one PDF."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHBoxLayout,
    QInputDialog,
    QLabel,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.display import date_text
from emr_desktop.domain.orders import RecallKind, RecallRow
from emr_desktop.domain.security import Actor
from emr_desktop.ui.chart.section_kit import make_table
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel
from emr_desktop.ui.work_services import WorkServices, save_pdf

KIND_WORDS = {
    RecallKind.IMMUNIZATION: "Immunization",
    RecallKind.FOLLOW_UP: "Follow-up",
    RecallKind.WELLNESS: "Wellness visit",
    RecallKind.SCREENING: "Screening",
}
COLUMNS: tuple[Column[RecallRow], ...] = (
    Column("Patient", lambda r: r.patient_name),
    Column("Born", lambda r: date_text(r.birth_date), lambda r: r.birth_date),
    Column("MRN", lambda r: r.mrn),
    Column("Phone", lambda r: r.phone),
    Column("Kind", lambda r: KIND_WORDS[r.kind]),
    Column("Due for", lambda r: r.what),
    Column(
        "Since",
        lambda r: date_text(r.due_on),
        lambda r: r.due_on,
        warn=lambda r: r.due_on < dt.date.today(),
    ),
    Column("Contacts", lambda r: str(r.attempts), lambda r: r.attempts, align_right=True),
    Column(
        "Last contact",
        lambda r: f"{r.last_attempt.astimezone():%m/%d/%Y}" if r.last_attempt else "",
        lambda r: r.last_attempt or dt.datetime.min.replace(tzinfo=dt.UTC),
    ),
)


class RecallsView(QWidget):
    """The recall list with its actions."""

    def __init__(
        self, work: WorkServices, actor: Actor, ops: Operations, open_patient: Callable[[int], None]
    ) -> None:
        super().__init__()
        self.setAccessibleName("Recalls")
        self._work, self._actor, self._ops, self._open_patient = work, actor, ops, open_patient
        self.kind = QComboBox()
        self.kind.setAccessibleName("Kind of recall")
        self.kind.addItem("All kinds", None)
        for k, words in KIND_WORDS.items():
            self.kind.addItem(words, k)
        self.kind.currentIndexChanged.connect(lambda _i: self.refresh())
        self.model: DtoTableModel[RecallRow] = DtoTableModel(COLUMNS)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = make_table(self.model, "Recall list", 5)
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(6, Qt.SortOrder.AscendingOrder)  # longest due first
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        self.count = QLabel()
        self.buttons = {
            "call": QPushButton("&Log contact…"),
            "book": QPushButton("&Book…"),
            "letters": QPushButton("Recall &letters…"),
            "chart": QPushButton("&Open patient"),
            "rules": QPushButton("&Update from rules"),
        }
        self.buttons["call"].clicked.connect(self.log_contact)
        self.buttons["book"].clicked.connect(self.book)
        self.buttons["letters"].clicked.connect(self.letters)
        self.buttons["chart"].clicked.connect(self._open)
        self.buttons["rules"].clicked.connect(self.update_rules)
        bar = QHBoxLayout()
        bar.addWidget(QLabel("Show:"))
        bar.addWidget(self.kind)
        bar.addWidget(self.count)
        bar.addStretch()
        for b in self.buttons.values():
            bar.addWidget(b)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.table, 1)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._enable())
        ops.data_changed.connect(lambda _w: self.refresh())
        self.refresh()

    def refresh(self) -> None:
        """Reload the open recalls due within the coming month."""
        rows = self._ops.run(
            lambda: self._work.recalls.due(self._actor, kind=self.kind.currentData())
        )
        if rows is None:
            return
        self.model.set_rows(rows)
        overdue = sum(1 for r in rows if r.due_on < dt.date.today())
        self.count.setText(f"{len(rows)} due, {overdue} overdue")
        self._enable()

    def update_rules(self) -> None:
        """Bring the list up to date with the rules (new dues, care since given)."""
        self._ops.run(lambda: self._work.recalls.refresh(self._actor), changes="recalls")

    def chosen(self) -> list[RecallRow]:
        """The selected recalls."""
        rows = self.table.selectionModel().selectedRows()
        return [self.model.row(self.proxy.mapToSource(i).row()) for i in rows]

    def _enable(self) -> None:
        n = len(self.chosen())
        for name in ("call", "book", "chart"):
            self.buttons[name].setEnabled(n == 1)
        self.buttons["letters"].setEnabled(n >= 1)

    def log_contact(self) -> None:
        """Note a call (or message) and what came of it."""
        rows = self.chosen()
        if len(rows) != 1:
            return
        outcome, ok = QInputDialog.getText(self, "Log contact", "Phone call: what happened?")
        if ok:
            self._ops.run(
                lambda: self._work.recalls.log_contact(self._actor, rows[0].id, "phone", outcome),
                changes="recalls",
            )

    def book(self) -> None:
        """Book the selected recall in one step."""
        from emr_desktop.ui.recalls.book_dialog import RecallBookingDialog

        rows = self.chosen()
        if len(rows) == 1:
            RecallBookingDialog(self._work, self._actor, self._ops, rows[0], self).open()

    def letters(self) -> None:
        """One PDF of recall letters for the selected recalls (a contact each)."""
        rows = self.chosen()
        data = self._ops.run(
            lambda: self._work.recalls.letters(self._actor, [r.id for r in rows]), changes="recalls"
        )
        if data is not None:
            save_pdf(
                self,
                "Save the recall letters",
                f"recall-letters-{dt.date.today():%Y-%m-%d}.pdf",
                data,
            )

    def _open(self) -> None:
        rows = self.chosen()
        if len(rows) == 1:
            self._open_patient(rows[0].patient_id)
