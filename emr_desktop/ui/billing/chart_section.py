"""The chart's Billing section (physicians): this patient's signed visits still to be
coded, the charges already made, Code visit, Superbill and reversing a wrong charge."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.billing import EntryKind, LedgerEntry, UncodedVisit
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.ui.billing import BillingServices
from emr_desktop.ui.billing.coding import TO_CODE_COLUMNS, open_coding
from emr_desktop.ui.billing.forms import ReasonForm
from emr_desktop.ui.billing.tables import LEDGER_COLUMNS, amount_text, selected_row, table_view
from emr_desktop.ui.chart.rx_print import PdfPreviewDialog
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import DtoTableModel

_CHARGE_KINDS = (EntryKind.CHARGE, EntryKind.REVERSAL)


class BillingSection(QWidget):
    """Coding this patient's visits; descriptions and amounts, no money taken here."""

    title = "Billing"

    def __init__(self, services: Services, actor: Actor, patient_id: int, ops: Operations) -> None:
        super().__init__()
        self.billing = BillingServices(services.db)
        self._actor, self.patient_id, self._ops = actor, patient_id, ops
        self.uncoded: DtoTableModel[UncodedVisit] = DtoTableModel(TO_CODE_COLUMNS)
        self.uncoded_table = table_view(self.uncoded, "Visits to be coded")
        self.charges: DtoTableModel[LedgerEntry] = DtoTableModel(LEDGER_COLUMNS)
        self.charges_table = table_view(self.charges, "Charges")
        self.balance = QLabel()
        self.balance.setAccessibleName("Balance")
        code = QPushButton("Co&de visit…")
        code.clicked.connect(self._on_code)
        code.setVisible(actor.can(Permission.BILLING_CODE))
        superbill = QPushButton("&Superbill…")
        superbill.clicked.connect(self._on_superbill)
        reverse = QPushButton("&Reverse charge…")
        reverse.clicked.connect(self._on_reverse)
        reverse.setVisible(actor.can(Permission.BILLING_CODE))
        top = QGroupBox("Signed visits to be coded")
        top_layout = QVBoxLayout(top)
        top_layout.addWidget(self.uncoded_table)
        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(code)
        top_layout.addLayout(row)
        bottom = QGroupBox("Charges")
        bottom_layout = QVBoxLayout(bottom)
        bottom_layout.addWidget(self.charges_table)
        row = QHBoxLayout()
        row.addWidget(self.balance)
        row.addStretch()
        row.addWidget(reverse)
        row.addWidget(superbill)
        bottom_layout.addLayout(row)
        layout = QVBoxLayout(self)
        layout.addWidget(top, 1)
        layout.addWidget(bottom, 2)
        self.refresh()

    def refresh(self) -> None:
        """Reload the visits to be coded and the charges."""
        pid = self.patient_id
        uncoded = self._ops.run(
            lambda: self.billing.coding.to_be_coded(self._actor, patient_id=pid)
        )
        ledger = self._ops.run(lambda: self.billing.ledger.ledger(self._actor, pid))
        self.uncoded.set_rows(uncoded or [])
        entries = [e for e in ledger.entries if e.kind in _CHARGE_KINDS] if ledger else []
        self.charges.set_rows(entries)
        if ledger is not None:
            self.balance.setText(f"Account balance: <b>$ {amount_text(ledger.balance_cents)}</b>")

    def save_drafts(self) -> None:
        """Nothing is typed here outside dialogs."""

    def _on_code(self) -> None:
        row = selected_row(self.uncoded_table)
        rows = self.uncoded.rows()
        if row is None and len(rows) == 1:
            row = 0
        if row is None:
            QMessageBox.information(self, "Code visit", "Select the visit to code first.")
            return
        visit = self.uncoded.row(row)
        if open_coding(self.billing, self._actor, self._ops, visit.encounter_id, self):
            self.refresh()

    def _on_superbill(self) -> None:
        row = selected_row(self.charges_table)
        visit = self.charges.row(row).encounter_id if row is not None else None
        pid = self.patient_id
        result = self._ops.run(lambda: self.billing.documents.superbill(self._actor, pid, visit))
        if result is not None:
            PdfPreviewDialog("Superbill", result, self).exec()

    def _on_reverse(self) -> None:
        row = selected_row(self.charges_table)
        if row is None:
            QMessageBox.information(self, "Reverse", "Select the charge to reverse first.")
            return
        entry = self.charges.row(row)
        form = ReasonForm(
            f"Reverse: {entry.description}",
            self._ops,
            self,
            lambda _a, why: self.billing.ledger.reverse(self._actor, entry.id, why),
            with_amount=False,
        )
        if form.exec():
            self.refresh()
