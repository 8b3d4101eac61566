"""Issue 14 users: a one-time password asks for a new one at the login and lock screens,
"Change my password" for everyone, the manager changes a user's name and role, F5 once."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import ADMIN_PASSWORD, STAFF_PASSWORD, Practice
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialogButtonBox, QLineEdit
from pytestqt.qtbot import QtBot

from emr_desktop.domain.security import Role
from emr_desktop.errors import PasswordChangeRequired, SessionEnded, ValidationError
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.users import UserService
from emr_desktop.ui.context import Services
from emr_desktop.ui.login_dialog import LoginDialog
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.password_change import ChangePasswordDialog

NEW = "Brand-new-pass-4411"


def _answer_password_dialog(new: str, again: str, current: str | None = None) -> list[str]:
    """Fill the password dialog that is about to open modally, then press its OK."""
    seen: list[str] = []

    def fill() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, ChangePasswordDialog):
            QTimer.singleShot(20, fill)
            return
        seen.append(dialog.windowTitle())
        if current is not None:
            dialog.current.setText(current)
        dialog.new.setText(new)
        dialog.again.setText(again)
        dialog.findChild(QDialogButtonBox).button(QDialogButtonBox.StandardButton.Ok).click()
        if dialog.isVisible():  # refused: say why, then give up
            seen.append(dialog.error.text())
            dialog.new.clear()
            dialog.again.clear()
            dialog.reject()

    QTimer.singleShot(0, fill)
    return seen


def test_a_one_time_password_asks_for_a_new_one_on_the_login_screen(
    qtbot: QtBot, practice: Practice
) -> None:
    made = UserService(practice.db).add(
        practice.admin, username="newdesk", full_name="New Desk", role=Role.RECEPTIONIST,
        password=None,
    )  # fmt: skip
    otp = made.one_time_password
    assert otp is not None
    dialog = LoginDialog(AuthService(practice.db), "Test Practice", username="newdesk")
    qtbot.addWidget(dialog)
    seen = _answer_password_dialog(NEW, NEW + "x")  # typo in the repeat: refused, kept out
    dialog._password.setText(otp)
    dialog._on_buttons_accepted()
    assert dialog.actor is None and "do not match" in seen[-1]
    seen = _answer_password_dialog(NEW, NEW)
    dialog._password.setText(otp)
    dialog._on_buttons_accepted()
    assert seen == ["Choose a new password"]
    assert dialog.actor is not None and dialog.actor.username == "newdesk"
    assert AuthService(practice.db).login("newdesk", NEW).username == "newdesk"


def test_the_lock_screen_switches_in_a_user_with_a_one_time_password(
    qtbot: QtBot, practice: Practice
) -> None:
    otp = UserService(practice.db).add(
        practice.admin, username="newnurse", full_name="New Nurse", role=Role.NURSE,
        password=None,
    ).one_time_password  # fmt: skip
    window = MainWindow(Services(practice.db), practice.admin, "Test Practice")
    qtbot.addWidget(window)
    window.lock()
    window.lock_page.switch_user.setText("newnurse")
    window.lock_page.switch_password.setText(otp or "")
    _answer_password_dialog(NEW, NEW)
    window.lock_page._on_switch_clicked()
    assert not window.locked and window.actor.username == "newnurse"


def test_change_my_password_keeps_the_app_working(qtbot: QtBot, practice: Practice) -> None:
    window = MainWindow(Services(practice.db), practice.admin, "Test Practice")
    qtbot.addWidget(window)
    old = window.actor
    _answer_password_dialog(NEW, NEW, current=ADMIN_PASSWORD)
    from emr_desktop.ui.actions import change_my_password

    messages: list[str] = []
    import emr_desktop.ui.actions as actions

    orig = actions.QMessageBox.information
    actions.QMessageBox.information = lambda *a: messages.append(a[2])  # type: ignore[assignment,method-assign]
    try:
        change_my_password(window)
    finally:
        actions.QMessageBox.information = orig  # type: ignore[method-assign]
    assert messages == ["Your password is changed."]
    assert window.actor.session != old.session
    UserService(practice.db).list(window.actor)  # the new session works
    with pytest.raises(SessionEnded):
        UserService(practice.db).list(old)
    assert AuthService(practice.db).login("admin", NEW).username == "admin"


def test_f5_is_one_unambiguous_shortcut(qtbot: QtBot, practice: Practice) -> None:
    window = MainWindow(Services(practice.db), practice.admin, "Test Practice")
    qtbot.addWidget(window)
    keys = [k.toString() for k in window.menu_actions.refresh.shortcuts()]
    assert keys.count("F5") == 1
    window.menu_actions = __import__("emr_desktop.ui.actions", fromlist=["x"]).build_menus(window)
    f5 = QKeySequence("F5")
    from PySide6.QtGui import QAction

    owners = [a for a in window.findChildren(QAction) if f5 in a.shortcuts()]
    assert len(owners) == 1  # rebuilding the menus (switch user) leaves no second F5


def test_the_manager_changes_name_and_role(practice: Practice) -> None:
    users = UserService(practice.db)
    practice.add_user("ppatel", Role.RECEPTIONIST)
    nurse = AuthService(practice.db).login("ppatel", STAFF_PASSWORD)
    info = users.update(practice.admin, "ppatel", full_name=" Priya Patel ", role=Role.NURSE)
    assert (info.full_name, info.role) == ("Priya Patel", Role.NURSE)
    with pytest.raises(SessionEnded):  # the old role's session is over
        PatientService(practice.db).search(nurse, "")
    with pytest.raises(ValidationError) as bad:
        users.update(practice.admin, "ppatel", full_name=" ", role=Role.NURSE)
    assert "full name" in bad.value.message
    with pytest.raises(ValidationError, match="needs an admin"):
        users.update(practice.admin, "admin", full_name="Ada", role=Role.NURSE)
    with pytest.raises(PasswordChangeRequired):
        otp = users.reset_password(practice.admin, "ppatel", None)
        AuthService(practice.db).login("ppatel", otp or "")


def test_keyboard_enter_in_the_password_dialog(qtbot: QtBot, practice: Practice) -> None:
    dialog = ChangePasswordDialog(AuthService(practice.db), "admin")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.current.setText(ADMIN_PASSWORD)
    dialog.new.setText("short")
    dialog.again.setText("short")
    qtbot.keyClick(dialog.again, Qt.Key.Key_Return)
    assert dialog.actor is None and "at least" in dialog.error.text()
    assert isinstance(dialog.findChild(QLineEdit), QLineEdit)
