"""Coding a signed visit (the physician): tick the services from the fee schedule with a
quantity, tick the visit's diagnoses they are for, Save. Also the "to be coded" list."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.billing import ChargeLine, DiagnosisOption, FeeRow, UncodedVisit
from emr_desktop.domain.display import datetime_text
from emr_desktop.domain.security import Actor
from emr_desktop.ui.billing import BillingServices
from emr_desktop.ui.billing.forms import BillingForm
from emr_desktop.ui.billing.tables import amount_text, selected_row, table_view
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel


def is_ticked(table: QTableWidget, row: int) -> bool:
    """Whether the first cell of ``row`` is ticked."""
    item = table.item(row, 0)
    return item is not None and item.checkState() == Qt.CheckState.Checked


def tick(table: QTableWidget, row: int) -> None:
    """Tick the first cell of ``row``."""
    item = table.item(row, 0)
    if item is not None:
        item.setCheckState(Qt.CheckState.Checked)


def _checkable(text: str) -> QTableWidgetItem:
    item = QTableWidgetItem(text)
    item.setFlags(Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsEnabled)
    item.setCheckState(Qt.CheckState.Unchecked)
    return item


class CodeVisitDialog(BillingForm):
    """The services and diagnoses of one signed visit."""

    def __init__(
        self,
        billing: BillingServices,
        actor: Actor,
        ops: Operations,
        encounter_id: int,
        fees: list[FeeRow],
        options: list[DiagnosisOption],
        parent: QWidget,
    ) -> None:
        super().__init__("Code the visit", ops, parent)
        self.fees, self.options = fees, options
        self.services = QTableWidget(len(fees), 3)
        self.services.setHorizontalHeaderLabels(["Service", "Price", "Quantity"])
        self.services.setAccessibleName("Services")
        self.quantities: list[QSpinBox] = []
        for row, fee in enumerate(fees):
            self.services.setItem(row, 0, _checkable(f"{fee.code}  {fee.description}"))
            price = QTableWidgetItem(amount_text(fee.price_cents))
            price.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.services.setItem(row, 1, price)
            spin = QSpinBox()
            spin.setRange(1, 99)
            self.quantities.append(spin)
            self.services.setCellWidget(row, 2, spin)
        self.services.resizeColumnsToContents()
        self.services.verticalHeader().hide()
        self.diagnoses = QTableWidget(len(options), 1)
        self.diagnoses.setHorizontalHeaderLabels(["Diagnosis (ICD-10-CM)"])
        self.diagnoses.setAccessibleName("Diagnoses")
        for row, o in enumerate(options):
            self.diagnoses.setItem(row, 0, _checkable(f"{o.code}  {o.description}"))
        self.diagnoses.horizontalHeader().setStretchLastSection(True)
        self.diagnoses.verticalHeader().hide()
        self.add_row("Services *", self.services, "services", "service 1")
        self.add_row("For diagnoses *", self.diagnoses, "diagnoses 1")
        self.setMinimumSize(640, 560)
        self._call = lambda: billing.coding.code_visit(actor, encounter_id, self.lines())

    def has_typed(self) -> bool:
        """Whether anything was ticked or changed (asked about before closing)."""
        ticked = any(
            is_ticked(t, r) for t in (self.services, self.diagnoses) for r in range(t.rowCount())
        )
        return ticked or super().has_typed()

    def check(self, service_codes: dict[str, int], diagnoses: list[str]) -> None:
        """Tick services (code -> quantity) and diagnoses, as a user would."""
        for row, fee in enumerate(self.fees):
            if fee.code in service_codes:
                tick(self.services, row)
                self.quantities[row].setValue(service_codes[fee.code])
        for row, o in enumerate(self.options):
            if o.code in diagnoses:
                tick(self.diagnoses, row)

    def lines(self) -> list[ChargeLine]:
        """One charge line per ticked service, each for every ticked diagnosis."""
        ticked = tuple(
            o.code for row, o in enumerate(self.options) if is_ticked(self.diagnoses, row)
        )
        return [
            ChargeLine(fee.code, ticked, self.quantities[row].value())
            for row, fee in enumerate(self.fees)
            if is_ticked(self.services, row)
        ]


def coding_dialog(
    billing: BillingServices, actor: Actor, ops: Operations, encounter_id: int, parent: QWidget
) -> CodeVisitDialog | None:
    """The coding dialog of a visit, with the fee schedule and the visit's diagnoses."""
    fees = ops.run(lambda: billing.fees.list(actor))
    options = ops.run(lambda: billing.coding.options(actor, encounter_id))
    if fees is None or options is None:
        return None
    return CodeVisitDialog(billing, actor, ops, encounter_id, fees, options, parent)


