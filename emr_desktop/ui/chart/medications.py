"""The Medications section: the medication list; add a reported one, or discontinue."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QHBoxLayout,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import MedicationRow
from emr_desktop.domain.clinical import MedicationStatus
from emr_desktop.domain.prescribing import MedicationInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.reference.drugs import formulary
from emr_desktop.services.medications import MedicationService
from emr_desktop.ui.chart.section_kit import (
    FadingTableModel,
    FormDialog,
    date_edit,
    date_of,
    make_table,
    selected,
)
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel


def _stopped(m: MedicationRow) -> bool:
    return m.status == MedicationStatus.STOPPED


COLUMNS: tuple[Column[MedicationRow], ...] = (
    Column("Medication", lambda m: m.drug_name, strike=_stopped),
    Column("Strength", lambda m: m.strength),
    Column("Form", lambda m: m.form),
    Column("Route", lambda m: m.route),
    Column("Directions", lambda m: m.sig),
    Column("Source", lambda m: m.source.value),
    Column("Started", lambda m: f"{m.start_date:%m/%d/%Y}" if m.start_date else ""),
    Column(
        "Stopped",
        lambda m: f"{m.stop_date:%m/%d/%Y} — {m.stop_reason}" if m.stop_date else "",
        lambda m: m.stop_date,
    ),
)


class ReportedMedicationDialog(FormDialog):
    """A medication the patient reports taking; the drug name completes from the formulary."""

    def __init__(
        self,
        service: MedicationService,
        actor: Actor,
        patient_id: int,
        ops: Operations,
        parent: QWidget,
    ) -> None:
        super().__init__("Add a reported medication", ops, f"chart:{patient_id}", parent)
        self._service = service
        self._actor = actor
        self._patient_id = patient_id
        self.drug = QLineEdit()
        self.drug.setPlaceholderText("Generic or brand name")
        self._names = QStringListModel(self)
        completer = QCompleter(self._names, self)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.UnfilteredPopupCompletion)
        self.drug.setCompleter(completer)
        self.drug.textEdited.connect(self._on_drug_edited)
        self.strength = QLineEdit()
        self.strength.setPlaceholderText("e.g. 500 mg")
        self.form_edit = QLineEdit()
        self.form_edit.setPlaceholderText("e.g. tablet")
        self.route = QLineEdit()
        self.route.setPlaceholderText("e.g. oral")
        self.sig = QLineEdit()
        self.sig.setPlaceholderText("e.g. 1 tablet by mouth twice daily")
        self.start = date_edit("Start date", optional=True)
        self.add_row("Drug name *", self.drug, "drug name", "ingredient", "ingredients")
        self.add_row("Strength", self.strength, "strength")
        self.add_row("Form", self.form_edit, "form")
        self.add_row("Route", self.route, "route")
        self.add_row("Directions", self.sig, "directions")
        self.add_row("Start date", self.start, "start date")
        self.drug.setFocus()

    def _on_drug_edited(self, text: str) -> None:
        names: list[str] = []
        for drug in formulary().search(text, 15):
            names.append(drug.generic)
            names.extend(b for b in drug.brands if b.casefold().startswith(text.casefold()))
        self._names.setStringList(list(dict.fromkeys(names)))
        exact = formulary().get(text) or formulary().by_brand(text)
        if exact is not None:  # an exact name: suggest the usual form and route
            if not self.form_edit.text() and len(exact.forms) == 1:
                self.form_edit.setText(exact.forms[0])
            if not self.route.text() and len(exact.routes) == 1:
                self.route.setText(exact.routes[0])

    def call(self) -> MedicationRow:
        """Record the reported medication."""
        data = MedicationInput(
            drug_name=self.drug.text(),
            strength=self.strength.text(),
            form=self.form_edit.text(),
            route=self.route.text(),
            sig=self.sig.text(),
            start_date=date_of(self.start),
        )
        return self._service.record_reported(self._actor, self._patient_id, data)


class DiscontinueDialog(FormDialog):
    """Stop a medication: why, and when (today unless told)."""

    def __init__(
        self,
        service: MedicationService,
        actor: Actor,
        medication: MedicationRow,
        ops: Operations,
        parent: QWidget,
    ) -> None:
        super().__init__(
            f"Discontinue {medication.drug_name}", ops, f"chart:{medication.patient_id}", parent
        )
        self._service = service
        self._actor = actor
        self._medication = medication
        self.reason = QLineEdit()
        self.reason.setPlaceholderText("e.g. side effects, no longer needed")
        self.stop = date_edit("Stop date", optional=False)
        self.add_row("Reason *", self.reason, "reason", "medication")
        self.add_row("Stop date", self.stop, "stop date")
        self.reason.setFocus()

    def call(self) -> MedicationRow:
        """Discontinue the medication."""
        m = self._medication
        return self._service.discontinue(
            self._actor,
            m.id,
            self.reason.text(),
            stop_date=date_of(self.stop),
            expected_version=m.version,
        )


class MedicationsSection(QWidget):
    """Active medications (stopped ones on request, struck through)."""

    title = "Medications"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self._services = services
        self._actor = actor
        self.patient_id = patient_id
        self._ops = ops
        self.model: DtoTableModel[MedicationRow] = FadingTableModel(COLUMNS, _stopped)
        self.table = make_table(self.model, "Medications", 4)
        self.add = QPushButton("&Add reported medication…")
        self.discontinue = QPushButton("&Discontinue…")
        self.show_stopped = QCheckBox("Show stopped")
        self.show_stopped.setAccessibleName("Show stopped medications")
        buttons = QHBoxLayout()
        for b in (self.add, self.discontinue):
            b.setAccessibleName(b.text().replace("&", "").rstrip("…"))
            b.setVisible(actor.can(Permission.MEDICATION_EDIT))
            buttons.addWidget(b)
        buttons.addStretch()
        buttons.addWidget(self.show_stopped)
        self.add.clicked.connect(self._on_add_clicked)
        self.discontinue.clicked.connect(self._on_discontinue_clicked)
        self.show_stopped.toggled.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        self.refresh()

    def refresh(self) -> None:
        """Reload the medication list."""
        rows = self._ops.run(
            lambda: self._services.medications.list(
                self._actor, self.patient_id, include_stopped=self.show_stopped.isChecked()
            )
        )
        if rows is not None:
            self.model.set_rows(rows)
        self._update_buttons()

    def has_unsaved(self) -> bool:
        """Nothing is typed here outside a dialog."""
        return False

    def save_drafts(self) -> None:
        """Nothing to save."""

    def open_add_dialog(self) -> ReportedMedicationDialog:
        """Open the reported-medication dialog, window-modal, and return it."""
        dialog = ReportedMedicationDialog(
            self._services.medications, self._actor, self.patient_id, self._ops, self
        )
        dialog.open()
        return dialog

    def open_discontinue_dialog(self) -> DiscontinueDialog | None:
        """Open the discontinue dialog for the selected medication (None if none selected)."""
        m = selected(self.table, self.model)
        if m is None or m.status != MedicationStatus.ACTIVE:
            return None
        dialog = DiscontinueDialog(self._services.medications, self._actor, m, self._ops, self)
        dialog.open()
        return dialog

    def _update_buttons(self) -> None:
        m = selected(self.table, self.model)
        self.discontinue.setEnabled(m is not None and m.status == MedicationStatus.ACTIVE)

    def _on_add_clicked(self) -> None:
        self.open_add_dialog()

    def _on_discontinue_clicked(self) -> None:
        self.open_discontinue_dialog()
