"""The desktop shell: log in, lock with Ctrl+L hiding everything, unlock; all audited."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest
from conftest import ADMIN_PASSWORD, Practice
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QLineEdit
from pytestqt.qtbot import QtBot

from emr_desktop.domain.audit import AuditFilter
from emr_desktop.services.practice.audit_report import AuditService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.ui.context import Services
from emr_desktop.ui.login_dialog import LoginDialog
from emr_desktop.ui.main_window import MainWindow


def _actions(practice: Practice) -> list[str]:
    rows = AuditService(practice.db).search(practice.admin, AuditFilter(username="admin"))
    return [r.action for r in reversed(rows)]


def test_login_dialog_refuses_a_wrong_password_and_accepts_the_right_one(
    qtbot: QtBot, practice: Practice
) -> None:
    dialog = LoginDialog(AuthService(practice.db), "Test Practice")
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    user, password = dialog.findChildren(QLineEdit)
    qtbot.keyClicks(user, "admin")
    qtbot.keyClicks(password, "wrong password 1")
    qtbot.keyClick(password, Qt.Key.Key_Return)
    error = next(
        lbl for lbl in dialog.findChildren(QLabel) if lbl.accessibleName() == "Login error"
    )
    assert "not correct" in error.text()
    assert dialog.actor is None
    qtbot.keyClicks(password, ADMIN_PASSWORD)
    qtbot.keyClick(password, Qt.Key.Key_Return)
    assert dialog.actor is not None and dialog.actor.username == "admin"


def test_ctrl_l_locks_and_only_the_password_unlocks(qtbot: QtBot, practice: Practice) -> None:
    window = MainWindow(Services(practice.db), practice.admin, "Test Practice")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.menu_actions.lock.trigger()
    assert window.locked
    assert not window.menuBar().isEnabled()
    field = window.lock_page.password
    qtbot.keyClicks(field, "not my password")
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert window.locked
    qtbot.keyClicks(field, ADMIN_PASSWORD)
    qtbot.keyClick(field, Qt.Key.Key_Return)
    assert not window.locked
    assert _actions(practice)[-3:] == ["lock", "login_failed", "unlock"]


@pytest.mark.parametrize("idle", [False, True])
def test_lock_is_audited_with_its_cause(qtbot: QtBot, practice: Practice, idle: bool) -> None:
    window = MainWindow(Services(practice.db), practice.admin, "Test Practice")
    qtbot.addWidget(window)
    window.lock(idle=idle)
    rows = AuditService(practice.db).search(practice.admin, AuditFilter(action="lock"))
    assert rows and f'"idle": {str(idle).lower()}' in rows[0].details
