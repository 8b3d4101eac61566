"""Shared pieces of the clinical chart sections: the row table, forms with errors beside
their fields, an optional date field, and the confirm question."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from PySide6.QtCore import QDate, QModelIndex, QPersistentModelIndex, Qt
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractItemView,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QLabel,
    QMessageBox,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.errors import ValidationError
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

T = TypeVar("T")
_NO_DATE = QDate(1900, 1, 1)  # the special "not known" value of an optional date


class FadingTableModel(DtoTableModel[T]):
    """A DtoTableModel that greys out whole rows no longer in force (resolved, stopped)."""

    FADED = QColor("#7a7a7a")

    def __init__(self, columns: Sequence[Column[T]], faded: Callable[[T], bool]) -> None:
        super().__init__(columns)
        self._faded = faded

    def data(
        self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        """Qt override: the warning colour wins over grey."""
        value = super().data(index, role)
        if (
            value is None
            and role == Qt.ItemDataRole.ForegroundRole
            and index.isValid()
            and self._faded(self.row(index.row()))
        ):
            return QBrush(self.FADED)
        return value


def make_table(model: DtoTableModel[T], name: str, stretch: int) -> QTableView:
    """A read-only, single-row-selection table over ``model``; column ``stretch`` fills."""
    table = QTableView()
    table.setModel(model)
    table.setAccessibleName(name)
    table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    table.setAlternatingRowColors(True)
    table.verticalHeader().hide()
    header = table.horizontalHeader()
    header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
    header.setSectionResizeMode(stretch, QHeaderView.ResizeMode.Stretch)
    return table


def selected(table: QTableView, model: DtoTableModel[T]) -> T | None:
    """The DTO of the selected row, or None."""
    rows = table.selectionModel().selectedRows()
    return model.row(rows[0].row()) if rows else None


def date_edit(name: str, optional: bool, today: bool = True) -> QDateEdit:
    """A date field with a calendar; an optional one starts as "not known"."""
    edit = QDateEdit()
    edit.setAccessibleName(name)
    edit.setCalendarPopup(True)
    edit.setDisplayFormat("MM/dd/yyyy")
    edit.setMaximumDate(QDate.currentDate())
    if optional:
        edit.setMinimumDate(_NO_DATE)
        edit.setSpecialValueText("not known")
        edit.setDate(_NO_DATE)
    else:
        edit.setMinimumDate(QDate(1900, 1, 2))
        edit.setDate(QDate.currentDate() if today else QDate(1900, 1, 2))
    return edit


def date_of(edit: QDateEdit) -> dt.date | None:
    """The date in ``edit``, or None for "not known"."""
    q = edit.date()
    if q == _NO_DATE:
        return None
    return dt.date(q.year(), q.month(), q.day())


def set_date(edit: QDateEdit, value: dt.date | None) -> None:
    """Show ``value`` (None: "not known")."""
    edit.setDate(_NO_DATE if value is None else QDate(value.year, value.month, value.day))


def confirm(parent: QWidget, title: str, question: str) -> bool:
    """Ask a yes/no question; No is the default."""
    answer = QMessageBox.question(
        parent,
        title,
        question,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes


class FormDialog(QDialog):
    """A form whose service errors appear beside the field they name.

    Subclasses add rows with ``add_row`` (naming the field as the service names it in
    ValidationError) and implement ``call``; Save runs it through the chart's Operations
    so open views refresh.
    """

    def __init__(self, title: str, ops: Operations, changes: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._ops = ops
        self._changes = changes
        self._errors: dict[str, QLabel] = {}
        self._widgets: dict[str, QWidget] = {}
        self.result_value: object | None = None
        self.form = QFormLayout()
        self.form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self.save)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(self.form)
        layout.addWidget(self.buttons)
        self.setMinimumWidth(460)

    def add_row(self, label: str, widget: QWidget, *fields: str) -> None:
        """Add ``widget`` under ``label``; errors naming any of ``fields`` show below it."""
        if not widget.accessibleName():
            widget.setAccessibleName(label.rstrip(" *"))
        error = QLabel()
        error.setStyleSheet("color: #b00020;")
        error.setWordWrap(True)
        error.setAccessibleName(f"{label.rstrip(' *')} error")
        error.hide()
        holder = QWidget()
        box = QVBoxLayout(holder)
        box.setContentsMargins(0, 0, 0, 0)
        box.setSpacing(2)
        box.addWidget(widget)
        box.addWidget(error)
        self.form.addRow(label, holder)
        for field in fields:
            self._errors[field] = error
            self._widgets[field] = widget

    def error_text(self, field: str) -> str:
        """The error shown beside ``field`` ("" when none)."""
        label = self._errors.get(field)
        return label.text() if label is not None and label.isVisible() else ""

    def show_field_error(self, err: ValidationError) -> None:
        """Show ``err`` beside its field, or in a message box if it is not on this form."""
        label = self._errors.get(err.field)
        if label is None:
            self._ops.show_error(err)
            return
        label.setText(err.reason[:1].upper() + err.reason[1:])
        label.show()
        self._widgets[err.field].setFocus()

    def call(self) -> object:
        """The service call this form makes (raises the service's errors)."""
        raise NotImplementedError

    def save(self) -> bool:
        """Run the call; accept the dialog when it worked (errors stay on the form)."""
        for label in self._errors.values():
            label.hide()
        result = self._ops.run(
            self.call, changes=self._changes, on_validation=self.show_field_error
        )
        if result is None:
            return False
        self.result_value = result
        self.accept()
        return True
