"""Choosing a new password: the fields the login screen shows for a one-time password, and
the "Change my password" dialog every user has (File menu)."""

from __future__ import annotations

from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.security import Actor
from emr_desktop.errors import EmrError, ValidationError
from emr_desktop.security.passwords import MIN_LENGTH
from emr_desktop.services.practice.auth import AuthService

RULES = (
    f"At least {MIN_LENGTH} characters, letters mixed with digits or symbols; "
    "not your username; not a common password."
)


def password_field(name: str) -> QLineEdit:
    """A hidden-text field with an accessible name."""
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    return edit


def new_password(first: QLineEdit, again: QLineEdit) -> str:
    """The new password when both entries agree (ValidationError otherwise)."""
    if not first.text():
        raise ValidationError("new password", "is required")
    if first.text() != again.text():
        raise ValidationError("repeat new password", "the two entries do not match")
    return first.text()


class ChangePasswordDialog(QDialog):
    """Current password, new password twice; ``actor`` is the new session after accept().

    With ``current`` given (a one-time password just typed at the login or lock screen)
    the current-password field is filled in and hidden.
    """

    def __init__(
        self,
        auth: AuthService,
        username: str,
        *,
        current: str | None = None,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._auth, self._username = auth, username
        self.actor: Actor | None = None
        self.setWindowTitle("Choose a new password" if current else "Change my password")
        self.setMinimumWidth(420)
        self.current = password_field("Current password")
        self.new = password_field("New password")
        self.again = password_field("Repeat new password")
        intro = QLabel(
            f"<b>{username}</b>: your password was set by the practice manager and "
            "works only once. Choose your own to continue."
            if current
            else f"Change the password of <b>{username}</b>."
        )
        intro.setWordWrap(True)
        hint = QLabel(RULES)
        hint.setStyleSheet("color: palette(mid);")
        hint.setWordWrap(True)
        self.error = QLabel()
        self.error.setAccessibleName("Password error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        if current is None:
            form.addRow("&Current password", self.current)
        else:
            self.current.setText(current)
        form.addRow("&New password", self.new)
        form.addRow("&Repeat new password", self.again)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Change password")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addLayout(form)
        layout.addWidget(hint)
        layout.addWidget(self.error)
        layout.addWidget(buttons)
        (self.new if current else self.current).setFocus()

    def _on_buttons_accepted(self) -> None:
        try:
            chosen = new_password(self.new, self.again)
            self.actor = self._auth.change_password(self._username, self.current.text(), chosen)
        except EmrError as err:
            self.error.setText(err.message)
            self.error.show()
            return
        self.accept()

    def reject(self) -> None:
        """Cancel; asks first when a new password has been typed."""
        typed = bool(self.new.text() or self.again.text())
        if typed:
            answer = QMessageBox.question(self, "Discard?", "Discard the new password you typed?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()


def choose_new_password(
    auth: AuthService, username: str, one_time: str, parent: QWidget | None
) -> Actor | None:
    """After a one-time password was accepted: ask for a new one; the new session, or None
    when the user gave up."""
    dialog = ChangePasswordDialog(auth, username, current=one_time, parent=parent)
    return dialog.actor if dialog.exec() == QDialog.DialogCode.Accepted else None
