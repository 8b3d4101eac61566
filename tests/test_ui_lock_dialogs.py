"""Locked means locked (issue 19, item 1): a physician's open prescription dialog is
covered by the idle lock, takes no input and makes no service call until the same user
unlocks; another user switching in never sees or submits it, and it comes back intact."""

from __future__ import annotations

import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import time
from collections.abc import Callable
from typing import Any

import pytest
from conftest import ADMIN_PASSWORD, STAFF_PASSWORD, Clinic
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QLabel, QWidget
from pytestqt.qtbot import QtBot

from emr_desktop.ui.chart.chart_view import ChartView
from emr_desktop.ui.chart.medications import MedicationsSection
from emr_desktop.ui.chart.prescription_dialog import PrescriptionDialog
from emr_desktop.ui.context import Services
from emr_desktop.ui.lock_screen import LOCKED_TITLE, Curtain
from emr_desktop.ui.main_window import MainWindow
from emr_desktop.ui.ops import Operations


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every service call the screens make through Operations, by the caller's name."""
    made: list[str] = []
    real_run = Operations.run

    def run(self: Operations, call: Callable[[], Any], **kw: Any) -> Any:
        made.append(getattr(call, "__qualname__", "call"))
        return real_run(self, call, **kw)

    monkeypatch.setattr(Operations, "run", run)
    monkeypatch.setattr(Operations, "show_error", lambda self, err: made.append(err.message))
    return made


def _prescribing(qtbot: QtBot, clinic: Clinic) -> tuple[MainWindow, PrescriptionDialog, int]:
    services = Services(clinic.db)
    pid = clinic.patient()
    services.allergies.mark_no_known_allergies(clinic.nurse, pid)
    # a session of its own: closing the window ends it (and would end the shared one)
    doctor = services.auth.login(clinic.doctor.username, STAFF_PASSWORD)
    window = MainWindow(services, doctor, "Test Practice")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    window.workspace.open_patient(pid)
    chart = window.workspace.current_chart()
    assert isinstance(chart, ChartView)
    section = next(s for s in chart.sections if isinstance(s, MedicationsSection))
    chart.tabs.setCurrentWidget(section)
    dialog = section.open_prescribe_dialog()
    qtbot.waitExposed(dialog)
    form = dialog.form
    form.choose("atorvastatin")
    form.strength.setCurrentText("20 mg")
    form.dose.setText("1")
    form.frequency.setCurrentText("once daily")
    form.quantity.setText("30")
    assert dialog.add_current()
    return window, dialog, pid


def _idle_lock(window: MainWindow) -> None:
    window.idle.last_activity = time.monotonic() - window.idle_limit_seconds - 1
    window._idle_timer.timeout.emit()  # the timer's next tick, without waiting for it


def _try_everything(qtbot: QtBot, dialog: PrescriptionDialog) -> None:
    """What a passer-by could do to the dialog: click, press its shortcuts, press Enter."""
    for button in (dialog.check_button, dialog.sign_button):
        qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
        button.click()
    qtbot.keyClick(dialog, Qt.Key.Key_S, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(dialog, Qt.Key.Key_C, Qt.KeyboardModifier.AltModifier)
    qtbot.keyClick(dialog.form.drug, Qt.Key.Key_Return)
    qtbot.keyClick(dialog, Qt.Key.Key_Escape)


def _shown_text(window: QWidget) -> str:
    """The text of every label a user could see in ``window``."""
    return " ".join(
        label.text() for label in window.findChildren(QLabel) if label.isVisibleTo(window)
    )


def test_idle_lock_covers_the_prescription_dialog_and_nothing_is_signed(
    qtbot: QtBot, clinic: Clinic, calls: list[str]
) -> None:
    window, dialog, pid = _prescribing(qtbot, clinic)
    name = dialog.banner.name.text()
    assert name and name in _shown_text(dialog)
    _idle_lock(window)
    assert window.locked
    assert window.lock_window.isVisible()
    assert QApplication.activeModalWidget() is window.lock_window
    # the dialog is still there (its typed batch kept) but covered and deaf
    assert dialog.isVisible() and not dialog.isEnabled()
    assert dialog.windowTitle() == LOCKED_TITLE
    curtain = dialog.findChild(Curtain)
    assert curtain is not None and curtain.isVisible()
    assert curtain.geometry() == dialog.rect()
    assert dialog.grab().toImage().pixelColor(20, 20).name() == "#2b3340"  # opaque
    before = list(calls)
    _try_everything(qtbot, dialog)
    assert calls == before  # no service call while locked
    assert dialog.isVisible() and len(dialog.items) == 1
    services = Services(clinic.db)
    assert services.medications.list(clinic.doctor, pid) == []  # nothing was signed
    # the same physician unlocks: the dialog is back as it was, and works
    qtbot.keyClicks(window.lock_page.password, STAFF_PASSWORD)
    qtbot.keyClick(window.lock_page.password, Qt.Key.Key_Return)
    assert not window.locked and not window.lock_window.isVisible()
    assert dialog.isEnabled() and dialog.windowTitle() == "New prescription"
    qtbot.waitUntil(lambda: dialog.findChild(Curtain) is None)
    assert len(dialog.items) == 1
    assert dialog.sign()
    assert len(dialog.signed) == 1


def test_another_user_never_sees_the_dialog_and_the_physician_gets_it_back(
    qtbot: QtBot, clinic: Clinic, calls: list[str]
) -> None:
    window, dialog, pid = _prescribing(qtbot, clinic)
    window.menu_actions.lock.trigger()
    page = window.lock_page
    qtbot.keyClicks(page.switch_user, "admin")
    qtbot.keyClicks(page.switch_password, ADMIN_PASSWORD)
    qtbot.keyClick(page.switch_password, Qt.Key.Key_Return)
    assert window.actor.username == "admin" and not window.locked
    assert not dialog.isVisible() and not dialog.isEnabled()
    assert window.workspace.charts() == []
    assert QApplication.activeModalWidget() is None  # the admin's screens take input
    _try_everything(qtbot, dialog)
    assert not [c for c in calls if "sign" in c or "check" in c]
    # the admin locks; the physician switches back in and finds the batch as left
    window.menu_actions.lock.trigger()
    qtbot.keyClicks(page.switch_user, clinic.doctor.username)
    qtbot.keyClicks(page.switch_password, STAFF_PASSWORD)
    qtbot.keyClick(page.switch_password, Qt.Key.Key_Return)
    assert window.actor.user_id == clinic.doctor.user_id
    assert dialog.isVisible() and dialog.isEnabled()
    assert len(dialog.items) == 1
    assert len(window.workspace.charts()) == 1  # switching user kept the physician's tab
    services = Services(clinic.db)
    assert services.medications.list(clinic.doctor, pid) == []  # nothing was signed
