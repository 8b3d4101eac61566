"""The billing forms: payment, write-off, refund, reversal, fee and price. Errors appear
beside their fields (every bad field at once) and typed content is never lost unasked."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from PySide6.QtCore import QDate
from PySide6.QtWidgets import QComboBox, QDateEdit, QLineEdit, QWidget

from emr_desktop.domain.billing import PaymentInput, PaymentMethod
from emr_desktop.errors import ValidationError
from emr_desktop.ui.chart.form_kit import FormDialog
from emr_desktop.ui.ops import Operations

DISCARD = "Discard what you typed?"


class BillingForm(FormDialog):
    """A FormDialog that spreads a many-field ValidationError over its fields."""

    def __init__(self, title: str, ops: Operations, parent: QWidget) -> None:
        super().__init__(title, ops, "billing", parent, discard=DISCARD)
        self._call: Callable[[], object] = lambda: None

    def line(self, label: str, field: str, placeholder: str = "") -> QLineEdit:
        """Add a text field whose errors name ``field``."""
        edit = QLineEdit()
        edit.setPlaceholderText(placeholder)
        self.add_row(label, edit, field)
        return edit

    def show_field_error(self, err: ValidationError) -> None:
        """Show each field's reason beside it ('amount, method' / 'reason1; reason2')."""
        fields = err.field.split(", ")
        reasons = err.reason.split("; ")
        if len(fields) == len(reasons) and len(fields) > 1:
            for f, r in zip(fields, reasons, strict=True):
                super().show_field_error(ValidationError(f, r))
            return
        super().show_field_error(err)

    def call(self) -> object:
        """The service call the form was given."""
        return self._call()


def day_of(edit: QDateEdit) -> dt.date:
    """The date a date field shows."""
    d = edit.date()
    return dt.date(d.year(), d.month(), d.day())


def method_box() -> QComboBox:
    """Cash, card or cheque."""
    box = QComboBox()
    for m in PaymentMethod:
        box.addItem(m.value.capitalize(), m.value)
    return box


class PaymentForm(BillingForm):
    """Take a payment (or, for the manager, give a refund)."""

    def __init__(
        self,
        ops: Operations,
        parent: QWidget,
        save: Callable[[PaymentInput, str], object],
        *,
        refund: bool = False,
    ) -> None:
        super().__init__("Refund" if refund else "Take payment", ops, parent)
        self.amount = self.line("Amount *", "amount", "e.g. 40.00")
        self.method = method_box()
        self.add_row("Method *", self.method, "method")
        self.reference = self.line("Reference", "reference", "card authorisation, cheque no.")
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("MM/dd/yyyy")
        self.add_row("Date", self.day, "date")
        self.reason = self.line("Reason *", "reason") if refund else None

        def call() -> object:
            data = PaymentInput(
                self.amount.text(),
                str(self.method.currentData()),
                self.reference.text(),
                day_of(self.day),
            )
            return save(data, self.reason.text() if self.reason else "")

        self._call = call


class ReasonForm(BillingForm):
    """An amount (optional) and a reason: write-off, reversal."""

    def __init__(
        self,
        title: str,
        ops: Operations,
        parent: QWidget,
        save: Callable[[str, str], object],
        *,
        with_amount: bool,
    ) -> None:
        super().__init__(title, ops, parent)
        self.amount = self.line("Amount *", "amount") if with_amount else None
        self.reason = self.line("Reason *", "reason")
        self._call = lambda: save(self.amount.text() if self.amount else "", self.reason.text())


class FeeForm(BillingForm):
    """A new service, or a new price of one (code fixed)."""

    def __init__(
        self,
        ops: Operations,
        parent: QWidget,
        save: Callable[[str, str, str, dt.date], object],
        *,
        code: str = "",
    ) -> None:
        super().__init__("New price" if code else "Add a service", ops, parent)
        self.code = self.line("Code *", "code", "e.g. OV-EST")
        self.code.setText(code)
        self.code.setReadOnly(bool(code))
        self.description = None if code else self.line("Description *", "description")
        self.price = self.line("Price *", "price", "e.g. 125.00")
        self.day = QDateEdit(QDate.currentDate())
        self.day.setCalendarPopup(True)
        self.day.setDisplayFormat("MM/dd/yyyy")
        self.add_row("From", self.day, "effective_from")

        def call() -> object:
            desc = self.description.text() if self.description else ""
            return save(self.code.text(), desc, self.price.text(), day_of(self.day))

        self._call = call
