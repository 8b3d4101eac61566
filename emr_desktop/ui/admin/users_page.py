"""Users and roles: add a user, change name or role, disable (asked first) or enable,
reset a password, clear a lockout."""

from __future__ import annotations

from PySide6.QtCore import QSortFilterProxyModel, Qt
from PySide6.QtWidgets import (
    QDialog,
    QHBoxLayout,
    QMessageBox,
    QVBoxLayout,
    QWidget,
)

from emr_desktop.domain.security import Actor, UserStatus
from emr_desktop.domain.users import UserInfo
from emr_desktop.errors import ValidationError
from emr_desktop.services.practice.users import UserService
from emr_desktop.ui.admin import (
    button,
    fit_columns,
    label,
    local_time,
    name_key,
    sentence,
    set_tab_order,
    table_view,
)
from emr_desktop.ui.admin.user_dialogs import ROLE_TITLES, AddUserDialog, ResetPasswordDialog
from emr_desktop.ui.admin.user_edit import EditUserDialog, confirm_disable
from emr_desktop.ui.ops import Operations
from emr_desktop.ui.table_model import Column, DtoTableModel


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
    Column("Two-step login", lambda u: "On" if u.mfa_enrolled else "Off"),
    Column(
        "Last login",
        lambda u: local_time(u.last_login_at) or "never",
        lambda u: u.last_login_at.timestamp() if u.last_login_at else 0.0,
    ),
)


class UsersPage(QWidget):
    """The practice's user accounts and what an administrator may do with them."""

    def __init__(self, service: UserService, actor: Actor, ops: Operations) -> None:
        super().__init__()
        self._service = service
        self.actor = actor
        self._ops = ops
        self.dialog: QDialog | None = None
        self.add_button = button("&Add user…", "Add user", self.add_user)
        self.edit_button = button("&Change name or role…", "Change name or role", self.edit_user)
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
        for widget in (self.add_button, self.edit_button, self.disable_button, self.reset_button):
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
                self.edit_button,
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
        for widget in (self.edit_button, self.disable_button, self.reset_button):
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

    def edit_user(self) -> None:
        """Open the Change name or role dialog for the selected user."""
        user = self.selected()
        if user is None:
            return
        dialog = EditUserDialog(self._service, self.actor, user, self)

        def on_saved() -> None:
            self.refresh()
            self.message.setText(f"{dialog.full_name.text().strip()} was changed.")

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
        if new is UserStatus.DISABLED and not confirm_disable(
            self, self._service, self.actor, user
        ):
            return
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
