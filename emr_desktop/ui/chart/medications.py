"""The Medications section: the medication list; prescribe, renew, request a renewal,
add a reported medication, discontinue, and print the list or a prescription."""

from __future__ import annotations

from PySide6.QtCore import QStringListModel, Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QCompleter,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import MedicationRow, PrescriptionRow
from emr_desktop.domain.clinical import MedicationStatus
from emr_desktop.domain.exports import ExportResult
from emr_desktop.domain.prescribing import MedicationInput
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.reference.drugs import formulary
from emr_desktop.services.chart.medications import MedicationService
from emr_desktop.ui.chart.field_kinds import date_edit, date_of
from emr_desktop.ui.chart.form_kit import FormDialog
from emr_desktop.ui.chart.prescription_dialog import PrescriptionDialog
from emr_desktop.ui.chart.renewals import RenewalSigner
from emr_desktop.ui.chart.rx_alerts import OverrideDialog
from emr_desktop.ui.chart.rx_print import PdfPreviewDialog
from emr_desktop.ui.chart.section_kit import FadingTableModel, make_table, selected
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
        self.prescribe = QPushButton("&Prescribe…")
        self.renew = QPushButton("Re&new")
        self.request_renewal = QPushButton("Request &renewal")
        self.add = QPushButton("&Add reported medication…")
        self.discontinue = QPushButton("&Discontinue…")
        self.print_rx = QPushButton("Print prescription…")
        self.print_list = QPushButton("Print &list…")
        self.show_stopped = QCheckBox("Show stopped")
        self.show_stopped.setAccessibleName("Show stopped medications")
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.status.setAccessibleName("Medication list status")
        prescriber = actor.can(Permission.RX_PRESCRIBE)
        allowed = {
            self.prescribe: prescriber,
            self.renew: prescriber,
            self.request_renewal: actor.can(Permission.RX_RENEWAL_REQUEST) and not prescriber,
            self.add: actor.can(Permission.MEDICATION_EDIT),
            self.discontinue: actor.can(Permission.MEDICATION_EDIT),
            self.print_rx: actor.can(Permission.CHART_EXPORT),
            self.print_list: actor.can(Permission.CHART_EXPORT),
        }
        buttons = QHBoxLayout()
        for b, visible in allowed.items():
            b.setAccessibleName(b.text().replace("&", "").rstrip("…"))
            b.setVisible(visible)
            buttons.addWidget(b)
        buttons.addStretch()
        buttons.addWidget(self.show_stopped)
        self.prescribe.clicked.connect(self._on_prescribe_clicked)
        self.renew.clicked.connect(self._on_renew_clicked)
        self.request_renewal.clicked.connect(self._on_request_renewal_clicked)
        self.add.clicked.connect(self._on_add_clicked)
        self.discontinue.clicked.connect(self._on_discontinue_clicked)
        self.print_rx.clicked.connect(self._on_print_rx_clicked)
        self.print_list.clicked.connect(self._on_print_list_clicked)
        self.show_stopped.toggled.connect(self.refresh)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.signer = RenewalSigner(services, actor, ops, self)
        layout = QVBoxLayout(self)
        layout.addLayout(buttons)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.status)
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

    def select_drug(self, drug_name: str) -> bool:
        """Select the first row of ``drug_name`` (any case); False if it is not listed."""
        for i in range(self.model.rowCount()):
            if self.model.row(i).drug_name.casefold() == drug_name.casefold():
                self.table.selectRow(i)
                return True
        return False

    def open_prescribe_dialog(self) -> PrescriptionDialog:
        """Open the prescription dialog, window-modal, and return it."""
        dialog = PrescriptionDialog(self._services, self._actor, self.patient_id, self._ops, self)
        dialog.open()
        return dialog

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

    def renew_selected(self) -> OverrideDialog | None:
        """Renew the selected prescription in one step: renew, check, sign.

        Returns the alerts dialog when the checks found something to review (signing
        waits for it), else None (signed already, or refused with a message).
        """
        m = self._prescribed()
        if m is None or m.prescription_id is None:
            return None
        rx_id = m.prescription_id
        draft = self._ops.run(lambda: self._services.prescriptions.renew(self._actor, rx_id))
        if draft is None:
            return None

        def done(rows: list[PrescriptionRow] | None) -> None:
            if rows:
                self.status.setText(f"Renewed and signed: {draft.drug_name}.")
            elif not draft.requested_by:  # our own draft, not a nurse's request: drop it
                self._ops.run(
                    lambda: self._services.prescriptions.cancel(
                        self._actor, draft.id, "renewal not signed"
                    )
                )
                self.status.setText(f"{draft.drug_name} was not renewed.")

        return self.signer.start(draft, done)

    def request_selected_renewal(self) -> PrescriptionRow | None:
        """A nurse's renewal request for the selected prescription, for a physician to sign."""
        m = self._prescribed()
        if m is None or m.prescription_id is None:
            return None
        rx_id = m.prescription_id
        row = self._ops.run(
            lambda: self._services.prescriptions.request_renewal(self._actor, rx_id),
            changes=f"chart:{self.patient_id}",
        )
        if row is not None:
            self.status.setText(
                f"Renewal of {row.drug_name} requested: it waits in the physicians' inbox."
            )
        return row

    def print_selected_prescription(self) -> PdfPreviewDialog | None:
        """Show the selected medication's signed prescription, ready to print or save."""
        m = self._prescribed()
        if m is None or m.prescription_id is None:
            return None
        rx_id = m.prescription_id
        result = self._ops.run(
            lambda: self._services.rx_printing.prescriptions_pdf(self._actor, [rx_id])
        )
        return self._preview("Prescription", result)

    def print_medication_list(self) -> PdfPreviewDialog | None:
        """Show the patient's printable medication list, ready to print or save."""
        result = self._ops.run(
            lambda: self._services.rx_printing.medication_list_pdf(self._actor, self.patient_id)
        )
        return self._preview("Medication list", result)

    def _preview(self, title: str, result: ExportResult | None) -> PdfPreviewDialog | None:
        if result is None:
            return None
        preview = PdfPreviewDialog(title, result, self)
        preview.open()
        return preview

    def _prescribed(self) -> MedicationRow | None:
        m = selected(self.table, self.model)
        if m is None or m.status != MedicationStatus.ACTIVE or m.prescription_id is None:
            return None
        return m

    def _update_buttons(self, *_: object) -> None:
        m = selected(self.table, self.model)
        self.discontinue.setEnabled(m is not None and m.status == MedicationStatus.ACTIVE)
        prescribed = self._prescribed() is not None
        for b in (self.renew, self.request_renewal, self.print_rx):
            b.setEnabled(prescribed)

    def _on_prescribe_clicked(self) -> None:
        self.open_prescribe_dialog()

    def _on_renew_clicked(self) -> None:
        self.renew_selected()

    def _on_request_renewal_clicked(self) -> None:
        self.request_selected_renewal()

    def _on_add_clicked(self) -> None:
        self.open_add_dialog()

    def _on_discontinue_clicked(self) -> None:
        self.open_discontinue_dialog()

    def _on_print_rx_clicked(self) -> None:
        self.print_selected_prescription()

    def _on_print_list_clicked(self) -> None:
        self.print_medication_list()
