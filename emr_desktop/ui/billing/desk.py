"""The front desk's Billing tab: find a patient, see the ledger and balance, take a
payment, print a receipt or statement, reverse an entry; the day's close-out; and, for
the manager, write-offs, refunds and the statements batch."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QMessageBox,
    QPushButton,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.billing import Ledger, LedgerEntry
from emr_desktop.domain.exports import ExportResult
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.ui.billing import BillingServices
from emr_desktop.ui.billing.closeout import CloseOutDialog
from emr_desktop.ui.billing.forms import PaymentForm, ReasonForm
from emr_desktop.ui.billing.tables import (
    LEDGER_COLUMNS,
    PatientHeader,
    amount_text,
    selected_row,
    table_view,
)
from emr_desktop.ui.chart.rx_print import PdfPreviewDialog
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import DtoTableModel


class BillingDesk(QWidget):
    """One patient's account at the front desk, found by name, DOB or MRN."""

    def __init__(self, services: Services, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._services = services
        self.billing = BillingServices(services.db)
        self._actor = actor
        self._ops = ops
        self.patient_id: int | None = None
        self.ledger: Ledger | None = None
        self.search = QLineEdit()
        self.search.setPlaceholderText("Find patient: name, date of birth or MRN")
        self.search.setAccessibleName("Find patient")
        self.search.returnPressed.connect(self._on_search)
        self.results = QListWidget()
        self.results.setAccessibleName("Patients found")
        self.results.currentItemChanged.connect(self._on_result_chosen)
        self.header = PatientHeader()
        self.model: DtoTableModel[LedgerEntry] = DtoTableModel(LEDGER_COLUMNS)
        self.table = table_view(self.model, "Ledger")
        self.balance = QLabel()
        self.balance.setAccessibleName("Balance")
        self.buttons: dict[str, QPushButton] = {}
        bar = QHBoxLayout()
        for key, text, slot, permission in (
            ("pay", "Take &payment…", self._on_pay, Permission.BILLING_PAYMENT),
            ("receipt", "&Receipt…", self._on_receipt, Permission.BILLING_VIEW),
            ("statement", "&Statement…", self._on_statement, Permission.BILLING_VIEW),
            ("reverse", "Re&verse entry…", self._on_reverse, Permission.BILLING_VIEW),
            ("write_off", "&Write off…", self._on_write_off, Permission.BILLING_ADJUST),
            ("refund", "Re&fund…", self._on_refund, Permission.BILLING_ADJUST),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            button.setVisible(actor.can(permission))
            self.buttons[key] = button
            bar.addWidget(button)
        bar.addStretch()
        closeout = QPushButton("Day &close-out…")
        closeout.clicked.connect(self._on_closeout)
        bar.addWidget(closeout)
        left = QWidget()
        left_layout = QVBoxLayout(left)
        left_layout.addWidget(self.search)
        left_layout.addWidget(self.results, 1)
        right = QWidget()
        right_layout = QVBoxLayout(right)
        top = QHBoxLayout()
        top.addWidget(self.header, 1)
        top.addWidget(self.balance)
        right_layout.addLayout(top)
        right_layout.addWidget(self.table, 1)
        right_layout.addLayout(bar)
        split = QSplitter()
        split.addWidget(left)
        split.addWidget(right)
        split.setSizes([260, 900])
        QVBoxLayout(self).addWidget(split)
        self._show()
        ops.data_changed.connect(self._on_data_changed)

    # --- finding and showing -------------------------------------------------
    def _on_search(self) -> None:
        text = self.search.text()
        found = self._ops.run(lambda: self._services.patients.search(self._actor, text, limit=50))
        self.results.clear()
        for p in found or []:
            item = QListWidgetItem(f"{p.display_name} · {p.birth_date:%m/%d/%Y} · {p.mrn}")
            item.setData(256, p.id)
            self.results.addItem(item)

    def _on_result_chosen(self, item: QListWidgetItem | None, _old: object = None) -> None:
        if item is not None:
            self.show_patient(int(item.data(256)))

    def show_patient(self, patient_id: int) -> None:
        """Load and show the patient's ledger (audited as a billing view)."""
        ledger = self._ops.run(lambda: self.billing.ledger.ledger(self._actor, patient_id))
        if ledger is not None:
            self.patient_id, self.ledger = patient_id, ledger
        self._show()

    def refresh(self) -> None:
        """Reload the ledger shown (F5)."""
        if self.patient_id is not None:
            self.show_patient(self.patient_id)

    def _on_data_changed(self, what: str) -> None:
        if what == "billing":
            self.refresh()

    def _show(self) -> None:
        ledger = self.ledger
        self.header.show_patient(ledger.patient if ledger else None)
        self.model.set_rows(ledger.entries if ledger else [])
        if ledger is None:
            self.balance.setText("")
        else:
            word = "Balance due" if ledger.balance_cents >= 0 else "Credit"
            self.balance.setText(
                f"<span style='font-size:14pt'>{word}: <b>$ {amount_text(ledger.balance_cents)}"
                "</b></span>"
            )
        for button in self.buttons.values():
            button.setEnabled(ledger is not None)

    def selected_entry(self) -> LedgerEntry | None:
        """The ledger entry selected in the table."""
        row = selected_row(self.table)
        return self.model.row(row) if row is not None else None

    # --- actions ---------------------------------------------------------------
    def _preview(self, title: str, result: ExportResult | None) -> None:
        if result is not None:
            PdfPreviewDialog(title, result, self).exec()

    def _on_pay(self) -> None:
        pid = self.patient_id
        if pid is None:
            return
        form = PaymentForm(
            self._ops,
            self,
            lambda data, _r: self.billing.ledger.take_payment(self._actor, pid, data),
        )
        if form.exec() and isinstance(form.result_value, LedgerEntry):
            answer = QMessageBox.question(self, "Receipt", "Print a receipt for this payment?")
            if answer == QMessageBox.StandardButton.Yes:
                entry_id = form.result_value.id
                self._preview(
                    "Receipt",
                    self._ops.run(lambda: self.billing.documents.receipt(self._actor, entry_id)),
                )

    def _on_receipt(self) -> None:
        entry = self.selected_entry()
        if entry is None or entry.kind.value != "payment":
            QMessageBox.information(self, "Receipt", "Select a payment in the ledger first.")
            return
        self._preview(
            "Receipt", self._ops.run(lambda: self.billing.documents.receipt(self._actor, entry.id))
        )

    def _on_statement(self) -> None:
        pid = self.patient_id
        if pid is not None:
            self._preview(
                "Statement",
                self._ops.run(lambda: self.billing.documents.statement(self._actor, pid)),
            )

    def _on_reverse(self) -> None:
        entry = self.selected_entry()
        if entry is None:
            QMessageBox.information(self, "Reverse", "Select the entry to reverse first.")
            return
        ReasonForm(
            f"Reverse: {entry.description}",
            self._ops,
            self,
            lambda _a, why: self.billing.ledger.reverse(self._actor, entry.id, why),
            with_amount=False,
        ).exec()

    def _on_write_off(self) -> None:
        pid = self.patient_id
        if pid is not None:
            ReasonForm(
                "Write off",
                self._ops,
                self,
                lambda amount, why: self.billing.ledger.write_off(self._actor, pid, amount, why),
                with_amount=True,
            ).exec()

    def _on_refund(self) -> None:
        pid = self.patient_id
        if pid is not None:
            PaymentForm(
                self._ops,
                self,
                lambda data, why: self.billing.ledger.refund(self._actor, pid, data, why),
                refund=True,
            ).exec()

    def _on_closeout(self) -> None:
        CloseOutDialog(self.billing, self._actor, self._ops, self).exec()
