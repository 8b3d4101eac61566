"""The manager's scheduled backups: destination, daily time, the history and the warning
when the last verified backup is too old. The running app makes the backups itself."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QTime
from PySide6.QtWidgets import (
    QFileDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QListWidget,
    QTimeEdit,
    QWidget,
)

from emr_desktop.domain.backup import BackupStatus
from emr_desktop.domain.security import Actor
from emr_desktop.errors import ValidationError
from emr_desktop.services.practice.backup_schedule import BackupScheduleService
from emr_desktop.ui.admin import FieldErrors, button, label, local_time
from emr_desktop.ui.admin.restore_dialog import size_text
from emr_desktop.ui.ops import Operations


class BackupScheduleBox(QGroupBox):
    """Set where and when the daily backup goes; see what was made and what went wrong."""

    def __init__(self, service: BackupScheduleService, actor: Actor, ops: Operations) -> None:
        super().__init__("Scheduled backups")
        self._service, self._actor, self._ops = service, actor, ops
        self.errors = FieldErrors(ops)
        self.destination = QLineEdit()
        self.destination.setAccessibleName("Backup destination folder")
        self.destination.setPlaceholderText("A USB disk or a network share, e.g. E:\\Backups")
        self.daily_at = QTimeEdit()
        self.daily_at.setAccessibleName("Daily backup time")
        self.daily_at.setDisplayFormat("HH:mm")
        self.daily_at.setTime(QTime(18, 30))
        self.warning = label(name="Backup warning")
        self.warning.setStyleSheet("color: #9a1c1c; font-weight: bold;")
        self.history = QListWidget()
        self.history.setAccessibleName("Backup history")
        self.history.setMaximumHeight(140)
        browse = button("Choose…", "Choose the backup folder", self._browse)
        self.save_button = button("&Save schedule", "Save the backup schedule", self.save)
        where = QWidget()
        row = QHBoxLayout(where)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.destination, 1)
        row.addWidget(browse)
        form = QFormLayout(self)
        form.addRow(
            label(
                "emr-desktop makes a verified backup here every day at this time while it is "
                "running (one computer makes it), keeps 14 daily, 8 weekly and 12 monthly "
                "copies, and warns here when the last good one is more than 2 days old.",
                "About scheduled backups",
            )
        )
        self.errors.row(form, "&Destination:", where, "destination")
        when = QWidget()
        when_row = QHBoxLayout(when)
        when_row.setContentsMargins(0, 0, 0, 0)
        when_row.addWidget(self.daily_at)
        when_row.addSpacing(12)
        when_row.addWidget(self.save_button)
        when_row.addStretch()
        self.errors.row(form, "Every day &at:", when, "daily_at")
        form.addRow(self.warning)
        form.addRow("History:", self.history)
        self.refresh()

    def _browse(self) -> None:
        chosen = QFileDialog.getExistingDirectory(self, "Backup folder", str(Path.home()))
        if chosen:
            self.destination.setText(chosen)

    def save(self) -> None:
        """Save the destination and time (both checked at once)."""
        self.errors.clear()
        at = self.daily_at.time().toString("HH:mm")
        if self._ops.run(
            lambda: self._service.set_schedule(self._actor, self.destination.text(), at),
            on_validation=self._show_errors,
        ):
            self.refresh()

    def _show_errors(self, err: ValidationError) -> None:
        """Every refused field beside itself (the service names them all at once)."""
        fields = err.field.split(", ")
        reasons = err.reason.split("; ")
        for name, reason in reversed(list(zip(fields, reasons, strict=False))):
            self.errors.show(ValidationError(name, reason.removeprefix(f"{name} ")))

    def refresh(self) -> None:
        """Reload the schedule, history and warning."""
        status = self._ops.run(lambda: self._service.status(self._actor))
        if status is not None:
            self.show_status(status)

    def show_status(self, status: BackupStatus) -> None:
        """Show one status (also used by tests)."""
        if status.schedule is not None:
            self.destination.setText(status.schedule.destination)
            hour, minute = (int(x) for x in status.schedule.daily_at.split(":"))
            self.daily_at.setTime(QTime(hour, minute))
        self.warning.setText(status.warning or "")
        self.warning.setVisible(bool(status.warning))
        self.history.clear()
        for run in status.history:
            state = "verified" if run.verified else f"FAILED: {run.problem}"
            kept = " (removed by retention)" if run.pruned else ""
            self.history.addItem(
                f"{local_time(run.started_at)}   {run.workstation}   "
                f"{size_text(run.bytes) if run.verified else ''}   {state}{kept}"
            )
        if not status.history:
            self.history.addItem("No scheduled backup has run yet.")
