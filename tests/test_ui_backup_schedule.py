"""The manager sets the scheduled backups in Admin, sees each field's error, the warning
and the history after the app's timer made a backup."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import Practice
from PySide6.QtCore import Qt, QTime
from PySide6.QtWidgets import QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.ui.admin.admin_view import AdminView
from emr_desktop.ui.backup_timer import ScheduledBackups
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations

pytestmark = pytest.mark.sqlcipher_only(reason="the app backs up its embedded database")


def test_the_manager_sets_a_schedule_and_sees_the_backups_the_app_made(
    qtbot: QtBot, practice: Practice, tmp_path: Path
) -> None:
    holder = QWidget()
    qtbot.addWidget(holder)
    view = AdminView(Services(practice.db), practice.admin, Operations(holder))
    qtbot.addWidget(view)
    view.resize(1100, 900)
    view.show()
    view.setCurrentWidget(view.backup)
    box = view.backup.schedule
    assert box is not None
    assert "No verified backup" in box.warning.text() and box.warning.isVisible()
    box.destination.setText("not/a/folder")
    qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    assert "existing folder" in box.errors.text("destination")
    usb = tmp_path / "usb"
    usb.mkdir()
    box.destination.setText(str(usb))
    box.daily_at.setTime(QTime(0, 0))
    qtbot.mouseClick(box.save_button, Qt.MouseButton.LeftButton)
    assert not box.errors.text("destination")
    timer = ScheduledBackups(practice.db)
    timer.check()  # what the app's timer does: the backup is due (00:00 has passed)
    qtbot.waitUntil(lambda: bool(list(usb.glob("emr-backup-*.emrbak"))), timeout=60_000)
    qtbot.waitUntil(lambda: timer._busy.acquire(blocking=False), timeout=60_000)
    timer._busy.release()
    view.backup.refresh()
    assert not box.warning.isVisible()
    assert "verified" in box.history.item(0).text()
    view.grab().save("/tmp/continuity-backup-schedule.png")
    assert dt.date.today()  # the history shows local times
