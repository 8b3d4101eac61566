"""The lock screen: hides all patient data; the same user unlocks or another switches in."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (
    QFormLayout,
    QFrame,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.security import Actor
from emr_desktop.errors import EmrError, PasswordChangeRequired
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.ui.password_change import choose_new_password


class LockPage(QWidget):
    """Emits ``unlocked(actor)``: the same user, or whoever switched in."""

    unlocked = Signal(object)

    def __init__(self, auth: AuthService) -> None:
        super().__init__()
        self._auth = auth
        self._actor: Actor | None = None
        self.title = QLabel()
        self.title.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.password = QLineEdit()
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.password.setAccessibleName("Password to unlock")
        self.password.setPlaceholderText("Password")
        self.password.returnPressed.connect(self._on_unlock_clicked)
        unlock = QPushButton("&Unlock")
        unlock.clicked.connect(self._on_unlock_clicked)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.error.setAccessibleName("Unlock error")

        self.switch_user = QLineEdit()
        self.switch_user.setAccessibleName("Other user's username")
        self.switch_password = QLineEdit()
        self.switch_password.setEchoMode(QLineEdit.EchoMode.Password)
        self.switch_password.setAccessibleName("Other user's password")
        self.switch_password.returnPressed.connect(self._on_switch_clicked)
        switch = QPushButton("&Switch user")
        switch.clicked.connect(self._on_switch_clicked)
        switch_box = QFrame()
        switch_box.setFrameShape(QFrame.Shape.StyledPanel)
        form = QFormLayout(switch_box)
        form.addRow(QLabel("<b>Not you?</b> Log in as another user:"))
        form.addRow("Username", self.switch_user)
        form.addRow("Password", self.switch_password)
        form.addRow(switch)
        switch_box.setMaximumWidth(380)

        row = QHBoxLayout()
        row.addStretch()
        row.addWidget(self.password)
        row.addWidget(unlock)
        row.addStretch()
        self.password.setMaximumWidth(260)
        layout = QVBoxLayout(self)
        layout.addStretch(2)
        layout.addWidget(self.title)
        layout.addLayout(row)
        layout.addWidget(self.error)
        layout.addSpacing(24)
        layout.addWidget(switch_box, alignment=Qt.AlignmentFlag.AlignHCenter)
        layout.addStretch(3)

    def prepare(self, actor: Actor) -> None:
        """Show the lock screen for ``actor``."""
        self._actor = actor
        self.title.setText(
            f"<h2>Workstation locked</h2><p>{actor.full_name} ({actor.username}) — "
            "enter your password to continue.</p>"
        )
        for field in (self.password, self.switch_user, self.switch_password):
            field.clear()
        self.error.clear()
        self.password.setFocus()

    def _on_unlock_clicked(self) -> None:
        assert self._actor is not None
        try:
            actor = self._auth.unlock(self._actor, self.password.text())
        except EmrError as err:
            self.error.setText(err.message)
            self.password.clear()
            return
        self.unlocked.emit(actor)

    def _on_switch_clicked(self) -> None:
        try:
            actor = self._auth.login(self.switch_user.text(), self.switch_password.text())
        except PasswordChangeRequired:
            chosen = choose_new_password(
                self._auth, self.switch_user.text(), self.switch_password.text(), self
            )
            self.switch_password.clear()
            if chosen is not None:
                self.unlocked.emit(chosen)
            return
        except EmrError as err:
            self.error.setText(err.message)
            self.switch_password.clear()
            return
        self.unlocked.emit(actor)
