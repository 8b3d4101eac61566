"""The Admin screens driven as an administrator would: users, audit report, backup, settings."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import csv
import datetime as dt
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import ADMIN_PASSWORD, PASSPHRASE, STAFF_PASSWORD, Practice
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QAbstractItemView,
    QAbstractSpinBox,
    QApplication,
    QComboBox,
    QDialogButtonBox,
    QFileDialog,
    QLineEdit,
    QMessageBox,
    QTableView,
    QWidget,
)
from pytestqt.qtbot import QtBot
from sqlalchemy import update

from emr_desktop.domain.clinical import Sex
from emr_desktop.domain.patients import PatientInput
from emr_desktop.domain.security import Role
from emr_desktop.errors import AuthenticationError, PasswordChangeRequired, PracticeError
from emr_desktop.models.mfa import LoginThrottle
from emr_desktop.services.patients.registry import PatientService
from emr_desktop.services.practice.audit_report import EXPORT_COLUMNS
from emr_desktop.services.practice.auth import REFUSED, AuthService
from emr_desktop.services.practice.backups import read_manifest
from emr_desktop.services.practice.details import PracticeService
from emr_desktop.services.practice.settings import SettingsService
from emr_desktop.services.practice.store import open_practice
from emr_desktop.services.practice.users import UserService
from emr_desktop.ui.admin.admin_view import AdminView
from emr_desktop.ui.admin.audit_page import AuditPage
from emr_desktop.ui.admin.restore_dialog import RestoreDialog
from emr_desktop.ui.admin.settings_page import ProviderDialog
from emr_desktop.ui.admin.user_dialogs import AddUserDialog
from emr_desktop.ui.admin.users_page import UsersPage
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations

JOB_TIMEOUT_MS = 30_000


@pytest.fixture
def messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str]]:
    """Message boxes, recorded instead of shown (a modal box would stall the test)."""
    shown: list[tuple[str, str]] = []

    def record(_parent: QWidget, title: str, text: str, *_a: object) -> object:
        shown.append((title, text))
        return QMessageBox.StandardButton.Ok

    for name in ("warning", "information", "critical", "question"):
        monkeypatch.setattr(QMessageBox, name, record)
    return shown


@pytest.fixture
def view(qtbot: QtBot, practice: Practice, messages: list[tuple[str, str]]) -> Iterator[AdminView]:
    """The Admin tab for the practice's admin, shown."""
    holder = QWidget()
    qtbot.addWidget(holder)
    admin = AdminView(Services(practice.db), practice.admin, Operations(holder))
    qtbot.addWidget(admin)
    admin.resize(1100, 700)
    admin.show()
    qtbot.waitExposed(admin)
    yield admin


def click(qtbot: QtBot, widget: QWidget) -> None:
    """Click a button the way a user does."""
    assert widget.isEnabled(), widget.accessibleName()
    qtbot.mouseClick(widget, Qt.MouseButton.LeftButton)


def ok_button(box: QDialogButtonBox) -> QAbstractButton:
    """The accepting button of a dialog's button box."""
    return next(
        b for b in box.buttons() if box.buttonRole(b) == QDialogButtonBox.ButtonRole.AcceptRole
    )


def type_into(qtbot: QtBot, edit: QWidget, text: str) -> None:
    """Select what the field holds and type ``text`` over it."""
    edit.setFocus()
    qtbot.keyClick(edit, Qt.Key.Key_A, Qt.KeyboardModifier.ControlModifier)
    qtbot.keyClicks(edit, text)


def column_texts(table: QTableView, column: int) -> list[str]:
    """What one column of a table shows, top to bottom."""
    model = table.model()
    return [str(model.index(r, column).data()) for r in range(model.rowCount())]


def select_user(page: UsersPage, username: str) -> None:
    """Click the row of ``username``."""
    page.refresh()
    row = column_texts(page.table, 0).index(username)
    page.table.selectRow(row)


def status_of(page: UsersPage, username: str) -> str:
    """The Status column of ``username``."""
    return column_texts(page.table, 3)[column_texts(page.table, 0).index(username)]


def add_user_dialog(qtbot: QtBot, page: UsersPage) -> AddUserDialog:
    """Click Add user… and return the dialog it opened."""
    click(qtbot, page.add_button)
    dialog = page.dialog
    assert isinstance(dialog, AddUserDialog) and dialog.isVisible()
    return dialog


