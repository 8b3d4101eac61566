"""The Problems section: the problem list with ICD-10-CM codes; add, edit, resolve, reactivate."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import (
    QComboBox,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import ProblemRow
from emr_desktop.domain.clinical import ProblemStatus
from emr_desktop.domain.sections import ProblemInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import ValidationError
from emr_desktop.services.chart.problems import ProblemService
from emr_desktop.ui.chart.code_picker import CodePicker
from emr_desktop.ui.chart.field_kinds import date_edit, date_of, set_date
from emr_desktop.ui.chart.form_kit import FormDialog
from emr_desktop.ui.chart.section_kit import FadingTableModel, make_table, selected
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel


def _date(d: object) -> str:
    return f"{d:%m/%d/%Y}" if d is not None else ""


def _closed(p: ProblemRow) -> bool:
    return p.status != ProblemStatus.ACTIVE


COLUMNS: tuple[Column[ProblemRow], ...] = (
    Column("Problem", lambda p: p.description, strike=_closed),
    Column("Code", lambda p: p.code, strike=_closed),
    Column("Status", lambda p: p.status.value),
    Column("Onset", lambda p: _date(p.onset_date), lambda p: p.onset_date),
    Column("Resolved", lambda p: _date(p.resolved_date), lambda p: p.resolved_date),
    Column("Note", lambda p: p.note),
    Column("Recorded by", lambda p: p.recorded_by),
)


class ProblemDialog(FormDialog):
    """Add a problem (``existing`` None) or edit one: diagnosis, onset, status, note."""

    def __init__(
        self,
        service: ProblemService,
        actor: Actor,
        patient_id: int,
        ops: Operations,
        parent: QWidget,
        existing: ProblemRow | None = None,
    ) -> None:
        title = "Edit problem" if existing else "Add a problem"
        super().__init__(title, ops, f"chart:{patient_id}", parent)
        self._service = service
        self._actor = actor
        self._patient_id = patient_id
        self._existing = existing
        self.picker = CodePicker()
        self.onset = date_edit("Onset date", optional=True)
        self.status = QComboBox()
        self.status.setAccessibleName("Status")
        for s in ProblemStatus:
            self.status.addItem(s.value.title(), s)
        self.note = QLineEdit()
        self.note.setAccessibleName("Note")
        self.add_row("Diagnosis *", self.picker, "code", "ICD-10 code", "description")
        self.add_row("Onset date", self.onset, "onset date")
        if existing is not None:
            self.add_row("Status", self.status, "status")
        self.add_row("Note", self.note, "note")
        if existing is not None:
            self.picker.set_code(existing.code, existing.description)
            set_date(self.onset, existing.onset_date)
            self.status.setCurrentIndex(list(ProblemStatus).index(existing.status))
            self.note.setText(existing.note)
        self.setMinimumWidth(620)
        self.picker.setFocus()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        """Enter in the picker chooses a code; it must not save the form too."""
        enter = event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter)
        if enter and self.picker.search.hasFocus():
            return
        super().keyPressEvent(event)

    def call(self) -> ProblemRow:
        """Add or update the problem."""
        chosen = self.picker.chosen
        if chosen is None:
            raise ValidationError("code", "choose a diagnosis from the list")
        data = ProblemInput(
            code=chosen.code,
            description=chosen.description,
            onset_date=date_of(self.onset),
            status=self.status.currentData() if self._existing else ProblemStatus.ACTIVE,
            note=self.note.text(),
        )
        if self._existing is None:
            return self._service.add(self._actor, self._patient_id, data)
        return self._service.update(
            self._actor, self._existing.id, data, expected_version=self._existing.version
        )


class ProblemsSection(QWidget):
    """The problem list: active first, resolved ones struck through."""

    title = "Problems"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.patient_id = patient_id
        self._ops = ops
        self.model: DtoTableModel[ProblemRow] = FadingTableModel(COLUMNS, _closed)
        self.table = make_table(self.model, "Problems", 0)
        self.add = QPushButton("&Add problem…")
        self.edit = QPushButton("&Edit…")
        self.resolve = QPushButton("&Resolve")
        self.reactivate = QPushButton("Re&activate")
        buttons = QHBoxLayout()
        for b in (self.add, self.edit, self.resolve, self.reactivate):
            b.setAccessibleName(b.text().replace("&", "").rstrip("…"))
            b.setVisible(actor.can(Permission.PROBLEM_EDIT))
            buttons.addWidget(b)
        buttons.addStretch()
        self.add.clicked.connect(self._on_add_clicked)
        self.edit.clicked.connect(self._on_edit_clicked)
        self.resolve.clicked.connect(self._on_resolve_clicked)
        self.reactivate.clicked.connect(self._on_reactivate_clicked)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.table.doubleClicked.connect(self._on_edit_clicked)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reload the problem list."""
        rows = self._ops.run(lambda: self._services.problems.list(self._actor, self.patient_id))
        if rows is not None:
            self.model.set_rows(rows)
        self._update_buttons()

    def has_unsaved(self) -> bool:
        """Nothing is typed here outside a dialog."""
        return False

    def save_drafts(self) -> None:
        """Nothing to save."""

    def open_dialog(self, existing: ProblemRow | None = None) -> ProblemDialog:
        """Open the add (or edit) dialog, window-modal, and return it."""
        dialog = ProblemDialog(
            self._services.problems, self._actor, self.patient_id, self._ops, self, existing
        )
        dialog.open()
        return dialog

    def _update_buttons(self) -> None:
        p = selected(self.table, self.model)
        self.edit.setEnabled(p is not None)
        self.resolve.setEnabled(p is not None and p.status != ProblemStatus.RESOLVED)
        self.reactivate.setEnabled(p is not None and p.status != ProblemStatus.ACTIVE)

    def _on_add_clicked(self) -> None:
        self.open_dialog()

    def _on_edit_clicked(self) -> None:
        p = selected(self.table, self.model)
        if p is not None and self._actor.can(Permission.PROBLEM_EDIT):
            self.open_dialog(p)

    def _on_resolve_clicked(self) -> None:
        p = selected(self.table, self.model)
        if p is not None:
            self._ops.run(
                lambda: self._services.problems.resolve(
                    self._actor, p.id, expected_version=p.version
                ),
                changes=f"chart:{self.patient_id}",
            )

    def _on_reactivate_clicked(self) -> None:
        p = selected(self.table, self.model)
        if p is not None:
            self._ops.run(
                lambda: self._services.problems.reactivate(
                    self._actor, p.id, expected_version=p.version
                ),
                changes=f"chart:{self.patient_id}",
            )