def open_coding(
    billing: BillingServices, actor: Actor, ops: Operations, encounter_id: int, parent: QWidget
) -> bool:
    """Show the coding dialog and wait; True when charges were saved."""
    dialog = coding_dialog(billing, actor, ops, encounter_id, parent)
    return dialog is not None and bool(dialog.exec())


TO_CODE_COLUMNS: list[Column[UncodedVisit]] = [
    Column("Visit", lambda v: datetime_text(v.occurred_at), lambda v: v.occurred_at),
    Column("Patient", lambda v: v.patient_name),
    Column("MRN", lambda v: v.mrn),
    Column("Kind", lambda v: v.kind),
    Column("Provider", lambda v: v.provider),
]


class ToBeCodedView(QWidget):
    """Signed visits without charges, newest first; Code opens the coding dialog."""

    open_patient = Signal(int)

    def __init__(self, billing: BillingServices, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._billing, self._actor, self._ops = billing, actor, ops
        self.model: DtoTableModel[UncodedVisit] = DtoTableModel(TO_CODE_COLUMNS)
        self.table = table_view(self.model, "Visits to be coded")
        self.count = QLabel()
        code = QPushButton("&Code visit…")
        code.clicked.connect(self._on_code)
        chart = QPushButton("Open c&hart")
        chart.clicked.connect(self._on_chart)
        bar = QHBoxLayout()
        bar.addWidget(self.count)
        bar.addStretch()
        bar.addWidget(chart)
        bar.addWidget(code)
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)
        ops.data_changed.connect(self._on_data_changed)

    def refresh(self) -> None:
        """Reload the list."""
        rows = self._ops.run(lambda: self._billing.coding.to_be_coded(self._actor))
        self.model.set_rows(rows or [])
        self.count.setText(f"{len(rows or [])} signed visits to be coded")

    def showEvent(self, event: QShowEvent) -> None:
        """Qt override: load when first shown."""
        super().showEvent(event)
        if not self.model.rows():
            self.refresh()

    def _on_data_changed(self, what: str) -> None:
        if what == "billing" or what.startswith("chart:"):
            self.refresh()

    def _chosen(self) -> UncodedVisit | None:
        row = selected_row(self.table)
        return self.model.row(row) if row is not None else None

    def _on_code(self) -> None:
        visit = self._chosen()
        if visit is not None:
            open_coding(self._billing, self._actor, self._ops, visit.encounter_id, self)

    def _on_chart(self) -> None:
        visit = self._chosen()
        if visit is not None:
            self.open_patient.emit(visit.patient_id)


def offer_coding(
    services: Services, actor: Actor, ops: Operations, encounter_id: int, parent: QWidget
) -> None:
    """After a physician signs a note: code the visit now (or later, from the list)?"""
    answer = QMessageBox.question(
        parent,
        "Code the visit",
        "The note is signed. Pick the visit's charges now?\n"
        "(Otherwise it waits on the \u201cto be coded\u201d list.)",
    )
    if answer == QMessageBox.StandardButton.Yes:
        dialog = coding_dialog(BillingServices(services.db), actor, ops, encounter_id, parent)
        if dialog is not None:
            dialog.open()  # window-modal, without blocking the note editor's signal


def to_be_coded_view(services: Services, actor: Actor, ops: Operations) -> ToBeCodedView:
    """The workspace's "To be coded" tab for physicians."""
    return ToBeCodedView(BillingServices(services.db), actor, ops)
