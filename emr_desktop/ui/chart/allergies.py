"""The Allergies section: allergies with their severity; add, inactivate, or record NKA."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import AllergyRow
from emr_desktop.domain.clinical import AllergyCategory, AllergySeverity, RecordStatus
from emr_desktop.domain.sections import AllergyInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.services.chart.allergies import AllergyService
from emr_desktop.ui.chart.field_kinds import date_edit, date_of
from emr_desktop.ui.chart.form_kit import FormDialog, confirm
from emr_desktop.ui.chart.section_kit import FadingTableModel, make_table, selected
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel


def _closed(a: AllergyRow) -> bool:
    return a.status != RecordStatus.ACTIVE


def _serious(a: AllergyRow) -> bool:
    return a.status == RecordStatus.ACTIVE and a.severity in (
        AllergySeverity.SEVERE,
        AllergySeverity.MODERATE,
    )


COLUMNS: tuple[Column[AllergyRow], ...] = (
    Column("Substance", lambda a: a.substance, strike=_closed, warn=_serious),
    Column("Category", lambda a: a.category.value),
    Column("Reaction", lambda a: a.reaction, strike=_closed),
    Column("Severity", lambda a: a.severity.value, warn=_serious),
    Column("Status", lambda a: a.status.value),
    Column("Onset", lambda a: f"{a.onset_date:%m/%d/%Y}" if a.onset_date else ""),
    Column("Recorded by", lambda a: a.recorded_by),
)


class AllergyDialog(FormDialog):
    """Record an allergy: substance, category, reaction, severity, onset."""

    def __init__(
        self,
        service: AllergyService,
        actor: Actor,
        patient_id: int,
        ops: Operations,
        parent: QWidget,
    ) -> None:
        super().__init__("Record an allergy", ops, f"chart:{patient_id}", parent)
        self._service = service
        self._actor = actor
        self._patient_id = patient_id
        self.substance = QLineEdit()
        self.substance.setPlaceholderText("e.g. penicillin, peanuts, latex")
        self.category = QComboBox()
        for c in AllergyCategory:
            self.category.addItem(c.value.title(), c)
        self.reaction = QLineEdit()
        self.reaction.setPlaceholderText("e.g. hives, anaphylaxis")
        self.severity = QComboBox()
        for sev in AllergySeverity:
            self.severity.addItem(sev.value.title(), sev)
        self.severity.setCurrentIndex(list(AllergySeverity).index(AllergySeverity.UNKNOWN))
        self.onset = date_edit("Onset date", optional=True)
        self.add_row("Substance *", self.substance, "substance")
        self.add_row("Category", self.category, "category")
        self.add_row("Reaction", self.reaction, "reaction")
        self.add_row("Severity", self.severity, "severity")
        self.add_row("Onset date", self.onset, "onset date")
        self.substance.setFocus()

    def call(self) -> AllergyRow:
        """Add the allergy."""
        data = AllergyInput(
            substance=self.substance.text(),
            category=self.category.currentData(),
            reaction=self.reaction.text(),
            severity=self.severity.currentData(),
            onset_date=date_of(self.onset),
        )
        return self._service.add(self._actor, self._patient_id, data)


class AllergiesSection(QWidget):
    """Active allergies first (worst first, severe ones in the warning colour)."""

    title = "Allergies"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.patient_id = patient_id
        self._ops = ops
        self.model: DtoTableModel[AllergyRow] = FadingTableModel(COLUMNS, _closed)
        self.table = make_table(self.model, "Allergies", 2)
        can = actor.can(Permission.ALLERGY_RECORD)
        self.add = QPushButton("&Add allergy…")
        self.inactivate = QPushButton("&Inactivate")
        self.in_error = QPushButton("Entered in &error")
        self.nka = QPushButton("No &known allergies")
        self.show_inactive = QCheckBox("Show inactive")
        self.show_inactive.setAccessibleName("Show inactive allergies")
        self.empty = QLabel()
        self.empty.setAccessibleName("Allergy status")
        buttons = QHBoxLayout()
        for b in (self.add, self.inactivate, self.in_error, self.nka):
            b.setAccessibleName(b.text().replace("&", "").rstrip("…"))
            b.setVisible(can)
            buttons.addWidget(b)
        buttons.addStretch()
        buttons.addWidget(self.show_inactive)
        self.add.clicked.connect(self._on_add_clicked)
        self.inactivate.clicked.connect(self._on_inactivate_clicked)
        self.in_error.clicked.connect(self._on_in_error_clicked)
        self.nka.clicked.connect(self._on_nka_clicked)
        self.show_inactive.toggled.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reload the allergies; NKA is offered only while none is active."""
        rows = self._ops.run(
            lambda: self._services.allergies.list(
                self._actor, self.patient_id, include_inactive=self.show_inactive.isChecked()
            )
        )
        if rows is not None:
            self.model.set_rows(rows)
        active = [a for a in self.model.rows() if a.status == RecordStatus.ACTIVE]
        self.nka.setVisible(self._actor.can(Permission.ALLERGY_RECORD) and not active)
        self.empty.setVisible(not active)
        self.empty.setText("No active allergies recorded." if not active else "")
        self._update_buttons()

    def has_unsaved(self) -> bool:
        """Nothing is typed here outside a dialog."""
        return False

    def save_drafts(self) -> None:
        """Nothing to save."""

    def open_dialog(self) -> AllergyDialog:
        """Open the add dialog, window-modal, and return it."""
        dialog = AllergyDialog(
            self._services.allergies, self._actor, self.patient_id, self._ops, self
        )
        dialog.open()
        return dialog

    def _update_buttons(self) -> None:
        a = selected(self.table, self.model)
        active = a is not None and a.status == RecordStatus.ACTIVE
        self.inactivate.setEnabled(active)
        self.in_error.setEnabled(a is not None and a.status != RecordStatus.ENTERED_IN_ERROR)

    def _on_add_clicked(self) -> None:
        self.open_dialog()

    def _set_status(self, status: RecordStatus) -> None:
        a = selected(self.table, self.model)
        if a is None:
            return
        words = "inactive" if status == RecordStatus.INACTIVE else "entered in error"
        if not confirm(self, "Allergy", f"Mark the allergy to {a.substance} {words}?"):
            return
        self._ops.run(
            lambda: self._services.allergies.inactivate(
                self._actor, a.id, status=status, expected_version=a.version
            ),
            changes=f"chart:{self.patient_id}",
        )

    def _on_inactivate_clicked(self) -> None:
        self._set_status(RecordStatus.INACTIVE)

    def _on_in_error_clicked(self) -> None:
        self._set_status(RecordStatus.ENTERED_IN_ERROR)

    def _on_nka_clicked(self) -> None:
        self._ops.run(
            lambda: self._services.allergies.mark_no_known_allergies(self._actor, self.patient_id),
            changes=f"chart:{self.patient_id}",
        )
