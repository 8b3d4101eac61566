"""Admin > Appointment types: the kinds of visit the desk books, their usual length and
their colour on the schedule; a type no longer used is retired, never deleted."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.schedule import AppointmentTypeRow
from emr_desktop.domain.security import Actor
from emr_desktop.ui.admin import button, fit_columns, label, table_view
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

TYPE_COLUMNS: tuple[Column[AppointmentTypeRow], ...] = (
    Column("Type", lambda t: t.name),
    Column("Usual length", lambda t: f"{t.duration_min} min", lambda t: t.duration_min),
    Column("Colour", lambda t: t.color),
    Column("In use", lambda t: "yes" if t.active else "retired", strike=lambda t: not t.active),
)


class TypesModel(DtoTableModel[AppointmentTypeRow]):
    """The types table; the colour column shows a swatch of the colour."""

    def data(self, index: Any, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        """Qt override: a colour swatch beside the colour's code."""
        if role == Qt.ItemDataRole.DecorationRole and index.isValid() and index.column() == 2:
            return QColor(self.row(index.row()).color)
        return super().data(index, role)


class TypesPage(QWidget):
    """The practice's appointment types: pick one to change it, or add a new one."""

    def __init__(self, services: Services, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._schedule, self.actor, self._ops = services.schedule, actor, ops
        self.model = TypesModel(TYPE_COLUMNS)
        self.table = table_view("Appointment types")
        self.table.setModel(self.model)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._show_selected())
        self.name = QLineEdit()
        self.name.setAccessibleName("Type name")
        self.name.setMaxLength(60)
        self.minutes = QSpinBox()
        self.minutes.setAccessibleName("Usual length")
        self.minutes.setRange(5, 480)
        self.minutes.setSingleStep(5)
        self.minutes.setSuffix(" min")
        self.minutes.setValue(15)
        self.color = QLineEdit("#4E79A7")
        self.color.setAccessibleName("Colour")
        self.color.setMaxLength(7)
        self.color.textChanged.connect(self._paint_swatch)
        self.swatch = label(name="Colour sample")
        self.swatch.setFixedSize(48, 20)
        self.active = QCheckBox("In use (offered when booking)")
        self.active.setChecked(True)
        self.save_button = button("&Save type", "Save appointment type", self.save)
        self.new_button = button("&New type", "New appointment type", self.clear)
        self.message = label(name="Types message")
        box = QGroupBox("Type")
        form = QFormLayout(box)
        form.addRow("&Name", self.name)
        form.addRow("&Usual length", self.minutes)
        colour = QHBoxLayout()
        colour.addWidget(self.color)
        colour.addWidget(self.swatch)
        form.addRow("Colour", colour)
        form.addRow(self.active)
        buttons = QHBoxLayout()
        buttons.addWidget(self.new_button)
        buttons.addWidget(self.save_button)
        form.addRow(buttons)
        form.addRow(self.message)
        layout = QHBoxLayout(self)
        left = QVBoxLayout()
        left.addWidget(self.table)
        layout.addLayout(left, 3)
        layout.addWidget(box, 2, Qt.AlignmentFlag.AlignTop)
        self._editing: int | None = None
        self._paint_swatch(self.color.text())

    def refresh(self) -> None:
        """Reload the list (retired types included)."""
        rows = self._ops.run(
            lambda: self._schedule.appointment_types(self.actor, include_inactive=True)
        )
        if rows is None:
            return
        self.model.set_rows(rows)
        fit_columns(self.table)

    def _paint_swatch(self, text: str) -> None:
        ok = QColor.isValidColorName(text) and text.startswith("#") and len(text) == 7
        self.swatch.setStyleSheet(
            f"background: {text}; border: 1px solid #888;" if ok else "border: 1px dashed #888;"
        )

    def _show_selected(self) -> None:
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return
        t = self.model.row(rows[0].row())
        self._editing = t.id
        self.name.setText(t.name)
        self.minutes.setValue(t.duration_min)
        self.color.setText(t.color)
        self.active.setChecked(t.active)

    def clear(self) -> None:
        """Start a new type."""
        self.table.clearSelection()
        self._editing = None
        self.name.clear()
        self.minutes.setValue(15)
        self.active.setChecked(True)
        self.name.setFocus()

    def save(self) -> bool:
        """Add the new type, or save the changes to the selected one."""
        editing = self._editing
        saved = self._ops.run(
            lambda: self._schedule.save_appointment_type(
                self.actor,
                self.name.text(),
                self.minutes.value(),
                self.color.text(),
                type_id=editing,
                active=self.active.isChecked(),
            ),
            changes="schedule",
        )
        if saved is None:
            return False
        self.message.setText(f"{saved.name} saved.")
        self.refresh()
        self._editing = saved.id
        return True
