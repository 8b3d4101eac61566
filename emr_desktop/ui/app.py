"""Start-up: open (or create the demo) practice, unlock it, log in, show the main window."""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication, QInputDialog, QLineEdit, QMessageBox

from emr_desktop import __version__
from emr_desktop.demo.build import DEMO_USERS, demo_password, open_or_create_demo
from emr_desktop.errors import EmrError, WrongPassphrase
from emr_desktop.logs import setup_logging
from emr_desktop.paths import data_dir as default_data_dir
from emr_desktop.paths import demo_data_dir
from emr_desktop.security.files import private_umask
from emr_desktop.services.practice import presence
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.folder import PracticePaths
from emr_desktop.services.practice.settings import SettingsService
from emr_desktop.services.practice.store import Database, open_practice
from emr_desktop.ui.backup_timer import ScheduledBackups
from emr_desktop.ui.login_dialog import LoginDialog
from emr_desktop.ui.splash import StartSplash


class _Cancelled(Exception):
    pass


def _ask_passphrase() -> str:
    # Like emr-admin, the GUI takes the passphrase from the environment when it is set
    # (kiosk set-ups and the start-up benchmark); otherwise it asks.
    if os.environ.get("EMR_DB_PASSPHRASE"):
        return os.environ["EMR_DB_PASSPHRASE"]
    text, ok = QInputDialog.getText(
        None,
        "Practice passphrase",
        "This computer does not have the practice key yet.\nEnter the practice passphrase:",
        QLineEdit.EchoMode.Password,
    )
    if not ok:
        raise _Cancelled
    return str(text)


def _ask_server_password() -> str:
    if os.environ.get("EMR_SERVER_PASSWORD"):
        return os.environ["EMR_SERVER_PASSWORD"]
    text, ok = QInputDialog.getText(
        None,
        "Practice server",
        "This computer does not have the practice server's password saved.\n"
        "Enter the password (the clinic's IT person has it):",
        QLineEdit.EchoMode.Password,
    )
    if not ok:
        raise _Cancelled
    return str(text)


def _open(root: Path) -> Database:
    while True:
        try:
            return open_practice(root, _ask_passphrase, server_password=_ask_server_password)
        except WrongPassphrase as err:
            QMessageBox.warning(None, "Wrong passphrase", err.message)


def demo_hint() -> str:
    """The text the login dialog shows on the demo practice."""
    users = ", ".join(f"{u.username} ({u.role.value})" for u in DEMO_USERS)
    return (
        "<b>This is a demo practice</b> with made-up patients.<br>"
        f"Users: {users}<br>Password for every demo user: <code>{demo_password()}</code>"
    )


def _load_screens() -> None:
    """Import the main window and every service it builds on."""
    import emr_desktop.ui.context
    import emr_desktop.ui.main_window  # noqa: F401


def _warm_up_icd10() -> None:
    """Build the ICD-10 search index in the background (the first search then answers at
    once)."""
    import threading

    from emr_desktop.reference import icd10

    threading.Thread(target=icd10.warm_up, name="icd10-warm-up", daemon=True).start()


def run(*, demo: bool = False, data_dir: str | None = None) -> int:
    """Run the application until the main window closes."""
    QGuiApplication.setHighDpiScaleFactorRoundingPolicy(
        Qt.HighDpiScaleFactorRoundingPolicy.PassThrough
    )
    app = QApplication.instance() or QApplication(sys.argv)
    app.setOrganizationName("emr-desktop")
    app.setApplicationName("emr-desktop")
    app.setApplicationVersion(__version__)
    private_umask()  # the practice's files, backups, exports and logs: this user's only
    setup_logging("emr-desktop")
    splash = StartSplash()
    splash.show()
    splash.step("Starting…")
    try:
        root = demo_data_dir() if demo and not data_dir else default_data_dir(data_dir)
        if demo:
            first = not PracticePaths(root).exists()
            splash.step(
                "Building the demo practice (first start, about a minute)…"
                if first
                else "Opening the demo practice…"
            )
            QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
            try:
                db = open_or_create_demo(root)
            finally:
                QApplication.restoreOverrideCursor()
        elif not PracticePaths(root).in_use():
            from emr_desktop.ui.setup_wizard import SetupWizard  # first run only

            splash.close()  # the wizard is the first screen of a new practice
            wizard = SetupWizard(root)
            if wizard.exec() != SetupWizard.DialogCode.Accepted or wizard.database is None:
                return 1
            db = wizard.database
        else:
            splash.step("Opening the practice database…")
            db = _open(root)
    except _Cancelled:
        splash.close()
        return 1
    except EmrError as err:
        splash.close()
        QMessageBox.critical(None, "Cannot open the practice", err.message)
        return 1
    try:
        presence.hold(db)
    except EmrError as err:
        QMessageBox.critical(None, "Cannot open the practice", err.message)
        db.dispose()
        return 1
    keep_lease = QTimer(app)
    keep_lease.timeout.connect(lambda: _renew(db))
    keep_lease.start(presence.RENEW_EVERY_MS)
    settings = SettingsService(db)
    name = settings.current().practice_name
    login = LoginDialog(
        AuthService(db), name, demo_hint=demo_hint() if settings.is_demo() else None
    )
    splash.done_for(login)
    if os.environ.get("EMR_EXIT_AT_LOGIN"):  # the start-up benchmark stops here
        QTimer.singleShot(0, login.reject)
    # The screens behind the login load while the user types (keystrokes queue meanwhile),
    # so the login window shows first.
    QTimer.singleShot(50, _load_screens)
    if login.exec() != LoginDialog.DialogCode.Accepted or login.actor is None:
        _close(db)
        return 0
    from emr_desktop.ui.context import Services
    from emr_desktop.ui.main_window import MainWindow

    window = MainWindow(Services(db), login.actor, name)
    window.show()
    # The ICD-10 index (seconds to build) is ready before the first problem is coded.
    QTimer.singleShot(500, _warm_up_icd10)
    backups = ScheduledBackups(db)
    backups.start(app)
    code = app.exec()
    keep_lease.stop()
    _close(db)
    return int(code)


def _renew(db: Database) -> None:
    """Keep this app's open lease (a busy or unreachable database is tried next time)."""
    with contextlib.suppress(EmrError):
        presence.renew(db)


def _close(db: Database) -> None:
    """Give the lease back and close the database."""
    with contextlib.suppress(EmrError):
        presence.release(db)
    db.dispose()
