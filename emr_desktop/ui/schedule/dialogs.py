"""The schedule's dialogs as the day and week views call them: confirm a move, change,
cancel, override a conflict, print the day sheet."""

from __future__ import annotations

import datetime as dt
from html import escape

from PySide6.QtWidgets import (
    QButtonGroup,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QMessageBox,
    QRadioButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.chart import AppointmentRow
from emr_desktop.domain.security import Actor
from emr_desktop.errors import ValidationError
from emr_desktop.ui.context import Services
from emr_desktop.ui.discard import DiscardGuard
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.schedule.appointment_fields import when_words
from emr_desktop.ui.schedule.day_sheet_dialog import DaySheetDialog
from emr_desktop.ui.schedule.edit_dialog import EditAppointmentDialog
from emr_desktop.ui.schedule.override import ask_override, ask_scope, run_with_override

__all__ = [
    "CancelDialog",
    "ask_override",
    "ask_scope",
    "cancel_appointment",
    "confirm_move",
    "edit_appointment",
    "print_day_sheet",
    "run_with_override",
]

CANCEL_REASONS = (
    "Patient request",
    "Patient rescheduled",
    "Provider unavailable",
    "Weather or office closure",
    "Booked in error",
)


def confirm_move(
    parent: QWidget | None,
    appointment: AppointmentRow,
    new_start: dt.datetime,
    new_duration_min: int,
    new_provider_name: str | None,
) -> bool:
    """Ask before a drag moves or resizes: the patient, the old and the new time/provider."""
    a = appointment
    old = f"{when_words(a.start_at, a.duration_min)} with {a.provider}"
    new = f"{when_words(new_start, new_duration_min)} with {new_provider_name or a.provider}"
    verb = "Move" if new_start != a.start_at or new_provider_name else "Change the length of"
    box = QMessageBox(parent)
    box.setWindowTitle("Move appointment" if verb == "Move" else "Change length")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(f"{verb} the appointment of <b>{escape(a.patient_name)}</b>?")
    box.setInformativeText(f"From: {old}\nTo:     {new}")
    yes = box.addButton("&" + verb.split()[0], QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(yes)
    box.exec()
    return box.clickedButton() is yes


def edit_appointment(
    parent: QWidget | None,
    services: Services,
    actor: Actor,
    ops: Operations,
    appointment: AppointmentRow,
) -> AppointmentRow | None:
    """Change an appointment by dialog; its new row, or None if nothing was saved."""
    dialog = EditAppointmentDialog(services, actor, ops, appointment, parent)
    return dialog.changed if dialog.exec() else None


class CancelDialog(QDialog):
    """Cancel with a reason; for a series, this one or this and the following."""

    def __init__(
        self,
        services: Services,
        actor: Actor,
        ops: Operations,
        appointment: AppointmentRow,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.guard = DiscardGuard(self, "Discard the reason you typed?")
        self.setWindowTitle("Cancel appointment")
        self._services, self._actor, self._ops = services, actor, ops
        self.appointment = appointment
        self.cancelled: list[AppointmentRow] = []
        a = appointment
        self.reason = QComboBox()
        self.reason.setEditable(True)
        self.reason.setAccessibleName("Reason for cancelling")
        self.reason.addItems(["", *CANCEL_REASONS])
        edit = self.reason.lineEdit()
        if edit is not None:
            edit.setPlaceholderText("Required")
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        self.only_this = QRadioButton("&Only this appointment")
        self.following = QRadioButton("This and the &following ones in the series")
        self.only_this.setChecked(True)
        scope = QButtonGroup(self)
        scope.addButton(self.only_this)
        scope.addButton(self.following)
        form = QFormLayout()
        form.addRow(
            "Patient", QLabel(f"<b>{escape(a.patient_name)}</b> · MRN {escape(a.patient_mrn)}")
        )
        form.addRow("When", QLabel(f"{when_words(a.start_at, a.duration_min)} with {a.provider}"))
        form.addRow("Reason *", self.reason)
        form.addRow("", self.error)
        if a.series_id is not None:
            form.addRow("Repeats", self.only_this)
            form.addRow("", self.following)
        buttons = QDialogButtonBox()
        confirm = buttons.addButton("&Cancel appointment", QDialogButtonBox.ButtonRole.AcceptRole)
        confirm.setDefault(True)
        keep = buttons.addButton("&Keep it", QDialogButtonBox.ButtonRole.RejectRole)
        keep.setAutoDefault(False)
        buttons.accepted.connect(self.save)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(buttons)
        self.setMinimumWidth(480)
        self.reason.setFocus()

    def reject(self) -> None:
        """Qt override (Esc, Cancel, the close box): ask before typed content is lost."""
        if self.guard.may_close():
            super().reject()

    def _show_error(self, err: ValidationError) -> None:
        if err.field != "reason":
            self._ops.show_error(err)
            return
        self.error.setText(f"A reason is required ({err.reason}).")
        self.error.show()
        self.reason.setFocus()

    def save(self) -> bool:
        """Cancel through the schedule service; the dialog closes when it worked."""
        a, following = self.appointment, self.following.isChecked()
        reason = self.reason.currentText()
        rows = self._ops.run(
            lambda: self._services.schedule.cancel_series(
                self._actor,
                a.id,
                reason,
                this_and_following=following and a.series_id is not None,
                expected_version=a.version,
            ),
            changes=f"chart:{a.patient_id}",
            on_validation=self._show_error,
        )
        if not rows:
            return False
        self.cancelled = rows
        self.accept()
        return True


def cancel_appointment(
    parent: QWidget | None,
    services: Services,
    actor: Actor,
    ops: Operations,
    appointment: AppointmentRow,
) -> bool:
    """Cancel with a required reason (one or this-and-following); True when cancelled."""
    dialog = CancelDialog(services, actor, ops, appointment, parent)
    return bool(dialog.exec()) and bool(dialog.cancelled)


def print_day_sheet(
    parent: QWidget | None,
    services: Services,
    actor: Actor,
    ops: Operations,
    day: dt.date,
    provider_ids: list[int],
) -> None:
    """Build the day sheet (audited), preview it, then Print or Save As."""
    pdf = ops.run(lambda: services.day_sheet.pdf(actor, day, provider_ids or None))
    if pdf is None:
        return
    DaySheetDialog(pdf, day, parent).exec()