def test_adding_a_user_shows_the_one_time_password_once_and_lists_them(
    qtbot: QtBot, view: AdminView, practice: Practice
) -> None:
    page = view.users
    dialog = add_user_dialog(qtbot, page)
    qtbot.keyClicks(dialog.username, "JSmith")
    qtbot.keyClicks(dialog.full_name, "Jane Smith, MD")
    dialog.role.setCurrentIndex(dialog.role.findData(Role.PHYSICIAN.value))
    click(qtbot, ok_button(dialog.buttons))
    assert dialog.pages.currentIndex() == 1  # the one-time password page
    otp = dialog.otp_field.text()
    assert len(otp) >= 10 and dialog.otp_field.isReadOnly()
    assert "Jane Smith, MD (jsmith)" in dialog.otp_note.text()
    assert "first log in" in dialog.otp_hint.text()
    assert "jsmith" in column_texts(page.table, 0)  # listed while the password shows
    assert page.selected() is not None and page.selected().username == "jsmith"  # type: ignore[union-attr]
    with pytest.raises(PasswordChangeRequired):
        AuthService(practice.db).login("jsmith", otp)
    click(qtbot, dialog.done_button)
    qtbot.waitUntil(lambda: page.dialog is None)
    assert status_of(page, "jsmith") == "Active – must choose a new password"


def test_a_chosen_password_must_be_typed_twice_alike(
    qtbot: QtBot, view: AdminView, practice: Practice
) -> None:
    dialog = add_user_dialog(qtbot, view.users)
    qtbot.keyClicks(dialog.username, "front1")
    qtbot.keyClicks(dialog.full_name, "Front Desk")
    click(qtbot, dialog.one_time)  # untick: choose the password
    qtbot.keyClicks(dialog.password, "Front-desk-2026")
    qtbot.keyClicks(dialog.confirm, "Front-desk-2025")
    click(qtbot, ok_button(dialog.buttons))
    assert dialog.errors.text("password again") == "Does not match the password."
    assert "front1" not in [u.username for u in UserService(practice.db).list(practice.admin)]
    type_into(qtbot, dialog.confirm, "Front-desk-2026")
    click(qtbot, ok_button(dialog.buttons))
    assert dialog.result() == AddUserDialog.DialogCode.Accepted
    assert AuthService(practice.db).login("front1", "Front-desk-2026").role is Role.RECEPTIONIST


def test_a_taken_username_is_shown_beside_the_field(
    qtbot: QtBot, view: AdminView, messages: list[tuple[str, str]]
) -> None:
    dialog = add_user_dialog(qtbot, view.users)
    qtbot.keyClicks(dialog.username, "admin")
    qtbot.keyClicks(dialog.full_name, "Another Admin")
    click(qtbot, ok_button(dialog.buttons))
    assert "already exists" in dialog.errors.text("username")
    assert dialog.pages.currentIndex() == 0 and not messages


