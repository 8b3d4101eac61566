"""The Fees page of Admin: the fee schedule with today's prices; add a service, give it
a new price from a date (old charges keep theirs), retire or restore it."""

from __future__ import annotations

import datetime as dt

from PySide6.QtWidgets import QHBoxLayout, QMessageBox, QPushButton, QVBoxLayout, QWidget

from emr_desktop.domain.billing import FeeRow
from emr_desktop.domain.display import date_text
from emr_desktop.domain.security import Actor
from emr_desktop.ui.billing import BillingServices
from emr_desktop.ui.billing.forms import FeeForm
from emr_desktop.ui.billing.tables import amount_text, selected_row, table_view
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

FEE_COLUMNS: list[Column[FeeRow]] = [
    Column("Code", lambda f: f.code),
    Column("Description", lambda f: f.description, strike=lambda f: not f.active),
    Column("Price", lambda f: amount_text(f.price_cents), align_right=True),
    Column("Since", lambda f: date_text(f.effective_from)),
    Column("Status", lambda f: "offered" if f.active else "retired", warn=lambda f: not f.active),
]


class FeesPage(QWidget):
    """The practice manager's fee schedule."""

    def __init__(self, services: Services, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self.billing = BillingServices(services.db)
        self._actor, self._ops = actor, ops
        self.model: DtoTableModel[FeeRow] = DtoTableModel(FEE_COLUMNS)
        self.table = table_view(self.model, "Fee schedule")
        bar = QHBoxLayout()
        for text, slot in (
            ("&Add a service…", self._on_add),
            ("New &price…", self._on_price),
            ("&Retire / restore", self._on_toggle),
        ):
            button = QPushButton(text)
            button.clicked.connect(slot)
            bar.addWidget(button)
        bar.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(self.table, 1)
        layout.addLayout(bar)

    def refresh(self) -> None:
        """Reload the schedule (retired services too)."""
        rows = self._ops.run(lambda: self.billing.fees.list(self._actor, include_inactive=True))
        self.model.set_rows(rows or [])

    def _chosen(self) -> FeeRow | None:
        row = selected_row(self.table)
        if row is None:
            QMessageBox.information(self, "Fees", "Select a service first.")
            return None
        return self.model.row(row)

    def _on_add(self) -> None:
        def save(code: str, desc: str, price: str, day: dt.date) -> object:
            return self.billing.fees.add(self._actor, code, desc, price, effective_from=day)

        if FeeForm(self._ops, self, save).exec():
            self.refresh()

    def _on_price(self) -> None:
        fee = self._chosen()
        if fee is None:
            return

        def save(code: str, _desc: str, price: str, day: dt.date) -> object:
            return self.billing.fees.set_price(self._actor, code, price, effective_from=day)

        if FeeForm(self._ops, self, save, code=fee.code).exec():
            self.refresh()

    def _on_toggle(self) -> None:
        fee = self._chosen()
        if fee is None:
            return
        done = self._ops.run(
            lambda: self.billing.fees.set_active(self._actor, fee.code, not fee.active),
            changes="billing",
        )
        if done is not None:
            self.refresh()
