"""Dialogs of the Users page: add a user, reset a password (typed or one-time)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLineEdit,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.security import Actor, Role
from emr_desktop.domain.users import UserInfo
from emr_desktop.errors import DuplicateError, ValidationError
from emr_desktop.services.practice.users import UserService
from emr_desktop.ui.admin import (
    FieldErrors,
    button,
    label,
    set_tab_order,
)
from emr_desktop.ui.ops import Operations

ROLE_TITLES = {
    Role.RECEPTIONIST: "Receptionist",
    Role.NURSE: "Nurse",
    Role.PHYSICIAN: "Physician",
    Role.ADMIN: "Administrator",
}
_ROLE_HINTS = {
    Role.RECEPTIONIST: "patient details and the schedule",
    Role.NURSE: "intake, vitals, allergies, draft notes; no signing or prescribing",
    Role.PHYSICIAN: "all clinical work, signing notes, prescribing",
    Role.ADMIN: "users, audit report, backups, settings; no clinical content",
}


class _PasswordDialog(QDialog):
    """A form that ends in a password, then (for a one-time one) shows it once."""

    saved = Signal()

    def __init__(self, title: str, parent: QWidget) -> None:
        super().__init__(parent)
        self.setWindowTitle(title)
        self._ops = Operations(self)
        self.errors = FieldErrors(self._ops)
        self.one_time_password: str | None = None
        self.form = QFormLayout()
        self.one_time = QCheckBox(
            "Make a &one-time password (they choose their own at first login)"
        )
        self.one_time.setAccessibleName("Make a one-time password")
        self.one_time.setChecked(True)
        self.password = QLineEdit()
        self.password.setAccessibleName("Password")
        self.password.setEchoMode(QLineEdit.EchoMode.Password)
        self.confirm = QLineEdit()
        self.confirm.setAccessibleName("Password again")
        self.confirm.setEchoMode(QLineEdit.EchoMode.Password)
        self.one_time.toggled.connect(self._on_one_time_toggled)
        self._on_one_time_toggled(True)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel
        )
        self.buttons.accepted.connect(self._on_buttons_accepted)
        self.buttons.rejected.connect(self.reject)

        self.otp_note = label(name="About the one-time password")
        self.otp_field = QLineEdit()
        self.otp_field.setReadOnly(True)
        self.otp_field.setAccessibleName("One-time password")
        self.otp_field.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.otp_hint = label(
            "It is shown only this once and is not stored anywhere you can see it again. "
            "They must choose their own password when they first log in with it.",
            "One-time password note",
        )
        done = button("&Done", "Done", self.accept)
        done.setDefault(True)
        done_page = QWidget()
        done_box = QVBoxLayout(done_page)
        done_box.addWidget(self.otp_note)
        done_box.addWidget(self.otp_field)
        done_box.addWidget(self.otp_hint)
        done_box.addStretch()
        done_box.addWidget(done, 0, Qt.AlignmentFlag.AlignRight)
        self.done_button = done

        form_page = QWidget()
        form_box = QVBoxLayout(form_page)
        form_box.addLayout(self.form)
        form_box.addStretch()
        form_box.addWidget(self.buttons)
        self.pages = QStackedWidget()
        self.pages.addWidget(form_page)
        self.pages.addWidget(done_page)
        layout = QVBoxLayout(self)
        layout.addWidget(self.pages)
        self.setMinimumWidth(480)

    def add_password_rows(self) -> None:
        """The one-time choice and the two password fields (after the subclass's fields)."""
        self.form.addRow(self.one_time)
        self.errors.row(self.form, "&Password", self.password, "password", "new password")
        self.errors.row(self.form, "Password a&gain", self.confirm, "password again")

    def _on_one_time_toggled(self, checked: bool) -> None:
        for edit in (self.password, self.confirm):
            edit.setEnabled(not checked)
            if checked:
                edit.clear()

    def _chosen_password(self) -> str | None:
        if self.one_time.isChecked():
            return None
        if not self.password.text():
            raise ValidationError("password", "is required (or tick the one-time password box)")
        if self.password.text() != self.confirm.text():
            raise ValidationError("password again", "does not match the password")
        return self.password.text()

    def save(self, password: str | None) -> tuple[str, str | None]:
        """Do the work; return (whose password it is, the one-time password or None)."""
        raise NotImplementedError

    def _on_buttons_accepted(self) -> None:
        self.errors.clear()
        try:
            password = self._chosen_password()
        except ValidationError as err:
            self.errors.show(err)
            return
        try:
            outcome = self._ops.run(
                lambda: self.save(password),
                changes="users",
                on_validation=self.errors.show,
                quiet=(DuplicateError,),
            )
        except DuplicateError as err:
            self.errors.show(ValidationError("username", err.message))
            return
        if outcome is None:
            return
        self.saved.emit()
        who, otp = outcome
        if otp is None:
            self.accept()
            return
        self.one_time_password = otp
        self.otp_note.setText(f"Give this one-time password to {who}:")
        self.otp_field.setText(otp)
        self.pages.setCurrentIndex(1)
        self.otp_field.setFocus()
        self.otp_field.selectAll()


class AddUserDialog(_PasswordDialog):
    """Add a user: username, full name, role and a password or a one-time password."""

    def __init__(self, service: UserService, actor: Actor, parent: QWidget) -> None:
        super().__init__("Add a user", parent)
        self._service = service
        self._actor = actor
        self.username = QLineEdit()
        self.username.setAccessibleName("Username")
        self.username.setPlaceholderText("e.g. jsmith: letters, digits, . _ -")
        self.full_name = QLineEdit()
        self.full_name.setAccessibleName("Full name")
        self.full_name.setPlaceholderText("as printed on documents, e.g. Jane Smith, MD")
        self.role = QComboBox()
        self.role.setAccessibleName("Role")
        for role in (Role.RECEPTIONIST, Role.NURSE, Role.PHYSICIAN, Role.ADMIN):
            self.role.addItem(f"{ROLE_TITLES[role]} – {_ROLE_HINTS[role]}", role.value)
        self.errors.row(self.form, "&Username", self.username, "username")
        self.errors.row(self.form, "&Full name", self.full_name, "full_name")
        self.errors.row(self.form, "&Role", self.role, "role")
        self.add_password_rows()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Add user")
        set_tab_order(
            [self.username, self.full_name, self.role, self.one_time, self.password, self.confirm]
        )
        self.username.setFocus()

    def save(self, password: str | None) -> tuple[str, str | None]:
        """Add the user."""
        result = self._service.add(
            self._actor,
            username=self.username.text(),
            full_name=self.full_name.text(),
            role=Role(self.role.currentData()),
            password=password,
        )
        return f"{result.user.full_name} ({result.user.username})", result.one_time_password


class ResetPasswordDialog(_PasswordDialog):
    """Give a user a new password (one-time or chosen); this also clears a lockout."""

    def __init__(self, service: UserService, actor: Actor, user: UserInfo, parent: QWidget):
        super().__init__(f"Reset the password of {user.full_name}", parent)
        self._service = service
        self._actor = actor
        self._user = user
        self.form.addRow(
            label(
                f"<b>{user.full_name}</b> ({user.username}) will need the new password to log "
                "in. Their old password stops working at once.",
                "About resetting",
            )
        )
        self.add_password_rows()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText("&Reset password")
        set_tab_order([self.one_time, self.password, self.confirm])
        self.one_time.setFocus()

    def save(self, password: str | None) -> tuple[str, str | None]:
        """Reset the password."""
        otp = self._service.reset_password(self._actor, self._user.username, password)
        return f"{self._user.full_name} ({self._user.username})", otp
