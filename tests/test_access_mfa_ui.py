"""Two-step login in the app: the login dialog asks for the code, a required enrolment
shows its QR code and turns on with the first code, and one's own set-up from the menu."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
import urllib.parse

import pyotp
import pytest
from conftest import STAFF_PASSWORD, Practice
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.domain.security import Role
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.mfa import MfaService
from emr_desktop.ui.admin.mfa_page import HandOverDialog, MfaPage
from emr_desktop.ui.context import Services
from emr_desktop.ui.login_dialog import LoginDialog
from emr_desktop.ui.mfa_dialogs import EnrolDialog, RecoveryCodesDialog, TwoStepDialog
from emr_desktop.ui.ops import Operations


def _code(uri: str, ahead: int = 0) -> str:
    secret = urllib.parse.parse_qs(urllib.parse.urlparse(uri).query)["secret"][0]
    return pyotp.TOTP(secret).at(time.time() + 30 * ahead)


def _login(dialog: LoginDialog, username: str, password: str) -> None:
    dialog._username.setText(username)
    dialog._password.setText(password)
    dialog._on_buttons_accepted()


def test_the_login_dialog_asks_for_the_code(qtbot: QtBot, practice: Practice) -> None:
    practice.add_user("drapp", Role.PHYSICIAN)
    uri = MfaService(practice.db).enroll(practice.admin, "drapp").uri
    dialog = LoginDialog(AuthService(practice.db), "Test Practice")
    qtbot.addWidget(dialog)
    _login(dialog, "drapp", STAFF_PASSWORD)
    assert dialog.actor is None and dialog.code is not None
    assert "6-digit code" in dialog._error.text()
    dialog.show()
    dialog.grab().save("/tmp/security-login-code.png")
    dialog.code.setText("000000")
    dialog._on_buttons_accepted()
    assert dialog.actor is None and "not correct" in dialog._error.text()
    dialog._password.setText(STAFF_PASSWORD)
    dialog.code.setText(_code(uri))
    dialog._on_buttons_accepted()
    assert dialog.actor is not None and dialog.actor.username == "drapp"


def test_a_required_enrolment_shows_the_qr_code_and_the_first_code_turns_it_on(
    qtbot: QtBot, practice: Practice
) -> None:
    practice.add_user("nurseqr", Role.NURSE)
    MfaService(practice.db).require_for(practice.admin, frozenset({Role.NURSE}))
    dialog = LoginDialog(AuthService(practice.db), "Test Practice")
    qtbot.addWidget(dialog)
    seen: list[EnrolDialog] = []

    def answer() -> None:
        enrol = dialog.enrol_dialog
        if enrol is None or not enrol.isVisible():
            QTimer.singleShot(20, answer)
            return
        seen.append(enrol)
        enrol.grab().save("/tmp/security-enrol.png")
        uri = f"otpauth://totp/x?secret={enrol.secret.replace(' ', '')}"
        enrol.code.setText(_code(uri))
        enrol._on_ok()

    QTimer.singleShot(20, answer)
    _login(dialog, "nurseqr", STAFF_PASSWORD)
    assert seen, "the enrolment dialog was not shown"
    assert dialog.actor is not None and dialog.actor.username == "nurseqr"


def test_one_sets_up_two_step_login_from_the_menu(qtbot: QtBot, practice: Practice) -> None:
    actor = practice.add_user("deskself", Role.RECEPTIONIST)
    mfa = MfaService(practice.db)
    shown: list[str] = []

    def answer() -> None:
        window = QApplication.activeModalWidget()
        if isinstance(window, EnrolDialog):
            uri = f"otpauth://totp/x?secret={window.secret.replace(' ', '')}"
            window.code.setText(_code(uri))
            window._on_ok()
        elif isinstance(window, RecoveryCodesDialog):
            shown.append(window.codes.toPlainText())
            window.grab().save("/tmp/security-codes.png")
            window.accept()
            return
        QTimer.singleShot(20, answer)

    host = QWidget()
    qtbot.addWidget(host)
    dialog = TwoStepDialog(mfa, actor, Operations(host), host)
    assert "off" in dialog.state.text()
    QTimer.singleShot(20, answer)
    dialog.setup_button.click()
    assert shown and len(shown[0].splitlines()) == 10
    assert mfa.status(actor).enrolled
    assert "on" in dialog.state.text()


def test_the_manager_requires_it_and_turns_it_on_and_off_for_a_user(
    qtbot: QtBot, practice: Practice, monkeypatch: pytest.MonkeyPatch
) -> None:
    practice.add_user("drpage", Role.PHYSICIAN)
    host = QWidget()
    qtbot.addWidget(host)
    page = MfaPage(Services(practice.db), practice.admin, Operations(host))
    qtbot.addWidget(page)
    page.refresh()
    page.role_boxes[Role.PHYSICIAN].setChecked(True)
    page.save_button.click()
    assert MfaService(practice.db).policy(practice.admin).roles == {Role.PHYSICIAN}
    assert "Physician" in page.message.text()

    row = next(i for i in range(page.model.rowCount()) if page.model.row(i).username == "drpage")
    page.table.selectRow(row)
    page.on_button.click()
    assert isinstance(page.dialog, HandOverDialog)
    assert len(page.dialog.codes.toPlainText().splitlines()) == 10
    page.resize(700, 400)
    page.show()
    page.grab().save("/tmp/security-mfa-page.png")
    page.dialog.grab().save("/tmp/security-handover.png")
    page.dialog.accept()
    assert {u.username for u in page.model.rows() if u.mfa_enrolled} == {"drpage"}

    monkeypatch.setattr(QMessageBox, "question", lambda *a: QMessageBox.StandardButton.Yes)
    page.table.selectRow(row)
    page.off_button.click()
    assert not any(u.mfa_enrolled for u in page.model.rows())
