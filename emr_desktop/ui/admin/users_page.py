"""Users and roles: add a user, disable or enable, reset a password, clear a lockout."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt, Signal
from PySide6.QtGui import QFontDatabase
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QLineEdit,
    QMessageBox,
    QStackedWidget,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.security import Actor, Role, UserStatus
from emr_desktop.domain.users import UserInfo
from emr_desktop.errors import DuplicateError, ValidationError
from emr_desktop.services.users import UserService
from emr_desktop.ui.admin import (
    FieldErrors,
    button,
    fit_columns,
    label,
    local_time,
    name_key,
    sentence,
    set_tab_order,
    table_view,
)
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel

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


def user_status(u: UserInfo) -> str:
    """How the table describes an account's state."""
    if u.status is UserStatus.DISABLED:
        return "Disabled"
    if u.locked_out:
        return "Locked out"
    if u.must_change_password:
        return "Active – must choose a new password"
    return "Active"


USER_COLUMNS: tuple[Column[UserInfo], ...] = (
    Column("Username", lambda u: u.username),
    Column("Full name", lambda u: u.full_name, lambda u: name_key(u.full_name)),
    Column("Role", lambda u: ROLE_TITLES[u.role]),
    Column(
        "Status",
        user_status,
        warn=lambda u: u.status is UserStatus.DISABLED or u.locked_out,
    ),
    Column(
        "Last login",
        lambda u: local_time(u.last_login_at) or "never",
        lambda u: u.last_login_at.timestamp() if u.last_login_at else 0.0,
    ),
)


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


class UsersPage(QWidget):
    """The practice's user accounts and what an administrator may do with them."""

    def __init__(self, service: UserService, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._service = service
        self.actor = actor
        self._ops = ops
        self.dialog: QDialog | None = None
        self.add_button = button("&Add user…", "Add user", self.add_user)
        self.disable_button = button("&Disable", "Disable or enable", self.toggle_disabled)
        self.reset_button = button("&Reset password…", "Reset password", self.reset_password)
        self.unlock_button = button("Un&lock", "Unlock", self.unlock)
        self.model: DtoTableModel[UserInfo] = DtoTableModel(USER_COLUMNS)
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSourceModel(self.model)
        self.proxy.setSortRole(Qt.ItemDataRole.UserRole)
        self.table = table_view("Users")
        self.table.setModel(self.proxy)
        self.table.setSortingEnabled(True)
        self.table.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.table.selectionModel().selectionChanged.connect(self._update_buttons)
        self.message = label(name="Last change", selectable=True)

        top = QHBoxLayout()
        for widget in (self.add_button, self.disable_button, self.reset_button):
            top.addWidget(widget)
        top.addWidget(self.unlock_button)
        top.addStretch()
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.message)
        set_tab_order(
            [
                self.add_button,
                self.disable_button,
                self.reset_button,
                self.unlock_button,
                self.table,
            ]
        )
        self._update_buttons()

    def refresh(self) -> None:
        """Reload the users, keeping the selected one selected."""
        chosen = self.selected()
        rows = self._ops.run(lambda: self._service.list(self.actor))
        if rows is None:
            return
        self.model.set_rows(rows)
        fit_columns(self.table)
        self.select(chosen.username if chosen else self.actor.username)
        self._update_buttons()

    def select(self, username: str) -> None:
        """Select the row of ``username`` (if shown)."""
        for row in range(self.proxy.rowCount()):
            source = self.proxy.mapToSource(self.proxy.index(row, 0))
            if self.model.row(source.row()).username == username:
                self.table.selectRow(row)
                return

    def selected(self) -> UserInfo | None:
        """The user whose row is selected."""
        rows = self.table.selectionModel().selectedRows()
        if not rows:
            return None
        return self.model.row(self.proxy.mapToSource(rows[0]).row())

    def _update_buttons(self) -> None:
        user = self.selected()
        for widget in (self.disable_button, self.reset_button):
            widget.setEnabled(user is not None)
        disabled = user is not None and user.status is UserStatus.DISABLED
        self.disable_button.setText("&Enable" if disabled else "&Disable")
        self.unlock_button.setEnabled(user is not None and user.locked_out)
        self.unlock_button.setToolTip(
            "" if user is None or user.locked_out else "This account is not locked out."
        )

    def _open(self, dialog: QDialog) -> None:
        self.dialog = dialog
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.destroyed.connect(lambda _obj=None: setattr(self, "dialog", None))
        dialog.open()  # window-modal, without blocking the event loop

    def add_user(self) -> None:
        """Open the Add user dialog; the new user is selected once saved."""
        dialog = AddUserDialog(self._service, self.actor, self)

        def on_saved() -> None:
            self.refresh()
            self.select(dialog.username.text().strip().lower())
            self.message.setText(f"{dialog.full_name.text().strip()} was added.")

        dialog.saved.connect(on_saved)
        self._open(dialog)

    def reset_password(self) -> None:
        """Open the Reset password dialog for the selected user."""
        user = self.selected()
        if user is None:
            return
        dialog = ResetPasswordDialog(self._service, self.actor, user, self)

        def on_saved() -> None:
            self.refresh()
            self.message.setText(f"{user.full_name} has a new password.")

        dialog.saved.connect(on_saved)
        self._open(dialog)

    def toggle_disabled(self) -> None:
        """Disable the selected account (or enable it again)."""
        user = self.selected()
        if user is None:
            return
        new = UserStatus.ACTIVE if user.status is UserStatus.DISABLED else UserStatus.DISABLED
        saved = self._ops.run(
            lambda: self._service.set_status(self.actor, user.username, new),
            changes="users",
            on_validation=self._refused,
        )
        if saved is not None:
            done = "can no longer log in" if new is UserStatus.DISABLED else "can log in again"
            self.message.setText(f"{user.full_name} {done}.")
            self.refresh()

    def unlock(self) -> None:
        """Clear the selected user's lockout after failed logins."""
        user = self.selected()
        if user is None:
            return
        saved = self._ops.run(
            lambda: self._service.unlock(self.actor, user.username), changes="users"
        )
        if saved is not None:
            self.message.setText(f"{user.full_name} is no longer locked out and can log in.")
            self.refresh()

    def _refused(self, err: ValidationError) -> None:
        # The service says why in a sentence of its own; the field name adds nothing here.
        QMessageBox.warning(self, "Not possible", sentence(err.reason))
