"""Conflicts overridden with a reason, and the "this one or this and following" question."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TypeVar

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QLineEdit,
    QListWidget,
    QMessageBox,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.schedule import ConflictWarning, SchedulingConflict
from emr_desktop.errors import ValidationError
from emr_desktop.ui.discard import DiscardGuard
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.schedule.appointment_fields import conflict_lines

T = TypeVar("T")


class OverrideDialog(QDialog):
    """Lists each conflict in plain words and asks why the time should be used anyway."""

    def __init__(self, warnings: Sequence[ConflictWarning], parent: QWidget | None) -> None:
        super().__init__(parent)
        self.guard = DiscardGuard(self, "Discard the reason you typed?")
        self.setWindowTitle("This time is not free")
        intro = QLabel(
            "The schedule has these conflicts. Choose another time, or give a reason to "
            "book anyway (the reason is kept with the appointment and in the audit log)."
        )
        intro.setWordWrap(True)
        self.conflicts = QListWidget()
        self.conflicts.setAccessibleName("Conflicts")
        self.conflicts.addItems([f"• {line}" for line in conflict_lines(warnings)])
        self.conflicts.setWordWrap(True)
        self.conflicts.setSpacing(3)
        self.reason = QLineEdit()
        self.reason.setAccessibleName("Override reason")
        self.reason.setPlaceholderText("e.g. urgent, approved by Dr Okafor")
        self.reason.setMaxLength(300)
        self.reason.textChanged.connect(self._on_reason_text_changed)
        self.buttons = QDialogButtonBox()
        self.override = QPushButton("&Book anyway")
        self.override.setEnabled(False)
        self.override.setDefault(True)
        self.buttons.addButton(self.override, QDialogButtonBox.ButtonRole.AcceptRole)
        back = self.buttons.addButton(
            "&Choose another time", QDialogButtonBox.ButtonRole.RejectRole
        )
        back.setAutoDefault(False)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.conflicts, 1)
        layout.addWidget(QLabel("Reason for overriding *"))
        layout.addWidget(self.reason)
        layout.addWidget(self.buttons)
        self.resize(560, 300)
        self.reason.setFocus()

    def reject(self) -> None:
        """Qt override (Esc, Cancel, the close box): ask before typed content is lost."""
        if self.guard.may_close():
            super().reject()

    def _on_reason_text_changed(self, text: str) -> None:
        self.override.setEnabled(bool(text.strip()))

    def reason_text(self) -> str:
        """The reason typed (trimmed)."""
        return self.reason.text().strip()


def ask_override(parent: QWidget | None, warnings: Sequence[ConflictWarning]) -> str | None:
    """The override reason the user gives, or None when they choose another time."""
    dialog = OverrideDialog(warnings, parent)
    if dialog.exec() != QDialog.DialogCode.Accepted or not dialog.reason_text():
        return None
    return dialog.reason_text()


def run_with_override(
    parent: QWidget | None,
    ops: Operations,
    call: Callable[[str | None], T],
    *,
    changes: str | None = None,
    on_validation: Callable[[ValidationError], None] | None = None,
) -> T | None:
    """Run ``call(None)``; on a SchedulingConflict show the conflicts and, given a reason,
    run ``call(reason)`` (the service audits the override). None if the user gives up or
    the call failed (ops told the user)."""
    try:
        return ops.run(
            lambda: call(None),
            changes=changes,
            on_validation=on_validation,
            quiet=(SchedulingConflict,),
        )
    except SchedulingConflict as conflict:
        reason = ask_override(parent, conflict.warnings)
    if reason is None:
        return None
    return ops.run(lambda: call(reason), changes=changes, on_validation=on_validation)


def ask_scope(parent: QWidget | None, verb: str) -> bool | None:
    """For a recurring appointment: True for "this and following", False for "this one
    only", None when the user cancels. ``verb`` is 'change' or 'cancel'."""
    box = QMessageBox(parent)
    box.setWindowTitle("Recurring appointment")
    box.setIcon(QMessageBox.Icon.Question)
    box.setText(f"This appointment repeats. Which appointments do you want to {verb}?")
    one = box.addButton("&Only this one", QMessageBox.ButtonRole.AcceptRole)
    following = box.addButton("This and &following", QMessageBox.ButtonRole.AcceptRole)
    box.addButton(QMessageBox.StandardButton.Cancel)
    box.setDefaultButton(one)
    box.exec()
    clicked = box.clickedButton()
    if clicked is one:
        return False
    if clicked is following:
        return True
    return None
