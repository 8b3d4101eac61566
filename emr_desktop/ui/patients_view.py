"""Find a patient in a keystroke: search as you type, arrow down, Enter opens the chart."""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer, Signal
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.patients import PatientSummary
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_dialog import PatientDialog, birth_and_age
from emr_desktop.ui.table_model import Column, DtoTableModel

SEARCH_DELAY_MS = 120

PATIENT_COLUMNS: tuple[Column[PatientSummary], ...] = (
    Column("MRN", lambda p: p.mrn),
    Column("Name", lambda p: p.display_name),
    Column("Date of birth (age)", lambda p: birth_and_age(p.birth_date), lambda p: p.birth_date),
    Column("Sex", lambda p: p.sex_at_birth.value),
    Column("Phone", lambda p: p.phone),
    Column("Status", lambda p: status_words(p), warn=lambda p: not p.active),
)


def status_words(p: PatientSummary) -> str:
    """'' for an active record, else 'inactive' or 'deceased 1990-04-02'."""
    if p.active:
        return ""
    return f"deceased {p.deceased_on:%m/%d/%Y}" if p.deceased_on else "inactive"


class PatientsView(QWidget):
    """The patient finder; emits ``open_patient`` with the chosen patient's id."""

    open_patient = Signal(int)

    def __init__(self, service: PatientService, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._service = service
        self.actor = actor
        self._ops = ops
        self.search = QLineEdit()
        self.search.setPlaceholderText(
            "Find a patient: name in any order, date of birth, phone or MRN   (Ctrl+F)"
        )
        self.search.setAccessibleName("Find patient")
        self.search.setClearButtonEnabled(True)
        self.search.textChanged.connect(self._on_search_text_changed)
        self.search.installEventFilter(self)
        self.new_button = QPushButton("&New patient…")
        self.new_button.setToolTip("Register a new patient (Ctrl+N)")
        self.new_button.clicked.connect(self.register_patient)
        self.new_button.setVisible(actor.can(Permission.PATIENT_REGISTER))
        self.include_inactive = QCheckBox("Include &inactive and deceased")
        self.include_inactive.setToolTip("Also find records kept for records requests")
        self.include_inactive.toggled.connect(lambda _on: self.refresh())
        self.caption = QLabel()
        self.caption.setAccessibleName("Result count")
        self.model: DtoTableModel[PatientSummary] = DtoTableModel(PATIENT_COLUMNS)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setAccessibleName("Patients")
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.horizontalHeader().setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        self.table.activated.connect(self._on_table_activated)
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(SEARCH_DELAY_MS)
        self._timer.timeout.connect(self.refresh)

        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.include_inactive)
        top.addWidget(self.new_button)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.caption)
        layout.addWidget(self.table, 1)
        self.setTabOrder(self.search, self.table)

    def focus_search(self) -> None:
        """Put the cursor in the search box with its text selected (Ctrl+F)."""
        self.search.setFocus()
        self.search.selectAll()

    def refresh(self) -> None:
        """Run the search for the current text (or show recent patients when empty)."""
        text = self.search.text().strip()
        if text:
            everyone = self.include_inactive.isChecked()
            rows = self._ops.run(
                lambda: self._service.search(self.actor, text, limit=100, include_inactive=everyone)
            )
            caption = "No patient matches." if rows == [] else f"{len(rows or [])} match(es)"
        else:
            rows = self._ops.run(lambda: self._service.recent(self.actor))
            caption = "Recent patients" if rows else "Type to find a patient."
        self.model.set_rows(rows or [])
        self.caption.setText(caption)
        if rows:
            self.table.selectRow(0)

    def register_patient(self) -> None:
        """Open the registration form; open the chart of whoever it leads to."""
        dialog = PatientDialog(self._service, self.actor, parent=self)
        if dialog.exec() and dialog.result_id is not None:
            self.open_patient.emit(dialog.result_id)

    def _on_search_text_changed(self, _text: str) -> None:
        self._timer.start()

    def _on_table_activated(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if rows:
            self.open_patient.emit(self.model.row(rows[0].row()).id)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Down arrow moves from the search box into the results; Enter opens the first."""
        if (
            watched is self.search
            and isinstance(event, QKeyEvent)
            and event.type() == QEvent.Type.KeyPress
        ):
            key = event.key()
            if key == Qt.Key.Key_Down and self.model.rowCount():
                self.table.setFocus()
                self.table.selectRow(0)
                return True
            if key in (Qt.Key.Key_Return, Qt.Key.Key_Enter):
                if self._timer.isActive():
                    self._timer.stop()
                    self.refresh()
                if self.model.rowCount():
                    self.open_patient.emit(self.model.row(0).id)
                return True
        return super().eventFilter(watched, event)
