"""Two-step login in the app: the enrolment QR code, the recovery codes shown once, and
the user's own two-step settings (File ▸ Two-step login…)."""

from __future__ import annotations

import urllib.parse
from collections.abc import Callable

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.security import Actor
from emr_desktop.errors import EmrError, ValidationError
from emr_desktop.services.practice.mfa import MfaService
from emr_desktop.ui.ops import Operations


def _secret_of(uri: str) -> str:
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query).get("secret", [""])[0]
    return " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))


class EnrolDialog(QDialog):
    """Scan the QR code, type the app's first code. ``submit(code)`` returns an error
    message to show, or None when the code was taken (the dialog then accepts)."""

    def __init__(
        self,
        qr_png: bytes,
        uri: str,
        submit: Callable[[str], str | None],
        *,
        intro: str = "",
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self._submit = submit
        self.setWindowTitle("Set up two-step login")
        self.setMinimumWidth(420)
        text = QLabel(
            (intro + "<br><br>" if intro else "")
            + "1. Open an authenticator app on your phone (Google Authenticator, Microsoft "
            "Authenticator, FreeOTP …) and scan this code.<br>"
            "2. Type the 6-digit code the app then shows."
        )
        text.setWordWrap(True)
        picture = QLabel()
        pixmap = QPixmap()
        pixmap.loadFromData(qr_png, "PNG")
        picture.setPixmap(pixmap)
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        picture.setAccessibleName("Enrolment QR code")
        self.secret = _secret_of(uri)
        manual = QLabel(f"Cannot scan? Enter this key by hand: <b>{self.secret}</b>")
        manual.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        manual.setWordWrap(True)
        self.code = QLineEdit()
        self.code.setAccessibleName("Code from the app")
        self.code.setMaxLength(8)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.hide()
        form = QFormLayout()
        form.addRow("&Code from the app", self.code)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Turn on")
        self.buttons.accepted.connect(self._on_ok)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (text, picture, manual):
            layout.addWidget(widget)
        layout.addLayout(form)
        layout.addWidget(self.error)
        layout.addWidget(self.buttons)
        self.code.setFocus()

    def _on_ok(self) -> None:
        problem = self._submit(self.code.text())
        if problem is None:
            self.accept()
            return
        self.error.setText(problem)
        self.error.show()
        self.code.selectAll()

    def reject(self) -> None:
        """Ask before dropping a typed code."""
        if self.code.text().strip() and (
            QMessageBox.question(self, "Set up two-step login", "Stop setting up two-step login?")
            != QMessageBox.StandardButton.Yes
        ):
            return
        super().reject()


class RecoveryCodesDialog(QDialog):
    """The recovery codes, shown once: each works once instead of the app's code."""

    def __init__(self, codes: tuple[str, ...], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Recovery codes")
        self.setMinimumWidth(380)
        intro = QLabel(
            "Print or write down these codes and keep them somewhere safe. Each one works "
            "once, instead of the app's code, if you lose your phone. They are not shown again."
        )
        intro.setWordWrap(True)
        self.codes = QPlainTextEdit("\n".join(codes))
        self.codes.setReadOnly(True)
        self.codes.setAccessibleName("Recovery codes")
        self.codes.setStyleSheet("font-family: monospace; font-size: 14px;")
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("I have saved them")
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        layout.addWidget(intro)
        layout.addWidget(self.codes)
        layout.addWidget(buttons)


class TwoStepDialog(QDialog):
    """One's own two-step login: set it up, new recovery codes, or turn it off."""

    def __init__(
        self, mfa: MfaService, actor: Actor, ops: Operations, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self._mfa, self._actor, self._ops = mfa, actor, ops
        self.setWindowTitle("Two-step login")
        self.setMinimumWidth(380)
        self.state = QLabel()
        self.state.setWordWrap(True)
        self.setup_button = QPushButton("&Set up two-step login…")
        self.codes_button = QPushButton("&New recovery codes…")
        self.off_button = QPushButton("&Turn off two-step login")
        self.setup_button.clicked.connect(self._setup)
        self.codes_button.clicked.connect(self._new_codes)
        self.off_button.clicked.connect(self._turn_off)
        close = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        close.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        for widget in (self.state, self.setup_button, self.codes_button, self.off_button, close):
            layout.addWidget(widget)
        self._refresh()

    def _refresh(self) -> None:
        status = self._ops.run(lambda: self._mfa.status(self._actor))
        if status is None:
            return
        if status.enrolled:
            text = (
                f"Two-step login is <b>on</b>. {status.recovery_codes_left} recovery code(s) left."
            )
        else:
            text = "Two-step login is <b>off</b>: a password alone logs you in."
        if status.required:
            text += "<br>The practice requires it for your role."
        self.state.setText(text)
        self.setup_button.setVisible(not status.enrolled)
        self.codes_button.setVisible(status.enrolled)
        self.off_button.setVisible(status.enrolled and not status.required)

    def _setup(self) -> None:
        enrolment = self._ops.run(lambda: self._mfa.begin(self._actor))
        if enrolment is None:
            return
        codes: list[tuple[str, ...]] = []

        def submit(code: str) -> str | None:
            try:
                codes.append(self._mfa.confirm(self._actor, code))
            except ValidationError as err:  # a wrong code: shown in the dialog
                return err.reason
            except EmrError as err:
                return err.message
            return None

        dialog = EnrolDialog(enrolment.qr_png, enrolment.uri, submit, parent=self)
        if dialog.exec() == QDialog.DialogCode.Accepted and codes:
            RecoveryCodesDialog(codes[0], self).exec()
        self._refresh()

    def _new_codes(self) -> None:
        codes = self._ops.run(lambda: self._mfa.new_recovery_codes(self._actor))
        if codes:
            RecoveryCodesDialog(codes, self).exec()
        self._refresh()

    def _turn_off(self) -> None:
        if (
            QMessageBox.question(self, "Two-step login", "Turn off two-step login?")
            == QMessageBox.StandardButton.Yes
        ):
            self._ops.run(lambda: self._mfa.remove(self._actor, self._actor.username))
            self._refresh()