def test_disabling_and_enabling_and_never_oneself(
    qtbot: QtBot,
    view: AdminView,
    practice: Practice,
    messages: list[tuple[str, str]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    practice.add_user("lnowak", Role.RECEPTIONIST)
    page = view.users
    select_user(page, "lnowak")
    assert page.disable_button.text() == "&Disable"
    asked: list[str] = []
    answer = [QMessageBox.StandardButton.No]
    monkeypatch.setattr(
        QMessageBox, "question", lambda _p, _t, text, *_a: (asked.append(text), answer[0])[1]
    )
    click(qtbot, page.disable_button)  # asked first; "No" keeps the account
    assert status_of(page, "lnowak") == "Active" and "Disable Lnowak" in asked[0]
    answer[0] = QMessageBox.StandardButton.Yes
    click(qtbot, page.disable_button)
    assert status_of(page, "lnowak") == "Disabled"
    assert page.disable_button.text() == "&Enable"
    with pytest.raises(AuthenticationError) as refused:  # the same words as a wrong password
        AuthService(practice.db).login("lnowak", STAFF_PASSWORD)
    assert refused.value.message == REFUSED
    click(qtbot, page.disable_button)
    assert status_of(page, "lnowak") == "Active"
    AuthService(practice.db).login("lnowak", STAFF_PASSWORD)

    select_user(page, "admin")
    click(qtbot, page.disable_button)
    assert messages == [("Not possible", "You cannot disable your own account.")]
    assert status_of(page, "admin") == "Active"


def test_unlocking_a_locked_out_user_and_resetting_a_password(
    qtbot: QtBot, view: AdminView, practice: Practice
) -> None:
    practice.add_user("nraman", Role.NURSE)
    for _ in range(5):
        with practice.db.unit_of_work() as s:  # past each backoff wait, as time would be
            s.execute(update(LoginThrottle).values(wait_until=None))
        with pytest.raises(AuthenticationError):
            AuthService(practice.db).login("nraman", "not her password 1")
    page = view.users
    select_user(page, "nraman")
    assert status_of(page, "nraman") == "Locked out"
    click(qtbot, page.unlock_button)
    assert status_of(page, "nraman") == "Active"
    assert not page.unlock_button.isEnabled()
    assert "no longer locked out" in page.message.text()
    AuthService(practice.db).login("nraman", STAFF_PASSWORD)

    click(qtbot, page.reset_button)
    dialog = page.dialog
    assert dialog is not None
    click(qtbot, ok_button(dialog.buttons))  # type: ignore[attr-defined]
    otp = dialog.otp_field.text()  # type: ignore[attr-defined]
    with pytest.raises(AuthenticationError):
        AuthService(practice.db).login("nraman", STAFF_PASSWORD)
    with pytest.raises(PasswordChangeRequired):
        AuthService(practice.db).login("nraman", otp)


def _register_patient(practice: Practice) -> str:
    desk = practice.add_user("desk", Role.RECEPTIONIST)
    data = PatientInput("Ana", "Lopez", dt.date(1980, 5, 1), Sex.FEMALE)
    return PatientService(practice.db).register(desk, data).mrn


def _show(qtbot: QtBot, page: AuditPage) -> list[str]:
    click(qtbot, page.show_button)
    return column_texts(page.table, 3)


def test_the_audit_report_filters_by_user_action_and_patient_and_sorts(
    qtbot: QtBot, view: AdminView, practice: Practice
) -> None:
    mrn = _register_patient(practice)
    AuthService(practice.db).login("desk", STAFF_PASSWORD)
    view.setCurrentWidget(view.audit)  # loads the report
    page = view.audit
    assert "matching row" in page.caption.text()
    assert page.since.date().daysTo(page.until.date()) == 6
    assert page.since.calendarPopup() and page.until.calendarPopup()

    page.user.setCurrentIndex(page.user.findData("desk"))
    actions = _show(qtbot, page)
    assert set(column_texts(page.table, 1)) == {"desk"}
    assert actions[:2] == ["login", "patient_register"]  # newest first

    type_into(qtbot, page.action.lineEdit(), "login")
    assert _show(qtbot, page) == ["login", "login"]

    page.user.setCurrentIndex(0)  # any user
    type_into(qtbot, page.action.lineEdit(), "Any action")
    qtbot.keyClicks(page.mrn, mrn)
    assert _show(qtbot, page) == ["patient_register"]
    assert column_texts(page.table, 6) != [""]

    type_into(qtbot, page.mrn, "9999999")
    click(qtbot, page.show_button)
    assert page.filter_error.text() == "No patient has MRN 9999999."

    page.mrn.clear()
    _show(qtbot, page)
    before = column_texts(page.table, 3)
    header = page.table.horizontalHeader()
    x = header.sectionViewportPosition(3) + header.sectionSize(3) // 2
    qtbot.mouseClick(header.viewport(), Qt.MouseButton.LeftButton, pos=QPoint(x, 5))
    after = column_texts(page.table, 3)
    assert after != before
    assert after in (sorted(before), sorted(before, reverse=True))


def test_the_audit_report_exports_csv_and_verifies_the_chain(
    qtbot: QtBot, view: AdminView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view.setCurrentWidget(view.audit)
    page = view.audit
    out = tmp_path / "out.csv"
    offered: list[str] = []

    def save_dialog(_parent: QWidget, _title: str, default: str, _filter: str) -> tuple[str, str]:
        offered.append(Path(default).name)
        return str(out), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    click(qtbot, page.export_button)
    qtbot.waitUntil(lambda: not page.result.isHidden(), timeout=JOB_TIMEOUT_MS)
    assert offered == [f"audit-{dt.date.today():%Y%m%d}.csv"]
    with open(out, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    assert rows[0] == list(EXPORT_COLUMNS)
    assert len(rows) > 1
    assert f"{len(rows) - 1} rows were written" in page.result.text.text()

    click(qtbot, page.verify_button)
    qtbot.waitUntil(
        lambda: "intact" in page.result.text.text() and page.verify_button.isEnabled(),
        timeout=JOB_TIMEOUT_MS,
    )
    assert re.search(r"intact: \d+ rows checked", page.result.text.text())
    assert page.result.icon.accessibleDescription() == "passed"


def test_back_up_now_writes_a_backup_and_check_reports_ok(
    qtbot: QtBot, view: AdminView, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    view.setCurrentWidget(view.backup)
    page = view.backup
    offered: list[str] = []

    def save_dialog(_parent: QWidget, _title: str, default: str, _filter: str) -> tuple[str, str]:
        offered.append(Path(default).name)
        return str(tmp_path / "nightly"), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_dialog)
    click(qtbot, page.backup_button)
    assert not page.progress.isHidden() and not page.backup_button.isEnabled()
    qtbot.waitUntil(lambda: not page.manifest_box.isHidden(), timeout=JOB_TIMEOUT_MS)
    assert re.fullmatch(r"practice-\d{8}-\d{4}\.emrbackup", offered[0])
    written = tmp_path / "nightly.emrbackup"
    assert read_manifest(written) == page.last_manifest
    assert page.last_manifest is not None
    assert page.last_manifest.database_sha256 in _texts(page.manifest_box)
    assert page.backup_button.isEnabled() and page.progress.isHidden()

    click(qtbot, page.check_button)
    qtbot.waitUntil(lambda: page.last_problems is not None, timeout=JOB_TIMEOUT_MS)
    assert page.last_problems == []
    assert "No problems found" in page.result.text.text()


def _texts(widget: QWidget) -> str:
    from PySide6.QtWidgets import QLabel

    return " ".join(label.text() for label in widget.findChildren(QLabel))


@pytest.mark.sqlcipher_only(reason="the embedded practice's restore dialog")
def test_restore_asks_for_password_and_passphrase_then_quits(
    qtbot: QtBot,
    view: AdminView,
    practice: Practice,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    messages: list[tuple[str, str]],
) -> None:
    from emr_desktop.services.practice.backups import BackupService
    from emr_desktop.services.practice.folder import PracticePaths

    backup = tmp_path / "before.emrbackup"
    BackupService(practice.db, PracticePaths(practice.root)).backup(practice.admin, backup)
    practice.add_user("latecomer", Role.NURSE)  # made after the backup: gone after restore
    quits: list[bool] = []
    monkeypatch.setattr(QApplication, "quit", lambda: quits.append(True))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *_a: (str(backup), ""))
    view.setCurrentWidget(view.backup)
    click(qtbot, view.backup.restore_button)
    dialog = view.backup.dialog
    assert isinstance(dialog, RestoreDialog)
    assert str(practice.paths.backups) in _texts(dialog)

    qtbot.keyClicks(dialog.password, "wrong password 1")
    click(qtbot, dialog.restore_button)
    # No keyring in tests: the backup's key needs the practice passphrase.
    qtbot.waitUntil(lambda: dialog.passphrase.isVisible(), timeout=JOB_TIMEOUT_MS)
    qtbot.keyClicks(dialog.passphrase, PASSPHRASE)
    click(qtbot, dialog.restore_button)
    qtbot.waitUntil(lambda: bool(dialog.errors.text("password")), timeout=JOB_TIMEOUT_MS)
    assert "not correct" in dialog.errors.text("password")
    assert not quits

    type_into(qtbot, dialog.password, ADMIN_PASSWORD)
    click(qtbot, dialog.restore_button)
    qtbot.waitUntil(lambda: bool(quits), timeout=JOB_TIMEOUT_MS)
    title, text = messages[-1]
    assert title == "Backup restored" and "Start it again" in text
    # The restoring app writes nothing more through the replaced database...
    with pytest.raises(PracticeError, match="start emr-desktop again"):
        UserService(practice.db).list(practice.admin)
    # ...and the reopened practice is the backup's.
    reopened = open_practice(practice.root, lambda: PASSPHRASE)
    try:
        admin = AuthService(reopened).login("admin", ADMIN_PASSWORD)
        users = [u.username for u in UserService(reopened).list(admin)]
    finally:
        reopened.dispose()
    assert "latecomer" not in users
    assert list(practice.paths.backups.glob("replaced-*.db"))


def test_settings_save_the_idle_lock_and_show_bad_values_beside_their_field(
    qtbot: QtBot, view: AdminView, practice: Practice
) -> None:
    view.setCurrentWidget(view.settings)
    page = view.settings
    idle = page.spins["idle_lock_minutes"]
    assert idle.value() == 5
    type_into(qtbot, idle, "12")
    click(qtbot, page.save_button)
    assert SettingsService(practice.db).current().idle_lock_minutes == 12
    assert page.message.text() == "Saved."

    type_into(qtbot, idle, "0")
    type_into(qtbot, page.edits["city"], "Springfield")
    click(qtbot, page.save_button)
    assert page.errors.text("idle_lock_minutes") == "Must be a whole number from 1 to 120."
    assert SettingsService(practice.db).current().idle_lock_minutes == 12
    assert PracticeService(practice.db).details(practice.admin).city == ""  # nothing half-saved


def test_practice_details_round_trip(qtbot: QtBot, view: AdminView, practice: Practice) -> None:
    view.setCurrentWidget(view.settings)
    page = view.settings
    typed = {
        "name": "Riverside Family Medicine",
        "address_line1": "12 River Road",
        "city": "Springfield",
        "state": "IL",
        "postal_code": "62701",
        "phone": "call us",
        "fax": "(217) 555-0101",
    }
    for attr, text in typed.items():
        type_into(qtbot, page.edits[attr], text)
    click(qtbot, page.save_button)
    assert page.errors.text("phone").startswith("May contain only digits")
    assert PracticeService(practice.db).details(practice.admin).name == "Test Practice"

    type_into(qtbot, page.edits["phone"], "(217) 555-0100")
    click(qtbot, page.save_button)
    assert not page.errors.text("phone")
    saved = PracticeService(practice.db).details(practice.admin)
    assert (saved.name, saved.city, saved.phone) == (
        "Riverside Family Medicine",
        "Springfield",
        "(217) 555-0100",
    )
    click(qtbot, page.undo_button)  # reload from the database
    assert page.edits["postal_code"].text() == "62701"
    assert page.edits["name"].text() == "Riverside Family Medicine"


def test_provider_credentials_are_checked_and_saved(
    qtbot: QtBot, view: AdminView, practice: Practice
) -> None:
    practice.add_user("drokafor", Role.PHYSICIAN)
    view.setCurrentWidget(view.settings)
    page = view.settings
    page.refresh()
    page.providers.selectRow(0)
    click(qtbot, page.edit_button)
    dialog = page.dialog
    assert isinstance(dialog, ProviderDialog)
    qtbot.keyClicks(dialog.edits["npi"], "1234567890")
    qtbot.keyClicks(dialog.edits["credentials"], "MD")
    click(qtbot, ok_button(dialog.findChild(QDialogButtonBox)))
    assert "check for a mistyped digit" in dialog.errors.text("NPI")
    type_into(qtbot, dialog.edits["npi"], "1234567893")
    click(qtbot, ok_button(dialog.findChild(QDialogButtonBox)))
    qtbot.waitUntil(lambda: page.dialog is None)
    assert column_texts(page.providers, 3) == ["1234567893"]
    assert PracticeService(practice.db).providers(practice.admin)[0].credentials == "MD"


def _unnamed(root: QWidget) -> list[str]:
    """Focusable controls without an accessible name (ignoring Qt's own sub-parts)."""
    parts = (QAbstractSpinBox, QComboBox, QAbstractItemView)
    missing = []
    for widget in root.findChildren(QWidget):
        if widget.focusPolicy() == Qt.FocusPolicy.NoFocus or widget.isWindow():
            continue
        if isinstance(widget.parentWidget(), parts) or isinstance(
            widget.parentWidget() and widget.parentWidget().parentWidget(), parts
        ):
            continue
        if not isinstance(widget, (QAbstractButton, QLineEdit, *parts)):
            continue
        if not widget.accessibleName() and not (
            isinstance(widget, QAbstractButton) and widget.text()
        ):
            missing.append(f"{type(widget).__name__} {widget.objectName()}")
    return missing


def test_every_control_has_a_name_and_tab_follows_the_screen(
    qtbot: QtBot, view: AdminView, practice: Practice
) -> None:
    for index in range(view.count()):
        view.setCurrentIndex(index)
        assert _unnamed(view.widget(index)) == [], view.tabText(index)
    dialog = add_user_dialog(qtbot, view.users)
    assert _unnamed(dialog) == []
    dialog.reject()

    view.setCurrentWidget(view.settings)
    page = view.settings
    page.activateWindow()
    page.edits["name"].setFocus()
    qtbot.waitUntil(lambda: page.edits["name"].hasFocus())
    visited = []
    for _ in range(len(page.edits) + len(page.spins) + 1):
        visited.append(QApplication.focusWidget())
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
    expected: list[QWidget] = [*page.edits.values(), *page.spins.values(), page.save_button]
    assert [w.accessibleName() if w else None for w in visited] == [
        w.accessibleName() for w in expected
    ]
