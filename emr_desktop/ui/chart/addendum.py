"""The addendum dialog of a signed note: the patient's header, the text (Tab moves on to
the buttons, Ctrl+Enter adds), and a question before typed text is thrown away."""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QLabel,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.ui.discard import DiscardGuard
from emr_desktop.ui.patient_header import patient_header


class AddendumDialog(QDialog):
    """Type an addendum; window-modal, so a lock or switch user keeps what is typed."""

    def __init__(self, patient_id: int, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle("Addendum")
        self.guard = DiscardGuard(self, "Discard the addendum you typed?")
        self.header = patient_header(parent, patient_id)
        label = QLabel("&Text of the addendum:")
        self.text = QPlainTextEdit()
        self.text.setAccessibleName("Text of the addendum")
        self.text.setTabChangesFocus(True)  # Tab moves to the buttons, never types a tab
        label.setBuddy(self.text)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        ok.setText("&Add addendum")
        ok.setToolTip("Add the addendum (Ctrl+Enter)")
        ok.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.header)
        layout.addWidget(label)
        layout.addWidget(self.text, 1)
        layout.addWidget(self.buttons)
        self.resize(560, 360)
        for keys in ("Ctrl+Return", "Ctrl+Enter"):
            QShortcut(QKeySequence(keys), self, self.accept)
        self.text.setFocus()

    def accept(self) -> None:
        """Add only when something was typed."""
        if self.text.toPlainText().strip():
            super().accept()

    def reject(self) -> None:
        """Qt override (Esc, Cancel, the close box): ask before typed content is lost."""
        if self.guard.may_close():
            super().reject()


def ask_addendum(
    patient_id: int, parent: QWidget, on_text: Callable[[str], None]
) -> AddendumDialog:
    """Open the addendum dialog (window-modal); ``on_text`` gets the text when added."""
    dialog = AddendumDialog(patient_id, parent)

    def finished(result: int) -> None:
        if result == QDialog.DialogCode.Accepted:
            on_text(dialog.text.toPlainText())
        dialog.deleteLater()

    dialog.finished.connect(finished)
    dialog.open()
    return dialog
