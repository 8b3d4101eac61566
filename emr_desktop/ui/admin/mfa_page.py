"""Admin ▸ Two-step login: which roles must use it, and turning it on or off for a user
(on: the QR code and recovery codes are shown once to hand over)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QPixmap
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPlainTextEdit,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.access import MfaEnrolment
from emr_desktop.domain.security import Actor, Role
from emr_desktop.domain.users import UserInfo
from emr_desktop.ui.admin import button, fit_columns, label, table_view
from emr_desktop.ui.admin.user_dialogs import ROLE_TITLES
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

MFA_COLUMNS: tuple[Column[UserInfo], ...] = (
    Column("Username", lambda u: u.username),
    Column("Full name", lambda u: u.full_name),
    Column("Role", lambda u: ROLE_TITLES[u.role]),
    Column("Two-step login", lambda u: "On" if u.mfa_enrolled else "Off"),
)


class HandOverDialog(QDialog):
    """A user's new enrolment, shown once: the QR code to scan and the recovery codes."""

    def __init__(self, enrolment: MfaEnrolment, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Two-step login for {enrolment.username}")
        intro = QLabel(
            f"Two-step login is now on for <b>{enrolment.username}</b>. Let them scan this "
            "code with their authenticator app now, and give them the recovery codes. "
            "Neither is shown again."
        )
        intro.setWordWrap(True)
        picture = QLabel()
        pixmap = QPixmap()
        pixmap.loadFromData(enrolment.qr_png, "PNG")
        picture.setPixmap(pixmap)
        picture.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.codes = QPlainTextEdit("\n".join(enrolment.recovery_codes))
        self.codes.setReadOnly(True)
        self.codes.setAccessibleName("Recovery codes")
        self.codes.setStyleSheet("font-family: monospace;")
        self.codes.setMinimumHeight(self.codes.fontMetrics().lineSpacing() * 11 + 12)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Done")
        buttons.accepted.connect(self.accept)
        layout = QVBoxLayout(self)
        for widget in (intro, picture, self.codes, buttons):
            layout.addWidget(widget)


class MfaPage(QWidget):
    """The practice's two-step login policy and each user's state."""

    def __init__(self, services: Services, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._services, self.actor, self._ops = services, actor, ops
        self.dialog: QDialog | None = None
        box = QGroupBox("Require two-step login for")
        row = QHBoxLayout(box)
        self.role_boxes: dict[Role, QCheckBox] = {}
        for role in Role:
            check = QCheckBox(ROLE_TITLES[role])
            self.role_boxes[role] = check
            row.addWidget(check)
        self.save_button = button("&Save requirement", "Save requirement", self.save_policy)
        row.addWidget(self.save_button)
        row.addStretch()
        self.on_button = button("Turn &on for user…", "Turn on for user", self.turn_on)
        self.off_button = button("Turn o&ff for user", "Turn off for user", self.turn_off)
        self.model: DtoTableModel[UserInfo] = DtoTableModel(MFA_COLUMNS)
        self.table = table_view("Two-step login of users")
        self.table.setModel(self.model)
        self.message = label(name="Last change", selectable=True)
        actions = QHBoxLayout()
        actions.addWidget(self.on_button)
        actions.addWidget(self.off_button)
        actions.addStretch()
        layout = QVBoxLayout(self)
        layout.addWidget(box)
        layout.addLayout(actions)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)

    def refresh(self) -> None:
        """Reload the policy and the users."""
        policy = self._ops.run(lambda: self._services.mfa.policy(self.actor))
        rows = self._ops.run(lambda: self._services.users.list(self.actor))
        if policy is None or rows is None:
            return
        for role, check in self.role_boxes.items():
            check.setChecked(role in policy.roles)
        self.model.set_rows(rows)
        fit_columns(self.table)

    def selected(self) -> UserInfo | None:
        """The user selected in the table."""
        rows = self.table.selectionModel().selectedRows()
        return self.model.row(rows[0].row()) if rows else None

    def save_policy(self) -> None:
        """Store which roles must use two-step login."""
        roles = frozenset(r for r, check in self.role_boxes.items() if check.isChecked())
        if self._ops.run(lambda: self._services.mfa.require_for(self.actor, roles)) is not None:
            names = ", ".join(ROLE_TITLES[r] for r in Role if r in roles) or "nobody"
            self.message.setText(f"Two-step login is now required for: {names}.")

    def turn_on(self) -> None:
        """Enrol the selected user and show the QR code and recovery codes once."""
        user = self.selected()
        if user is None:
            self.message.setText("Select a user first.")
            return
        enrolment = self._ops.run(lambda: self._services.mfa.enroll(self.actor, user.username))
        if enrolment is None:
            return
        self.dialog = HandOverDialog(enrolment, self)
        self.dialog.open()
        self.refresh()

    def turn_off(self) -> None:
        """Remove the selected user's second factor (a lost phone), after asking."""
        user = self.selected()
        if user is None or not user.mfa_enrolled:
            self.message.setText("Select a user whose two-step login is on.")
            return
        answer = QMessageBox.question(
            self,
            "Turn off two-step login",
            f"Turn off two-step login for {user.username}? Their password alone will log "
            "them in until it is set up again.",
        )
        if answer != QMessageBox.StandardButton.Yes:
            return
        if self._ops.run(lambda: self._services.mfa.remove(self.actor, user.username)) is None:
            self.message.setText(f"Two-step login turned off for {user.username}.")
        self.refresh()
