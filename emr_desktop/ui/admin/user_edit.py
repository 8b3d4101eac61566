"""The manager's edits of an existing account: change name and role; confirm a disable."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.security import Actor, Role
from emr_desktop.domain.users import UserInfo
from emr_desktop.errors import EmrError
from emr_desktop.services.practice.users import UserService
from emr_desktop.ui.admin.user_dialogs import ROLE_TITLES


class EditUserDialog(QDialog):
    """Full name and role of one user; ``saved`` after the change is stored."""

    saved = Signal()

    def __init__(self, service: UserService, actor: Actor, user: UserInfo, parent: QWidget):
        super().__init__(parent)
        self._service, self._actor, self._user = service, actor, user
        self.setWindowTitle(f"Change name or role – {user.username}")
        self.setMinimumWidth(440)
        self.full_name = QLineEdit(user.full_name)
        self.full_name.setAccessibleName("Full name")
        self.full_name.setMaxLength(200)
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for role, title in ROLE_TITLES.items():
            self.role.addItem(title, role)
        self.role.setCurrentIndex(self.role.findData(user.role))
        note = QLabel(
            "A new role takes effect at once: if they are logged in, they are asked to "
            "log in again."
        )
        note.setWordWrap(True)
        self.error = QLabel()
        self.error.setAccessibleName("Edit user error")
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.hide()
        form = QFormLayout()
        form.addRow("&Full name", self.full_name)
        form.addRow("&Role", self.role)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel
        )
        buttons.accepted.connect(self._on_buttons_accepted)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(note)
        layout.addWidget(self.error)
        layout.addWidget(buttons)

    def _changed(self) -> bool:
        return (
            self.full_name.text().strip() != self._user.full_name
            or self.role.currentData() is not self._user.role
        )

    def _on_buttons_accepted(self) -> None:
        role: Role = self.role.currentData()
        try:
            self._service.update(
                self._actor, self._user.username, full_name=self.full_name.text(), role=role
            )
        except EmrError as err:
            self.error.setText(err.message)
            self.error.show()
            return
        self.saved.emit()
        self.accept()

    def reject(self) -> None:
        """Cancel; asks first when something was changed."""
        if self._changed():
            answer = QMessageBox.question(self, "Discard?", "Discard the changes you made?")
            if answer != QMessageBox.StandardButton.Yes:
                return
        super().reject()


def confirm_disable(parent: QWidget, service: UserService, actor: Actor, user: UserInfo) -> bool:
    """Ask before disabling; a provider's upcoming appointments are counted and kept."""
    text = f"Disable {user.full_name} ({user.username})? They can no longer log in."
    if user.role is Role.PHYSICIAN:
        try:
            count = service.upcoming_appointments(actor, user.username)
        except EmrError:
            count = 0
        if count:
            text += (
                f"\n\n{user.full_name} has {count} upcoming appointment"
                f"{'s' if count != 1 else ''}. They stay on the schedule in "
                f"{user.full_name}'s column, marked for rebooking, until the front desk "
                "moves or cancels them."
            )
    answer = QMessageBox.question(
        parent,
        "Disable user",
        text,
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.No,
    )
    return answer == QMessageBox.StandardButton.Yes
