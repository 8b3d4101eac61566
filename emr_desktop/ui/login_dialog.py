"""The login dialog: username and password, with the demo credentials on a demo practice."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.security import Actor
from emr_desktop.errors import (
    EmrError,
    MfaCodeRequired,
    MfaEnrollmentRequired,
    PasswordChangeRequired,
)
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.ui.mfa_dialogs import EnrolDialog
from emr_desktop.ui.password_change import choose_new_password


class LoginDialog(QDialog):
    """Asks who is at the keyboard; ``actor`` holds the logged-in user after accept()."""

    def __init__(
        self,
        auth: AuthService,
        practice_name: str,
        *,
        demo_hint: str | None = None,
        username: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._auth = auth
        self.actor: Actor | None = None
        self.setWindowTitle(f"Log in – {practice_name}")
        self.setMinimumWidth(380)

        title = QLabel(f"<h2>{practice_name}</h2>")
        self._username = QLineEdit(username)
        self._username.setAccessibleName("Username")
        self._password = QLineEdit()
        self._password.setEchoMode(QLineEdit.EchoMode.Password)
        self._password.setAccessibleName("Password")
        self._error = QLabel()
        self._error.setWordWrap(True)
        self._error.setStyleSheet("color: #b00020;")
        self._error.setAccessibleName("Login error")
        self._error.hide()

        form = QFormLayout()
        form.addRow("&Username", self._username)
        form.addRow("&Password", self._password)
        self._form = form
        self.code: QLineEdit | None = None
        self.enrol_dialog: EnrolDialog | None = None
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Log in")
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        if demo_hint:
            hint = QLabel(demo_hint)
            hint.setWordWrap(True)
            hint.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            hint.setStyleSheet(
                "background: palette(alternate-base); border: 1px solid palette(mid);"
                "border-radius: 4px; padding: 8px;"
            )
            layout.addWidget(hint)
        layout.addLayout(form)
        layout.addWidget(self._error)
        layout.addWidget(buttons)
        (self._password if username else self._username).setFocus()

    def _show_code_field(self) -> None:
        """The second step: a field for the authenticator app's code (made when asked)."""
        if self.code is None:
            self.code = QLineEdit()
            self.code.setAccessibleName("Two-step code")
            self.code.setMaxLength(14)
            self._form.addRow("&Code", self.code)
        self.code.setFocus()

    def _on_buttons_accepted(self) -> None:
        username, password = self._username.text(), self._password.text()
        code = self.code.text().strip() or None if self.code is not None else None
        try:
            self.actor = self._auth.login(username, password, code)
        except PasswordChangeRequired:
            self.actor = choose_new_password(self._auth, username, password, self)
            if self.actor is None:
                self._password.clear()
                self._password.setFocus()
                return
        except MfaCodeRequired as err:
            self._error.setText(err.message)
            self._error.show()
            self._show_code_field()
            return
        except MfaEnrollmentRequired as err:
            self._enrol(username, password, err)
            return
        except EmrError as err:
            self._error.setText(err.message)
            self._error.show()
            self._password.clear()
            if self.code is not None:
                self.code.clear()
            self._password.setFocus()
            return
        self.accept()

    def _enrol(self, username: str, password: str, err: MfaEnrollmentRequired) -> None:
        """The practice requires a second step and this user has none yet: scan, type the
        first code, and that login turns it on."""

        def submit(code: str) -> str | None:
            try:
                self.actor = self._auth.login(username, password, code)
            except EmrError as refused:
                return refused.message
            return None

        dialog = EnrolDialog(err.qr_png, err.uri, submit, intro=err.message, parent=self)
        self.enrol_dialog = dialog
        if dialog.exec() == QDialog.DialogCode.Accepted and self.actor is not None:
            self.accept()
