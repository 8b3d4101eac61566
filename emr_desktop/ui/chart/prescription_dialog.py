"""Writing prescriptions: a batch of one or more, checked for safety, signed together,
then printed. Physicians only; a nurse asks for renewals from the medication list."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QListWidget,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import PrescriptionRow
from emr_desktop.domain.prescribing import PrescriptionInput, SafetyOverrideRequired
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import PermissionDenied
from emr_desktop.ui.chart.prescription_form import PrescriptionForm, quantity_line
from emr_desktop.ui.chart.rx_alerts import AlertPanel
from emr_desktop.ui.chart.rx_print import PdfPreviewDialog
from emr_desktop.ui.context import Services
from emr_desktop.ui.discard import DiscardGuard
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.patient_header import patient_header


@dataclass
class BatchItem:
    """A prescription of the batch; ``draft_id`` once it is saved as a draft."""

    data: PrescriptionInput
    label: str
    draft_id: int | None = None


class PrescriptionDialog(QDialog):
    """New prescriptions for one patient: add to the batch, Check, Sign, Print."""

    def __init__(
        self, services: Services, actor: Actor, patient_id: int, ops: Operations, parent: QWidget
    ) -> None:
        if not actor.can(Permission.RX_PRESCRIBE):
            raise PermissionDenied("Only a physician may write prescriptions.")
        super().__init__(parent)
        self.setWindowTitle("New prescription")
        self._services, self._actor, self._ops = services, actor, ops
        self.patient_id = patient_id
        self._changes = f"chart:{patient_id}"
        self.items: list[BatchItem] = []
        self.signed: list[PrescriptionRow] = []
        self._checked = False
        self.guard = DiscardGuard(
            self,
            "Discard these prescriptions? They are not signed.",
            more=lambda: bool(self.items) and not self.signed,
        )
        # Two identifiers and the allergies stay in sight while prescribing.
        self.banner = patient_header(parent, patient_id, services, actor, ops)
        self.form = PrescriptionForm()
        self.add_button = QPushButton("&Add to batch")
        self.add_button.setToolTip("Keep this prescription and start another, to sign together")
        self.batch = QListWidget()
        self.batch.setAccessibleName("Prescriptions to sign")
        self.batch.setWordWrap(True)
        self.batch.setAlternatingRowColors(True)
        self.batch.setSpacing(2)
        self.remove_button = QPushButton("&Remove")
        self.alerts = AlertPanel()
        self.status = QLabel()
        self.status.setWordWrap(True)
        self.check_button = QPushButton("&Check")
        self.sign_button = QPushButton("&Sign")
        self.sign_button.setDefault(True)
        self.print_button = QPushButton("&Print…")
        self.print_button.hide()
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        for b in (self.check_button, self.sign_button, self.print_button):
            self.buttons.addButton(b, QDialogButtonBox.ButtonRole.ActionRole)
        self._build()
        self.add_button.clicked.connect(self._on_add_clicked)
        self.remove_button.clicked.connect(self._on_remove_clicked)
        self.check_button.clicked.connect(self.check)
        self.sign_button.clicked.connect(self.sign)
        self.print_button.clicked.connect(self.print_signed)
        self.buttons.rejected.connect(self.reject)
        self.alerts.reasons_changed.connect(self._update_buttons)
        self.form.changed.connect(self._update_buttons)
        self.resize(1060, 700)
        self.form.drug.setFocus()
        self._update_buttons()

    def _build(self) -> None:
        left = QWidget()
        left_box = QVBoxLayout(left)
        left_box.addWidget(self.form)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.add_button)
        left_box.addLayout(row)
        left_box.addStretch()
        batch_group = QGroupBox("To sign together")
        batch_box = QVBoxLayout(batch_group)
        batch_box.addWidget(self.batch)
        remove_row = QHBoxLayout()
        remove_row.addStretch()
        remove_row.addWidget(self.remove_button)
        batch_box.addLayout(remove_row)
        alert_group = QGroupBox("Safety checks")
        alert_box = QVBoxLayout(alert_group)
        alert_box.addWidget(self.alerts)
        right = QWidget()
        right_box = QVBoxLayout(right)
        right_box.setContentsMargins(0, 0, 0, 0)
        right_box.addWidget(batch_group, 2)
        right_box.addWidget(alert_group, 3)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([560, 500])
        layout = QVBoxLayout(self)
        layout.addWidget(self.banner)
        layout.addWidget(split, 1)
        layout.addWidget(self.status)
        layout.addWidget(self.buttons)

    # --- the batch --------------------------------------------------------------------

    def add_current(self) -> bool:
        """Move the form's prescription into the batch (False: an error is shown)."""
        checked = self.form.checked()
        if checked is None:
            return False
        data, values = checked
        product = " ".join(str(values[k]) for k in ("drug_name", "strength", "form") if values[k])
        label = f"{product}\n{values['sig']}\n{quantity_line(values)}"
        self.items.append(BatchItem(data, label))
        self.batch.addItem(label)
        self.form.reset()
        self._batch_changed()
        return True

    def _on_add_clicked(self) -> None:
        self.add_current()

    def _on_remove_clicked(self) -> None:
        row = self.batch.currentRow()
        if row < 0:
            return
        item = self.items.pop(row)
        self.batch.takeItem(row)
        if item.draft_id is not None:
            self._cancel_drafts([item.draft_id])
        self._batch_changed()

    def _batch_changed(self) -> None:
        self._checked = False
        self.alerts.clear()
        self._update_buttons()

    def _drug_names(self) -> dict[int, str]:
        return {i.draft_id: i.data.drug_name for i in self.items if i.draft_id is not None}

    def _ensure_drafts(self) -> list[int] | None:
        """Save the batch as drafts (the form's prescription too, if filled in)."""
        if self.form.drug.text().strip() and not self.add_current():
            return None
        if not self.items:
            self.status.setText("Add at least one prescription first.")
            return None
        for item in self.items:
            if item.draft_id is None:
                data = item.data
                row = self._ops.run(
                    lambda d=data: self._services.prescriptions.create_draft(  # type: ignore[misc]
                        self._actor, self.patient_id, d
                    ),
                    on_validation=self.form.show_error,
                )
                if row is None:
                    return None
                item.draft_id = row.id
        return [i.draft_id for i in self.items if i.draft_id is not None]

    # --- check, sign, print -----------------------------------------------------------

    def check(self) -> bool:
        """Run the safety checks on the batch and show their alerts."""
        ids = self._ensure_drafts()
        if ids is None:
            return False
        alerts = self._ops.run(lambda: self._services.prescriptions.check(self._actor, ids))
        if alerts is None:
            return False
        self.alerts.show_alerts(alerts, self._drug_names())
        self._checked = True
        self.status.setText("Checked. Review the alerts, then Sign." if alerts else "Checked.")
        self._update_buttons()
        return True

    def sign(self) -> bool:
        """Sign the batch with the override reasons typed; alerts stop it until reasons exist."""
        ids = self._ensure_drafts()
        if ids is None:
            return False
        reasons = self.alerts.reasons()
        try:
            rows = self._ops.run(
                lambda: self._services.prescriptions.sign(
                    self._actor, ids, override_reasons=reasons
                ),
                changes=self._changes,
                quiet=(SafetyOverrideRequired,),
            )
        except SafetyOverrideRequired as err:
            self.alerts.show_alerts(err.alerts, self._drug_names(), unresolved=err.unresolved)
            self._checked = True
            self.status.setText(err.message)
            self._update_buttons()
            return False
        if rows is None:
            return False
        self.signed = rows
        count = len(rows)
        self.status.setText(
            f"Signed {count} prescription{'s' if count != 1 else ''}: added to the medication "
            "list. Print them now, or close."
        )
        self._update_buttons()
        return True

    def print_signed(self) -> PdfPreviewDialog | None:
        """Build the signed prescriptions' PDF and show it with Print… and Save as…."""
        ids = [r.id for r in self.signed]
        if not ids:
            return None
        result = self._ops.run(
            lambda: self._services.rx_printing.prescriptions_pdf(self._actor, ids)
        )
        if result is None:
            return None
        preview = PdfPreviewDialog("Prescription", result, self)
        preview.open()
        return preview

    def _update_buttons(self, *_: Any) -> None:
        done = bool(self.signed)
        has_work = bool(self.items) or bool(self.form.drug.text().strip())
        for w in (self.form, self.add_button, self.batch, self.remove_button):
            w.setEnabled(not done)
        self.check_button.setEnabled(not done and has_work)
        self.sign_button.setEnabled(not done and has_work and not self.alerts.missing_reasons())
        self.print_button.setVisible(done)

    # --- leaving ------------------------------------------------------------------------

    def _cancel_drafts(self, ids: list[int]) -> None:
        for draft_id in ids:
            self._ops.run(
                lambda i=draft_id: self._services.prescriptions.cancel(  # type: ignore[misc]
                    self._actor, i, "not signed: removed from the batch"
                )
            )

    def reject(self) -> None:
        """Close (asking first when an unsigned batch or typed text would be lost); drafts
        saved for checking but never signed are cancelled, not left behind."""
        if not self.signed and not self.guard.may_close():
            return
        if not self.signed:
            self._cancel_drafts([i.draft_id for i in self.items if i.draft_id is not None])
        super().reject()
